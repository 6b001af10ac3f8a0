using System;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Connection family: PING, ECHO, SELECT.
    public sealed partial class RedisClient
    {
        /// <summary>PING: true when the server answers PONG (redis-py ping).</summary>
        public bool Ping()
        {
            RespValue reply = Execute(new object?[] { "PING" });
            return string.Equals(reply.AsString(), "PONG", StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>ECHO: the server sends <paramref name="value"/> back.</summary>
        public string? Echo(object value) => Execute(new object?[] { "ECHO", value }).AsString();

        /// <summary>
        /// SELECT for this client: every connection it uses from now on works in <paramref name="database"/>
        /// (a pooled client cannot switch just one connection; redis-py's select has the same caveat).
        /// </summary>
        public bool Select(int database)
        {
            if (database < 0) throw new ArgumentOutOfRangeException(nameof(database), "A database index is 0 or more.");
            int previous = Options.Database;
            Options.Database = database;
            try
            {
                return Execute(new object?[] { "PING" }) != null;
            }
            catch (RedisResponseException)
            {
                Options.Database = previous; // out of range: keep working where we were
                throw;
            }
        }
    }
}
