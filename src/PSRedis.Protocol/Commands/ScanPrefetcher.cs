using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace PSRedis.Protocol
{
    /// <summary>
    /// SCAN pages fetched by one dedicated thread, up to <c>depth</c> pages ahead of the consumer. A thread of its
    /// own rather than a thread-pool task per page: on a small machine each task meant waking a pool worker (which
    /// spins before it sleeps) and a consumer that spun too, CPU taken from the PowerShell pipeline and from a
    /// local redis-server; one thread that blocks on its socket costs neither. Several pages of lead absorb the
    /// moments when the fetcher is not scheduled in time. A failed page is handed over as its exception, in order.
    /// </summary>
    internal sealed class ScanPrefetcher : IDisposable
    {
        private readonly object _gate = new object();
        private readonly Queue<object> _ready = new Queue<object>(); // ScanPage, or the Exception that ended the scan
        private readonly RedisCommands _client;
        private readonly string? _match;
        private readonly int? _count;
        private readonly string? _type;
        private readonly int _depth;
        private bool _finished;
        private bool _abandoned;

        internal ScanPrefetcher(RedisCommands client, string? match, int? count, string? type, int depth)
        {
            _client = client;
            _match = match;
            _count = count;
            _type = type;
            _depth = depth;
            var thread = new Thread(Fetch) { IsBackground = true, Name = "PSRedis SCAN prefetch" };
            thread.Start();
        }

        /// <summary>The next page; false once the cursor came back to 0. A failure of the fetcher is thrown here.</summary>
        internal bool TryTake(out ScanPage page)
        {
            object item;
            lock (_gate)
            {
                while (_ready.Count == 0 && !_finished) Monitor.Wait(_gate);
                if (_ready.Count == 0)
                {
                    page = null!;
                    return false;
                }
                item = _ready.Dequeue();
                Monitor.PulseAll(_gate);
            }
            if (item is Exception failure) ExceptionDispatchInfo.Capture(failure).Throw();
            page = (ScanPage)item;
            return true;
        }

        /// <summary>Stops the fetcher after the page it is reading (its connection goes back to the pool then).</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                _abandoned = true;
                _ready.Clear();
                Monitor.PulseAll(_gate);
            }
        }

        private void Fetch()
        {
            try
            {
                ulong cursor = 0;
                do
                {
                    lock (_gate)
                    {
                        while (_ready.Count >= _depth && !_abandoned) Monitor.Wait(_gate);
                        if (_abandoned) return;
                    }
                    ScanPage page = _client.Scan(cursor, _match, _count, _type);
                    cursor = page.Cursor;
                    Hand(page);
                }
                while (cursor != 0);
            }
            catch (Exception e)
            {
                // Every failure goes to the consumer, who rethrows it: a thread of its own must not end the process.
                Hand(e);
            }
            finally
            {
                lock (_gate)
                {
                    _finished = true;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        private void Hand(object item)
        {
            lock (_gate)
            {
                if (_abandoned) return;
                _ready.Enqueue(item);
                Monitor.PulseAll(_gate);
            }
        }
    }
}
