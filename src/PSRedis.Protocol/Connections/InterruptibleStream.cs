using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;

namespace PSRedis.Protocol
{
    /// <summary>
    /// The raw socket stream of a <see cref="Connection"/> (below TLS). It enforces two limits the socket alone cannot:
    /// <list type="bullet">
    /// <item>An overall deadline per reply (<see cref="BeginReply"/>): the socket's receive timeout bounds each read, so a
    /// server that sends one byte just inside it would hold a call for as long as it likes. Before each read the receive
    /// timeout is lowered to what is left of the deadline, so the last read ends at the deadline, not a socket timeout
    /// after it.</item>
    /// <item>Reads that another thread can give up without touching the socket: while <see cref="IsCancelled"/> is set,
    /// a read first waits for data in slices of 0.1 s and throws <see cref="OperationCanceledException"/> once it
    /// returns true, also in the middle of a reply. The socket's receive timeout still bounds the whole wait.</item>
    /// </list>
    /// </summary>
    internal sealed class InterruptibleStream : Stream
    {
        private const int SliceMicroseconds = 100_000;
        private readonly Stream _inner;
        private readonly Socket _socket;
        private volatile Func<bool>? _isCancelled;
        // Stopwatch ticks by which the reply being read must be complete; 0: no deadline.
        private long _deadline;
        // The receive timeout the connection chose (ms, 0: none), and the one the socket has now (lower near the deadline).
        private int _perReadMs;
        private int _appliedMs;

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

        /// <summary>True when the last reply's read failed because its overall deadline passed.</summary>
        internal bool DeadlinePassed { get; private set; }

        /// <summary>
        /// Reads from now until <see cref="EndReply"/> belong to one reply, which must be complete by
        /// <paramref name="deadline"/> (Stopwatch ticks; 0: no deadline). <paramref name="perReadMs"/> is the receive timeout
        /// the socket has (0: none), restored by EndReply if the deadline lowered it.
        /// </summary>
        internal void BeginReply(long deadline, int perReadMs)
        {
            _deadline = deadline;
            _perReadMs = perReadMs;
            _appliedMs = perReadMs;
            DeadlinePassed = false;
        }

        /// <summary>Ends the reply's deadline and gives the socket back its own receive timeout. Only for a live socket.</summary>
        internal void EndReply()
        {
            _deadline = 0;
            if (_appliedMs != _perReadMs)
            {
                _socket.ReceiveTimeout = _perReadMs;
                _appliedMs = _perReadMs;
            }
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            long deadline = _deadline;
            if (deadline != 0) LimitToDeadline(deadline);
            try
            {
                Func<bool>? cancelled = _isCancelled;
                if (cancelled != null) WaitReadable(cancelled, deadline != 0 ? _appliedMs : _socket.ReceiveTimeout);
                return _inner.Read(buffer, offset, count);
            }
            catch (IOException ex) when (deadline != 0 && _appliedMs != _perReadMs && IsTimeout(ex))
            {
                // The receive timeout was the rest of the deadline, so this timeout is the deadline's.
                throw Passed(ex);
            }
        }

        private void LimitToDeadline(long deadline)
        {
            long left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0) throw Passed(null);
            // Rounded up: a timeout that fires a little before the deadline would otherwise pass for the socket's own.
            // Whole seconds and the remainder apart: left * 1000 overflowed for deadlines ~10^8 s away (nanosecond
            // ticks), which turned a huge -Timeout into a 1 ms one.
            long frequency = Stopwatch.Frequency;
            long leftMs = left / frequency * 1000 + ((left % frequency) * 1000 + frequency - 1) / frequency;
            if (_perReadMs != 0 && leftMs >= _perReadMs) return; // the socket timeout comes first: nothing to change
            int ms = (int)Math.Max(1, Math.Min(leftMs, int.MaxValue));
            if (ms == _appliedMs) return;
            _socket.ReceiveTimeout = ms;
            _appliedMs = ms;
        }

        private IOException Passed(Exception? inner)
        {
            DeadlinePassed = true;
            return new IOException("The reply was not complete by its deadline.", inner as SocketException ?? new SocketException((int)SocketError.TimedOut));
        }

        private static bool IsTimeout(IOException ex) =>
            ex.InnerException is SocketException socketError
            && (socketError.SocketErrorCode == SocketError.TimedOut || socketError.SocketErrorCode == SocketError.WouldBlock);

        /// <param name="timeoutMs">The socket's receive timeout now (0: no limit); inside a reply it is known without asking the socket.</param>
        private void WaitReadable(Func<bool> cancelled, int timeoutMs)
        {
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
