using System;
using System.Threading;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A background renewal of a held <see cref="RedisLock"/> (see <see cref="RedisLock.StartRenewal"/>): resets the lock's
    /// time to live every interval until disposed or until the lock turns out to be lost. Dispose waits for a renewal in
    /// flight (at most the connection's timeout), so none runs after it returns.
    /// </summary>
    public sealed class RedisLockRenewal : IDisposable
    {
        private readonly RedisLock _lock;
        private readonly string _token;
        private readonly TimeSpan _interval;
        private readonly ManualResetEventSlim _stop = new ManualResetEventSlim(false);
        private readonly Thread _thread;
        private volatile Exception? _lost;
        private volatile Exception? _lastFailure;
        private DateTime? _lostAt;
        private long _renewals;

        internal RedisLockRenewal(RedisLock redisLock, string token, TimeSpan interval)
        {
            _lock = redisLock;
            _token = token;
            _interval = interval;
            _thread = new Thread(Run) { IsBackground = true, Name = "PSRedis lock renewal " + redisLock.Name };
            _thread.Start();
        }

        /// <summary>How often the lock is renewed.</summary>
        public TimeSpan Interval => _interval;

        /// <summary>Set once a renewal found the lock no longer this owner's (expired, deleted or taken); renewal has stopped then.</summary>
        public Exception? Lost => _lost;

        /// <summary>When (UTC) the loss was found.</summary>
        public DateTime? LostAt => _lostAt;

        /// <summary>The last failed round trip (a connection problem), retried at the next tick; null after a success.</summary>
        public Exception? LastFailure => _lastFailure;

        /// <summary>How many renewals succeeded.</summary>
        public long Renewals => Interlocked.Read(ref _renewals);

        /// <summary>True while the background thread runs.</summary>
        public bool IsRunning => _thread.IsAlive;

        private void Run()
        {
            while (!_stop.Wait(_interval))
            {
                try
                {
                    if (!_lock.ReacquireWith(_token)) continue;
                    Interlocked.Increment(ref _renewals);
                    _lastFailure = null;
                }
                catch (RedisLockNotOwnedException e)
                {
                    if (_stop.IsSet) return; // released meanwhile: not a loss
                    _lostAt = DateTime.UtcNow;
                    _lost = e;
                    return;
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    _lastFailure = e;
                }
            }
        }

        /// <summary>Stops renewing and waits for a renewal in flight to finish.</summary>
        public void Dispose()
        {
            _stop.Set();
            if (Thread.CurrentThread != _thread) _thread.Join(TimeSpan.FromSeconds(30));
        }
    }
}
