using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A MONITOR session (redis-py Monitor) on a connection of its own: every command the server runs, from any
    /// client, as a <see cref="MonitorRecord"/>. MONITOR costs the server noticeably; dispose it when done,
    /// which closes the connection. A lost connection ends the session (it is not resumed).
    /// </summary>
    public sealed class RedisMonitor : IDisposable
    {
        private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);
        private readonly Connection _connection;
        private readonly object _io = new object();
        private volatile bool _disposed;

        internal RedisMonitor(ConnectionOptions options)
        {
            _connection = new Connection(options);
            try
            {
                _connection.SendCommand(new object?[] { "MONITOR" });
                RespValue reply = _connection.ReadResponse();
                if (!Reply.IsOk(reply)) throw new RedisInvalidResponseException("MONITOR was not accepted: " + reply.Describe());
            }
            catch
            {
                _connection.Dispose();
                throw;
            }
        }

        /// <summary>The connection options of the dedicated connection.</summary>
        public ConnectionOptions Options => _connection.Options;

        /// <summary>
        /// The next command the server runs, or null if none within <paramref name="timeout"/>
        /// (<see cref="Timeout.InfiniteTimeSpan"/>: wait for ever; redis-py next_command).
        /// </summary>
        public MonitorRecord? Next(TimeSpan timeout)
        {
            if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
                throw new ArgumentOutOfRangeException(nameof(timeout), "A timeout is zero or more (or Timeout.InfiniteTimeSpan).");
            return Next(timeout, () => false);
        }

        /// <summary>Every command as the server runs it, blocking between them (redis-py listen); ends on cancellation or Dispose.</summary>
        public IEnumerable<MonitorRecord> Listen(CancellationToken cancellationToken = default)
        {
            while (!cancellationToken.IsCancellationRequested && !_disposed)
            {
                MonitorRecord? record = Next(Timeout.InfiniteTimeSpan, () => cancellationToken.IsCancellationRequested);
                if (record != null) yield return record;
            }
        }

        private MonitorRecord? Next(TimeSpan timeout, Func<bool> stop)
        {
            bool forever = timeout == Timeout.InfiniteTimeSpan;
            Stopwatch clock = Stopwatch.StartNew();
            while (true)
            {
                TimeSpan left = forever ? PollSlice : timeout - clock.Elapsed;
                if (left < TimeSpan.Zero) left = TimeSpan.Zero;
                RespValue? reply;
                // Slices keep Dispose from another thread (which needs the lock) waiting at most one slice.
                lock (_io)
                {
                    if (_disposed) return null;
                    reply = _connection.TryReadResponse(left < PollSlice ? left : PollSlice);
                }
                if (reply != null)
                {
                    if (reply.IsError) throw reply.ToException();
                    string? line = reply.AsString();
                    if (line != null) return MonitorRecord.Parse(line);
                }
                if (!forever && clock.Elapsed >= timeout) return null;
                if (stop() || _disposed) return null;
            }
        }

        /// <summary>Ends monitoring by closing the dedicated connection.</summary>
        public void Dispose()
        {
            _disposed = true;
            lock (_io) _connection.Dispose();
        }
    }
}
