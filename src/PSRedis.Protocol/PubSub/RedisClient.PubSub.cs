namespace PSRedis.Protocol
{
    public sealed partial class RedisClient
    {
        /// <summary>
        /// A publish/subscribe session on a new connection of its own (redis-py pubsub()); dispose it to close
        /// that connection. <paramref name="ignoreSubscribeMessages"/>: skip subscribe/unsubscribe confirmations.
        /// </summary>
        public RedisPubSub PubSub(bool ignoreSubscribeMessages = false) => new RedisPubSub(Options.Clone(), ignoreSubscribeMessages);
    }
}
