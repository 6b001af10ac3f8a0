using System;

namespace PSRedis.Protocol
{
    // Connection family: PING, ECHO (SELECT is on RedisClient: it changes the client, not one reply).
    public abstract partial class RedisCommands
    {
        /// <summary>PING: true when the server answers PONG (redis-py ping).</summary>
        public bool Ping() => Run(new object?[] { "PING" }, r => string.Equals(r.AsString(), "PONG", StringComparison.OrdinalIgnoreCase));

        /// <summary>ECHO: the server sends <paramref name="value"/> back.</summary>
        public string? Echo(object value) => Run(new object?[] { "ECHO", value }, Reply.String);
    }
}
