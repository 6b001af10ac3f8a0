using System;

namespace PSRedis.Protocol
{
    // Distributed locks (redis-py's lock()).
    public abstract partial class RedisClientBase
    {
        /// <summary>
        /// A lock on the key <paramref name="name"/> (redis-py's Lock); nothing is sent until Acquire.
        /// <paramref name="timeout"/> is the lock's life in Redis: it expires by itself after that (null: held until released).
        /// <paramref name="sleep"/> (default 0.1 s) is the pause between attempts while blocking.
        /// <paramref name="blockingTimeout"/> is how long Acquire waits for it (null: forever). The two are independent:
        /// a waiter whose blockingTimeout outlasts the holder's timeout gets the lock when it expires, even if the
        /// holder is still working, so pick a timeout longer than the work it protects.
        /// <paramref name="threadLocal"/> (default) keeps the owner token per thread: only the thread that acquired the
        /// lock can release or extend it; false shares it, so another thread can release it.
        /// </summary>
        public RedisLock Lock(string name, TimeSpan? timeout = null, TimeSpan? sleep = null, TimeSpan? blockingTimeout = null, bool threadLocal = true) =>
            new RedisLock(this, name, timeout, sleep ?? RedisLock.DefaultSleep, blockingTimeout, threadLocal);
    }
}
