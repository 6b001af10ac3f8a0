using System;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Thread-safe pool that waits for a free connection instead of failing (redis-py BlockingConnectionPool).
    /// Connections are made lazily, only when no idle one is left and fewer than <see cref="MaxConnections"/> exist,
    /// and reused most-recently-released first. When all are in use, <see cref="GetConnection"/> waits up to
    /// <see cref="Timeout"/> for one to be released.
    /// </summary>
    public sealed partial class BlockingConnectionPool : IConnectionPool, IDiscardingPool
    {
        /// <summary>redis-py's default size for this pool, used when the options set no maximum.</summary>
        public const int DefaultMaxConnections = 50;

        private readonly ConnectionPoolCore _core;

        /// <summary>
        /// A pool of <see cref="Connection"/>s of <see cref="ConnectionOptions.MaxConnections"/> (default
        /// <see cref="DefaultMaxConnections"/>) that waits up to <see cref="ConnectionOptions.EffectivePoolTimeout"/>: the
        /// pool timeout if set, else the socket timeout.
        /// </summary>
        public BlockingConnectionPool(ConnectionOptions options)
            : this(options, options?.MaxConnections ?? DefaultMaxConnections, options?.EffectivePoolTimeout, o => new Connection(o))
        {
        }

        /// <param name="options">Given to <paramref name="connectionFactory"/> for every connection.</param>
        /// <param name="maxConnections">At least 1.</param>
        /// <param name="timeout">How long GetConnection waits for a release; zero does not wait, null waits forever.</param>
        /// <param name="connectionFactory">Makes one unconnected connection; the pool calls Connect on it.</param>
        public BlockingConnectionPool(ConnectionOptions options, int maxConnections, TimeSpan? timeout, Func<ConnectionOptions, IRedisConnection> connectionFactory)
        {
            if (timeout is TimeSpan t && t < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(timeout), t, "The pool timeout cannot be negative; use null to wait forever.");
            }
            _core = new ConnectionPoolCore(options, maxConnections, connectionFactory);
            Timeout = timeout;
        }

        public ConnectionOptions Options => _core.Options;
        /// <summary>Most connections this pool keeps at once.</summary>
        public int MaxConnections => _core.MaxConnections!.Value;
        /// <summary>How long GetConnection waits for a free connection; null waits forever.</summary>
        public TimeSpan? Timeout { get; }
        /// <summary>Connections the pool owns now: idle, in use, or being made. Discarded ones no longer count.</summary>
        public int CreatedCount => _core.CreatedCount;
        /// <summary>Connections waiting in the pool to be handed out.</summary>
        public int IdleCount => _core.IdleCount;
        /// <summary>Connections handed out and not yet released.</summary>
        public int InUseCount => _core.InUseCount;

        /// <summary>An idle connection, else a new one if there is room, else the next one released; connected before it is returned.</summary>
        /// <exception cref="RedisConnectionException">None became free within <see cref="Timeout"/> ("No connection available: ...",
        /// naming the pool's size and how long it waited), or connecting failed.</exception>
        /// <exception cref="ObjectDisposedException">The pool was disposed, also while waiting.</exception>
        public IRedisConnection GetConnection() =>
            _core.Acquire(wait: true, timeout: Timeout, ownerName: nameof(BlockingConnectionPool));

        /// <summary>
        /// Returns a connection for reuse and wakes one waiter. A broken connection (or any, once disposed) is closed
        /// instead and its place freed, so a waiter can make a fresh one. A connection this pool did not hand out,
        /// or one already released, is ignored.
        /// </summary>
        public void Release(IRedisConnection connection) => _core.Release(connection);

        void IDiscardingPool.Discard(IRedisConnection connection) => _core.Release(connection, drop: true);

        /// <summary>
        /// Closes idle connections and, when <paramref name="inUseConnections"/>, also those in use (even by other
        /// threads, whose current command then fails). They stay in the pool and reconnect on their next use.
        /// </summary>
        public void Disconnect(bool inUseConnections = true) => _core.Disconnect(inUseConnections);

        /// <summary>
        /// Disposes idle connections, disconnects those in use (disposed when released) and makes every waiting
        /// GetConnection throw ObjectDisposedException, as do later calls.
        /// </summary>
        public void Dispose() => _core.Dispose();
    }
}
