using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A distributed lock on one key (redis-py's Lock), from <see cref="RedisClient.Lock"/>. Acquire sets the key to a
    /// random token with SET NX (PX timeout); Release, Extend and Reacquire run Lua scripts that act only while the key
    /// still holds this owner's token, so a lock that expired and was taken by someone else is never touched.
    /// Dispose releases the lock if this thread holds it.
    /// </summary>
    public sealed class RedisLock : IDisposable
    {
        /// <summary>redis-py's default pause between attempts of a blocking Acquire.</summary>
        public static readonly TimeSpan DefaultSleep = TimeSpan.FromMilliseconds(100);

        // redis-py's LUA_RELEASE_SCRIPT, LUA_EXTEND_SCRIPT and LUA_REACQUIRE_SCRIPT.
        private const string ReleaseSource = @"
local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then
    return 0
end
redis.call('del', KEYS[1])
return 1";

        private const string ExtendSource = @"
local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then
    return 0
end
local expiration = redis.call('pttl', KEYS[1])
if not expiration then
    expiration = 0
end
if expiration < 0 then
    return 0
end
local newttl = ARGV[2]
if ARGV[3] == '0' then
    newttl = ARGV[2] + expiration
end
redis.call('pexpire', KEYS[1], newttl)
return 1";

        private const string ReacquireSource = @"
local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then
    return 0
end
redis.call('pexpire', KEYS[1], ARGV[2])
return 1";

        private readonly RedisClientBase _client;
        private readonly RedisScript _release;
        private readonly RedisScript _extend;
        private readonly RedisScript _reacquire;
        private readonly ThreadLocal<string?>? _threadToken;
        private string? _sharedToken;

        internal RedisLock(RedisClientBase client, string name, TimeSpan? timeout, TimeSpan sleep, TimeSpan? blockingTimeout, bool threadLocal)
        {
            if (string.IsNullOrEmpty(name)) throw new RedisDataException("A lock needs a key name.");
            if (timeout.HasValue && timeout.Value.Ticks < TimeSpan.TicksPerMillisecond)
                throw new RedisDataException("A lock timeout must be at least one millisecond (null: no timeout).");
            if (sleep < TimeSpan.Zero) throw new RedisDataException("sleep cannot be negative.");
            if (blockingTimeout.HasValue && blockingTimeout.Value < TimeSpan.Zero) throw new RedisDataException("blockingTimeout cannot be negative.");
            _client = client;
            Name = name;
            Timeout = timeout;
            Sleep = sleep;
            BlockingTimeout = blockingTimeout;
            ThreadLocal = threadLocal;
            if (threadLocal) _threadToken = new ThreadLocal<string?>();
            _release = client.RegisterScript(ReleaseSource);
            _extend = client.RegisterScript(ExtendSource);
            _reacquire = client.RegisterScript(ReacquireSource);
        }

        /// <summary>The key that holds the lock.</summary>
        public string Name { get; }

        /// <summary>The lock's life in Redis once acquired (null: until released).</summary>
        public TimeSpan? Timeout { get; }

        /// <summary>The pause between attempts while Acquire blocks.</summary>
        public TimeSpan Sleep { get; }

        /// <summary>How long Acquire waits by default (null: forever).</summary>
        public TimeSpan? BlockingTimeout { get; }

        /// <summary>True when each thread sees only the token it acquired the lock with.</summary>
        public bool ThreadLocal { get; }

        /// <summary>The token this thread (or, without thread-local storage, this object) holds the lock with; null if none.</summary>
        public string? Token
        {
            get => _threadToken != null ? _threadToken.Value : Volatile.Read(ref _sharedToken);
            private set
            {
                if (_threadToken != null) _threadToken.Value = value;
                else Volatile.Write(ref _sharedToken, value);
            }
        }

        /// <summary>
        /// Takes the lock; true once held. <paramref name="blocking"/> false makes one attempt. Otherwise it retries every
        /// <see cref="Sleep"/> for up to <paramref name="blockingTimeout"/> (default: the lock's <see cref="BlockingTimeout"/>;
        /// null: forever) and returns false when that runs out (as redis-py, no exception). <paramref name="token"/>
        /// replaces the random owner token.
        /// </summary>
        public bool Acquire(bool blocking = true, TimeSpan? blockingTimeout = null, string? token = null)
        {
            if (token != null && token.Length == 0) throw new RedisDataException("A lock token cannot be empty.");
            TimeSpan? wait = blockingTimeout ?? BlockingTimeout;
            if (wait.HasValue && wait.Value < TimeSpan.Zero) throw new RedisDataException("blockingTimeout cannot be negative.");
            string value = token ?? Guid.NewGuid().ToString("N");
            Stopwatch clock = Stopwatch.StartNew();
            while (true)
            {
                bool taken = Timeout.HasValue
                    ? _client.Set(Name, value, px: Timeout.Value, nx: true)
                    : _client.Set(Name, value, nx: true);
                if (taken)
                {
                    Token = value;
                    return true;
                }
                if (!blocking) return false;
                // Like redis-py: give up when the next attempt would come after the deadline.
                if (wait.HasValue && clock.Elapsed + Sleep > wait.Value) return false;
                Thread.Sleep(Sleep);
            }
        }

        /// <summary>True if anyone holds the lock now (the key exists).</summary>
        public bool Locked() => _client.Get(Name) != null;

        /// <summary>True if this thread's token is the one the key holds now.</summary>
        public bool Owned()
        {
            string? token = Token;
            return token != null && string.Equals(_client.Get(Name), token, StringComparison.Ordinal);
        }

        /// <summary>
        /// Releases the lock. <see cref="RedisLockException"/> if this thread does not hold it;
        /// <see cref="RedisLockNotOwnedException"/> if it expired meanwhile (it may now be someone else's, left alone).
        /// </summary>
        public void Release()
        {
            string token = Token ?? throw new RedisLockException("Cannot release an unlocked lock.");
            Token = null;
            if (!DoRelease(token)) throw new RedisLockNotOwnedException("Cannot release a lock that's no longer owned.");
        }

        /// <summary>
        /// Adds <paramref name="additionalTime"/> to the lock's remaining time, or with <paramref name="replaceTtl"/> sets
        /// its remaining time to it. Only for a lock with a <see cref="Timeout"/> that this thread holds.
        /// </summary>
        public bool Extend(TimeSpan additionalTime, bool replaceTtl = false)
        {
            string token = Token ?? throw new RedisLockException("Cannot extend an unlocked lock.");
            if (!Timeout.HasValue) throw new RedisLockException("Cannot extend a lock with no timeout.");
            long ms = Args.WholeMilliseconds(additionalTime, "additionalTime");
            object? done = _extend.Invoke(new[] { Name }, new object[] { token, ms, replaceTtl ? "1" : "0" }, _client);
            if (!IsOne(done)) throw new RedisLockNotOwnedException("Cannot extend a lock that's no longer owned.");
            return true;
        }

        /// <summary>Resets the lock's remaining time to its full <see cref="Timeout"/>. Only for a lock this thread holds.</summary>
        public bool Reacquire()
        {
            string token = Token ?? throw new RedisLockException("Cannot reacquire an unlocked lock.");
            return ReacquireWith(token);
        }

        /// <summary>
        /// Keeps the lock this thread holds alive while work goes on: a background thread calls <see cref="Reacquire"/>
        /// (with this thread's token) every <paramref name="interval"/> (default a third of <see cref="Timeout"/>) until the
        /// returned renewal is disposed. A renewal that finds the lock no longer owned (expired, deleted, taken by someone
        /// else) stops and records it in <see cref="RedisLockRenewal.Lost"/>; a failed round trip is tried again at the next
        /// tick. Dispose it before releasing the lock.
        /// </summary>
        public RedisLockRenewal StartRenewal(TimeSpan? interval = null)
        {
            string token = Token ?? throw new RedisLockException("Cannot renew an unlocked lock.");
            if (!Timeout.HasValue) throw new RedisLockException("Cannot renew a lock with no timeout.");
            TimeSpan every = interval ?? TimeSpan.FromTicks(Timeout.Value.Ticks / 3);
            if (every < TimeSpan.FromMilliseconds(1)) every = TimeSpan.FromMilliseconds(1);
            return new RedisLockRenewal(this, token, every);
        }

        internal bool ReacquireWith(string token)
        {
            if (!Timeout.HasValue) throw new RedisLockException("Cannot reacquire a lock with no timeout.");
            long ms = Timeout.Value.Ticks / TimeSpan.TicksPerMillisecond;
            object? done = _reacquire.Invoke(new[] { Name }, new object[] { token, ms }, _client);
            if (!IsOne(done)) throw new RedisLockNotOwnedException("Cannot reacquire a lock that's no longer owned.");
            return true;
        }

        /// <summary>
        /// Releases the lock if this thread holds it. Unlike <see cref="Release"/> it does not throw when the lock
        /// expired meanwhile (a throwing Dispose would hide the exception of a using block); call Release to find out.
        /// </summary>
        public void Dispose()
        {
            string? token = Token;
            if (token == null) return;
            Token = null;
            DoRelease(token);
        }

        private bool DoRelease(string token) => IsOne(_release.Invoke(new[] { Name }, new object[] { token }, _client));

        private static bool IsOne(object? reply) => reply is long n && n == 1;

        public override string ToString() =>
            "RedisLock " + Name + (Timeout.HasValue ? " (timeout " + Timeout.Value.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s)" : "");
    }
}
