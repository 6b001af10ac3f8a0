using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A pool for one Sentinel-managed service (redis-py SentinelConnectionPool). Its connections
    /// (<see cref="SentinelManagedConnection"/>) look up their server each time they connect: the master for a master
    /// pool, else the next healthy replica (round-robin), falling back to the master. When a lookup finds the master has
    /// moved, idle connections to the old one are closed, and connections to it are closed when released, so they
    /// reconnect to the new master on their next use. The pooling itself is an ordinary <see cref="ConnectionPool"/>.
    /// </summary>
    public sealed class SentinelConnectionPool : IConnectionPool, IDiscardingPool
    {
        private readonly object _lock = new object();
        // An ordinary pool, or with waitForConnection a blocking one: callers then wait for a free connection at the limit.
        private readonly IConnectionPool _pool;
        private SentinelAddress? _masterAddress;
        private int? _replicaCounter;

        /// <param name="serviceName">The name the sentinels monitor the master under.</param>
        /// <param name="sentinel">Asked for addresses.</param>
        /// <param name="options">Connection settings for the servers; Host, Port and UnixSocketPath are ignored.</param>
        /// <param name="isMaster">True: connect to the master; false: to replicas (master as fallback).</param>
        /// <param name="checkConnection">PING every new connection before using it (redis-py check_connection).</param>
        /// <param name="waitForConnection">At <see cref="ConnectionOptions.MaxConnections"/>, wait for a free connection (as
        /// <see cref="BlockingConnectionPool"/> does) instead of failing at once.</param>
        public SentinelConnectionPool(string serviceName, RedisSentinel sentinel, ConnectionOptions options, bool isMaster = true, bool checkConnection = false,
            bool waitForConnection = false)
        {
            if (string.IsNullOrEmpty(serviceName)) throw new ArgumentException("Name the service.", nameof(serviceName));
            ServiceName = serviceName;
            Sentinel = sentinel ?? throw new ArgumentNullException(nameof(sentinel));
            if (options == null) throw new ArgumentNullException(nameof(options));
            IsMaster = isMaster;
            CheckConnection = checkConnection;
            _pool = waitForConnection
                ? new BlockingConnectionPool(options, options.MaxConnections ?? BlockingConnectionPool.DefaultMaxConnections, options.EffectivePoolTimeout, _ => new SentinelManagedConnection(this))
                : new ConnectionPool(options, options.MaxConnections, _ => new SentinelManagedConnection(this));
            WaitsForConnection = waitForConnection;
        }

        /// <summary>The service whose servers this pool connects to.</summary>
        public string ServiceName { get; }

        /// <summary>The sentinel manager asked for addresses.</summary>
        public RedisSentinel Sentinel { get; }

        /// <summary>True for a master pool, false for a replica pool.</summary>
        public bool IsMaster { get; }

        /// <summary>True when callers wait for a free connection at the limit instead of failing.</summary>
        public bool WaitsForConnection { get; }

        /// <summary>Whether new connections are PINGed before use.</summary>
        public bool CheckConnection { get; }

        /// <summary>Settings shared by every connection (the server address is the discovered one, not Host/Port here).</summary>
        public ConnectionOptions Options => _pool.Options;

        /// <summary>The master address found by the last lookup of a master pool; null before the first connection.</summary>
        public SentinelAddress? MasterAddress
        {
            get { lock (_lock) return _masterAddress; }
        }

        /// <summary>Connections the pool owns now (idle or in use).</summary>
        public int CreatedCount => _pool is BlockingConnectionPool blocking ? blocking.CreatedCount : ((ConnectionPool)_pool).CreatedCount;

        /// <summary>An idle connection, else a new one; connected (to the server the sentinels name) before it is returned.</summary>
        /// <exception cref="RedisMasterNotFoundException">A master pool found no master.</exception>
        /// <exception cref="RedisSlaveNotFoundException">A replica pool could reach neither a replica nor the master.</exception>
        public IRedisConnection GetConnection() => _pool.GetConnection();

        /// <summary>Returns a connection; one still talking to a master that has since moved is closed first (redis-py owns_connection).</summary>
        public void Release(IRedisConnection connection)
        {
            if (connection == null) throw new ArgumentNullException(nameof(connection));
            if (IsMaster && connection is SentinelManagedConnection managed && IsStaleMaster(managed.Address)) managed.Disconnect();
            _pool.Release(connection);
        }

        void IDiscardingPool.Discard(IRedisConnection connection) => ((IDiscardingPool)_pool).Discard(connection);

        /// <summary>Closes idle connections and, when <paramref name="inUseConnections"/>, also those in use; they look up their server again on next use.</summary>
        public void Disconnect(bool inUseConnections = true) => _pool.Disconnect(inUseConnections);

        /// <summary>Forgets the known master and the replica rotation and closes idle connections (redis-py reset).</summary>
        public void Reset()
        {
            lock (_lock)
            {
                _masterAddress = null;
                _replicaCounter = null;
            }
            _pool.Disconnect(inUseConnections: false);
        }

        /// <summary>Asks the sentinels for the master now. A master pool that sees it moved closes its idle connections.</summary>
        public SentinelAddress GetMasterAddress()
        {
            SentinelAddress address = Sentinel.DiscoverMaster(ServiceName);
            if (!IsMaster) return address;
            bool moved;
            lock (_lock)
            {
                moved = _masterAddress != null && !_masterAddress.Equals(address);
                _masterAddress = address;
            }
            // Idle connections still point at the old master; closed ones look the master up again when next used.
            if (moved) _pool.Disconnect(inUseConnections: false);
            return address;
        }

        /// <summary>
        /// Candidate servers for a replica connection: each healthy replica once, starting after the one used last, then the
        /// master; ends with <see cref="RedisSlaveNotFoundException"/> when the caller could use none of them.
        /// </summary>
        public IEnumerable<SentinelAddress> RotateSlaves()
        {
            IList<SentinelAddress> replicas = Sentinel.DiscoverSlaves(ServiceName);
            if (replicas.Count > 0)
            {
                for (int i = 0; i < replicas.Count; i++)
                {
                    yield return replicas[NextReplicaIndex(replicas.Count)];
                }
            }
            SentinelAddress? master = null;
            try
            {
                master = GetMasterAddress();
            }
            catch (RedisMasterNotFoundException)
            {
                // Fall through to the "no replica" error: that is what the caller asked for.
            }
            if (master != null) yield return master;
            throw new RedisSlaveNotFoundException("No slave found for '" + ServiceName + "'");
        }

        /// <summary>Closes every connection; later GetConnection calls throw ObjectDisposedException.</summary>
        public void Dispose() => _pool.Dispose();

        /// <summary>Service, role and pool state, without credentials.</summary>
        public override string ToString() =>
            "SentinelConnectionPool service=" + ServiceName + " (" + (IsMaster ? "master" : "slave") + ")";

        internal bool IsStaleMaster(SentinelAddress? connectedTo)
        {
            if (connectedTo == null) return false;
            lock (_lock) return _masterAddress != null && !_masterAddress.Equals(connectedTo);
        }

        private int NextReplicaIndex(int count)
        {
            lock (_lock)
            {
                // Start at a random replica so that many clients starting together spread out (as redis-py does).
                int current = _replicaCounter ?? ThreadSafeRandom.Next(count);
                int next = (current + 1) % count;
                _replicaCounter = next;
                return next;
            }
        }

        private static class ThreadSafeRandom
        {
            private static readonly Random Shared = new Random();

            public static int Next(int max)
            {
                lock (Shared) return Shared.Next(max);
            }
        }
    }
}
