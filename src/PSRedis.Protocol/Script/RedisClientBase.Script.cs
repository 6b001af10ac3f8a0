namespace PSRedis.Protocol
{
    // Scripting helpers of the client (redis-py's register_script).
    public abstract partial class RedisClientBase
    {
        /// <summary>
        /// A <see cref="RedisScript"/> for <paramref name="script"/>: run it with Invoke, which uses EVALSHA and loads the
        /// script when the server lacks it. Nothing is sent now; the SHA1 is computed locally.
        /// </summary>
        public RedisScript RegisterScript(string script)
        {
            if (script == null) throw new RedisDataException("RegisterScript needs a script.");
            return new RedisScript(this, script);
        }
    }
}
