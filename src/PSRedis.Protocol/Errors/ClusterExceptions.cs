using System;

namespace PSRedis.Protocol
{
    /// <summary>A Redis Cluster could not route or complete a command (no slot map, too many redirections, a node lost).</summary>
    public class RedisClusterException : RedisException
    {
        public RedisClusterException(string message) : base(message)
        {
        }

        public RedisClusterException(string message, Exception inner) : base(message, inner)
        {
        }
    }

    /// <summary>
    /// A command whose keys must share one hash slot (a transaction, a script with several keys, RENAME, SMOVE ...) named
    /// keys in different slots; raised before anything is sent (bad input, like any <see cref="RedisDataException"/>). The message names each key's slot and suggests a hash tag.
    /// </summary>
    public class RedisClusterCrossSlotException : RedisDataException
    {
        public RedisClusterCrossSlotException(string message) : base(message)
        {
        }
    }
}
