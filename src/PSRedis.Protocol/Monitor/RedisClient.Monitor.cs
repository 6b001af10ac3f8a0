namespace PSRedis.Protocol
{
    public sealed partial class RedisClient
    {
        /// <summary>
        /// MONITOR on a new connection of its own (redis-py monitor()): read what the server runs with
        /// <see cref="RedisMonitor.Next"/> or <see cref="RedisMonitor.Listen"/>; dispose it to stop.
        /// </summary>
        public RedisMonitor Monitor() => new RedisMonitor(Options.Clone());
    }
}
