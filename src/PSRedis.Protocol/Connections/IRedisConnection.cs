using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>One connection as pools and clients see it. <see cref="Connection"/> is the real one; tests use fakes.</summary>
    public interface IRedisConnection : IDisposable
    {
        ConnectionOptions Options { get; }
        bool IsConnected { get; }
        /// <summary>True once a command failed part-way (I/O error, timeout, protocol error): its stream state is unknown, so it must not be reused.</summary>
        bool IsBroken { get; }
        /// <summary>Connects and runs the handshake if not connected already.</summary>
        void Connect();
        void Disconnect();
        /// <summary>Sends one command (buffered, then flushed).</summary>
        void SendCommand(IReadOnlyList<object?> args);
        /// <summary>Sends many commands in as few writes as the buffer allows.</summary>
        void SendCommands(IEnumerable<IReadOnlyList<object?>> commands);
        /// <summary>Reads one reply. A top-level error reply is thrown as its mapped exception unless <paramref name="errorsAsValues"/>.</summary>
        RespValue ReadResponse(bool errorsAsValues = false);
        /// <summary>Reads one reply allowing <paramref name="readTimeout"/> instead of the socket timeout (null: no limit), for blocking commands.</summary>
        RespValue ReadResponse(TimeSpan? readTimeout, bool errorsAsValues = false);
        /// <summary>
        /// While <paramref name="isCancelled"/> is set (null clears it), reads wait for data in slices of 0.1 s and throw
        /// <see cref="OperationCanceledException"/> once it returns true, even halfway through a reply; the connection is
        /// then broken. Lets another thread stop a reader without touching the socket.
        /// </summary>
        void SetCancellation(Func<bool>? isCancelled);
        /// <summary>PINGs now if the health-check interval has passed since the last use; reconnects once if that fails.</summary>
        void CheckHealth();
    }

    /// <summary>A pool that can be told to drop a connection whose reply stream is in doubt, though it did not fail itself.</summary>
    internal interface IDiscardingPool
    {
        /// <summary>Closes <paramref name="connection"/> and frees its slot; it is never handed out again.</summary>
        void Discard(IRedisConnection connection);
    }

    /// <summary>What a client needs from a pool.</summary>
    public interface IConnectionPool : IDisposable
    {
        ConnectionOptions Options { get; }
        /// <summary>Gives a connected connection for exclusive use until <see cref="Release"/>.</summary>
        IRedisConnection GetConnection();
        /// <summary>Returns a connection; a broken one is closed and its place freed instead of being reused.</summary>
        void Release(IRedisConnection connection);
        /// <summary>Closes idle connections and, when <paramref name="inUseConnections"/>, those in use too.</summary>
        void Disconnect(bool inUseConnections = true);
    }
}
