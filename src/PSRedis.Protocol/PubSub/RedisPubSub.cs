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
    /// The subscriptions asked for are remembered. When the connection is lost (the server restarted, the client
    /// was killed, or a health check got no answer), the reader raises <see cref="Disconnected"/> once, then
    /// reconnects with an exponential backoff with jitter (first after about 0.1 s, doubling up to
    /// <see cref="MaxReconnectDelay"/>), subscribes to every channel and pattern again and raises
    /// <see cref="Reconnected"/> once the server confirmed them. It keeps trying as long as the subscriptions exist,
    /// unless <see cref="MaxReconnectAttempts"/> limits it. Messages published while it was disconnected are lost:
    /// Redis pub/sub keeps nothing for absent subscribers (use streams for that).
    /// </para>
    /// Thread-safe: subscribing, unsubscribing and <see cref="Ping"/> may be called from any thread, also
    /// while the background reader runs.
    /// </summary>
    public sealed class RedisPubSub : IRedisPubSub
    {
        /// <summary>The PING payload of health checks; its PONG is consumed here and never delivered.</summary>
        public const string HealthCheckMessage = "psredis-health-check";

        /// <summary>How often a subscribed connection is checked when the connection options set no health-check interval.</summary>
        public static readonly TimeSpan DefaultHealthCheckInterval = TimeSpan.FromSeconds(30);

        /// <summary>The longest pause between two reconnect attempts unless <see cref="MaxReconnectDelay"/> says otherwise.</summary>
        public static readonly TimeSpan DefaultMaxReconnectDelay = TimeSpan.FromSeconds(30);

        // Reads poll in slices so writers (Subscribe from another thread) and Stop/Dispose get the connection
        // within this time even while a reader waits for messages.
        private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(50);

        // The first pause after a loss: short enough that a killed connection is back before anyone notices,
        // long enough that a server which accepts and then drops or refuses every connection is not hammered.
        private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(100);

        // A restored connection must stay up this long before the next loss starts the backoff from its first,
        // short pause again; a connection that drops right after each reconnect keeps backing off instead.
        private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(10);

        // How long a reconnect waits for the server to confirm the subscriptions when the options give no timeout.
        private static readonly TimeSpan DefaultConfirmTimeout = TimeSpan.FromSeconds(10);

        private readonly Connection _connection;
        private readonly object _io = new object();
        private readonly HashSet<string> _channels = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _patterns = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _shardChannels = new HashSet<string>(StringComparer.Ordinal);
        // Shard channels this object sent SUNSUBSCRIBE for and whose confirmation has not arrived: a "sunsubscribe" for
        // any other wanted channel comes from the server itself (its slot moved to another node of the cluster).
        private readonly HashSet<string> _shardUnsubscribing = new HashSet<string>(StringComparer.Ordinal);
        // Seeded per instance: subscribers created together must not retry in lockstep, which is what jitter prevents.
        private readonly Random _jitter = new Random(Guid.NewGuid().GetHashCode());
        // Disconnected/Reconnected/Error notifications found while holding _io, raised after releasing it, in order.
        private readonly Queue<Action> _notifications = new Queue<Action>();
        // Failures already reported in the current outage: each is reported once, not once per attempt.
        private readonly HashSet<string> _reportedInOutage = new HashSet<string>(StringComparer.Ordinal);
        private int _waitingWriters;
        private long _serverCount;
        private bool _everConnected;
        private int _awaitingConfirmations;
        private bool _outage;
        private long _outageStartedAt;
        private int _failedAttempts;
        private int _backoffLevel;
        private long _upSince;
        private long _nextReconnectAt;
        private Exception? _lastReconnectError;
        private long _lastHeardAt;
        private long _healthPingSentAt;
        private long _replyDeadline;
        private long _healthCheckTicks;
        private long _maxReconnectDelayTicks = DefaultMaxReconnectDelay.Ticks;
        private int _maxReconnectAttempts = -1;
        private bool _gaveUp;
        private bool _outageAnnounced;
        private int _pendingNotifications;
        private Thread? _thread;
        private volatile bool _stopRequested;
        private volatile bool _disposed;
        // An AUTH with refreshed credentials was sent on the subscribed connection and its +OK (or error) is not read yet.
        private bool _authPending;
        // After the credential provider failed, when (Stopwatch ticks) to ask again: not at every 50 ms poll.
        private long _nextCredentialCheck;
        // Pause after a failed credential refresh before the reader asks the provider again.
        private static readonly TimeSpan CredentialRetryDelay = TimeSpan.FromSeconds(5);

        internal RedisPubSub(ConnectionOptions options, bool ignoreSubscribeMessages)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            // In RESP3 a subscriber's messages and confirmations arrive as pushes: here they are the replies.
            _connection = new Connection(options) { PushesAreReplies = true };
            // Credentials that expire must be renewed on the live connection (Azure closes it when its token expires),
            // but a subscribed RESP2 connection refuses AUTH ("only (P|S)SUBSCRIBE / ... / PING / QUIT / RESET are
            // allowed in this context"). In RESP3 it accepts any command, and the messages themselves are the same, so
            // this connection speaks RESP3 whatever the options say, and re-authenticates in place: no reconnect, so
            // no message is lost and no Disconnected/Reconnected is raised. Servers without HELLO (before Redis 6, no
            // ACL users either) fall back to RESP2, where an authenticated connection simply stays authenticated.
            if (options.CredentialProvider != null) _connection.Protocol = 3;
            IgnoreSubscribeMessages = ignoreSubscribeMessages;
            // Subscribed connections are checked by default: a server that vanished without closing the socket
            // (a dead host, a dropped NAT entry, a paused process) would otherwise leave a subscription that
            // looks alive and receives nothing, for ever.
            _healthCheckTicks = (options.HealthCheckInterval > TimeSpan.Zero ? options.HealthCheckInterval : DefaultHealthCheckInterval).Ticks;
        }

        /// <summary>Raised on the background reader's thread for each message, in the order received (see <see cref="Start"/>).</summary>
        public event EventHandler<PubSubMessageEventArgs>? MessageReceived;

        /// <summary>Raised once per outage, when the connection is found lost while subscriptions exist (not again for each failed reconnect attempt).</summary>
        public event EventHandler<PubSubDisconnectedEventArgs>? Disconnected;

        /// <summary>Raised once a lost connection was re-established and every subscription restored (the server confirmed them).</summary>
        public event EventHandler<PubSubReconnectedEventArgs>? Reconnected;

        /// <summary>
        /// Raised for failures the reader cannot hand to a caller (see <see cref="PubSubErrorEventArgs"/>). While
        /// reconnecting, a refusal by the server (authentication, permissions, loading...) is raised once per outage,
        /// not once per attempt; failures to reach the server are not raised (<see cref="Disconnected"/> said so).
        /// </summary>
        public event EventHandler<PubSubErrorEventArgs>? Error;

        /// <summary>
        /// Raised (on the reading thread, outside the lock) when the server ended a shard channel subscription by
        /// itself: on a cluster node that lost the channel's slot (failover, migration) it sends "sunsubscribe". The
        /// channel is no longer wanted here; <see cref="RedisClusterPubSub"/> subscribes to it on its new owner.
        /// </summary>
        internal event Action<RedisPubSub, string>? ShardChannelDropped;

        /// <summary>The connection options of the dedicated connection (a copy of the client's).</summary>
        public ConnectionOptions Options => _connection.Options;

        /// <summary>Skip subscribe/unsubscribe confirmations by default (redis-py ignore_subscribe_messages).</summary>
        public bool IgnoreSubscribeMessages { get; set; }

        /// <summary>
        /// How many reconnect attempts in a row may fail before the reader gives up (raises <see cref="Error"/> with
        /// <see cref="PubSubErrorEventArgs.ReaderStopped"/> and ends; GetMessage/Listen throw). Null, the default:
        /// never give up while something is subscribed. Zero: give up at the first loss.
        /// </summary>
        public int? MaxReconnectAttempts
        {
            get
            {
                int value = Volatile.Read(ref _maxReconnectAttempts);
                return value < 0 ? (int?)null : value;
            }
            set
            {
                if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "MaxReconnectAttempts is zero or more, or null for no limit.");
                Volatile.Write(ref _maxReconnectAttempts, value ?? -1);
            }
        }

        /// <summary>The longest pause between two reconnect attempts (default 30 s); pauses start near 0.1 s and double, with jitter.</summary>
        public TimeSpan MaxReconnectDelay
        {
            get => TimeSpan.FromTicks(Interlocked.Read(ref _maxReconnectDelayTicks));
            set
            {
                if (value < FirstReconnectDelay) throw new ArgumentOutOfRangeException(nameof(value), "MaxReconnectDelay is at least " + FirstReconnectDelay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms.");
                Interlocked.Exchange(ref _maxReconnectDelayTicks, value.Ticks);
            }
        }

        /// <summary>
        /// How long a subscribed connection may stay silent before it counts as lost: after half of it without
        /// anything from the server a PING goes out, and if nothing arrives in the other half the connection is closed
        /// and reconnected. Default: the options' HealthCheckInterval, else 30 s. <see cref="TimeSpan.Zero"/> turns it off.
        /// </summary>
        public TimeSpan HealthCheckInterval
        {
            get => TimeSpan.FromTicks(Interlocked.Read(ref _healthCheckTicks));
            set
            {
                if (value < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(value), "HealthCheckInterval is zero (off) or more.");
                Interlocked.Exchange(ref _healthCheckTicks, value.Ticks);
            }
        }

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

        /// <summary>The shard channels currently subscribed (SSUBSCRIBE).</summary>
        public IReadOnlyCollection<string> ShardChannels
        {
            get { lock (_io) return new List<string>(_shardChannels); }
        }

        /// <summary>True while at least one channel, pattern or shard channel is subscribed (redis-py subscribed).</summary>
        public bool IsSubscribed
        {
            get { lock (_io) return WantedCount > 0; }
        }

        private int WantedCount => _channels.Count + _patterns.Count + _shardChannels.Count;

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

        /// <summary>
        /// SSUBSCRIBE (Redis 7): receive the messages SPUBLISHed to these shard channels ("smessage"). Channels of
        /// different hash slots go out as one SSUBSCRIBE per slot, as a cluster node requires; this connection talks to
        /// one server, so on a cluster use <see cref="RedisCluster.ClusterPubSub"/>, which connects to each channel's owner.
        /// </summary>
        public void SSubscribe(params string[] channels) => ChangeSubscriptions("SSUBSCRIBE", channels, _shardChannels, add: true);

        /// <summary>SUNSUBSCRIBE from these shard channels; with none, from every shard channel.</summary>
        public void SUnsubscribe(params string[] channels) => ChangeSubscriptions("SUNSUBSCRIBE", channels, _shardChannels, add: false);

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
                    // Found lost by this write: announce the outage as the reader would, then try at once (the caller waits for it).
                    ConnectionLost(ex);
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
            lock (_io) return WantedCount > 0 || Interlocked.Read(ref _serverCount) > 0;
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
                _shardChannels.Clear();
                _shardUnsubscribing.Clear();
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
                catch (RedisConnectionException ex) when (_gaveUp)
                {
                    // MaxReconnectAttempts reached: say so once and end, rather than retry for ever unseen.
                    RaiseError(ex, readerStopped: true);
                    return;
                }
                catch (Exception ex)
                {
                    // Error replies and malformed messages: report and go on.
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
            _gaveUp = false;
            bool forever = timeout == Timeout.InfiniteTimeSpan;
            Stopwatch clock = Stopwatch.StartNew();
            while (true)
            {
                RaiseNotifications();
                TimeSpan remaining = forever ? PollSlice : timeout - clock.Elapsed;
                if (remaining < TimeSpan.Zero) remaining = TimeSpan.Zero;
                TimeSpan slice = remaining < PollSlice ? remaining : PollSlice;

                YieldToWriters();
                PubSubMessage? message = null;
                RedisConnectionException? gaveUp = null;
                bool idle = false;
                lock (_io)
                {
                    if (_disposed) return null;
                    if (!_connection.IsConnected && NeedsConnection()) gaveUp = TryReconnect();
                    if (gaveUp == null && _connection.IsConnected)
                    {
                        RespValue? reply = null;
                        try
                        {
                            reply = _connection.TryReadResponse(slice);
                            // Only when nothing is waiting to be read: a slow handler must not make a PONG that has
                            // arrived meanwhile look late.
                            if (reply == null) CheckHealth();
                            // Also while messages stream in: a busy subscriber must renew its token in time too.
                            Reauthenticate();
                        }
                        catch (Exception ex) when (IsConnectionLoss(ex))
                        {
                            // The connection is broken (or silent past the health check): the next round reconnects, after a pause.
                            ConnectionLost(ex);
                        }
                        if (reply != null) message = OnReply(reply, ignoreSubscribeMessages);
                    }
                    else
                    {
                        idle = true;
                    }
                }
                RaiseNotifications();
                if (gaveUp != null)
                {
                    _gaveUp = true;
                    throw gaveUp;
                }
                if (message != null) return message;
                if (!forever && clock.Elapsed >= timeout) return null;
                if (stop()) return null;
                if (idle) Thread.Sleep(slice > TimeSpan.Zero ? slice : TimeSpan.FromMilliseconds(1));
            }
        }

        /// <summary>
        /// Sends AUTH with the credential provider's newer credentials, on a RESP3 connection (caller holds _io). A
        /// provider that fails while the old credentials still work is asked again later; one that fails after they
        /// expired is reported through <see cref="Error"/> and asked again after a pause.
        /// </summary>
        private void Reauthenticate()
        {
            if (_authPending || _connection.Protocol != 3 || Options.CredentialProvider == null || !_connection.IsConnected) return;
            long now = Stopwatch.GetTimestamp();
            if (now < _nextCredentialCheck) return;
            try
            {
                _authPending = _connection.SendReauthentication();
            }
            catch (RedisAuthenticationException ex)
            {
                _nextCredentialCheck = now + ToStopwatchTicks(CredentialRetryDelay);
                Notify(() => RaiseError(ex, readerStopped: false));
            }
        }

        private bool NeedsConnection() => WantedCount > 0;

        /// <summary>Everything a reply tells beyond its content: the connection is alive, a reconnect attempt was refused. Caller holds _io.</summary>
        private PubSubMessage? OnReply(RespValue reply, bool ignoreSubscribeMessages)
        {
            _lastHeardAt = Stopwatch.GetTimestamp();
            _healthPingSentAt = 0; // any reply shows the connection is alive, not only the PONG
            if (_authPending && (reply.IsError || (reply.Type == RespType.SimpleString && reply.AsString() == "OK")))
            {
                // The answer to the AUTH sent by Reauthenticate: nothing else on a subscribed connection answers +OK
                // (PING answers PONG or its own argument as a bulk string). A refusal leaves the connection as it was.
                _authPending = false;
                if (!reply.IsError) return null;
                var refused = new RedisAuthenticationException("Re-authenticating the subscription to " + Options.Endpoint +
                    " with the refreshed credentials failed: " + reply.AsString() + " The connection goes on with the credentials it had.");
                Notify(() => RaiseError(refused, readerStopped: false));
                return null;
            }
            if (reply.IsError && _outage && _awaitingConfirmations > 0)
            {
                // The server refused to restore the subscriptions (e.g. the user lost its channel permissions, or the
                // server answers only errors): this attempt failed. Staying connected would receive nothing; close and
                // try again after a pause (the permission may come back).
                ConnectionLost(reply.ToException());
                return null;
            }
            return Handle(reply, ignoreSubscribeMessages);
        }

        /// <summary>
        /// One reconnect attempt if its time has come (caller holds _io). Returns the exception to end the reader
        /// with once <see cref="MaxReconnectAttempts"/> attempts in a row failed; null otherwise.
        /// </summary>
        private RedisConnectionException? TryReconnect()
        {
            long now = Stopwatch.GetTimestamp();
            if (!_outage)
            {
                // Not connected without a loss seen here: the first connection failed (the caller was told). Announce
                // an outage only for a connection that had existed.
                BeginOutage(_lastReconnectError ?? new RedisConnectionException("Not connected to " + Options.Endpoint + "."), announce: _everConnected, now);
            }
            int max = Volatile.Read(ref _maxReconnectAttempts);
            if (max >= 0 && _failedAttempts >= max) return GiveUp(now);
            if (now < _nextReconnectAt) return null;
            try
            {
                ConnectAndResubscribe();
            }
            catch (RedisException ex)
            {
                // Unreachable, timed out, or refused during the handshake (authentication, permissions, LOADING...):
                // every kind waits for the next pause, so a server that accepts and refuses is not hammered.
                FailedAttempt(ex, Stopwatch.GetTimestamp());
            }
            return null;
        }

        private RedisConnectionException GiveUp(long now)
        {
            int attempts = _failedAttempts;
            int max = Volatile.Read(ref _maxReconnectAttempts);
            Exception? last = _lastReconnectError;
            string seconds = (Elapsed(_outageStartedAt, now).TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture);
            // A later Start() or GetMessage tries again, as many times.
            _failedAttempts = 0;
            _nextReconnectAt = 0;
            return new RedisConnectionException(
                "Stopped reconnecting the pub/sub connection to " + Options.Endpoint + " after " +
                attempts.ToString(CultureInfo.InvariantCulture) + (attempts == 1 ? " attempt in " : " attempts in ") + seconds + " s (MaxReconnectAttempts " +
                max.ToString(CultureInfo.InvariantCulture) + ")" +
                (last != null ? ": " + last.Message : "."), last);
        }

        /// <summary>A connection that was up is gone (caller holds _io): starts an outage, or fails the attempt under way.</summary>
        private void ConnectionLost(Exception cause)
        {
            long now = Stopwatch.GetTimestamp();
            _connection.Disconnect();
            Interlocked.Exchange(ref _serverCount, 0);
            if (_outage)
            {
                // Lost (or refused) before every subscription was restored: this attempt failed.
                FailedAttempt(cause, now);
                return;
            }
            ResetConnectionState();
            if (!NeedsConnection()) return; // nothing subscribed: nothing to restore, no outage
            BeginOutage(cause, announce: true, now);
        }

        private void BeginOutage(Exception cause, bool announce, long now)
        {
            _outage = true;
            _outageAnnounced = announce;
            _outageStartedAt = now;
            _failedAttempts = 0;
            _reportedInOutage.Clear();
            _lastReconnectError = cause;
            // A connection that had been up for a while starts the backoff from its first, short pause; one lost soon
            // after it was restored continues where the last outage left off.
            if (_upSince != 0 && now - _upSince >= ToStopwatchTicks(StableAfter)) _backoffLevel = 0;
            _upSince = 0;
            if (announce)
            {
                var args = new PubSubDisconnectedEventArgs(cause);
                Notify(() => RaiseSafely(() => Disconnected?.Invoke(this, args)));
            }
            ScheduleReconnect(now);
        }

        private void FailedAttempt(Exception cause, long now)
        {
            _connection.Disconnect();
            ResetConnectionState();
            _failedAttempts++;
            _lastReconnectError = cause;
            // A server that answers but refuses is worth telling, once per outage; being unreachable during an outage
            // is what Disconnected already said.
            Type type = cause.GetType();
            bool unreachable = type == typeof(RedisConnectionException) || type == typeof(RedisTimeoutException);
            if (!unreachable && _reportedInOutage.Add(type.FullName + ": " + cause.Message))
                Notify(() => RaiseError(cause, readerStopped: false));
            ScheduleReconnect(now);
        }

        /// <summary>Exponential backoff with "equal jitter": half the pause is fixed, so it keeps growing; the random half spreads out clients that lost the same server at the same moment.</summary>
        private void ScheduleReconnect(long now)
        {
            if (_backoffLevel < 30) _backoffLevel++;
            double cap = MaxReconnectDelay.TotalMilliseconds;
            double ms = Math.Min(cap, FirstReconnectDelay.TotalMilliseconds * Math.Pow(2, _backoffLevel - 1));
            ms = ms / 2 + _jitter.NextDouble() * ms / 2;
            _nextReconnectAt = now + (long)(ms / 1000 * Stopwatch.Frequency);
        }

        private void ResetConnectionState()
        {
            _awaitingConfirmations = 0;
            _replyDeadline = 0;
            _healthPingSentAt = 0;
            _authPending = false;
        }

        /// <summary>Opens the connection and subscribes to everything wanted, in one write. Caller holds _io.</summary>
        private void ConnectAndResubscribe()
        {
            _connection.Disconnect();
            ResetConnectionState();
            try
            {
                _connection.Connect(); // honours ConnectTimeout; throws RedisConnectionException / RedisTimeoutException
            }
            catch (RedisConnectionException) when (_connection.Resp3Refused && Options.Protocol == 2)
            {
                // RESP3 was only wanted for re-authenticating in place; a server without HELLO gets the RESP2 it was asked for.
                _connection.Protocol = 2;
                _connection.Connect();
            }
            var commands = new List<IReadOnlyList<object?>>(2);
            if (_channels.Count > 0) commands.Add(Command("SUBSCRIBE", _channels));
            if (_patterns.Count > 0) commands.Add(Command("PSUBSCRIBE", _patterns));
            commands.AddRange(BySlot("SSUBSCRIBE", _shardChannels));
            _shardUnsubscribing.Clear(); // a new connection owes no confirmation of an old one's SUNSUBSCRIBE
            if (commands.Count > 0) _connection.SendCommands(commands);
            long now = Stopwatch.GetTimestamp();
            Interlocked.Exchange(ref _serverCount, 0);
            _nextReconnectAt = 0;
            _lastHeardAt = now;
            _everConnected = true;
            if (_outage)
            {
                // The outage ends once the server confirmed every subscription, so a message published after
                // Reconnected is sure to arrive; until then this attempt can still fail (refused, dropped, silent).
                _awaitingConfirmations = WantedCount;
                _replyDeadline = now + ToStopwatchTicks(Options.ConnectTimeout ?? Options.SocketTimeout ?? DefaultConfirmTimeout);
                if (_awaitingConfirmations == 0) Restored(now);
            }
            else
            {
                _upSince = now;
            }
        }

        private void Restored(long now)
        {
            _awaitingConfirmations = 0;
            _replyDeadline = 0;
            _upSince = now;
            if (!_outage) return;
            var args = new PubSubReconnectedEventArgs(_failedAttempts + 1, Elapsed(_outageStartedAt, now));
            bool announce = _outageAnnounced;
            _outage = false;
            _failedAttempts = 0;
            _reportedInOutage.Clear();
            _lastReconnectError = null;
            if (announce) Notify(() => RaiseSafely(() => Reconnected?.Invoke(this, args)));
        }

        /// <summary>Queues a notification found while holding _io; the reading thread raises it after releasing the lock.</summary>
        private void Notify(Action raise)
        {
            _notifications.Enqueue(raise);
            Interlocked.Increment(ref _pendingNotifications);
        }

        private void RaiseNotifications()
        {
            while (Volatile.Read(ref _pendingNotifications) > 0)
            {
                Action raise;
                lock (_io)
                {
                    if (_notifications.Count == 0) return;
                    raise = _notifications.Dequeue();
                    Interlocked.Decrement(ref _pendingNotifications);
                }
                raise();
            }
        }

        /// <summary>A failing Disconnected/Reconnected handler is reported through Error; it must not stop the reader.</summary>
        private void RaiseSafely(Action raise)
        {
            try
            {
                raise();
            }
            catch (Exception ex)
            {
                RaiseError(ex, readerStopped: false);
            }
        }

        private static long ToStopwatchTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

        private static TimeSpan Elapsed(long from, long to) => TimeSpan.FromSeconds((double)(to - from) / Stopwatch.Frequency);

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
                bool shard = wanted == _shardChannels;
                if (add)
                {
                    foreach (string name in names) wanted.Add(name);
                }
                else if (names.Length == 0)
                {
                    if (shard) _shardUnsubscribing.UnionWith(wanted);
                    wanted.Clear();
                }
                else
                {
                    foreach (string name in names)
                    {
                        if (wanted.Remove(name) && shard) _shardUnsubscribing.Add(name);
                    }
                }

                if (!_connection.IsConnected)
                {
                    // Nothing to undo on a closed connection; a new one subscribes to what is wanted now.
                    if (add) ConnectAndResubscribe();
                    return;
                }
                try
                {
                    // A cluster node refuses SSUBSCRIBE/SUNSUBSCRIBE of channels in several slots (CROSSSLOT): one per slot.
                    if (shard && names.Length > 1) _connection.SendCommands(BySlot(command, names));
                    else _connection.SendCommand(Command(command, names));
                }
                catch (Exception ex) when (IsConnectionLoss(ex))
                {
                    // The wanted sets already include this change, so reconnecting applies it. Found lost by this
                    // write: announce the outage as the reader would, then try at once (the caller waits for it).
                    ConnectionLost(ex);
                    ConnectAndResubscribe();
                }
            });
        }

        /// <summary>One command per hash slot of <paramref name="channels"/> (shard channels are keys to a cluster), in first-seen order.</summary>
        private static List<IReadOnlyList<object?>> BySlot(string name, IEnumerable<string> channels)
        {
            var groups = new Dictionary<int, List<string>>();
            var order = new List<int>();
            foreach (string channel in channels)
            {
                int slot = ClusterSlot.Of(channel);
                if (!groups.TryGetValue(slot, out List<string>? group))
                {
                    groups[slot] = group = new List<string>();
                    order.Add(slot);
                }
                group.Add(channel);
            }
            var commands = new List<IReadOnlyList<object?>>(order.Count);
            foreach (int slot in order) commands.Add(Command(name, groups[slot]));
            return commands;
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
        /// Notices a connection that went silent though still open (caller holds _io, after a read found nothing).
        /// After half the health-check interval without anything from the server a PING with a known payload goes
        /// out (its PONG is swallowed); if nothing at all arrives in the other half, the connection counts as lost.
        /// A reconnect attempt whose subscriptions are not confirmed in time has failed too.
        /// </summary>
        private void CheckHealth()
        {
            long now = Stopwatch.GetTimestamp();
            if (_replyDeadline != 0 && now > _replyDeadline)
                throw new RedisTimeoutException("The server at " + Options.Endpoint + " did not confirm the subscriptions in time.");
            long interval = ToStopwatchTicks(HealthCheckInterval);
            if (interval <= 0) return;
            long half = interval / 2;
            if (_healthPingSentAt != 0)
            {
                if (now - _healthPingSentAt >= half)
                {
                    throw new RedisTimeoutException("Health check failed: nothing from " + Options.Endpoint + " for " +
                        HealthCheckInterval.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s, not even the answer to PING.");
                }
                return;
            }
            if (now - _lastHeardAt < half) return;
            _connection.SendCommand(new object?[] { "PING", HealthCheckMessage });
            _healthPingSentAt = now;
        }

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
                        if (kind == "subscribe" || kind == "psubscribe" || kind == "ssubscribe") ConfirmResubscribe();
                        if (kind == "sunsubscribe") ShardUnsubscribed(Text(items[1]));
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

        /// <summary>A "sunsubscribe" arrived (caller holds _io): the answer to ours, or the server dropping a channel still wanted.</summary>
        private void ShardUnsubscribed(string channel)
        {
            if (_shardUnsubscribing.Remove(channel) || !_shardChannels.Remove(channel)) return;
            // The server ended it (the slot moved away from this node): a reconnect must not subscribe to it here again.
            Notify(() => RaiseSafely(() => ShardChannelDropped?.Invoke(this, channel)));
        }

        private void ConfirmResubscribe()
        {
            if (_awaitingConfirmations == 0) return;
            long now = Stopwatch.GetTimestamp();
            if (--_awaitingConfirmations == 0)
            {
                Restored(now);
                return;
            }
            _replyDeadline = now + ToStopwatchTicks(Options.ConnectTimeout ?? Options.SocketTimeout ?? DefaultConfirmTimeout);
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
                       _patterns.Count.ToString(CultureInfo.InvariantCulture) + " patterns, " +
                       _shardChannels.Count.ToString(CultureInfo.InvariantCulture) + " shard channels)";
            }
        }
    }
}
