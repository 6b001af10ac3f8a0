using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A publish/subscribe session (redis-py's PubSub) on a connection of its own, never one of the client's
    /// pooled connections, so pushed messages can only reach this object. Read messages either with
    /// <see cref="GetMessage"/> / <see cref="Listen"/> or with a background reader (<see cref="Start"/>) that
    /// raises <see cref="MessageReceived"/>; not both at once.
    /// <para>
    /// The subscriptions asked for are remembered: when the connection is lost (the server restarted, or the
    /// client was killed), the reader reconnects with a short, bounded backoff, subscribes to every channel
    /// and pattern again, then raises <see cref="Reconnected"/>. Messages published while it was disconnected
    /// are lost: Redis pub/sub keeps nothing for absent subscribers (use streams for that).
    /// </para>
    /// Thread-safe: subscribing, unsubscribing and <see cref="Ping"/> may be called from any thread, also
    /// while the background reader runs.
    /// </summary>
    public sealed class RedisPubSub : IDisposable
    {
        /// <summary>The PING payload of health checks; its PONG is consumed here and never delivered.</summary>
        public const string HealthCheckMessage = "psredis-health-check";

        // Reads poll in slices so writers (Subscribe from another thread) and Stop/Dispose get the connection
        // within this time even while a reader waits for messages.
        private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(50);
        private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);
        private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(50);

        private readonly Connection _connection;
        private readonly object _io = new object();
        private readonly HashSet<string> _channels = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _patterns = new HashSet<string>(StringComparer.Ordinal);
        private int _waitingWriters;
        private long _serverCount;
        private bool _everConnected;
        private int _awaitingConfirmations;
        private int _reconnectedPending;
        private int _failedReconnects;
        private long _nextReconnectAt;
        private Exception? _lastReconnectError;
        private long _nextHealthCheck;
        private long _healthPingSentAt;
        private Thread? _thread;
        private volatile bool _stopRequested;
        private volatile bool _disposed;

        internal RedisPubSub(ConnectionOptions options, bool ignoreSubscribeMessages)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            // In RESP3 a subscriber's messages and confirmations arrive as pushes: here they are the replies.
            _connection = new Connection(options) { PushesAreReplies = true };
            IgnoreSubscribeMessages = ignoreSubscribeMessages;
        }

        /// <summary>Raised on the background reader's thread for each message, in the order received (see <see cref="Start"/>).</summary>
        public event EventHandler<PubSubMessageEventArgs>? MessageReceived;

        /// <summary>Raised once a lost connection was re-established and every subscription restored (the server confirmed them).</summary>
        public event EventHandler? Reconnected;

        /// <summary>Raised by the background reader for failures it cannot hand to a caller (see <see cref="PubSubErrorEventArgs"/>).</summary>
        public event EventHandler<PubSubErrorEventArgs>? Error;

        /// <summary>The connection options of the dedicated connection (a copy of the client's).</summary>
        public ConnectionOptions Options => _connection.Options;

        /// <summary>Skip subscribe/unsubscribe confirmations by default (redis-py ignore_subscribe_messages).</summary>
        public bool IgnoreSubscribeMessages { get; set; }

        /// <summary>How many times in a row a lost connection is retried (with a growing pause, up to 2 s) before giving up.</summary>
        public int MaxReconnectAttempts { get; set; } = 10;

        /// <summary>The channels currently subscribed (as asked; the server confirms asynchronously).</summary>
        public IReadOnlyCollection<string> Channels
        {
            get { lock (_io) return new List<string>(_channels); }
        }

        /// <summary>The patterns currently subscribed.</summary>
        public IReadOnlyCollection<string> Patterns
        {
            get { lock (_io) return new List<string>(_patterns); }
        }

        /// <summary>True while at least one channel or pattern is subscribed (redis-py subscribed).</summary>
        public bool IsSubscribed
        {
            get { lock (_io) return _channels.Count + _patterns.Count > 0; }
        }

        /// <summary>True while the background reader started by <see cref="Start"/> runs.</summary>
        public bool IsRunning => _thread != null && _thread.IsAlive;

        /// <summary>True while the dedicated connection is open.</summary>
        public bool IsConnected
        {
            get { lock (_io) return _connection.IsConnected; }
        }

        /// <summary>SUBSCRIBE: receive the messages published to these channels (connects on first use).</summary>
        public void Subscribe(params string[] channels) => ChangeSubscriptions("SUBSCRIBE", channels, _channels, add: true);

        /// <summary>PSUBSCRIBE: receive the messages published to channels matching these glob-style patterns.</summary>
        public void PSubscribe(params string[] patterns) => ChangeSubscriptions("PSUBSCRIBE", patterns, _patterns, add: true);

        /// <summary>UNSUBSCRIBE from these channels; with none, from every channel.</summary>
        public void Unsubscribe(params string[] channels) => ChangeSubscriptions("UNSUBSCRIBE", channels, _channels, add: false);

        /// <summary>PUNSUBSCRIBE from these patterns; with none, from every pattern.</summary>
        public void PUnsubscribe(params string[] patterns) => ChangeSubscriptions("PUNSUBSCRIBE", patterns, _patterns, add: false);

        /// <summary>PING on the subscribed connection; the answer arrives as a message of type "pong" carrying <paramref name="message"/>.</summary>
        public void Ping(string? message = null)
        {
            object?[] args = message == null ? new object?[] { "PING" } : new object?[] { "PING", message };
            Write(() =>
            {
                if (!_connection.IsConnected)
                {
                    ConnectAndResubscribe();
                    _connection.SendCommand(args);
                    return;
                }
                try
                {
                    _connection.SendCommand(args);
                }
                catch (Exception ex) when (IsConnectionLoss(ex))
                {
                    ConnectAndResubscribe();
                    _connection.SendCommand(args);
                }
            });
        }

        /// <summary>
        /// The next message within <paramref name="timeout"/>, or null (redis-py get_message). Confirmations are
        /// skipped when <paramref name="ignoreSubscribeMessages"/> (default: <see cref="IgnoreSubscribeMessages"/>);
        /// skipping does not end the wait early. <see cref="TimeSpan.Zero"/> only takes what has arrived already;
        /// <see cref="Timeout.InfiniteTimeSpan"/> waits for ever. A lost connection is restored first.
        /// </summary>
        public PubSubMessage? GetMessage(TimeSpan timeout, bool? ignoreSubscribeMessages = null)
        {
            if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
                throw new ArgumentOutOfRangeException(nameof(timeout), "A timeout is zero or more (or Timeout.InfiniteTimeSpan).");
            ThrowIfReaderRunning();
            return ReadNext(timeout, ignoreSubscribeMessages ?? IgnoreSubscribeMessages, () => _disposed);
        }

        /// <summary>
        /// Messages as they arrive, blocking between them (redis-py listen). Ends when <paramref name="cancellationToken"/>
        /// is cancelled, when this object is disposed, or once nothing is subscribed any more.
        /// </summary>
        public IEnumerable<PubSubMessage> Listen(CancellationToken cancellationToken = default)
        {
            ThrowIfReaderRunning();
            return ListenIterator(cancellationToken);
        }

        private IEnumerable<PubSubMessage> ListenIterator(CancellationToken cancellationToken)
        {
            Func<bool> stop = () => cancellationToken.IsCancellationRequested || _disposed || !StillListening();
            while (!stop())
            {
                PubSubMessage? message = ReadNext(Timeout.InfiniteTimeSpan, IgnoreSubscribeMessages, stop);
                if (message != null) yield return message;
            }
        }

        private bool StillListening()
        {
            lock (_io) return _channels.Count + _patterns.Count > 0 || Interlocked.Read(ref _serverCount) > 0;
        }

        /// <summary>
        /// Starts the background reader (redis-py run_in_thread): one thread that raises <see cref="MessageReceived"/>
        /// for each message in order, <see cref="Reconnected"/> and <see cref="Error"/>. Handlers run on that thread,
        /// so a slow handler delays the next message; an exception from a handler is reported through <see cref="Error"/>.
        /// </summary>
        public void Start()
        {
            lock (_io)
            {
                ThrowIfDisposed();
                if (_thread != null && _thread.IsAlive) throw new RedisPubSubException("The background reader is already running.");
                _stopRequested = false;
                _thread = new Thread(ReaderLoop) { IsBackground = true, Name = "PSRedis pub/sub reader" };
                _thread.Start();
            }
        }

        /// <summary>Stops the background reader and waits for its current message to be handled (not when called from a handler).</summary>
        public void Stop()
        {
            Thread? thread = _thread;
            _stopRequested = true;
            if (thread != null && thread != Thread.CurrentThread) thread.Join();
        }

        /// <summary>Stops the background reader and closes the dedicated connection (redis-py close).</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Stop();
            lock (_io)
            {
                _connection.Dispose();
                _channels.Clear();
                _patterns.Clear();
            }
        }

        private void ReaderLoop()
        {
            Func<bool> stop = () => _stopRequested || _disposed;
            while (!stop())
            {
                PubSubMessage? message;
                try
                {
                    message = ReadNext(Timeout.InfiniteTimeSpan, IgnoreSubscribeMessages, stop);
                }
                catch (RedisConnectionException ex) when (!_connection.IsConnected)
                {
                    // Every reconnect attempt failed: report it and end, rather than retry for ever unseen.
                    RaiseError(ex, readerStopped: true);
                    return;
                }
                catch (Exception ex)
                {
                    // Error replies, malformed messages and exceptions from Reconnected handlers: report and go on.
                    // Nothing may escape this thread: an unhandled exception would end the process (e.g. the PowerShell host).
                    if (_disposed) return;
                    RaiseError(ex, readerStopped: false);
                    continue;
                }
                if (message == null) continue;
                try
                {
                    MessageReceived?.Invoke(this, new PubSubMessageEventArgs(message));
                }
                catch (Exception ex)
                {
                    // A faulty handler must not kill the reader.
                    RaiseError(ex, readerStopped: false);
                }
            }
        }

        private void RaiseError(Exception ex, bool readerStopped)
        {
            try
            {
                Error?.Invoke(this, new PubSubErrorEventArgs(ex, readerStopped));
            }
            catch (Exception handlerFailure)
            {
                // Nowhere left to report it without crashing the process; keep it visible to debuggers.
                Trace.TraceError("PSRedis pub/sub Error handler failed: " + handlerFailure);
            }
        }

        private PubSubMessage? ReadNext(TimeSpan timeout, bool ignoreSubscribeMessages, Func<bool> stop)
        {
            bool forever = timeout == Timeout.InfiniteTimeSpan;
            Stopwatch clock = Stopwatch.StartNew();
            while (true)
            {
                if (Interlocked.Exchange(ref _reconnectedPending, 0) > 0) Reconnected?.Invoke(this, EventArgs.Empty);
                TimeSpan remaining = forever ? PollSlice : timeout - clock.Elapsed;
                if (remaining < TimeSpan.Zero) remaining = TimeSpan.Zero;
                TimeSpan slice = remaining < PollSlice ? remaining : PollSlice;

                YieldToWriters();
                PubSubMessage? message = null;
                bool idle = false;
                lock (_io)
                {
                    if (_disposed) return null;
                    if (!_connection.IsConnected && NeedsConnection()) TryReconnect();
                    if (_connection.IsConnected)
                    {
                        RespValue? reply = null;
                        try
                        {
                            CheckHealth();
                            if (_connection.IsConnected) reply = _connection.TryReadResponse(slice);
                        }
                        catch (Exception ex) when (IsConnectionLoss(ex))
                        {
                            // Connection already closed itself (it is broken); the next round reconnects.
                            _connection.Disconnect();
                            ScheduleReconnect(ex, immediately: true);
                        }
                        if (reply != null) message = Handle(reply, ignoreSubscribeMessages);
                    }
                    else
                    {
                        idle = true;
                    }
                }
                if (message != null) return message;
                if (!forever && clock.Elapsed >= timeout) return null;
                if (stop()) return null;
                if (idle) Thread.Sleep(slice > TimeSpan.Zero ? slice : TimeSpan.FromMilliseconds(1));
            }
        }

        private bool NeedsConnection() => _channels.Count + _patterns.Count > 0;

        /// <summary>One reconnect attempt if its time has come; throws once <see cref="MaxReconnectAttempts"/> attempts in a row failed.</summary>
        private void TryReconnect()
        {
            if (Stopwatch.GetTimestamp() < _nextReconnectAt) return;
            try
            {
                ConnectAndResubscribe();
            }
            catch (RedisException ex) when (ex is RedisConnectionException || ex is RedisTimeoutException)
            {
                _lastReconnectError = ex;
                _failedReconnects++;
                if (_failedReconnects >= Math.Max(1, MaxReconnectAttempts))
                {
                    int attempts = _failedReconnects;
                    _failedReconnects = 0;
                    _nextReconnectAt = 0;
                    throw new RedisConnectionException(
                        "Lost the pub/sub connection to " + Options.Endpoint + " and could not reconnect in " +
                        attempts.ToString(CultureInfo.InvariantCulture) + " attempts: " + ex.Message, ex);
                }
                ScheduleReconnect(ex, immediately: false);
            }
        }

        private void ScheduleReconnect(Exception cause, bool immediately)
        {
            _lastReconnectError = cause;
            if (immediately)
            {
                _nextReconnectAt = 0;
                return;
            }
            double ms = Math.Min(MaxBackoff.TotalMilliseconds, FirstBackoff.TotalMilliseconds * Math.Pow(2, _failedReconnects - 1));
            _nextReconnectAt = Stopwatch.GetTimestamp() + (long)(ms / 1000 * Stopwatch.Frequency);
        }

        /// <summary>Opens the connection and subscribes to everything wanted, in one write. Caller holds _io.</summary>
        private void ConnectAndResubscribe()
        {
            _connection.Disconnect();
            _connection.Connect(); // honours ConnectTimeout; throws RedisConnectionException / RedisTimeoutException
            var commands = new List<IReadOnlyList<object?>>(2);
            if (_channels.Count > 0) commands.Add(Command("SUBSCRIBE", _channels));
            if (_patterns.Count > 0) commands.Add(Command("PSUBSCRIBE", _patterns));
            if (commands.Count > 0) _connection.SendCommands(commands);
            Interlocked.Exchange(ref _serverCount, 0);
            _failedReconnects = 0;
            _nextReconnectAt = 0;
            _healthPingSentAt = 0;
            _nextHealthCheck = Stopwatch.GetTimestamp() + IntervalTicks();
            if (_everConnected)
            {
                // Reconnected is raised once the server confirmed every subscription, so a message published
                // after the event is sure to arrive.
                _awaitingConfirmations = _channels.Count + _patterns.Count;
                if (_awaitingConfirmations == 0) Interlocked.Increment(ref _reconnectedPending);
            }
            _everConnected = true;
        }

        private void ChangeSubscriptions(string command, string[] names, HashSet<string> wanted, bool add)
        {
            if (names == null) names = new string[0];
            if (add && names.Length == 0) throw new RedisDataException(command + " needs at least one name.");
            foreach (string name in names)
            {
                if (name == null) throw new RedisDataException(command + ": a name is null.");
            }
            Write(() =>
            {
                if (add)
                {
                    foreach (string name in names) wanted.Add(name);
                }
                else if (names.Length == 0)
                {
                    wanted.Clear();
                }
                else
                {
                    foreach (string name in names) wanted.Remove(name);
                }

                if (!_connection.IsConnected)
                {
                    // Nothing to undo on a closed connection; a new one subscribes to what is wanted now.
                    if (add) ConnectAndResubscribe();
                    return;
                }
                try
                {
                    _connection.SendCommand(Command(command, names));
                }
                catch (Exception ex) when (IsConnectionLoss(ex))
                {
                    // The wanted sets already include this change, so reconnecting applies it.
                    ConnectAndResubscribe();
                }
            });
        }

        private static object?[] Command(string name, IEnumerable<string> arguments)
        {
            var args = new List<object?> { name };
            foreach (string argument in arguments) args.Add(argument);
            return args.ToArray();
        }

        private void Write(Action body)
        {
            Interlocked.Increment(ref _waitingWriters);
            bool counted = true;
            try
            {
                lock (_io)
                {
                    Interlocked.Decrement(ref _waitingWriters);
                    counted = false;
                    ThrowIfDisposed();
                    body();
                }
            }
            finally
            {
                if (counted) Interlocked.Decrement(ref _waitingWriters);
            }
        }

        /// <summary>A reader about to poll again lets a waiting writer take the connection first (Monitor is not fair).</summary>
        private void YieldToWriters()
        {
            if (Volatile.Read(ref _waitingWriters) > 0)
                SpinWait.SpinUntil(() => Volatile.Read(ref _waitingWriters) == 0, 200);
        }

        /// <summary>
        /// redis-py's check_health while subscribed: a PING with a known payload every HealthCheckInterval, whose
        /// PONG is swallowed. A PONG that does not come back in time means the connection is dead though still open.
        /// </summary>
        private void CheckHealth()
        {
            long interval = IntervalTicks();
            if (interval <= 0) return;
            long now = Stopwatch.GetTimestamp();
            if (_healthPingSentAt != 0)
            {
                TimeSpan grace = Options.SocketTimeout ?? Options.HealthCheckInterval;
                if (now - _healthPingSentAt > interval + (long)(grace.TotalSeconds * Stopwatch.Frequency))
                    throw new RedisConnectionException("Health check failed: no PONG from " + Options.Endpoint + " in time.");
            }
            if (now < _nextHealthCheck) return;
            _connection.SendCommand(new object?[] { "PING", HealthCheckMessage });
            if (_healthPingSentAt == 0) _healthPingSentAt = now;
            _nextHealthCheck = now + interval;
        }

        private long IntervalTicks() => (long)(Options.HealthCheckInterval.TotalSeconds * Stopwatch.Frequency);

        /// <summary>Turns one pushed reply into a message; null when it is consumed here (health checks, ignored confirmations).</summary>
        private PubSubMessage? Handle(RespValue reply, bool ignoreSubscribeMessages)
        {
            if (reply.IsError) throw reply.ToException();
            if (reply.Type == RespType.Array || reply.Type == RespType.Push)
            {
                IReadOnlyList<RespValue> items = reply.Items;
                if (items.Count == 0) throw new RedisInvalidResponseException("Empty pub/sub message.");
                string kind = (items[0].AsString() ?? string.Empty).ToLowerInvariant();
                switch (kind)
                {
                    case "message":
                    case "smessage":
                        Expect(items, 3, kind);
                        return new PubSubMessage(kind, null, Text(items[1]), items[2].IsNull ? null : items[2].Bytes ?? Utf8(items[2]), null);
                    case "pmessage":
                        Expect(items, 4, kind);
                        return new PubSubMessage(kind, Text(items[1]), Text(items[2]), items[3].IsNull ? null : items[3].Bytes ?? Utf8(items[3]), null);
                    case "subscribe":
                    case "psubscribe":
                    case "ssubscribe":
                    case "unsubscribe":
                    case "punsubscribe":
                    case "sunsubscribe":
                        Expect(items, 3, kind);
                        long count = items[2].Integer64;
                        Interlocked.Exchange(ref _serverCount, count);
                        if (kind == "subscribe" || kind == "psubscribe") ConfirmResubscribe();
                        if (ignoreSubscribeMessages) return null;
                        return new PubSubMessage(kind, null, Text(items[1]), Utf8(items[2]), count);
                    case "pong":
                        string? payload = items.Count > 1 ? items[1].AsString() : string.Empty;
                        if (payload == HealthCheckMessage)
                        {
                            _healthPingSentAt = 0;
                            return null;
                        }
                        return new PubSubMessage("pong", null, string.Empty, items.Count > 1 ? Utf8(items[1]) : new byte[0], null);
                    default:
                        // Other RESP3 pushes (e.g. client-side caching invalidations) are not pub/sub messages.
                        return null;
                }
            }
            if (reply.Type == RespType.SimpleString || reply.Type == RespType.BulkString || reply.Type == RespType.VerbatimString)
            {
                // PING outside subscribed mode (RESP2) or in RESP3 answers as a plain reply, not a message.
                if (reply.AsString() == HealthCheckMessage)
                {
                    _healthPingSentAt = 0;
                    return null;
                }
                return new PubSubMessage("pong", null, string.Empty, reply.Bytes, null);
            }
            throw new RedisInvalidResponseException("Unexpected reply on a subscribed connection: " + reply.Describe());
        }

        private void ConfirmResubscribe()
        {
            if (_awaitingConfirmations > 0 && --_awaitingConfirmations == 0) Interlocked.Increment(ref _reconnectedPending);
        }

        private static void Expect(IReadOnlyList<RespValue> items, int count, string kind)
        {
            if (items.Count < count)
                throw new RedisInvalidResponseException("Malformed pub/sub " + kind + " message (" + items.Count.ToString(CultureInfo.InvariantCulture) + " parts).");
        }

        private static string Text(RespValue value) => value.IsNull ? string.Empty : value.AsString() ?? string.Empty;

        private static byte[] Utf8(RespValue value) => System.Text.Encoding.UTF8.GetBytes(value.AsString() ?? string.Empty);

        private static bool IsConnectionLoss(Exception ex) =>
            ex is RedisConnectionException || ex is RedisTimeoutException || ex is RedisInvalidResponseException;

        private void ThrowIfReaderRunning()
        {
            if (IsRunning) throw new RedisPubSubException("The background reader is consuming the messages; use its MessageReceived event, or Stop() it first.");
        }

        private void ThrowIfDisposed()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(RedisPubSub));
        }

        /// <summary>Where the session reads from and what it is subscribed to.</summary>
        public override string ToString()
        {
            lock (_io)
            {
                return "RedisPubSub " + Options + " (" + _channels.Count.ToString(CultureInfo.InvariantCulture) + " channels, " +
                       _patterns.Count.ToString(CultureInfo.InvariantCulture) + " patterns)";
            }
        }
    }
}
