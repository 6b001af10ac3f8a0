namespace PSRedis.Protocol
{
    /// <summary>No sentinel could name a healthy master for the service (redis-py MasterNotFoundError).</summary>
    public class RedisMasterNotFoundException : RedisConnectionException
    {
        public RedisMasterNotFoundException(string message) : base(message) { }
    }

    /// <summary>Neither a healthy replica nor the master of the service could be reached (redis-py SlaveNotFoundError).</summary>
    public class RedisSlaveNotFoundException : RedisConnectionException
    {
        public RedisSlaveNotFoundException(string message) : base(message) { }
    }
}
