namespace PSRedis.Protocol
{
    public sealed partial class RedisClient
    {
        /// <summary>
        /// As <see cref="PubSub(bool)"/>, with the dedicated connection named <paramref name="clientName"/> (CLIENT SETNAME,
        /// also after a reconnect), so CLIENT LIST can tell it apart; null keeps the client's own name.
        /// </summary>
        public RedisPubSub PubSub(string? clientName, bool ignoreSubscribeMessages = false)
        {
            ConnectionOptions options = Options.Clone();
            if (clientName != null) options.ClientName = clientName;
            return new RedisPubSub(options, ignoreSubscribeMessages);
        }
    }
}
