using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace PSRedis.Protocol
{
    /// <summary>
    /// The bookkeeping both pools share. The pools differ only in what happens when every slot is taken
    /// (fail at once, or wait for a release), so that is a parameter of <see cref="Acquire"/>.
    /// </summary>
    /// <remarks>
    /// A "slot" is counted from the moment a caller decides to create a connection until that connection is
    /// discarded, so concurrent callers cannot overshoot the maximum while creating and connecting outside the
    /// lock. Factory calls, Connect, Disconnect and Dispose all run outside the lock because they do I/O.
    /// </remarks>
    internal sealed class ConnectionPoolCore
    {
        private readonly object _lock = new object();
        private readonly Func<ConnectionOptions, IRedisConnection> _factory;
        // Stack: the most recently used connection is the most likely to still be alive on the server side,
        // and the ones at the bottom can go unused (and stay closed) when demand drops.
        private readonly Stack<IRedisConnection> _idle = new Stack<IRedisConnection>();
        // Reference identity: a connection type overriding Equals must not make two connections look like one.
        private readonly HashSet<IRedisConnection> _inUse = new HashSet<IRedisConnection>(ReferenceComparer.Instance);
        private int _created;
        private bool _disposed;

        internal ConnectionPoolCore(ConnectionOptions options, int? maxConnections, Func<ConnectionOptions, IRedisConnection> factory)
        {
            if (maxConnections is int max && max < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxConnections), max, "A pool needs room for at least one connection.");
            }
            Options = options ?? throw new ArgumentNullException(nameof(options));
            _factory = factory ?? throw new ArgumentNullException(nameof(factory));
            MaxConnections = maxConnections;
        }

        internal ConnectionOptions Options { get; }
        internal int? MaxConnections { get; }

        internal int CreatedCount { get { lock (_lock) return _created; } }
        internal int IdleCount { get { lock (_lock) return _idle.Count; } }
        internal int InUseCount { get { lock (_lock) return _inUse.Count; } }

        /// <summary>
        /// Hands out an idle connection or a new one. When all slots are taken: with <paramref name="wait"/> false
        /// throws at once, otherwise waits up to <paramref name="timeout"/> (null: forever) for a release.
        /// </summary>
        internal IRedisConnection Acquire(bool wait, TimeSpan? timeout, string ownerName)
        {
            IRedisConnection? connection = null;
            lock (_lock)
            {
                Stopwatch? clock = null;
                while (true)
                {
                    if (_disposed) throw new ObjectDisposedException(ownerName);
                    if (_idle.Count > 0)
                    {
                        connection = _idle.Pop();
                        break;
                    }
                    if (MaxConnections == null || _created < MaxConnections.Value)
                    {
                        _created++;
                        break;
                    }
                    if (!wait) throw TooManyConnections();

                    if (timeout == null)
                    {
                        Monitor.Wait(_lock);
                        continue;
                    }
                    clock ??= Stopwatch.StartNew();
                    TimeSpan remaining = timeout.Value - clock.Elapsed;
                    if (remaining <= TimeSpan.Zero) throw NoneAvailable(clock.Elapsed);
                    // Monitor.Wait rejects spans beyond int.MaxValue ms; waking early just loops round.
                    Monitor.Wait(_lock, remaining.TotalMilliseconds >= int.MaxValue ? int.MaxValue : (int)Math.Ceiling(remaining.TotalMilliseconds));
                }
            }

            if (connection == null)
            {
                try
                {
                    connection = _factory(Options) ?? throw new InvalidOperationException("The connection factory returned null.");
                }
                catch
                {
                    FreeSlot();
                    throw;
                }
            }

            try
            {
                connection.Connect();
            }
            catch
            {
                FreeSlot();
                connection.Dispose();
                throw;
            }

            bool disposedMeanwhile;
            lock (_lock)
            {
                disposedMeanwhile = _disposed;
                if (disposedMeanwhile) _created--;
                else _inUse.Add(connection);
            }
            if (disposedMeanwhile)
            {
                // Dispose ran while this connection was being made; nobody else will ever close it.
                connection.Dispose();
                throw new ObjectDisposedException(ownerName);
            }
            return connection;
        }

        // Said in full because the caller usually meets it far from where the pool was sized: what is full, how big it
        // is, how long this call waited, and which two settings change that.
        private RedisPoolExhaustedException TooManyConnections() =>
            new RedisPoolExhaustedException("Too many connections: all " + Count(MaxConnections!.Value) + " of the pool for " + Options.Endpoint
                + " are in use, and this pool does not wait for one to be released. Raise max_connections, or use a BlockingConnectionPool.");

        private RedisPoolExhaustedException NoneAvailable(TimeSpan waited) =>
            new RedisPoolExhaustedException("No connection available: the pool for " + Options.Endpoint + " is full (all " + Count(MaxConnections!.Value)
                + " in use) and none was released within " + waited.TotalSeconds.ToString("0.0##", CultureInfo.InvariantCulture)
                + " s of waiting. Raise max_connections (Connect-Redis -MaxConnections) or the pool timeout (timeout= in the URL, -PoolTimeout; by default the socket timeout).");

        private static string Count(int connections) =>
            connections.ToString(CultureInfo.InvariantCulture) + (connections == 1 ? " connection" : " connections");

        /// <summary>Connections that are not in use by a caller of this pool are ignored (see the pools' docs).</summary>
        internal void Release(IRedisConnection connection) => Release(connection, drop: false);

        /// <summary>Returns <paramref name="connection"/>; with <paramref name="drop"/> (or when it is broken) it is closed and its slot freed.</summary>
        internal void Release(IRedisConnection connection, bool drop)
        {
            if (connection == null) throw new ArgumentNullException(nameof(connection));
            // Read before taking the lock: it is the connection's property, and may not be cheap.
            bool broken = drop || connection.IsBroken;
            bool discard;
            lock (_lock)
            {
                if (!_inUse.Remove(connection)) return;
                discard = broken || _disposed;
                if (discard) _created--;
                else _idle.Push(connection);
                // One release makes exactly one connection or slot available, so one waiter is enough.
                Monitor.Pulse(_lock);
            }
            if (discard) connection.Dispose();
        }

        internal void Disconnect(bool inUseConnections)
        {
            IRedisConnection[] targets;
            lock (_lock)
            {
                targets = Snapshot(inUseConnections);
            }
            RunAll(targets, c => c.Disconnect());
        }

        internal void Dispose()
        {
            IRedisConnection[] idle;
            IRedisConnection[] inUse;
            lock (_lock)
            {
                if (_disposed) return;
                _disposed = true;
                idle = _idle.ToArray();
                _idle.Clear();
                _created -= idle.Length;
                inUse = new IRedisConnection[_inUse.Count];
                _inUse.CopyTo(inUse);
                Monitor.PulseAll(_lock);
            }
            // In-use connections still belong to their callers: close their sockets now, and Release disposes them.
            var errors = new List<Exception>();
            Collect(errors, idle, c => c.Dispose());
            Collect(errors, inUse, c => c.Disconnect());
            ThrowCollected(errors);
        }

        private void FreeSlot()
        {
            lock (_lock)
            {
                _created--;
                Monitor.Pulse(_lock);
            }
        }

        private IRedisConnection[] Snapshot(bool includeInUse)
        {
            var all = new IRedisConnection[_idle.Count + (includeInUse ? _inUse.Count : 0)];
            _idle.CopyTo(all, 0);
            if (includeInUse) _inUse.CopyTo(all, _idle.Count);
            return all;
        }

        // One failing connection must not leave the others open, so every one is tried before anything is thrown.
        private static void RunAll(IRedisConnection[] connections, Action<IRedisConnection> action)
        {
            var errors = new List<Exception>();
            Collect(errors, connections, action);
            ThrowCollected(errors);
        }

        private static void Collect(List<Exception> errors, IRedisConnection[] connections, Action<IRedisConnection> action)
        {
            foreach (var connection in connections)
            {
                try
                {
                    action(connection);
                }
                catch (Exception ex)
                {
                    errors.Add(ex);
                }
            }
        }

        private static void ThrowCollected(List<Exception> errors)
        {
            if (errors.Count == 1) ExceptionDispatchInfo.Capture(errors[0]).Throw();
            if (errors.Count > 1) throw new AggregateException(errors);
        }

        private sealed class ReferenceComparer : IEqualityComparer<IRedisConnection>
        {
            internal static readonly ReferenceComparer Instance = new ReferenceComparer();
            public bool Equals(IRedisConnection? x, IRedisConnection? y) => ReferenceEquals(x, y);
            public int GetHashCode(IRedisConnection obj) => RuntimeHelpers.GetHashCode(obj);
        }
    }
}
