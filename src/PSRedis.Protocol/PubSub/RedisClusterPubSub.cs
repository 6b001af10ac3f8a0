using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Publish/subscribe on a Redis Cluster (redis-py's ClusterPubSub): one <see cref="RedisPubSub"/> connection per node
    /// that has something to send, all feeding one <see cref="MessageReceived"/>.
    /// <list type="bullet">
    /// <item>Channels and patterns (SUBSCRIBE, PSUBSCRIBE) live on one node: a cluster broadcasts PUBLISH to every node,
    /// so one connection receives each message once.</item>
    /// <item>Keyspace notifications (channels and patterns starting with <c>__keyspace@</c> or <c>__keyevent@</c>) are not
    /// broadcast: each primary reports only its own keys, so those are subscribed on every primary, and on a new
    /// primary after a failover.</item>
    /// <item>Shard channels (SSUBSCRIBE) are keys to a cluster: each goes to the primary that owns its slot. When the slot
    /// moves (a failover, a migration), the old owner ends the subscription ("sunsubscribe"), answers MOVED, or its
    /// connection drops; the slot map is reloaded and the channel subscribed on its new owner.</item>
    /// </list>
    /// Why a type of its own rather than more connections inside <see cref="RedisPubSub"/>: a RedisPubSub is one
    /// connection with one reconnect state machine (backoff, health checks, confirmations), which stays as it was and is
    /// reused per node here; what a cluster adds is only where each subscription goes, and that is this class.
    /// <para>
    /// Messages are delivered only by the background readers (<see cref="Start"/>), one per node, and handed to
    /// <see cref="MessageReceived"/> one at a time; messages of one channel keep their order (one channel is read from one
    /// connection). Messages published while a channel moves to its new owner are lost, as with any pub/sub outage.
    /// Thread-safe.
    /// </para>
    /// </summary>
    public sealed class RedisClusterPubSub : IRedisPubSub
    {
        // After a node said a channel moved: give the cluster a moment to agree on the new owner before asking.
        private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(50);
        // While a node with subscriptions is unreachable, how often the slot map is asked whether another node took over.
        private static readonly TimeSpan RecheckDelay = TimeSpan.FromMilliseconds(500);
        // While keyspace or shard subscriptions exist, how often the slot map is checked anyway: a graceful failover
        // gives keyspace subscriptions no signal at all (the new primary must be subscribed too), and this is the safety
        // net should a shard channel's move be missed. One CLUSTER SHARDS each time.
        private static readonly TimeSpan TopologyCheck = TimeSpan.FromSeconds(5);

        // A cluster client of its own (same settings and nodes as the one it came from): the subscription outlives
        // Disconnect-Redis of that one, and still needs the slot map to follow its channels.
        private readonly RedisCluster _cluster;
        private readonly string? _clientName;
        private readonly object _lock = new object();
        private readonly object _deliver = new object();
        private readonly object _reconcileLock = new object();
        private readonly Dictionary<string, NodeSubscriber> _nodes = new Dictionary<string, NodeSubscriber>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _channels = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _patterns = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _keyspaceChannels = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _keyspacePatterns = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _keyspaceNodes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // Shard channel -> endpoint of the node it is subscribed on.
        private readonly Dictionary<string, string> _shard = new Dictionary<string, string>(StringComparer.Ordinal);
        // "subscribe\0name" -> nodes whose confirmation is still to come: a keyspace subscription is confirmed once, by the last node.
        private readonly Dictionary<string, int> _pendingConfirmations = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Timer _timer;
        private readonly object _timerLock = new object();
        // When the timer fires next (Stopwatch ticks), 0 when it is idle: a later request never postpones an earlier one.
        private long _due;
        private string? _home;
        private int? _maxReconnectAttempts;
        private TimeSpan _healthCheckInterval;
        private volatile bool _running;
        private volatile bool _disposed;
        private volatile bool _reconcileAgain;

        internal RedisClusterPubSub(RedisCluster cluster, string? clientName, bool ignoreSubscribeMessages)
        {
            _cluster = cluster ?? throw new ArgumentNullException(nameof(cluster));
            _clientName = clientName;
            IgnoreSubscribeMessages = ignoreSubscribeMessages;
            TimeSpan configured = cluster.Options.HealthCheckInterval;
            _healthCheckInterval = configured > TimeSpan.Zero ? configured : RedisPubSub.DefaultHealthCheckInterval;
            _timer = new Timer(_ => Reconcile(), null, Timeout.Infinite, Timeout.Infinite);
        }

        /// <inheritdoc/>
        public event EventHandler<PubSubMessageEventArgs>? MessageReceived;

        /// <summary>Raised once per outage of any node's connection (each reconnects by itself; its shard channels move if another node took over).</summary>
        public event EventHandler<PubSubDisconnectedEventArgs>? Disconnected;

        /// <summary>Raised when a node's connection is back, or once the subscriptions of a node that is gone were moved to the nodes that took over.</summary>
        public event EventHandler<PubSubReconnectedEventArgs>? Reconnected;

        /// <inheritdoc/>
        public event EventHandler<PubSubErrorEventArgs>? Error;

        /// <summary>Skip subscribe/unsubscribe confirmations (a keyspace subscription is confirmed once, when every primary confirmed it).</summary>
        public bool IgnoreSubscribeMessages { get; set; }

        /// <inheritdoc/>
        public int? MaxReconnectAttempts
        {
            get { lock (_lock) return _maxReconnectAttempts; }
            set
            {
                if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "MaxReconnectAttempts is zero or more, or null for no limit.");
                lock (_lock)
                {
                    _maxReconnectAttempts = value;
                    foreach (NodeSubscriber node in _nodes.Values) node.PubSub.MaxReconnectAttempts = value;
                }
            }
        }

        /// <inheritdoc/>
        public TimeSpan HealthCheckInterval
        {
            get { lock (_lock) return _healthCheckInterval; }
            set
            {
                if (value < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(value), "HealthCheckInterval is zero (off) or more.");
                lock (_lock)
                {
                    _healthCheckInterval = value;
                    foreach (NodeSubscriber node in _nodes.Values) node.PubSub.HealthCheckInterval = value;
                }
            }
        }

        /// <inheritdoc/>
        public IReadOnlyCollection<string> Channels
        {
            get { lock (_lock) return _channels.Concat(_keyspaceChannels).ToList(); }
        }

        /// <inheritdoc/>
        public IReadOnlyCollection<string> Patterns
        {
            get { lock (_lock) return _patterns.Concat(_keyspacePatterns).ToList(); }
        }

        /// <inheritdoc/>
        public IReadOnlyCollection<string> ShardChannels
        {
            get { lock (_lock) return _shard.Keys.ToList(); }
        }

        /// <summary>Each shard channel with the node ("host:port") it is subscribed on now.</summary>
        public IReadOnlyDictionary<string, string> ShardChannelNodes
        {
            get { lock (_lock) return new Dictionary<string, string>(_shard, StringComparer.Ordinal); }
        }

        /// <summary>The nodes ("host:port") this subscriber has a connection to.</summary>
        public IReadOnlyCollection<string> Nodes
        {
            get { lock (_lock) return _nodes.Keys.ToList(); }
        }

        /// <inheritdoc/>
        public bool IsSubscribed
        {
            get { lock (_lock) return _channels.Count + _patterns.Count + _keyspaceChannels.Count + _keyspacePatterns.Count + _shard.Count > 0; }
        }

        /// <summary>True while the readers run (false once one gave up at <see cref="MaxReconnectAttempts"/>, or after <see cref="Stop"/>).</summary>
        public bool IsRunning
        {
            get { lock (_lock) return _running && _nodes.Values.All(n => n.PubSub.IsRunning); }
        }

        /// <summary>
        /// True for a channel or pattern that names keyspace notifications (<c>__keyspace@</c>, <c>__keyevent@</c>, or a
        /// pattern such as <c>__key*__:*</c> that starts with <c>__key</c> and a wildcard): those are subscribed on every primary.
        /// </summary>
        public static bool IsKeyspaceName(string name, bool pattern)
        {
            if (name == null) throw new ArgumentNullException(nameof(name));
            if (name.StartsWith("__keyspace@", StringComparison.Ordinal) || name.StartsWith("__keyevent@", StringComparison.Ordinal)) return true;
            return pattern && name.Length > 5 && name.StartsWith("__key", StringComparison.Ordinal) && (name[5] == '*' || name[5] == '?' || name[5] == '[');
        }

        /// <summary>SUBSCRIBE: on one node (PUBLISH reaches every node); keyspace channels on every primary.</summary>
        public void Subscribe(params string[] channels) => Change("subscribe", channels, pattern: false, add: true);

        /// <summary>PSUBSCRIBE: on one node; keyspace patterns on every primary.</summary>
        public void PSubscribe(params string[] patterns) => Change("psubscribe", patterns, pattern: true, add: true);

        /// <summary>UNSUBSCRIBE from these channels; with none, from every channel.</summary>
        public void Unsubscribe(params string[] channels) => Change("subscribe", channels, pattern: false, add: false);

        /// <summary>PUNSUBSCRIBE from these patterns; with none, from every pattern.</summary>
        public void PUnsubscribe(params string[] patterns) => Change("psubscribe", patterns, pattern: true, add: false);

        /// <summary>SSUBSCRIBE: each channel on the primary that owns its slot (channels of one node in one connection).</summary>
        public void SSubscribe(params string[] channels)
        {
            string[] names = Validate("SSUBSCRIBE", channels, add: true);
            lock (_lock)
            {
                ThrowIfDisposed();
                var byOwner = new Dictionary<string, (ClusterNode Node, List<string> Channels)>(StringComparer.OrdinalIgnoreCase);
                foreach (string channel in names)
                {
                    ClusterNode owner = _shard.TryGetValue(channel, out string? endpoint) && _nodes.TryGetValue(endpoint, out NodeSubscriber? placed)
                        ? placed.Node : _cluster.NodeForKey(channel);
                    if (!byOwner.TryGetValue(owner.Endpoint, out var group)) byOwner[owner.Endpoint] = group = (owner, new List<string>());
                    group.Channels.Add(channel);
                    _shard[channel] = owner.Endpoint;
                }
                foreach (var group in byOwner.Values) Node(group.Node).PubSub.SSubscribe(group.Channels.ToArray());
            }
            ScheduleReconcile(TopologyCheck);
        }

        /// <summary>SUNSUBSCRIBE from these shard channels; with none, from every shard channel.</summary>
        public void SUnsubscribe(params string[] channels)
        {
            string[] names = Validate("SUNSUBSCRIBE", channels, add: false);
            lock (_lock)
            {
                ThrowIfDisposed();
                IEnumerable<string> which = names.Length == 0 ? _shard.Keys.ToList() : names;
                var byNode = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
                foreach (string channel in which)
                {
                    if (!_shard.TryGetValue(channel, out string? endpoint)) continue;
                    _shard.Remove(channel);
                    if (!byNode.TryGetValue(endpoint, out List<string>? group)) byNode[endpoint] = group = new List<string>();
                    group.Add(channel);
                }
                foreach (KeyValuePair<string, List<string>> group in byNode)
                {
                    if (_nodes.TryGetValue(group.Key, out NodeSubscriber? node)) node.PubSub.SUnsubscribe(group.Value.ToArray());
                }
            }
        }

        /// <summary>Starts a background reader per node (and for every node connected later).</summary>
        public void Start()
        {
            lock (_lock)
            {
                ThrowIfDisposed();
                if (_running) throw new RedisPubSubException("The background readers are already running.");
                _running = true;
                foreach (NodeSubscriber node in _nodes.Values)
                {
                    if (!node.PubSub.IsRunning) node.PubSub.Start();
                }
            }
        }

        /// <summary>Stops every node's background reader.</summary>
        public void Stop()
        {
            List<NodeSubscriber> nodes;
            lock (_lock)
            {
                _running = false;
                nodes = _nodes.Values.ToList();
            }
            // Not under the lock: a reader being stopped may be waiting for it in a handler.
            foreach (NodeSubscriber node in nodes) node.PubSub.Stop();
        }

        /// <summary>Stops the readers and closes every node's connection.</summary>
        public void Dispose()
        {
            List<NodeSubscriber> nodes;
            lock (_lock)
            {
                if (_disposed) return;
                _disposed = true;
                _running = false;
                nodes = _nodes.Values.ToList();
                _nodes.Clear();
                _shard.Clear();
                _channels.Clear();
                _patterns.Clear();
                _keyspaceChannels.Clear();
                _keyspacePatterns.Clear();
            }
            _timer.Dispose();
            foreach (NodeSubscriber node in nodes) node.PubSub.Dispose();
            // After the timer: a round already running finds _disposed set before it uses the client again.
            lock (_reconcileLock) _cluster.Dispose();
        }

        /// <summary>The nodes and what is subscribed.</summary>
        public override string ToString()
        {
            lock (_lock)
            {
                return "RedisClusterPubSub (" + _nodes.Count.ToString(CultureInfo.InvariantCulture) + " nodes, " +
                       (_channels.Count + _keyspaceChannels.Count).ToString(CultureInfo.InvariantCulture) + " channels, " +
                       (_patterns.Count + _keyspacePatterns.Count).ToString(CultureInfo.InvariantCulture) + " patterns, " +
                       _shard.Count.ToString(CultureInfo.InvariantCulture) + " shard channels)";
            }
        }

        private void Change(string kind, string[] names, bool pattern, bool add)
        {
            string command = pattern ? (add ? "PSUBSCRIBE" : "PUNSUBSCRIBE") : (add ? "SUBSCRIBE" : "UNSUBSCRIBE");
            names = Validate(command, names, add);
            HashSet<string> plainSet = pattern ? _patterns : _channels;
            HashSet<string> keyspaceSet = pattern ? _keyspacePatterns : _keyspaceChannels;
            lock (_lock)
            {
                ThrowIfDisposed();
                List<string> plain, keyspace;
                if (names.Length == 0)
                {
                    // Everything of this kind.
                    plain = plainSet.ToList();
                    keyspace = keyspaceSet.ToList();
                }
                else
                {
                    plain = names.Where(n => !IsKeyspaceName(n, pattern)).ToList();
                    keyspace = names.Where(n => IsKeyspaceName(n, pattern)).ToList();
                }
                if (add)
                {
                    if (plain.Count > 0)
                    {
                        plainSet.UnionWith(plain);
                        Apply(Home(), pattern, add: true, plain);
                    }
                    if (keyspace.Count > 0)
                    {
                        keyspaceSet.UnionWith(keyspace);
                        IReadOnlyList<ClusterNode> primaries = _cluster.Primaries;
                        foreach (string name in keyspace) _pendingConfirmations[kind + "\0" + name] = primaries.Count;
                        foreach (ClusterNode primary in primaries)
                        {
                            _keyspaceNodes.Add(primary.Endpoint);
                            Apply(Node(primary), pattern, add: true, keyspace);
                        }
                        ScheduleReconcile(TopologyCheck);
                    }
                    return;
                }
                plainSet.ExceptWith(plain);
                keyspaceSet.ExceptWith(keyspace);
                if (plain.Count > 0 && _home != null && _nodes.TryGetValue(_home, out NodeSubscriber? home)) Apply(home, pattern, add: false, plain);
                if (keyspace.Count > 0)
                {
                    foreach (string endpoint in _keyspaceNodes)
                    {
                        if (_nodes.TryGetValue(endpoint, out NodeSubscriber? node)) Apply(node, pattern, add: false, keyspace);
                    }
                }
            }
        }

        private static void Apply(NodeSubscriber node, bool pattern, bool add, List<string> names)
        {
            string[] array = names.ToArray();
            if (pattern)
            {
                if (add) node.PubSub.PSubscribe(array);
                else node.PubSub.PUnsubscribe(array);
            }
            else
            {
                if (add) node.PubSub.Subscribe(array);
                else node.PubSub.Unsubscribe(array);
            }
        }

        private static string[] Validate(string command, string[]? names, bool add)
        {
            names ??= new string[0];
            if (add && names.Length == 0) throw new RedisDataException(command + " needs at least one name.");
            foreach (string name in names)
            {
                if (name == null) throw new RedisDataException(command + ": a name is null.");
            }
            return names;
        }

        /// <summary>The node of the plain channels and patterns (caller holds _lock): any primary, chosen once.</summary>
        private NodeSubscriber Home()
        {
            if (_home != null && _nodes.TryGetValue(_home, out NodeSubscriber? home)) return home;
            home = Node(_cluster.AnyPrimary());
            _home = home.Node.Endpoint;
            return home;
        }

        /// <summary>The connection to <paramref name="node"/>, made on first use (caller holds _lock).</summary>
        private NodeSubscriber Node(ClusterNode node)
        {
            if (_nodes.TryGetValue(node.Endpoint, out NodeSubscriber? existing)) return existing;
            ConnectionOptions options = _cluster.SubscriberOptions(node);
            if (_clientName != null) options.ClientName = _clientName;
            // Confirmations are always read here (keyspace subscriptions are confirmed by the last primary); IgnoreSubscribeMessages filters what goes on.
            var pubsub = new RedisPubSub(options, ignoreSubscribeMessages: false)
            {
                MaxReconnectAttempts = _maxReconnectAttempts,
                HealthCheckInterval = _healthCheckInterval,
            };
            var created = new NodeSubscriber(node, pubsub);
            pubsub.MessageReceived += (sender, e) => OnMessage(e);
            pubsub.Disconnected += (sender, e) => OnDisconnected(created, e);
            pubsub.Reconnected += (sender, e) => OnReconnected(created, e);
            pubsub.Error += (sender, e) => OnError(created, e);
            pubsub.ShardChannelDropped += (sender, channel) => ScheduleReconcile(SettleDelay);
            _nodes[node.Endpoint] = created;
            if (_running) pubsub.Start();
            return created;
        }

        private void OnMessage(PubSubMessageEventArgs e)
        {
            PubSubMessage message = e.Message;
            if (!message.IsPublished && message.Type != "pong")
            {
                lock (_lock)
                {
                    // The server ended a shard channel still wanted (its slot moved): not the caller's business; it is moved.
                    if (message.Type == "sunsubscribe" && _shard.ContainsKey(message.Channel)) return;
                    if ((message.Type == "subscribe" || message.Type == "psubscribe") &&
                        _pendingConfirmations.TryGetValue(message.Type + "\0" + message.Channel, out int waiting))
                    {
                        if (waiting > 1)
                        {
                            _pendingConfirmations[message.Type + "\0" + message.Channel] = waiting - 1;
                            return;
                        }
                        _pendingConfirmations.Remove(message.Type + "\0" + message.Channel);
                    }
                }
                if (IgnoreSubscribeMessages) return;
            }
            // One at a time, whichever node's reader delivers it: handlers need not be thread-safe.
            lock (_deliver) MessageReceived?.Invoke(this, e);
        }

        private void OnDisconnected(NodeSubscriber node, PubSubDisconnectedEventArgs e)
        {
            Interlocked.Exchange(ref node.OutageStartedAt, Stopwatch.GetTimestamp());
            Disconnected?.Invoke(this, e);
            // A node that stays unreachable may have been replaced by a replica: look at the slot map until it is back.
            ScheduleReconcile(RecheckDelay);
        }

        private void OnReconnected(NodeSubscriber node, PubSubReconnectedEventArgs e)
        {
            Interlocked.Exchange(ref node.OutageStartedAt, 0);
            Reconnected?.Invoke(this, e);
        }

        private void OnError(NodeSubscriber node, PubSubErrorEventArgs e)
        {
            if (!e.ReaderStopped && ClusterRedirect.TryParse(e.Exception.Message, node.Node.Host, out ClusterRedirect redirect))
            {
                // SSUBSCRIBE reached a node that no longer owns the channel's slot: the reply names the owner.
                try
                {
                    if (redirect.IsMoved) _cluster.Follow(redirect);
                }
                catch (Exception ex) when (ex is RedisException || ex is ObjectDisposedException)
                {
                    Trace.TraceInformation("PSRedis cluster pub/sub: " + ex.Message);
                }
                ScheduleReconcile(SettleDelay);
                return;
            }
            Error?.Invoke(this, e);
        }

        private void ScheduleReconcile(TimeSpan delay)
        {
            if (_disposed) return;
            lock (_timerLock)
            {
                long due = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
                if (_due != 0 && _due <= due) return;
                _due = due;
                try
                {
                    _timer.Change(delay, Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                    // Disposed meanwhile: nothing to move any more.
                }
            }
        }

        /// <summary>
        /// Puts every subscription where the cluster's slot map says it belongs now (on a timer thread, never a reader's):
        /// shard channels on their slot's owner, keyspace subscriptions on every primary, plain ones on a node that is
        /// up; connections left with nothing to do are closed. Runs again while a node with subscriptions is unreachable.
        /// </summary>
        private void Reconcile()
        {
            lock (_timerLock) _due = 0;
            if (_disposed) return;
            if (!Monitor.TryEnter(_reconcileLock))
            {
                _reconcileAgain = true;
                return;
            }
            var retired = new List<NodeSubscriber>();
            var restored = new List<PubSubReconnectedEventArgs>();
            bool again = false;
            bool watch = false;
            try
            {
                _reconcileAgain = false;
                if (_disposed) return;
                try
                {
                    _cluster.RefreshSlotMap();
                }
                catch (RedisException)
                {
                    again = true; // no node answered: keep what we have, ask again soon
                }
                lock (_lock)
                {
                    if (_disposed) return;
                    again |= PlaceShardChannels();
                    again |= PlaceKeyspace();
                    again |= PlaceHome();
                    watch = _keyspaceChannels.Count + _keyspacePatterns.Count + _shard.Count > 0;
                    long now = Stopwatch.GetTimestamp();
                    foreach (NodeSubscriber node in _nodes.Values.ToList())
                    {
                        if (node.PubSub.IsSubscribed)
                        {
                            if (Interlocked.Read(ref node.OutageStartedAt) != 0) again = true;
                            continue;
                        }
                        if (string.Equals(node.Node.Endpoint, _home, StringComparison.OrdinalIgnoreCase)) _home = null;
                        _nodes.Remove(node.Node.Endpoint);
                        _keyspaceNodes.Remove(node.Node.Endpoint);
                        retired.Add(node);
                        // Its subscriptions live on other nodes now: the outage it announced is over.
                        long outage = Interlocked.Read(ref node.OutageStartedAt);
                        if (outage != 0) restored.Add(new PubSubReconnectedEventArgs(1, TimeSpan.FromSeconds((double)(now - outage) / Stopwatch.Frequency)));
                    }
                }
            }
            catch (Exception ex)
            {
                // Nothing may escape a timer thread (it would end the process); report it and try again later.
                again = true;
                if (!_disposed) RaiseError(ex);
            }
            finally
            {
                Monitor.Exit(_reconcileLock);
            }
            foreach (NodeSubscriber node in retired) node.PubSub.Dispose();
            foreach (PubSubReconnectedEventArgs args in restored) Reconnected?.Invoke(this, args);
            if (again || _reconcileAgain) ScheduleReconcile(again ? RecheckDelay : SettleDelay);
            else if (watch) ScheduleReconcile(TopologyCheck);
        }

        /// <summary>Moves shard channels whose slot has another owner, and subscribes again those a node dropped. True: try again later.</summary>
        private bool PlaceShardChannels()
        {
            bool again = false;
            var subscribedOn = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
            var moves = new Dictionary<string, (ClusterNode Node, List<string> Channels)>(StringComparer.OrdinalIgnoreCase);
            foreach (KeyValuePair<string, string> entry in _shard.ToList())
            {
                string channel = entry.Key;
                ClusterNode owner;
                try
                {
                    owner = _cluster.NodeForKey(channel);
                }
                catch (RedisClusterException)
                {
                    again = true; // the slot has no owner right now (a failover under way)
                    continue;
                }
                bool placed = false;
                if (_nodes.TryGetValue(entry.Value, out NodeSubscriber? current))
                {
                    if (!subscribedOn.TryGetValue(entry.Value, out HashSet<string>? set))
                        subscribedOn[entry.Value] = set = new HashSet<string>(current.PubSub.ShardChannels, StringComparer.Ordinal);
                    placed = set.Contains(channel);
                }
                if (placed && string.Equals(owner.Endpoint, entry.Value, StringComparison.OrdinalIgnoreCase)) continue;
                if (placed) TryApply(() => current!.PubSub.SUnsubscribe(channel), ref again);
                if (!moves.TryGetValue(owner.Endpoint, out var group)) moves[owner.Endpoint] = group = (owner, new List<string>());
                group.Channels.Add(channel);
                _shard[channel] = owner.Endpoint;
            }
            foreach (var group in moves.Values) TryApply(() => Node(group.Node).PubSub.SSubscribe(group.Channels.ToArray()), ref again);
            return again;
        }

        /// <summary>Keyspace subscriptions on every primary of the map, and off nodes that are primaries no more.</summary>
        private bool PlaceKeyspace()
        {
            if (_keyspaceChannels.Count + _keyspacePatterns.Count == 0) return false;
            bool again = false;
            var primaries = _cluster.Primaries.ToDictionary(p => p.Endpoint, StringComparer.OrdinalIgnoreCase);
            List<string> channels = _keyspaceChannels.ToList();
            List<string> patterns = _keyspacePatterns.ToList();
            foreach (string endpoint in _keyspaceNodes.Where(e => !primaries.ContainsKey(e)).ToList())
            {
                _keyspaceNodes.Remove(endpoint);
                if (!_nodes.TryGetValue(endpoint, out NodeSubscriber? node)) continue;
                if (channels.Count > 0) TryApply(() => Apply(node, pattern: false, add: false, channels), ref again);
                if (patterns.Count > 0) TryApply(() => Apply(node, pattern: true, add: false, patterns), ref again);
            }
            foreach (ClusterNode primary in primaries.Values)
            {
                if (_keyspaceNodes.Contains(primary.Endpoint)) continue;
                _keyspaceNodes.Add(primary.Endpoint);
                if (channels.Count > 0) TryApply(() => Apply(Node(primary), pattern: false, add: true, channels), ref again);
                if (patterns.Count > 0) TryApply(() => Apply(Node(primary), pattern: true, add: true, patterns), ref again);
            }
            return again;
        }

        /// <summary>Plain channels and patterns leave a node that is unreachable and no longer a primary (any node receives PUBLISH).</summary>
        private bool PlaceHome()
        {
            if (_home == null || _channels.Count + _patterns.Count == 0 || !_nodes.TryGetValue(_home, out NodeSubscriber? home)) return false;
            if (Interlocked.Read(ref home.OutageStartedAt) == 0 || _cluster.Primaries.Any(p => string.Equals(p.Endpoint, _home, StringComparison.OrdinalIgnoreCase))) return false;
            bool again = false;
            List<string> channels = _channels.ToList();
            List<string> patterns = _patterns.ToList();
            if (channels.Count > 0) TryApply(() => Apply(home, pattern: false, add: false, channels), ref again);
            if (patterns.Count > 0) TryApply(() => Apply(home, pattern: true, add: false, patterns), ref again);
            _home = null;
            NodeSubscriber next = Home();
            if (channels.Count > 0) TryApply(() => Apply(next, pattern: false, add: true, channels), ref again);
            if (patterns.Count > 0) TryApply(() => Apply(next, pattern: true, add: true, patterns), ref again);
            return again;
        }

        /// <summary>A (un)subscribe during a move; a node that cannot be reached now is tried again by its own reader or the next round.</summary>
        private static void TryApply(Action apply, ref bool again)
        {
            try
            {
                apply();
            }
            catch (RedisException ex)
            {
                Trace.TraceInformation("PSRedis cluster pub/sub: " + ex.Message);
                again = true;
            }
        }

        private void RaiseError(Exception ex)
        {
            try
            {
                Error?.Invoke(this, new PubSubErrorEventArgs(ex, readerStopped: false));
            }
            catch (Exception handlerFailure)
            {
                Trace.TraceError("PSRedis cluster pub/sub Error handler failed: " + handlerFailure);
            }
        }

        private void ThrowIfDisposed()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(RedisClusterPubSub));
        }

        private sealed class NodeSubscriber
        {
            public NodeSubscriber(ClusterNode node, RedisPubSub pubSub)
            {
                Node = node;
                PubSub = pubSub;
            }

            public ClusterNode Node { get; }

            public RedisPubSub PubSub { get; }

            /// <summary>Stopwatch ticks when its outage began; 0 while connected.</summary>
            public long OutageStartedAt;
        }
    }
}
