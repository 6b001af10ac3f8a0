using System;

namespace PSRedis.Protocol
{
    public sealed partial class ConnectionPool
    {
        /// <summary>
        /// A pool configured from a redis://, rediss:// or unix:// URL (redis-py ConnectionPool.from_url).
        /// <paramref name="configure"/> can change the parsed options; <paramref name="db"/> is used only when the URL names no database.
        /// </summary>
        public static ConnectionPool FromUrl(string url, Action<ConnectionOptions>? configure = null, int? db = null) =>
            new ConnectionPool(RedisUrl.Parse(url, configure, db));
    }

    public sealed partial class BlockingConnectionPool
    {
        /// <summary>A blocking pool configured from a URL; see <see cref="ConnectionPool.FromUrl"/>.</summary>
        public static BlockingConnectionPool FromUrl(string url, Action<ConnectionOptions>? configure = null, int? db = null) =>
            new BlockingConnectionPool(RedisUrl.Parse(url, configure, db));
    }
}
