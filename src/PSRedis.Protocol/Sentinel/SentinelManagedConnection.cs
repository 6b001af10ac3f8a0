using System;
using System.Collections.Generic;
using System.Diagnostics;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A connection of a <see cref="SentinelConnectionPool"/> (redis-py SentinelManagedConnection): each time it connects
    /// it asks the pool where to go, and a master connection that is answered READONLY (its server was demoted to a
    /// replica) closes itself and fails with <see cref="RedisConnectionException"/>, so the next use finds the new master.
    /// </summary>
    public sealed class SentinelManagedConnection : IRedisConnection
    {
        // Same threshold as Connection's own stale check: a socket idle this long is polled before use.
        private static readonly long StaleCheckTicks = Stopwatch.Frequency;
        private static readonly object[] PingCommand = { "PING" };

        private readonly SentinelConnectionPool _pool;
        private Connection? _inner;
        private long _lastUsed;

        internal SentinelManagedConnection(SentinelConnectionPool pool)
        {
            _pool = pool;
        }

        /// <summary>The pool's shared settings (a database changed with Select is applied before each use).</summary>
        public ConnectionOptions Options => _pool.Options;

        /// <summary>The server this connection is connected to, or was last connected to; null before the first connect.</summary>
        public SentinelAddress? Address { get; private set; }

        /// <summary>The underlying connection to the current server, if any.</summary>
        public Connection? Inner => _inner;

        /// <summary>True while connected to a server.</summary>
        public bool IsConnected => _inner != null && _inner.IsConnected;

        /// <summary>True once a command failed part-way on the current server connection.</summary>
        public bool IsBroken => _inner != null && _inner.IsBroken;

        /// <summary>Connects to the server the sentinels name now (master, or a replica for a replica pool), unless connected already.</summary>
        public void Connect()
        {
            if (IsConnected) return;
            if (_pool.IsMaster)
            {
                ConnectTo(_pool.GetMasterAddress());
                return;
            }
            foreach (SentinelAddress candidate in _pool.RotateSlaves())
            {
                try
                {
                    ConnectTo(candidate);
                    return;
                }
                catch (Exception ex) when (ex is RedisConnectionException || ex is RedisTimeoutException)
                {
                    // Try the next replica; RotateSlaves ends with RedisSlaveNotFoundException.
                }
            }
        }

        /// <summary>Closes the socket; the next use looks the server up again.</summary>
        public void Disconnect()
        {
            Connection? inner = _inner;
            _inner = null;
            inner?.Dispose();
        }

        /// <summary>Same as <see cref="Disconnect"/>.</summary>
        public void Dispose() => Disconnect();

        /// <summary>Sends one command, connecting first if needed.</summary>
        public void SendCommand(IReadOnlyList<object?> args) => Current().SendCommand(args);

        /// <summary>Sends many commands, connecting first if needed.</summary>
        public void SendCommands(IEnumerable<IReadOnlyList<object?>> commands) => Current().SendCommands(commands);

        /// <summary>Reads one reply; READONLY from what should be the master closes this connection and is thrown as RedisConnectionException.</summary>
        public RespValue ReadResponse(bool errorsAsValues = false) => Read(c => c.ReadResponse(errorsAsValues), errorsAsValues);

        /// <summary>Reads one reply allowing <paramref name="readTimeout"/> instead of the socket timeout (for blocking commands).</summary>
        public RespValue ReadResponse(TimeSpan? readTimeout, bool errorsAsValues = false) =>
            Read(c => c.ReadResponse(readTimeout, errorsAsValues), errorsAsValues);

        /// <summary>Makes reads of the current server connection stoppable (see <see cref="IRedisConnection.SetCancellation"/>).</summary>
        public void SetCancellation(Func<bool>? isCancelled) => _inner?.SetCancellation(isCancelled);

        /// <summary>
        /// Before each use: a socket the server closed (as sentinels do to clients of a demoted master) or one to a master
        /// that has moved is reconnected through a new lookup; then the usual health-check PING, and the pool's current database.
        /// </summary>
        public void CheckHealth()
        {
            if (!IsConnected) return;
            if (_pool.IsMaster && _pool.IsStaleMaster(Address))
            {
                Reconnect();
            }
            else if (Stopwatch.GetTimestamp() - _lastUsed > StaleCheckTicks && ClosedOrDirty(_inner!))
            {
                Reconnect();
            }
            Connection inner = _inner!;
            inner.CheckHealth();
            if (inner.CurrentDatabase != Options.Database)
            {
                // RedisClient only re-selects on plain Connections; a Select on the client must still reach pooled ones.
                inner.SendCommand(new object?[] { "SELECT", Options.Database });
                inner.ReadResponse();
                inner.TrackSelect(Options.Database);
            }
        }

        /// <summary>The service and server, without credentials.</summary>
        public override string ToString() =>
            "SentinelManagedConnection " + _pool.ServiceName + " -> " + (Address?.ToString() ?? "(not connected)");

        private void Reconnect()
        {
            Disconnect();
            Connect();
        }

        private Connection Current()
        {
            if (!IsConnected) Connect();
            return _inner!;
        }

        private RespValue Read(Func<Connection, RespValue> read, bool errorsAsValues)
        {
            Connection inner = _inner ?? throw new RedisConnectionException("Not connected (service " + _pool.ServiceName + ").");
            RespValue reply;
            try
            {
                reply = read(inner);
            }
            catch (RedisReadOnlyException ex) when (_pool.IsMaster)
            {
                throw Demoted(ex);
            }
            _lastUsed = Stopwatch.GetTimestamp();
            if (errorsAsValues && _pool.IsMaster && reply.IsError && ServerErrors.CodeOf(reply.AsString() ?? string.Empty) == "READONLY")
            {
                throw Demoted(new RedisReadOnlyException(reply.AsString()!));
            }
            return reply;
        }

        // redis-py: a master connection answered READONLY is talking to a demoted master; closing it makes the next
        // connect ask the sentinels again.
        private RedisConnectionException Demoted(RedisReadOnlyException ex)
        {
            string where = Address?.ToString() ?? "?";
            Disconnect();
            return new RedisConnectionException("The previous master is now a slave (" + where + ", service " + _pool.ServiceName + ").", ex);
        }

        private void ConnectTo(SentinelAddress address)
        {
            Disconnect();
            ConnectionOptions options = Options.Clone();
            options.Host = address.Host;
            options.Port = address.Port;
            options.UnixSocketPath = null;
            var inner = new Connection(options);
            try
            {
                inner.Connect();
                if (_pool.CheckConnection)
                {
                    inner.SendCommand(PingCommand);
                    string? pong = inner.ReadResponse().AsString();
                    if (!string.Equals(pong, "PONG", StringComparison.OrdinalIgnoreCase))
                        throw new RedisConnectionException("PING failed on " + address + ".");
                }
            }
            catch
            {
                inner.Dispose();
                throw;
            }
            _inner = inner;
            Address = address;
            _lastUsed = Stopwatch.GetTimestamp();
        }

        // A zero-wait read: nothing pending means healthy; a closed socket throws; bytes nobody asked for mean the
        // connection cannot be trusted with the next reply either.
        private static bool ClosedOrDirty(Connection inner)
        {
            try
            {
                return inner.TryReadResponse(TimeSpan.Zero) != null;
            }
            catch (Exception ex) when (ex is RedisConnectionException || ex is RedisTimeoutException || ex is RedisInvalidResponseException)
            {
                return true;
            }
        }
    }
}
