using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Threading;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A Redis Cluster client (redis-py's RedisCluster): the same typed commands as <see cref="RedisClient"/>, each sent
    /// to the node that owns its key's slot (CRC16 with hash tags), one connection pool per node. MOVED updates the slot
    /// map and goes to the new owner; ASK sends ASKING and the command to the named node once; TRYAGAIN, CLUSTERDOWN and
    /// lost nodes are retried with backoff until the socket timeout, the map reloaded in between (a failover). MGET, DEL,
    /// UNLINK, EXISTS, TOUCH and MSET are split by slot and sent to all nodes at once; other commands whose keys span
    /// slots fail before anything is sent (<see cref="RedisClusterCrossSlotException"/>). Thread-safe.
    /// </summary>
    public sealed class RedisCluster : RedisClientBase
    {
        private const int MaxRedirects = 16;
        private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

        private readonly ConnectionOptions _options;
        private readonly IReadOnlyList<(string Host, int Port)> _seeds;
        private readonly ConcurrentDictionary<string, RedisClient> _clients = new ConcurrentDictionary<string, RedisClient>(StringComparer.OrdinalIgnoreCase);
        private readonly object _refreshLock = new object();
        private readonly Stopwatch _sinceRefresh = Stopwatch.StartNew();
        private volatile ClusterSlotMap _map;
        private int _anyPrimary;
        private int _anyReplica;
        private volatile bool _disposed;

        /// <summary>
        /// Connects to the cluster through <paramref name="options"/>' host and port (and any further
        /// <paramref name="seeds"/>, tried in turn) and loads its slot map. Every node is reached with the same settings
        /// (credentials, TLS, timeouts, pool size).
        /// </summary>
        public RedisCluster(ConnectionOptions options, IEnumerable<(string Host, int Port)>? seeds = null)
            : this(options, seeds, readFromReplicas: false)
        {
        }

        /// <summary>
        /// As <see cref="RedisCluster(ConnectionOptions, IEnumerable{ValueTuple{string, int}})"/>; with
        /// <paramref name="readFromReplicas"/> commands that only read keys go to the replicas of their slot's primary
        /// in turn (redis-py's read_from_replicas): more read capacity, but a read right after a write may not see it yet.
        /// </summary>
        public RedisCluster(ConnectionOptions options, IEnumerable<(string Host, int Port)>? seeds, bool readFromReplicas)
        {
            ReadFromReplicas = readFromReplicas;
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (options.UnixSocketPath != null) throw new RedisDataException("A cluster is reached over TCP; a unix socket path cannot name its nodes.");
            if (options.Database != 0)
                throw new RedisDataException("A Redis Cluster has one database, 0; database " + options.Database.ToString(CultureInfo.InvariantCulture) + " was asked for.");
            _options = options.Clone();
            var list = new List<(string, int)> { (options.Host, options.Port) };
            if (seeds != null) list.AddRange(seeds.Where(s => !(string.Equals(s.Host, options.Host, StringComparison.OrdinalIgnoreCase) && s.Port == options.Port)));
            _seeds = list;
            _map = LoadMap(initial: true);
        }

        /// <summary>A cluster client from a redis:// or rediss:// URL naming any node (redis-py RedisCluster.from_url).</summary>
        public static RedisCluster FromUrl(string url, Action<ConnectionOptions>? configure = null) =>
            new RedisCluster(RedisUrl.Parse(url, configure));

        /// <summary>True when the server behind <paramref name="client"/> runs in cluster mode (INFO cluster: cluster_enabled:1).</summary>
        public static bool IsClusterEnabled(RedisClient client)
        {
            if (client == null) throw new ArgumentNullException(nameof(client));
            string info = client.Execute(new object?[] { "INFO", "cluster" }).AsString() ?? string.Empty;
            return info.IndexOf("cluster_enabled:1", StringComparison.Ordinal) >= 0;
        }

        /// <inheritdoc/>
        public override ConnectionOptions Options => _options;

        /// <summary>True when key reads go to replicas (replication is asynchronous: they may lag the primary).</summary>
        public bool ReadFromReplicas { get; }

        /// <summary>The slot map in use (reloaded after MOVED replies, failovers and lost nodes).</summary>
        public ClusterSlotMap SlotMap => _map;

        /// <summary>The primaries serving slots, as the map says now.</summary>
        public IReadOnlyList<ClusterNode> Primaries => _map.Primaries;

        /// <summary>The node that serves <paramref name="key"/> now (redis-py's get_node_from_key).</summary>
        public ClusterNode NodeForKey(string key) => OwnerOf(ClusterSlot.Of(key));

        /// <summary>A client for one node (for INFO, MONITOR, CONFIG of that node): commands sent through it are not routed.</summary>
        public RedisClient NodeClient(ClusterNode node)
        {
            if (node == null) throw new ArgumentNullException(nameof(node));
            return ClientFor(node);
        }

        /// <summary>Reloads the slot map from the nodes now (it also reloads by itself when the cluster changes).</summary>
        public void RefreshSlotMap() => Refresh(force: true);

        /// <inheritdoc/>
        public override RedisPipeline Pipeline(bool transaction = true) => new RedisPipeline(this, transaction);

        internal override IEnumerable<RedisCommands> ScanTargets() => _map.Primaries.Select(ClientFor).ToList();

        internal override object? ScanBegins() => ClusterScan.Begin(this);

        internal override IEnumerable<ScanPage> ScanEnds(object? before, string? match, string? type) =>
            ClusterScan.End(this, (ClusterScan.Snapshot)before!, match, type);

        internal override ConnectionOptions PubSubOptions() => NodeOptions(AnyPrimary());

        /// <summary>Where a subscriber's connection to <paramref name="node"/> goes (a copy it may change).</summary>
        internal ConnectionOptions SubscriberOptions(ClusterNode node) => NodeOptions(node);

        /// <summary>
        /// Publish/subscribe across the cluster (redis-py's ClusterPubSub): shard channels (SSUBSCRIBE) on their slot's
        /// owner and moved when the slot moves, keyspace notifications from every primary, plain channels and patterns on
        /// one node (PUBLISH is broadcast). Messages arrive through its background readers (Start). <see cref="RedisClientBase.PubSub(string, bool)"/>
        /// stays one connection to one node, enough for plain channels and patterns.
        /// </summary>
        public RedisClusterPubSub ClusterPubSub(string? clientName = null, bool ignoreSubscribeMessages = false)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(RedisCluster));
            // Its own cluster client, seeded with every node known now: disposing this one (Disconnect-Redis) must not
            // leave a live subscription unable to follow its channels to their new owners.
            var own = new RedisCluster(_options, _map.Nodes.Select(n => (n.Host, n.Port)), readFromReplicas: false);
            return new RedisClusterPubSub(own, clientName, ignoreSubscribeMessages);
        }

        /// <summary>On a cluster: a <see cref="RedisClusterPubSub"/>.</summary>
        public override IRedisPubSub Subscriber(string? clientName = null, bool ignoreSubscribeMessages = false) =>
            ClusterPubSub(clientName, ignoreSubscribeMessages);

        internal override T Run<T>(IReadOnlyList<object?> args, Func<RespValue, T> parse, TimeSpan? blockFor = null)
        {
            if (args == null || args.Count == 0) throw new RedisDataException("A command needs at least one argument (its name).");
            ClusterRoute route = ClusterKeys.Route(args);
            switch (route.Kind)
            {
                case ClusterRouteKind.Slot:
                    return Attempt(args, route.Slot, null, parse, blockFor);
                case ClusterRouteKind.AllPrimaries:
                    return ParseCombined(args, parse, Everywhere(args, route.Combine));
                case ClusterRouteKind.Split:
                    return ParseCombined(args, parse, Split(args));
                default:
                    return Attempt(args, -1, null, parse, blockFor);
            }
        }

        private static T ParseCombined<T>(IReadOnlyList<object?> args, Func<RespValue, T> parse, RespValue combined)
        {
            if (combined.IsError) throw combined.ToException();
            try
            {
                return parse(combined);
            }
            catch (Exception ex) when (UnexpectedReply.IsParserFailure(ex))
            {
                throw UnexpectedReply.For(args, combined, ex);
            }
        }

        /// <summary>
        /// Sends one command to the owner of <paramref name="slot"/> (or to <paramref name="node"/>, or any primary when
        /// the slot is -1), following MOVED and ASK, and retrying what the cluster refuses for now (TRYAGAIN, CLUSTERDOWN,
        /// a node being failed over or gone) with backoff until the socket timeout. A command that may have run on a node
        /// that then failed is never sent again unless it is harmless to repeat (the node client's in-doubt rule).
        /// </summary>
        internal T Attempt<T>(IReadOnlyList<object?> args, int slot, ClusterNode? node, Func<RespValue, T> parse, TimeSpan? blockFor, bool asking = false)
        {
            RetryPolicy policy = _options.Retry;
            var clock = Stopwatch.StartNew();
            int redirects = 0;
            int failures = 0;
            node ??= slot >= 0 ? ServerOf(slot, args) : AnyPrimary();
            while (true)
            {
                try
                {
                    RedisClient client = ClientFor(node);
                    return asking ? Asking(client, args, parse, blockFor) : client.Run(args, parse, blockFor);
                }
                catch (RedisResponseException ex) when (ClusterRedirect.TryParse(ex.Message, node.Host, out ClusterRedirect redirect))
                {
                    if (++redirects > MaxRedirects)
                        throw new RedisClusterException(CommandText.Name(args) + " was redirected " + MaxRedirects.ToString(CultureInfo.InvariantCulture)
                            + " times without reaching the node that serves slot " + redirect.Slot.ToString(CultureInfo.InvariantCulture) + "; the cluster's slot map keeps changing.", ex);
                    node = Follow(redirect);
                    asking = !redirect.IsMoved;
                }
                catch (RedisException ex) when (policy.Retries > 0 && IsPassing(ex) && (failures < policy.Retries || clock.Elapsed < FailoverWindow))
                {
                    failures++;
                    policy.Wait(Math.Min(failures, 6));
                    // A node that is gone, demoted (READONLY) or a cluster that is down means the map is out of date.
                    Refresh(force: false);
                    if (!(ex is RedisResponseException response && response.ErrorCode == "TRYAGAIN"))
                    {
                        // A replica that failed leaves its reads to the primary.
                        node = slot >= 0 ? (node.IsPrimary ? ServerOf(slot, args) : OwnerOf(slot)) : AnyPrimary();
                        asking = false;
                    }
                }
            }
        }

        /// <summary>How long failures that pass (a failover) are retried: the socket timeout, the deadline of any reply.</summary>
        private TimeSpan FailoverWindow => _options.SocketTimeout ?? TimeSpan.FromSeconds(30);

        private bool IsPassing(RedisException error) =>
            !(error is RedisCommandInDoubtException) && !(error is RedisClusterException) && RetryPolicy.IsTransient(error, _options);

        /// <summary>ASK: this one command goes to the importing node, preceded by ASKING on the same connection.</summary>
        private static T Asking<T>(RedisClient client, IReadOnlyList<object?> args, Func<RespValue, T> parse, TimeSpan? blockFor)
        {
            RespValue reply = client.WithConnection(connection =>
            {
                connection.SendCommands(new[] { (IReadOnlyList<object?>)new object?[] { "ASKING" }, args });
                connection.ReadResponse();
                return blockFor.HasValue ? connection.ReadResponse(client.PipelineReadTimeout(blockFor.Value), errorsAsValues: true) : connection.ReadResponse(errorsAsValues: true);
            });
            if (reply.IsError) throw reply.ToException();
            return parse(reply);
        }

        /// <summary>A MOVED or ASK reply: for MOVED the map learns the slot's new owner at once (and reloads soon).</summary>
        internal ClusterNode Follow(ClusterRedirect redirect)
        {
            var target = new ClusterNode(redirect.Host, redirect.Port);
            if (!redirect.IsMoved) return target;
            lock (_refreshLock) _map = _map.WithOwner(redirect.Slot, target);
            Refresh(force: false);
            return _map.ShardFor(redirect.Slot)?.Primary ?? target;
        }

        /// <summary>The replies of a keyless command sent to every primary, made one (DBSIZE sums, KEYS concatenates ...).</summary>
        private RespValue Everywhere(IReadOnlyList<object?> args, ClusterCombine combine)
        {
            var replies = new List<RespValue>();
            foreach (ClusterNode primary in _map.Primaries)
            {
                replies.Add(AsValue(() => Attempt(args, -1, primary, Reply.Raw, null)));
            }
            return ClusterReplies.Combine(combine, replies, null, 0);
        }

        /// <summary>A multi-key command split by slot: one command per slot, sent to every node at once, results put back in order.</summary>
        private RespValue Split(IReadOnlyList<object?> args)
        {
            using var stream = new ClusterStream(this);
            stream.Add(args, null);
            stream.Send();
            return stream.Receive();
        }

        /// <summary>Runs <paramref name="run"/>; an error reply becomes an error value, as replies in a batch are.</summary>
        internal static RespValue AsValue(Func<RespValue> run)
        {
            try
            {
                return run();
            }
            catch (RedisResponseException ex)
            {
                return CarriedErrors.AsReply(ex);
            }
        }

        /// <summary>Where a command for <paramref name="slot"/> goes: its primary, or for a key read a replica in turn when asked for.</summary>
        internal ClusterNode ServerOf(int slot, IReadOnlyList<object?> args)
        {
            if (!ReadFromReplicas || !CommandSafety.IsKeyRead(args)) return OwnerOf(slot);
            ClusterShard? shard = _map.ShardFor(slot);
            if (shard == null || shard.Replicas.Count == 0) return OwnerOf(slot);
            int next = Interlocked.Increment(ref _anyReplica) & int.MaxValue;
            return shard.Replicas[next % shard.Replicas.Count];
        }

        internal ClusterNode OwnerOf(int slot)
        {
            ClusterShard? shard = _map.ShardFor(slot);
            if (shard != null) return shard.Primary;
            Refresh(force: false);
            shard = _map.ShardFor(slot);
            return shard?.Primary ?? throw new RedisClusterException("No node of the cluster serves slot " + slot.ToString(CultureInfo.InvariantCulture)
                + " (" + _map.UncoveredSlots.ToString(CultureInfo.InvariantCulture) + " of 16384 slots have no owner): the cluster is incomplete or down.");
        }

        internal ClusterNode AnyPrimary()
        {
            IReadOnlyList<ClusterNode> primaries = _map.Primaries;
            if (primaries.Count == 0) throw new RedisClusterException("The cluster's slot map names no primary.");
            int next = Interlocked.Increment(ref _anyPrimary) & int.MaxValue;
            return primaries[next % primaries.Count];
        }

        /// <summary>
        /// A node's client for reading the slot map: short timeouts, so a node that hangs (stopped, cut off) delays a
        /// reload by seconds, not by the socket timeout, and the next node is asked.
        /// </summary>
        private RedisClient ControlClientFor(ClusterNode node)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(RedisCluster));
            return _clients.GetOrAdd(node.Endpoint + "/control", _ =>
            {
                ConnectionOptions options = NodeOptions(node);
                options.ReplicaReads = false;
                options.ConnectTimeout = Shorter(options.ConnectTimeout, ControlTimeout);
                options.SocketTimeout = Shorter(options.SocketTimeout, ControlTimeout);
                options.MaxConnections = null;
                return new RedisClient(options);
            });
        }

        private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(3);

        private static TimeSpan? Shorter(TimeSpan? setting, TimeSpan cap) => setting.HasValue && setting.Value < cap ? setting : cap;

        internal RedisClient ClientFor(ClusterNode node)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(RedisCluster));
            // With a size limit per node, callers wait for a free connection of that node, as Connect-Redis's pools do.
            // A replica that serves reads has connections of its own (they said READONLY).
            bool replicaReads = !node.IsPrimary && ReadFromReplicas;
            return _clients.GetOrAdd(replicaReads ? node.Endpoint + "/readonly" : node.Endpoint, _ =>
            {
                ConnectionOptions options = NodeOptions(node);
                return options.MaxConnections.HasValue ? new RedisClient(new BlockingConnectionPool(options), ownsPool: true) : new RedisClient(options);
            });
        }

        /// <summary>
        /// A node's connection settings: the user's, pointed at the node. A node announced by IP while the user named the
        /// cluster by host name over TLS keeps that name for the certificate check (the certificate names the service,
        /// not each node's address). Retries are the cluster's business (it may pick another node), so the node client
        /// makes one attempt and keeps its rule that a command in doubt is never repeated.
        /// </summary>
        private ConnectionOptions NodeOptions(ClusterNode node)
        {
            ConnectionOptions options = _options.Clone();
            options.Host = node.Host;
            options.Port = node.Port;
            options.Retry = RetryPolicy.None;
            options.ReplicaReads = !node.IsPrimary && ReadFromReplicas;
            options.TlsServerName = TlsNameFor(_options, node.Host);
            return options;
        }

        /// <summary>
        /// The name a node's certificate is checked against: the user's own setting, else for a node announced by IP the
        /// host name the user connected with (over TLS), else none (the node's host is checked as usual).
        /// </summary>
        internal static string? TlsNameFor(ConnectionOptions user, string nodeHost)
        {
            if (!user.UseTls || user.TlsServerName != null) return user.TlsServerName;
            return IPAddress.TryParse(nodeHost, out _) && !IPAddress.TryParse(user.Host, out _) ? user.Host : null;
        }

        private void Refresh(bool force)
        {
            if (!force && _sinceRefresh.Elapsed < RefreshInterval) return;
            lock (_refreshLock)
            {
                if (!force && _sinceRefresh.Elapsed < RefreshInterval) return;
                try
                {
                    _map = LoadMap(initial: false);
                }
                catch (RedisException) when (!force)
                {
                    // Every node failed to answer: keep the map we have; the command's own retry decides what happens next.
                }
                finally
                {
                    _sinceRefresh.Restart();
                }
            }
        }

        /// <summary>Asks the known primaries, then the seeds, for the slot map; the first complete answer wins.</summary>
        private ClusterSlotMap LoadMap(bool initial)
        {
            var candidates = new List<ClusterNode>();
            if (!initial) candidates.AddRange(_map.Nodes);
            candidates.AddRange(_seeds.Select(s => new ClusterNode(s.Host, s.Port)));
            var errors = new List<string>();
            ClusterSlotMap? partial = null;
            foreach (ClusterNode candidate in candidates.Distinct())
            {
                try
                {
                    ClusterSlotMap map = Query(candidate, initial);
                    if (map.UncoveredSlots == 0) return map;
                    partial ??= map;
                    errors.Add(candidate.Endpoint + ": " + map.UncoveredSlots.ToString(CultureInfo.InvariantCulture) + " slots without an owner");
                }
                catch (RedisResponseException ex) when (initial && ex.Message.IndexOf("cluster support disabled", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    throw new RedisClusterException(candidate.Endpoint + " is not a cluster node (cluster support disabled); connect to it as a single server.", ex);
                }
                catch (RedisException ex) when (!(ex is RedisAuthenticationException))
                {
                    errors.Add(candidate.Endpoint + ": " + ex.Message);
                }
            }
            if (partial != null && (!initial || partial.Primaries.Count > 0)) return partial;
            throw new RedisClusterException("Could not load the cluster's slot map from any node: " + string.Join("; ", errors) + ".");
        }

        private ClusterSlotMap Query(ClusterNode node, bool initial)
        {
            // The first load waits as long as the user allows (a slow TLS handshake); reloads must not stall on one node.
            RedisClient client = initial ? ClientFor(node) : ControlClientFor(node);
            try
            {
                return ClusterSlotMap.FromShards(client.Execute(new object?[] { "CLUSTER", "SHARDS" }), node.Host, _options.UseTls);
            }
            catch (RedisResponseException ex) when (ex.Message.IndexOf("unknown subcommand", StringComparison.OrdinalIgnoreCase) >= 0
                || ex.Message.IndexOf("unknown command", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                // Before Redis 7.0.
                return ClusterSlotMap.FromSlots(client.Execute(new object?[] { "CLUSTER", "SLOTS" }), node.Host);
            }
        }

        public override void Dispose()
        {
            _disposed = true;
            foreach (RedisClient client in _clients.Values) client.Dispose();
            _clients.Clear();
        }

        public override string ToString() =>
            "RedisCluster " + _options + " (" + _map.Primaries.Count.ToString(CultureInfo.InvariantCulture) + " primaries)";
    }

    /// <summary>A MOVED or ASK error reply: the slot and the node to go to.</summary>
    internal readonly struct ClusterRedirect
    {
        private ClusterRedirect(bool isMoved, int slot, string host, int port)
        {
            IsMoved = isMoved;
            Slot = slot;
            Host = host;
            Port = port;
        }

        public bool IsMoved { get; }
        public int Slot { get; }
        public string Host { get; }
        public int Port { get; }

        /// <summary>"MOVED 3999 127.0.0.1:6381" or "ASK 3999 :6381" (an empty host is the host that answered).</summary>
        public static bool TryParse(string? message, string answeringHost, out ClusterRedirect redirect)
        {
            redirect = default;
            if (message == null) return false;
            bool moved = message.StartsWith("MOVED ", StringComparison.Ordinal);
            if (!moved && !message.StartsWith("ASK ", StringComparison.Ordinal)) return false;
            string[] parts = message.Split(' ');
            if (parts.Length < 3 || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int slot)) return false;
            string endpoint = parts[2];
            int colon = endpoint.LastIndexOf(':');
            if (colon < 0 || !int.TryParse(endpoint.Substring(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out int port)) return false;
            string host = endpoint.Substring(0, colon).Trim('[', ']');
            if (host.Length == 0 || host == "?") host = answeringHost;
            redirect = new ClusterRedirect(moved, slot, host, port);
            return true;
        }
    }
}
