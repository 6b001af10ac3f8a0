using System.Management.Automation;

namespace PSRedis
{
    /// <summary>
    /// The getters of the hidden Connection property that PSRedis.Types.ps1xml gives every output object. Hidden, it still
    /// binds by property name (`Get-RedisKey -Connection $c | Get-RedisValue` reads through $c) and `$item.Connection`
    /// works, but it stays out of the default view, Export-Csv and ConvertTo-Json (no connection internals, no depth
    /// warning).
    /// </summary>
    public static class HiddenMembers
    {
        /// <summary>The connection an output object came from (null for other objects).</summary>
        public static RedisConnection? Connection(PSObject instance)
        {
            switch (instance?.BaseObject)
            {
                case RedisKeyInfo key: return key.Connection;
                case RedisKeyValue value: return value.Connection;
                case RedisKeyRemovalResult removal: return removal.Connection;
                case RedisKeyExpiryResult expiry: return expiry.Connection;
                case RedisConnectionTestResult test: return test.Connection;
                case RedisListItem item: return item.Connection;
                case RedisSortedSetEntry entry: return entry.Connection;
                case RedisStreamEntry stream: return stream.Connection;
                case RedisClientInfo client: return client.Connection;
                case RedisConfigEntry config: return config.Connection;
                case RedisLatencyResult latency: return latency.Connection;
                default: return null;
            }
        }
    }
}
