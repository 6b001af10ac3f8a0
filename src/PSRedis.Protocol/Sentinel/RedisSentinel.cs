using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Finds the master and replicas of a Sentinel-managed service and hands out clients that follow failovers
    /// (redis-py's Sentinel). The sentinels are asked in turn; the one that answered last is asked first next time.
    /// </summary>
    public sealed class RedisSentinel : IDisposable
    {
        /// <summary>Connect timeout for sentinels when no sentinel options are given: a dead sentinel must not stall discovery.</summary>
        public static readonly TimeSpan DefaultSentinelConnectTimeout = TimeSpan.FromSeconds(1);
        /// <summary>Read/write timeout for sentinels when no sentinel options are given.</summary>
        public static readonly TimeSpan DefaultSentinelSocketTimeout = TimeSpan.FromSeconds(2);

        private readonly object _lock = new object();
        private readonly List<RedisClient> _sentinels;
        private bool _disposed;

        /// <summary>
        /// A sentinel manager. <paramref name="sentinelOptions"/> (redis-py sentinel_kwargs) configures the connections to
        /// the sentinels (their Host and Port are replaced); null: plain connections with short timeouts and the keep-alive
        /// setting of <paramref name="connectionOptions"/>. <paramref name="connectionOptions"/> (redis-py **connection_kwargs)
        /// configures the connections to masters and replicas (Host and Port come from the sentinels).
        /// <paramref name="minOtherSentinels"/>: a sentinel's answer is trusted only if it sees at least this many other sentinels.
        /// </summary>
        public RedisSentinel(IEnumerable<SentinelAddress> sentinels, int minOtherSentinels = 0,
            ConnectionOptions? sentinelOptions = null, ConnectionOptions? connectionOptions = null)
        {
            if (sentinels == null) throw new ArgumentNullException(nameof(sentinels));
            if (minOtherSentinels < 0) throw new ArgumentOutOfRangeException(nameof(minOtherSentinels), minOtherSentinels, "Must be 0 or more.");
            ConnectionOptions = connectionOptions?.Clone() ?? new ConnectionOptions();
            SentinelOptions = sentinelOptions?.Clone() ?? DefaultSentinelOptions(ConnectionOptions);
            MinOtherSentinels = minOtherSentinels;
            _sentinels = new List<RedisClient>();
            foreach (SentinelAddress address in sentinels)
            {
                if (address == null) throw new ArgumentException("A sentinel address is null.", nameof(sentinels));
                ConnectionOptions options = SentinelOptions.Clone();
                options.Host = address.Host;
                options.Port = address.Port;
                options.UnixSocketPath = null;
                _sentinels.Add(new RedisClient(options));
            }
            if (_sentinels.Count == 0) throw new ArgumentException("Name at least one sentinel.", nameof(sentinels));
        }

        /// <summary>A sentinel manager from (host, port) pairs; see the main constructor.</summary>
        public RedisSentinel(IEnumerable<(string Host, int Port)> sentinels, int minOtherSentinels = 0,
            ConnectionOptions? sentinelOptions = null, ConnectionOptions? connectionOptions = null)
            : this((sentinels ?? throw new ArgumentNullException(nameof(sentinels))).Select(s => new SentinelAddress(s.Host, s.Port)).ToList(),
                  minOtherSentinels, sentinelOptions, connectionOptions)
        {
        }

        /// <summary>How many other sentinels a sentinel must see for its answer to count (redis-py min_other_sentinels).</summary>
        public int MinOtherSentinels { get; }

        /// <summary>Template for the connections to the sentinels (redis-py sentinel_kwargs).</summary>
        public ConnectionOptions SentinelOptions { get; }

        /// <summary>Template for the connections to masters and replicas (redis-py connection_kwargs).</summary>
        public ConnectionOptions ConnectionOptions { get; }

        /// <summary>A client per sentinel, in the order they will be asked (for SENTINEL commands of your own).</summary>
        public IReadOnlyList<RedisClient> Sentinels
        {
            get { lock (_lock) return _sentinels.ToArray(); }
        }

        /// <summary>
        /// The address of the master of <paramref name="serviceName"/>: the first sentinel that knows it as a master that
        /// is neither subjectively nor objectively down, and that sees enough other sentinels, wins and is asked first next time.
        /// </summary>
        /// <exception cref="RedisMasterNotFoundException">No sentinel gave such an answer (the message lists unreachable sentinels).</exception>
        public SentinelAddress DiscoverMaster(string serviceName)
        {
            if (string.IsNullOrEmpty(serviceName)) throw new ArgumentException("Name the service.", nameof(serviceName));
            var errors = new List<string>();
            RedisClient[] sentinels = SnapshotForUse();
            foreach (RedisClient sentinel in sentinels)
            {
                IDictionary<string, IDictionary<string, object?>> masters;
                try
                {
                    masters = sentinel.SentinelMasters();
                }
                catch (Exception ex) when (ex is RedisConnectionException || ex is RedisTimeoutException)
                {
                    errors.Add(sentinel.Options.Endpoint + " - " + ex.Message);
                    continue;
                }
                if (masters.TryGetValue(serviceName, out IDictionary<string, object?>? state) && IsUsableMaster(state))
                {
                    SentinelAddress? address = SentinelReplies.AddressOf(state);
                    if (address != null)
                    {
                        MoveToFront(sentinel);
                        return address;
                    }
                }
            }
            var message = new StringBuilder("No master found for '").Append(serviceName).Append('\'');
            if (errors.Count > 0) message.Append(" : ").Append(string.Join(", ", errors));
            throw new RedisMasterNotFoundException(message.ToString());
        }

        /// <summary>
        /// The replicas of <paramref name="serviceName"/> that the first answering sentinel does not consider down
        /// (redis-py discover_slaves); empty when there are none or no sentinel answers.
        /// </summary>
        public IList<SentinelAddress> DiscoverSlaves(string serviceName)
        {
            if (string.IsNullOrEmpty(serviceName)) throw new ArgumentException("Name the service.", nameof(serviceName));
            foreach (RedisClient sentinel in SnapshotForUse())
            {
                IList<IDictionary<string, object?>> replicas;
                try
                {
                    replicas = sentinel.SentinelSlaves(serviceName);
                }
                catch (Exception ex) when (ex is RedisConnectionException || ex is RedisTimeoutException || ex is RedisResponseException)
                {
                    // An unknown name is an error reply from that sentinel; another sentinel may still know it.
                    continue;
                }
                var alive = new List<SentinelAddress>();
                foreach (IDictionary<string, object?> replica in replicas)
                {
                    if (SentinelReplies.Flag(replica, "is_sdown") || SentinelReplies.Flag(replica, "is_odown")) continue;
                    SentinelAddress? address = SentinelReplies.AddressOf(replica);
                    if (address != null) alive.Add(address);
                }
                if (alive.Count > 0) return alive;
            }
            return new List<SentinelAddress>();
        }

        /// <summary>
        /// A client for the master of <paramref name="serviceName"/> (redis-py master_for). Each new connection asks the
        /// sentinels where the master is, so after a failover the client reaches the new master: a command that meets the
        /// demoted master (READONLY) or a lost connection fails once with RedisConnectionException, and the next one
        /// reconnects to the new master. <paramref name="configure"/> adjusts a copy of <see cref="ConnectionOptions"/>.
        /// </summary>
        /// <param name="waitForConnection">At MaxConnections, callers wait for a free connection instead of failing.</param>
        public RedisClient MasterFor(string serviceName, Action<ConnectionOptions>? configure = null, bool checkConnection = false, bool waitForConnection = false) =>
            new RedisClient(CreatePool(serviceName, isMaster: true, configure, checkConnection, waitForConnection), ownsPool: true);

        /// <summary>
        /// A client for the replicas of <paramref name="serviceName"/> (redis-py slave_for): new connections go round-robin
        /// to the healthy replicas, and to the master when none is left.
        /// </summary>
        public RedisClient SlaveFor(string serviceName, Action<ConnectionOptions>? configure = null, bool checkConnection = false) =>
            new RedisClient(CreatePool(serviceName, isMaster: false, configure, checkConnection, waitForConnection: false), ownsPool: true);

        /// <summary>Closes the connections to the sentinels. Clients from MasterFor/SlaveFor stop finding new servers.</summary>
        public void Dispose()
        {
            RedisClient[] sentinels;
            lock (_lock)
            {
                if (_disposed) return;
                _disposed = true;
                sentinels = _sentinels.ToArray();
            }
            foreach (RedisClient sentinel in sentinels) sentinel.Dispose();
        }

        /// <summary>The sentinels asked, in order.</summary>
        public override string ToString() =>
            "RedisSentinel [" + string.Join(", ", Sentinels.Select(s => s.Options.Endpoint)) + "]";

        private SentinelConnectionPool CreatePool(string serviceName, bool isMaster, Action<ConnectionOptions>? configure, bool checkConnection, bool waitForConnection)
        {
            if (string.IsNullOrEmpty(serviceName)) throw new ArgumentException("Name the service.", nameof(serviceName));
            ConnectionOptions options = ConnectionOptions.Clone();
            configure?.Invoke(options);
            return new SentinelConnectionPool(serviceName, this, options, isMaster, checkConnection, waitForConnection);
        }

        private bool IsUsableMaster(IDictionary<string, object?> state)
        {
            if (!SentinelReplies.Flag(state, "is_master") || SentinelReplies.Flag(state, "is_sdown") || SentinelReplies.Flag(state, "is_odown")) return false;
            return SentinelReplies.Number(state, "num-other-sentinels") >= MinOtherSentinels;
        }

        private RedisClient[] SnapshotForUse()
        {
            lock (_lock)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(RedisSentinel));
                return _sentinels.ToArray();
            }
        }

        // Swap with the first, as redis-py does, so the order of the others stays stable.
        private void MoveToFront(RedisClient sentinel)
        {
            lock (_lock)
            {
                int index = _sentinels.IndexOf(sentinel);
                if (index <= 0) return;
                _sentinels[index] = _sentinels[0];
                _sentinels[0] = sentinel;
            }
        }

        /// <summary>Sentinel connections for data nodes with <paramref name="data"/>: short timeouts, the same keep-alive.</summary>
        internal static ConnectionOptions DefaultSentinelOptions(ConnectionOptions data) => new ConnectionOptions
        {
            ConnectTimeout = Shorter(data.ConnectTimeout ?? data.SocketTimeout, DefaultSentinelConnectTimeout),
            SocketTimeout = Shorter(data.SocketTimeout, DefaultSentinelSocketTimeout),
            SocketKeepAlive = data.SocketKeepAlive,
        };

        private static TimeSpan Shorter(TimeSpan? value, TimeSpan limit) =>
            value.HasValue && value.Value > TimeSpan.Zero && value.Value < limit ? value.Value : limit;
    }
}
