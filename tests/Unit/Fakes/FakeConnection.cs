using System;
using System.Collections.Generic;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;

namespace PSRedis.Tests.Unit.Fakes
{
    /// <summary>A connection with no socket that records what the pool did to it.</summary>
    public sealed class FakeConnection : IRedisConnection
    {
        private static int _nextId;
        private int _connectCalls;
        private int _disconnectCalls;
        private int _disposeCalls;
        private int _holders;

        public FakeConnection(ConnectionOptions options)
        {
            Options = options;
            Id = Interlocked.Increment(ref _nextId);
        }

        public int Id { get; }
        public ConnectionOptions Options { get; }
        public bool IsConnected { get; private set; }
        public bool IsBroken { get; set; }
        /// <summary>When set, Connect throws it (and leaves the connection unconnected).</summary>
        public Exception? ConnectError { get; set; }

        public int ConnectCalls => Volatile.Read(ref _connectCalls);
        public int DisconnectCalls => Volatile.Read(ref _disconnectCalls);
        public int DisposeCalls => Volatile.Read(ref _disposeCalls);
        public bool IsDisposed => DisposeCalls > 0;

        /// <summary>Marks the start of exclusive use; returns how many holders there are now (1 unless the pool double-handed it).</summary>
        public int Enter() => Interlocked.Increment(ref _holders);
        public void Exit() => Interlocked.Decrement(ref _holders);

        public void Connect()
        {
            Interlocked.Increment(ref _connectCalls);
            if (ConnectError != null) throw ConnectError;
            IsConnected = true;
        }

        public void Disconnect()
        {
            Interlocked.Increment(ref _disconnectCalls);
            IsConnected = false;
        }

        public void SendCommand(IReadOnlyList<object?> args) { }
        public void SendCommands(IEnumerable<IReadOnlyList<object?>> commands) { }
        public RespValue ReadResponse(bool errorsAsValues = false) => RespValue.SimpleString("OK");

        public RespValue ReadResponse(TimeSpan? readTimeout, bool errorsAsValues = false) => ReadResponse(errorsAsValues);
        public void CheckHealth() { }
        public void SetCancellation(Func<bool>? isCancelled) { }

        public void Dispose()
        {
            Interlocked.Increment(ref _disposeCalls);
            IsConnected = false;
        }
    }
}
