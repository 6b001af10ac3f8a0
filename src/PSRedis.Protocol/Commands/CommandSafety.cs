using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Which commands may be sent a second time when the first attempt may already have been applied: reads, and
    /// writes that leave the data as one run would (SET without GET or NX, DEL, EXPIREAT to a fixed time...). Such a
    /// repeat can change a count in the reply (DEL reports 0 the second time), never the data. Everything not listed
    /// (INCR, pushes and pops, scripts, PUBLISH, unknown and module commands) is not repeated: the caller is told it may
    /// or may not have been applied. The table errs on the side of not repeating.
    /// </summary>
    public static class CommandSafety
    {
        private static readonly HashSet<string> Reads = Set(
            // strings and keys
            "GET", "MGET", "GETRANGE", "SUBSTR", "STRLEN", "GETBIT", "BITCOUNT", "BITPOS", "BITFIELD_RO", "LCS",
            "EXISTS", "TYPE", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "KEYS", "SCAN", "RANDOMKEY", "DBSIZE", "DUMP",
            "OBJECT", "TOUCH", "PFCOUNT",
            // hashes, lists, sets, sorted sets, streams, geo
            "HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS", "HSTRLEN", "HSCAN", "HRANDFIELD", "HTTL", "HPTTL", "HEXPIRETIME", "HPEXPIRETIME",
            "LRANGE", "LINDEX", "LLEN", "LPOS",
            "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SRANDMEMBER", "SSCAN", "SINTER", "SUNION", "SDIFF", "SINTERCARD",
            "ZRANGE", "ZRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGE", "ZREVRANGEBYSCORE", "ZREVRANGEBYLEX", "ZRANK", "ZREVRANK",
            "ZSCORE", "ZMSCORE", "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZSCAN", "ZRANDMEMBER", "ZINTER", "ZUNION", "ZDIFF", "ZINTERCARD",
            "XRANGE", "XREVRANGE", "XLEN", "XINFO", "XPENDING",
            "GEOPOS", "GEODIST", "GEOHASH", "GEORADIUS_RO", "GEORADIUSBYMEMBER_RO", "GEOSEARCH",
            // server and connection
            "PING", "ECHO", "TIME", "INFO", "LASTSAVE", "ROLE", "COMMAND", "LOLWUT", "MEMORY", "LATENCY", "SLOWLOG",
            "EVAL_RO", "EVALSHA_RO", "FCALL_RO", "SORT_RO", "PUBSUB", "WAIT", "WAITAOF", "READONLY", "READWRITE", "SELECT");

        private static readonly HashSet<string> SameDataTwice = Set(
            "MSET", "SETEX", "PSETEX", "SETRANGE", "HSET", "HMSET", "HDEL", "SADD", "SREM", "ZREM", "LSET", "LTRIM",
            "DEL", "UNLINK", "EXPIREAT", "PEXPIREAT", "PERSIST", "PFADD", "XACK", "XDEL", "HPERSIST", "HEXPIREAT", "HPEXPIREAT");

        // Commands whose safety depends on the subcommand: the listed subcommands are harmless to repeat.
        private static readonly Dictionary<string, HashSet<string>> SafeSubcommands = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["CLIENT"] = Set("ID", "INFO", "LIST", "GETNAME", "SETNAME", "SETINFO", "TRACKINGINFO", "GETREDIR", "NO-TOUCH", "NO-EVICT"),
            ["CONFIG"] = Set("GET", "SET"),
            ["SCRIPT"] = Set("EXISTS", "LOAD"),
            ["FUNCTION"] = Set("LIST", "DUMP", "STATS"),
            ["ACL"] = Set("WHOAMI", "LIST", "USERS", "GETUSER", "CAT", "LOG", "GENPASS"),
            ["CLUSTER"] = Set("INFO", "SLOTS", "SHARDS", "NODES", "KEYSLOT", "COUNTKEYSINSLOT", "GETKEYSINSLOT", "MYID", "REPLICAS"),
            ["XGROUP"] = Set("CREATECONSUMER"),
        };

        /// <summary>True when sending <paramref name="args"/> twice leaves the data as sending it once would.</summary>
        public static bool IsSafeToRepeat(IReadOnlyList<object?> args)
        {
            if (args == null || args.Count == 0) return false;
            string name = CommandText.Word(args[0]);
            if (Reads.Contains(name) || SameDataTwice.Contains(name)) return true;
            switch (name)
            {
                case "SET":
                    // GET returns what the first attempt wrote; NX reports "not set" the second time (a lock lost).
                    return !HasOption(args, 3, "GET") && !HasOption(args, 3, "NX");
                case "ZADD":
                    // INCR adds the increment again.
                    return !HasOption(args, 2, "INCR");
                case "XREAD":
                    return true; // XREADGROUP, which moves the group's cursor, is a different command
                case "SORT":
                    return true; // a read, or with STORE the same result written to the same key again
                case "ZRANGESTORE":
                case "SINTERSTORE":
                case "SUNIONSTORE":
                case "SDIFFSTORE":
                case "ZINTERSTORE":
                case "ZUNIONSTORE":
                case "ZDIFFSTORE":
                case "GEOSEARCHSTORE":
                case "COPY":
                    // The destination gets the same result again (COPY without REPLACE fails the second time: not harmless).
                    return name != "COPY" || HasOption(args, 3, "REPLACE");
            }
            if (args.Count > 1 && SafeSubcommands.TryGetValue(name, out HashSet<string>? subcommands))
                return subcommands.Contains(CommandText.Word(args[1]));
            return false;
        }

        /// <summary>A transaction or batch may be repeated only when every command in it may.</summary>
        /// <summary>
        /// True for a command that only reads keys (GET, HGETALL, ZRANGE ...), so a cluster replica may answer it when
        /// reads from replicas were asked for. TOUCH and PFCOUNT change what they read (access time, cached count).
        /// </summary>
        internal static bool IsKeyRead(IReadOnlyList<object?> args)
        {
            string name = CommandText.Word(args[0]);
            return Reads.Contains(name) && name != "TOUCH" && name != "PFCOUNT";
        }

        public static bool AreSafeToRepeat(IEnumerable<IReadOnlyList<object?>> commands)
        {
            foreach (IReadOnlyList<object?> args in commands)
            {
                if (!IsSafeToRepeat(args)) return false;
            }
            return true;
        }

        private static bool HasOption(IReadOnlyList<object?> args, int from, string option)
        {
            for (int i = from; i < args.Count; i++)
            {
                if (args[i] is string s && string.Equals(s, option, StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }

        private static HashSet<string> Set(params string[] names) => new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
    }
}
