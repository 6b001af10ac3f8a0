using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// The data of one pub/sub message as a PowerShell event carries it ($Event.SourceEventArgs): Channel,
    /// Pattern (for -Pattern subscriptions), Message (UTF-8 text), MessageBytes (the exact payload), and Type, which
    /// tells a -Channel message ("message") from a -Pattern match ("pmessage") and a -ShardChannel message ("smessage").
    /// </summary>
    public sealed class RedisMessageEventArgs : EventArgs
    {
        internal RedisMessageEventArgs(PubSubMessage message)
        {
            Type = message.Type;
            Channel = message.Channel;
            Pattern = message.Pattern;
            MessageBytes = message.DataBytes ?? new byte[0];
            ParseNotification();
        }

        /// <summary>
        /// For a keyspace notification: the key, the event (set, del, expired, ...) and the database, from a
        /// __keyevent@&lt;db&gt;__:&lt;event&gt; channel (the message is the key) or a __keyspace@&lt;db&gt;__:&lt;key&gt; channel (the message
        /// is the event). Null for other messages.
        /// </summary>
        private void ParseNotification()
        {
            bool keyevent = Channel.StartsWith("__keyevent@", StringComparison.Ordinal);
            if (!keyevent && !Channel.StartsWith("__keyspace@", StringComparison.Ordinal)) return;
            int end = Channel.IndexOf("__:", 11, StringComparison.Ordinal);
            if (end < 0 || !int.TryParse(Channel.Substring(11, end - 11), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out int db)) return;
            string rest = Channel.Substring(end + 3);
            Database = db;
            Key = keyevent ? Message : rest;
            Event = keyevent ? rest : Message;
        }

        /// <summary>For a keyspace notification (-KeyEvent, or a __keyspace@/__keyevent@ -Pattern): the key; otherwise null.</summary>
        public string? Key { get; private set; }

        /// <summary>For a keyspace notification: the event, such as set, del, expired, hset; otherwise null.</summary>
        public string? Event { get; private set; }

        /// <summary>For a keyspace notification: the database of the key; otherwise null.</summary>
        public int? Database { get; private set; }

        /// <summary>"message" (a -Channel subscription), "pmessage" (-Pattern) or "smessage" (-ShardChannel, published with SPUBLISH).</summary>
        public string Type { get; }

        /// <summary>True for a shard channel's message (-ShardChannel, SPUBLISH).</summary>
        public bool IsSharded => Type == "smessage";

        /// <summary>The channel the message was published to (for keyspace notifications: __keyspace@db__:key).</summary>
        public string Channel { get; }

        /// <summary>The pattern that matched, for a -Pattern subscription; otherwise null.</summary>
        public string? Pattern { get; }

        /// <summary>The payload as UTF-8 text.</summary>
        public string Message => Encoding.UTF8.GetString(MessageBytes);

        /// <summary>The payload exactly as published (for binary messages).</summary>
        public byte[] MessageBytes { get; }

        /// <summary>"channel: message".</summary>
        public override string ToString() => Channel + ": " + Message;
    }

    /// <summary>
    /// One Register-RedisEvent subscription: its own pub/sub connection (named <see cref="ClientName"/>) and the
    /// background reader that turns messages into PowerShell events. It is the Sender of those events and the
    /// SourceObject of the event subscriber; Unregister-Event stops the reader and closes the connection.
    /// <para>
    /// Messages reach the engine in the order received: the reader thread hands each one to the event manager
    /// itself (GenerateEvent, processed on that thread, which only queues the event or the -Action). The engine's
    /// own handler for CLR events would hand every event to a thread-pool thread of its own, which can reorder
    /// them, so <see cref="MessageReceived"/> is never raised: it exists so that the engine subscription has a
    /// source object and an event, which is what makes Unregister-Event tell this object to close.
    /// No script block ever runs on the reader thread.
    /// </para>
    /// <para>
    /// A lost connection queues one "&lt;id&gt;.Disconnected" event, then one "&lt;id&gt;.Reconnected" once every subscription
    /// is restored, however many attempts it took. When a retry limit (-MaxRetry) is reached, a last "&lt;id&gt;.Error"
    /// event says so and the event subscriber is unregistered, so Get-EventSubscriber no longer lists a subscription
    /// that can receive nothing.
    /// </para>
    /// </summary>
    public sealed class RedisSubscription : IDisposable
    {
        /// <summary>How long Unregister-Event waits for the reader to stop and the connection to close.</summary>
        private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);

        private readonly PSEventManager _events;
        private readonly PSObject? _messageData;
        private readonly ManualResetEventSlim _confirmed = new ManualResetEventSlim(false);
        private int _unconfirmed;
        private volatile Exception? _startFailure;
        private PSEventSubscriber? _subscriber;
        private long _received;
        private volatile bool _closed;

        internal RedisSubscription(RedisConnection connection, string sourceIdentifier, IReadOnlyList<string> channels,
            IReadOnlyList<string> patterns, IReadOnlyList<string> shardChannels, PSEventManager events, PSObject? messageData, int? maxRetry, TimeSpan? healthCheckInterval)
        {
            Connection = connection;
            SourceIdentifier = sourceIdentifier;
            ClientName = ClientNameFor(sourceIdentifier);
            _events = events;
            _messageData = messageData;
            _unconfirmed = channels.Count + patterns.Count + shardChannels.Count;
            RequestedChannels = channels;
            RequestedPatterns = patterns;
            RequestedShardChannels = shardChannels;
            // Confirmations are counted here (to know when the server has subscribed) and never become events. On a
            // cluster the subscriber routes: shard channels to their slot's owner, keyspace notifications to every primary.
            PubSub = connection.Client.Subscriber(ClientName, ignoreSubscribeMessages: false);
            PubSub.MaxReconnectAttempts = maxRetry;
            if (healthCheckInterval.HasValue) PubSub.HealthCheckInterval = healthCheckInterval.Value;
            PubSub.MessageReceived += OnMessage;
            PubSub.Disconnected += OnDisconnected;
            PubSub.Reconnected += OnReconnected;
            PubSub.Error += OnError;
            EndSourceIdentifier = "PSRedis.SubscriptionEnd." + Guid.NewGuid().ToString("N");
        }

        /// <summary>Register-RedisEvent -Match: only keyspace notifications for keys that match become events (set before Start).</summary>
        internal WildcardPattern? KeyFilter { get; set; }

        /// <summary>Never raised (see the class remarks); the engine subscribes to it so Unregister-Event reaches this object.</summary>
#pragma warning disable CS0067
        public event EventHandler<RedisMessageEventArgs>? MessageReceived;
#pragma warning restore CS0067

        /// <summary>The event source identifier (Get-Event/Wait-Event/Unregister-Event -SourceIdentifier).</summary>
        public string SourceIdentifier { get; }

        /// <summary>The CLIENT SETNAME of the dedicated pub/sub connection.</summary>
        public string ClientName { get; }

        /// <summary>The PSRedis connection whose settings the pub/sub connection copies.</summary>
        public RedisConnection Connection { get; }

        /// <summary>
        /// The client's pub/sub session (subscribe to more channels with .PubSub.Subscribe('name')): a RedisPubSub on one
        /// server, a RedisClusterPubSub (one connection per node it needs) on a cluster.
        /// </summary>
        public IRedisPubSub PubSub { get; }

        /// <summary>The channels subscribed now.</summary>
        public IReadOnlyCollection<string> Channels => PubSub.Channels;

        /// <summary>The patterns subscribed now.</summary>
        public IReadOnlyCollection<string> Patterns => PubSub.Patterns;

        /// <summary>The shard channels subscribed now (-ShardChannel, SSUBSCRIBE).</summary>
        public IReadOnlyCollection<string> ShardChannels => PubSub.ShardChannels;

        /// <summary>Published messages received so far.</summary>
        public long MessagesReceived => Interlocked.Read(ref _received);

        /// <summary>True while the background reader runs (false after Unregister-Event, or once it gave up reconnecting).</summary>
        public bool IsRunning => PubSub.IsRunning;

        internal IReadOnlyList<string> RequestedChannels { get; }

        internal IReadOnlyList<string> RequestedPatterns { get; }

        internal IReadOnlyList<string> RequestedShardChannels { get; }

        /// <summary>The source identifier of the events that report a lost connection (one per outage).</summary>
        public string DisconnectedSourceIdentifier => SourceIdentifier + ".Disconnected";

        /// <summary>The source identifier of the events that report a restored connection.</summary>
        public string ReconnectedSourceIdentifier => SourceIdentifier + ".Reconnected";

        /// <summary>The source identifier of the events that report reader failures.</summary>
        public string ErrorSourceIdentifier => SourceIdentifier + ".Error";

        /// <summary>
        /// The hidden engine event whose action ends an -Action subscription on the pipeline thread (see
        /// <see cref="Attach"/>); the cmdlet subscribes to it.
        /// </summary>
        internal string EndSourceIdentifier { get; }

        /// <summary>The engine subscriber this subscription feeds, so that giving up can unregister it.</summary>
        internal void Attach(PSEventSubscriber subscriber) => _subscriber = subscriber;

        /// <summary>
        /// Subscribes, starts the reader and waits until the server confirmed every subscription. False when it did not
        /// in time; throws the server's refusal (e.g. NOPERM for a channel the user may not read) as soon as it comes.
        /// </summary>
        internal bool Start(TimeSpan confirmationTimeout)
        {
            if (RequestedChannels.Count > 0) PubSub.Subscribe(ToArray(RequestedChannels));
            if (RequestedPatterns.Count > 0) PubSub.PSubscribe(ToArray(RequestedPatterns));
            if (RequestedShardChannels.Count > 0) PubSub.SSubscribe(ToArray(RequestedShardChannels));
            PubSub.Start();
            bool confirmed = _confirmed.Wait(confirmationTimeout);
            Exception? failure = _startFailure;
            if (failure != null) throw failure;
            return confirmed;
        }

        /// <summary>Stops the reader and closes the pub/sub connection; waits for that at most a few seconds.</summary>
        public void Dispose()
        {
            if (_closed) return;
            _closed = true;
            // Closing runs on another thread, waited for with a limit: the engine may call this (Unsubscribed) while
            // holding its subscriber lock, which the reader thread may be waiting for inside GenerateEvent.
            Task closing = Task.Run(() => PubSub.Dispose());
            closing.Wait(CloseWait);
        }

        /// <summary>SourceIdentifier and the subscribed channels and patterns.</summary>
        public override string ToString() =>
            SourceIdentifier + " (" + string.Join(", ", Combine(Combine(Channels, Patterns), ShardChannels)) + ")";

        private void OnMessage(object? sender, PubSubMessageEventArgs e)
        {
            if (_closed) return;
            PubSubMessage message = e.Message;
            if (message.IsPublished)
            {
                var args = new RedisMessageEventArgs(message);
                if (KeyFilter != null && (args.Key == null || !KeyFilter.IsMatch(args.Key))) return;
                Interlocked.Increment(ref _received);
                // Processed on this thread, so events are queued (or actions scheduled) in the order received.
                _events.GenerateEvent(SourceIdentifier, this, new object[] { this, args }, _messageData, true, false);
            }
            else if (message.Type == "subscribe" || message.Type == "psubscribe" || message.Type == "ssubscribe")
            {
                // Interlocked: on a cluster each node's reader confirms its own subscriptions.
                if (Volatile.Read(ref _unconfirmed) > 0 && Interlocked.Decrement(ref _unconfirmed) == 0 && !_closed) _confirmed.Set();
            }
        }

        private void OnDisconnected(object? sender, PubSubDisconnectedEventArgs e)
        {
            if (_closed) return;
            _events.GenerateEvent(DisconnectedSourceIdentifier, this, new object[] { this, e }, _messageData, true, false);
        }

        private void OnReconnected(object? sender, PubSubReconnectedEventArgs e)
        {
            if (_closed) return;
            _events.GenerateEvent(ReconnectedSourceIdentifier, this, new object[] { this, e }, _messageData, true, false);
        }

        private void OnError(object? sender, PubSubErrorEventArgs e)
        {
            if (_closed) return;
            if (!_confirmed.IsSet && e.Exception is RedisException)
            {
                // Refused before the subscriptions were confirmed: Register-RedisEvent fails with it now, instead of
                // waiting for a confirmation that will not come.
                _startFailure = e.Exception;
                _confirmed.Set();
                return;
            }
            _events.GenerateEvent(ErrorSourceIdentifier, this, new object[] { this, e }, _messageData, true, false);
            if (e.ReaderStopped) EndAfterGivingUp();
        }

        /// <summary>
        /// The reader stopped at its retry limit: unregister the engine subscriber, so it is not left listed while
        /// receiving nothing. Runs on the reader thread, which must not wait for itself.
        /// </summary>
        private void EndAfterGivingUp()
        {
            PSEventSubscriber? subscriber = _subscriber;
            if (subscriber == null) return;
            if (subscriber.Action == null)
            {
                // Without an action nothing can be pending for this subscriber, so unsubscribing off the pipeline thread
                // runs no script. Not on this thread: unsubscribing disposes this subscription, which waits for the reader.
                Task.Run(() =>
                {
                    try
                    {
                        _events.UnsubscribeEvent(subscriber);
                    }
                    catch (ObjectDisposedException ex)
                    {
                        // The runspace closed meanwhile, which ends the subscriber anyway.
                        Trace.TraceInformation("PSRedis: subscriber already gone: " + ex.Message);
                    }
                });
            }
            else
            {
                // Runs of the user's action may still be queued, and unsubscribing runs those on the calling thread. The
                // engine runs actions in order on its pipeline thread, so the hidden action queued now (see the cmdlet)
                // ends the subscriber after them, and no script runs anywhere else.
                _events.GenerateEvent(EndSourceIdentifier, this, new object[] { this, EventArgs.Empty }, new PSObject(subscriber), true, false);
            }
        }

        /// <summary>"psredis-event:" + the identifier, with what CLIENT SETNAME refuses (spaces, control characters) as '_'.</summary>
        internal static string ClientNameFor(string sourceIdentifier)
        {
            var name = new StringBuilder("psredis-event:", 14 + sourceIdentifier.Length);
            foreach (char c in sourceIdentifier) name.Append(c >= '!' && c <= '~' ? c : '_');
            return name.ToString();
        }

        private static string[] ToArray(IReadOnlyList<string> names)
        {
            var array = new string[names.Count];
            for (int i = 0; i < array.Length; i++) array[i] = names[i];
            return array;
        }

        private static IEnumerable<string> Combine(IEnumerable<string> a, IEnumerable<string> b)
        {
            foreach (string s in a) yield return s;
            foreach (string s in b) yield return s;
        }
    }
}
