using System;
using System.IO;
using System.Net.Sockets;

namespace PSRedis.Protocol
{
    /// <summary>
    /// The raw socket stream of a <see cref="Connection"/> (below TLS), whose reads can be given up from another thread
    /// without touching the socket: while <see cref="IsCancelled"/> is set, a read first waits for data in slices of
    /// 0.1 s and throws <see cref="OperationCanceledException"/> once it returns true, also in the middle of a reply.
    /// The socket's receive timeout still bounds the whole wait.
    /// </summary>
    internal sealed class InterruptibleStream : Stream
    {
        private const int SliceMicroseconds = 100_000;
        private readonly Stream _inner;
        private readonly Socket _socket;
        private volatile Func<bool>? _isCancelled;

        internal InterruptibleStream(Stream inner, Socket socket)
        {
            _inner = inner;
            _socket = socket;
        }

        /// <summary>Asked between slices of a wait for data; null: reads block as usual.</summary>
        internal Func<bool>? IsCancelled
        {
            get => _isCancelled;
            set => _isCancelled = value;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Func<bool>? cancelled = _isCancelled;
            if (cancelled != null) WaitReadable(cancelled);
            return _inner.Read(buffer, offset, count);
        }

        private void WaitReadable(Func<bool> cancelled)
        {
            int timeoutMs = _socket.ReceiveTimeout; // 0: no limit
            long started = Environment.TickCount;
            while (!_socket.Poll(SliceMicroseconds, SelectMode.SelectRead))
            {
                if (cancelled()) throw new OperationCanceledException("The read was stopped while waiting for a reply.");
                if (timeoutMs > 0 && unchecked(Environment.TickCount - started) >= timeoutMs)
                    throw new IOException("No reply within the socket timeout.", new SocketException((int)SocketError.TimedOut));
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
        public override void Flush() => _inner.Flush();
        public override bool CanRead => _inner.CanRead;
        public override bool CanWrite => _inner.CanWrite;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
