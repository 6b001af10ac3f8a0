using System;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Thread-safe pool of reusable connections (redis-py ConnectionPool). Connections are made only when no idle
    /// one is left and reused most-recently-released first. When <see cref="MaxConnections"/> are all in use,
    /// <see cref="GetConnection"/> fails at once with <see cref="RedisConnectionException"/>; use
    /// <see cref="BlockingConnectionPool"/> to wait instead.
    /// </summary>
    public sealed partial class ConnectionPool : IConnectionPool, IDiscardingPool
    {
        private readonly ConnectionPoolCore _core;

        /// <summary>A pool of <see cref="Connection"/>s limited to <see cref="ConnectionOptions.MaxConnections"/> (null: no limit).</summary>
        public ConnectionPool(ConnectionOptions options)
            : this(options, options?.MaxConnections, o => new Connection(o))
        {
        }

        /// <param name="options">Given to <paramref name="connectionFactory"/> for every connection.</param>
        /// <param name="maxConnections">At least 1; null means no limit.</param>
        /// <param name="connectionFactory">Makes one unconnected connection; the pool calls Connect on it.</param>
        public ConnectionPool(ConnectionOptions options, int? maxConnections, Func<ConnectionOptions, IRedisConnection> connectionFactory)
        {
            _core = new ConnectionPoolCore(options, maxConnections, connectionFactory);
        }

        public ConnectionOptions Options => _core.Options;
        /// <summary>Most connections this pool keeps at once; null means no limit.</summary>
        public int? MaxConnections => _core.MaxConnections;
        /// <summary>Connections the pool owns now: idle, in use, or being made. Discarded ones no longer count.</summary>
        public int CreatedCount => _core.CreatedCount;
        /// <summary>Connections waiting in the pool to be handed out.</summary>
        public int IdleCount => _core.IdleCount;
        /// <summary>Connections handed out and not yet released.</summary>
        public int InUseCount => _core.InUseCount;

        /// <summary>An idle connection, else a new one; connected before it is returned.</summary>
        /// <exception cref="RedisConnectionException">All <see cref="MaxConnections"/> are in use ("Too many connections: ..."), or connecting failed.</exception>
        /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
        public IRedisConnection GetConnection() =>
            _core.Acquire(wait: false, timeout: null, ownerName: nameof(ConnectionPool));

        /// <summary>
        /// Returns a connection for reuse, or closes it and frees its place if it is broken or the pool is disposed.
        /// A connection this pool did not hand out, or one already released, is ignored: the pool never takes
        /// over a connection it does not own, and a double release cannot put one connection in the pool twice.
        /// </summary>
        public void Release(IRedisConnection connection) => _core.Release(connection);

        void IDiscardingPool.Discard(IRedisConnection connection) => _core.Release(connection, drop: true);

        /// <summary>
        /// Closes idle connections and, when <paramref name="inUseConnections"/>, also those in use (even by other
        /// threads, whose current command then fails). They stay in the pool and reconnect on their next use.
        /// </summary>
        public void Disconnect(bool inUseConnections = true) => _core.Disconnect(inUseConnections);

        /// <summary>Disposes idle connections and disconnects those in use (disposed when released). Later GetConnection calls throw ObjectDisposedException.</summary>
        public void Dispose() => _core.Dispose();
    }
}
