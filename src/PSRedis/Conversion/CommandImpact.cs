using System;
using System.Collections.Generic;

namespace PSRedis
{
    /// <summary>
    /// How much a raw command (Invoke-RedisCommand) can change, by its name (and subcommand): reads never prompt and run
    /// under -WhatIf, commands that empty or stop a server are high impact, everything else (unknown commands included)
    /// is treated as a write.
    /// </summary>
    internal static class CommandImpact
    {
        private static readonly HashSet<string> s_reads = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "GET", "MGET", "GETRANGE", "STRLEN", "GETBIT", "BITCOUNT", "BITPOS", "LCS", "SUBSTR",
            "EXISTS", "TYPE", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "DUMP", "KEYS", "SCAN", "RANDOMKEY", "DBSIZE", "TOUCH",
            "HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS", "HSTRLEN", "HSCAN", "HRANDFIELD", "HTTL", "HPTTL",
            "LRANGE", "LLEN", "LINDEX", "LPOS",
            "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SSCAN", "SRANDMEMBER", "SINTER", "SINTERCARD", "SUNION", "SDIFF",
            "ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZSCORE", "ZMSCORE",
            "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZRANK", "ZREVRANK", "ZSCAN", "ZRANDMEMBER", "ZINTER", "ZUNION", "ZDIFF", "ZINTERCARD",
            "XRANGE", "XREVRANGE", "XLEN", "XREAD", "XPENDING", "XINFO",
            "GEOPOS", "GEODIST", "GEOHASH", "GEOSEARCH", "GEORADIUS_RO", "GEORADIUSBYMEMBER_RO", "PFCOUNT",
            "EVAL_RO", "EVALSHA_RO", "FCALL_RO", "SORT_RO",
            "PING", "ECHO", "TIME", "INFO", "ROLE", "LASTSAVE", "LOLWUT", "WAIT", "WAITAOF",
            "CLIENT LIST", "CLIENT INFO", "CLIENT GETNAME", "CLIENT ID", "CONFIG GET", "SCRIPT EXISTS", "FUNCTION LIST",
            "FUNCTION DUMP", "FUNCTION STATS", "ACL LIST", "ACL USERS", "ACL GETUSER", "ACL WHOAMI", "ACL CAT", "ACL LOG",
            "CLUSTER INFO", "CLUSTER NODES", "CLUSTER SLOTS", "CLUSTER SHARDS", "CLUSTER KEYSLOT", "CLUSTER MYID",
        };

        // Commands whose every subcommand only reads.
        private static readonly HashSet<string> s_readContainers = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "COMMAND", "OBJECT", "PUBSUB", "XINFO", "MEMORY",
        };

        private static readonly HashSet<string> s_high = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "FLUSHALL", "FLUSHDB", "SHUTDOWN", "DEBUG", "SWAPDB", "FAILOVER", "REPLICAOF", "SLAVEOF",
            "SCRIPT FLUSH", "FUNCTION FLUSH", "CLUSTER RESET", "CLUSTER FAILOVER",
        };

        /// <summary>True for commands that only read (<paramref name="shown"/>: "GET" or "CONFIG GET").</summary>
        public static bool IsRead(string shown) => s_reads.Contains(shown) || s_readContainers.Contains(First(shown));

        /// <summary>True for commands that empty or stop a server, or cannot be undone in bulk.</summary>
        public static bool IsHigh(string shown) => s_high.Contains(shown) || s_high.Contains(First(shown));

        private static string First(string shown)
        {
            int space = shown.IndexOf(' ');
            return space < 0 ? shown : shown.Substring(0, space);
        }
    }
}
