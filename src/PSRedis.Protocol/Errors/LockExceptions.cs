namespace PSRedis.Protocol
{
    /// <summary>A lock was used the wrong way: released or extended while not held, extended without a timeout, ... (redis-py LockError).</summary>
    public class RedisLockException : RedisException
    {
        public RedisLockException(string message) : base(message) { }
    }

    /// <summary>The lock's key expired and is gone or held by someone else, so it could not be released, extended or reacquired (LockNotOwnedError).</summary>
    public class RedisLockNotOwnedException : RedisLockException
    {
        public RedisLockNotOwnedException(string message) : base(message) { }
    }
}
