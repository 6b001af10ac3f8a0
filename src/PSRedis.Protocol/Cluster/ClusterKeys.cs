using System;
using System.Collections.Generic;
using System.Globalization;

namespace PSRedis.Protocol
{
    /// <summary>How a command is sent to a cluster, decided from its arguments alone (no round trip).</summary>
    internal enum ClusterRouteKind
    {
        /// <summary>All its keys share one slot (or it has one key): sent to that slot's owner.</summary>
        Slot,
        /// <summary>No key: sent to one primary (any will do).</summary>
        AnyPrimary,
        /// <summary>No key, and about the whole keyspace (FLUSHDB, DBSIZE, KEYS, SCRIPT LOAD ...): sent to every primary, replies combined.</summary>
        AllPrimaries,
        /// <summary>A multi-key command the client splits by slot (MGET, DEL, UNLINK, EXISTS, TOUCH, MSET), results reassembled.</summary>
        Split,
    }

    /// <summary>How the replies of <see cref="ClusterRouteKind.AllPrimaries"/> and <see cref="ClusterRouteKind.Split"/> become one.</summary>
    internal enum ClusterCombine
    {
        /// <summary>Integers added up (DBSIZE, DEL, EXISTS ...).</summary>
        Sum,
        /// <summary>Arrays concatenated (KEYS), or for a split MGET put back in the caller's key order.</summary>
        Concatenate,
        /// <summary>Every node must answer OK (FLUSHDB, MSET, SCRIPT FLUSH): one OK, or the first error.</summary>
        AllOk,
        /// <summary>The same answer from every node (SCRIPT LOAD's SHA1): the first.</summary>
        First,
        /// <summary>Position-wise AND of 0/1 arrays (SCRIPT EXISTS: loaded everywhere).</summary>
        AllTrue,
    }

    internal readonly struct ClusterRoute
    {
        public ClusterRoute(ClusterRouteKind kind, int slot, ClusterCombine combine, IReadOnlyList<int>? keyIndexes)
        {
            Kind = kind;
            Slot = slot;
            Combine = combine;
            KeyIndexes = keyIndexes;
        }

        public ClusterRouteKind Kind { get; }
        public int Slot { get; }
        public ClusterCombine Combine { get; }
        public IReadOnlyList<int>? KeyIndexes { get; }
    }

    /// <summary>
    /// Where the keys of a command are (the positions COMMAND INFO describes as first key, last key and step), so the
    /// cluster client computes the slot locally, as redis-py's and StackExchange.Redis's cluster clients do. A command
    /// this table does not know goes to any primary; if it did have a key on another node, that node's MOVED reply
    /// is followed, so an unknown command costs one more round trip, never a wrong answer.
    /// </summary>
    internal static class ClusterKeys
    {
        private readonly struct Spec
        {
            public Spec(int first, int last, int step)
            {
                First = first;
                Last = last;
                Step = step;
            }

            public int First { get; }
            // -1: up to the last argument; -2: all but the last (the timeout of BLPOP and its kin).
            public int Last { get; }
            public int Step { get; }
        }

        private static readonly Dictionary<string, Spec> s_fixed = BuildFixed();

        // numkeys-style commands: (position of numkeys, position of a key before it or 0).
        private static readonly Dictionary<string, (int NumKeys, int Destination)> s_counted =
            new Dictionary<string, (int, int)>(StringComparer.OrdinalIgnoreCase)
            {
                ["EVAL"] = (2, 0), ["EVALSHA"] = (2, 0), ["EVAL_RO"] = (2, 0), ["EVALSHA_RO"] = (2, 0),
                ["FCALL"] = (2, 0), ["FCALL_RO"] = (2, 0),
                ["ZUNIONSTORE"] = (2, 1), ["ZINTERSTORE"] = (2, 1), ["ZDIFFSTORE"] = (2, 1),
                ["ZUNION"] = (1, 0), ["ZINTER"] = (1, 0), ["ZDIFF"] = (1, 0), ["ZINTERCARD"] = (1, 0), ["SINTERCARD"] = (1, 0),
                ["LMPOP"] = (1, 0), ["ZMPOP"] = (1, 0), ["BLMPOP"] = (2, 0), ["BZMPOP"] = (2, 0),
            };

        // Subcommands whose first argument after the subcommand is a key.
        private static readonly HashSet<string> s_keyedSubcommands = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "OBJECT ENCODING", "OBJECT FREQ", "OBJECT IDLETIME", "OBJECT REFCOUNT", "MEMORY USAGE",
            "XINFO STREAM", "XINFO GROUPS", "XINFO CONSUMERS",
            "XGROUP CREATE", "XGROUP DESTROY", "XGROUP SETID", "XGROUP CREATECONSUMER", "XGROUP DELCONSUMER",
        };

        private static readonly Dictionary<string, ClusterCombine> s_splittable = new Dictionary<string, ClusterCombine>(StringComparer.OrdinalIgnoreCase)
        {
            ["MGET"] = ClusterCombine.Concatenate, ["DEL"] = ClusterCombine.Sum, ["UNLINK"] = ClusterCombine.Sum,
            ["EXISTS"] = ClusterCombine.Sum, ["TOUCH"] = ClusterCombine.Sum, ["MSET"] = ClusterCombine.AllOk,
        };

        private static readonly Dictionary<string, ClusterCombine> s_allPrimaries = new Dictionary<string, ClusterCombine>(StringComparer.OrdinalIgnoreCase)
        {
            ["DBSIZE"] = ClusterCombine.Sum, ["KEYS"] = ClusterCombine.Concatenate,
            ["FLUSHDB"] = ClusterCombine.AllOk, ["FLUSHALL"] = ClusterCombine.AllOk,
            ["SCRIPT FLUSH"] = ClusterCombine.AllOk, ["SCRIPT LOAD"] = ClusterCombine.First, ["SCRIPT EXISTS"] = ClusterCombine.AllTrue,
            ["FUNCTION LOAD"] = ClusterCombine.First, ["FUNCTION DELETE"] = ClusterCombine.AllOk, ["FUNCTION FLUSH"] = ClusterCombine.AllOk,
            ["FUNCTION RESTORE"] = ClusterCombine.AllOk, ["CONFIG SET"] = ClusterCombine.AllOk, ["CONFIG RESETSTAT"] = ClusterCombine.AllOk,
            ["SLOWLOG RESET"] = ClusterCombine.AllOk, ["WAIT"] = ClusterCombine.First, ["WAITAOF"] = ClusterCombine.First,
        };

        private static readonly HashSet<string> s_withSubcommand = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "SCRIPT", "FUNCTION", "CONFIG", "SLOWLOG", "OBJECT", "MEMORY", "XINFO", "XGROUP", "CLIENT", "CLUSTER", "COMMAND",
            "LATENCY", "ACL", "MODULE", "PUBSUB",
        };

        /// <summary>The name as routing tables know it: "GET", or "SCRIPT LOAD" for container commands.</summary>
        public static string NameOf(IReadOnlyList<object?> args)
        {
            string name = CommandText.Word(args[0]);
            if (args.Count > 1 && s_withSubcommand.Contains(name)) name += " " + CommandText.Word(args[1]);
            return name;
        }

        /// <summary>The positions in <paramref name="args"/> that hold keys (empty for a keyless command).</summary>
        public static IReadOnlyList<int> KeyIndexes(IReadOnlyList<object?> args)
        {
            string name = CommandText.Word(args[0]);
            if (s_fixed.TryGetValue(name, out Spec spec)) return Positions(args.Count, spec);
            if (s_counted.TryGetValue(name, out (int NumKeys, int Destination) counted)) return Counted(args, counted.NumKeys, counted.Destination);
            if (name == "XREAD" || name == "XREADGROUP") return AfterStreams(args);
            if (name == "MIGRATE") return Migrate(args);
            if (args.Count > 2 && s_keyedSubcommands.Contains(NameOf(args))) return new[] { 2 };
            return Array.Empty<int>();
        }

        /// <summary>How to send <paramref name="args"/>: to one slot, to any or every primary, or split by slot.</summary>
        public static ClusterRoute Route(IReadOnlyList<object?> args)
        {
            IReadOnlyList<int> keys = KeyIndexes(args);
            if (keys.Count == 0)
            {
                return s_allPrimaries.TryGetValue(NameOf(args), out ClusterCombine combine)
                    ? new ClusterRoute(ClusterRouteKind.AllPrimaries, -1, combine, null)
                    : new ClusterRoute(ClusterRouteKind.AnyPrimary, -1, default, null);
            }
            int slot = ClusterSlot.OfArgument(args[keys[0]]);
            bool oneSlot = true;
            for (int i = 1; i < keys.Count && oneSlot; i++) oneSlot = ClusterSlot.OfArgument(args[keys[i]]) == slot;
            if (oneSlot) return new ClusterRoute(ClusterRouteKind.Slot, slot, default, keys);
            if (s_splittable.TryGetValue(CommandText.Word(args[0]), out ClusterCombine how))
                return new ClusterRoute(ClusterRouteKind.Split, -1, how, keys);
            throw CrossSlot(args, keys);
        }

        /// <summary>The clear error for a command whose keys must share a slot and do not, before anything is sent.</summary>
        public static RedisClusterCrossSlotException CrossSlot(IReadOnlyList<object?> args, IReadOnlyList<int> keys)
        {
            var values = new List<object?>();
            foreach (int i in keys) values.Add(args[i]);
            return CrossSlot(CommandText.Name(args), values);
        }

        /// <summary>As <see cref="CrossSlot(IReadOnlyList{object?}, IReadOnlyList{int})"/> for <paramref name="what"/> ("MULTI/EXEC", "WATCH") over these keys.</summary>
        public static RedisClusterCrossSlotException CrossSlot(string what, IReadOnlyList<object?> keys)
        {
            var parts = new List<string>();
            var seen = new HashSet<int>();
            for (int i = 0; i < keys.Count && parts.Count < 6; i++)
            {
                int slot = ClusterSlot.OfArgument(keys[i]);
                if (!seen.Add(slot) && i > 0) continue;
                parts.Add("'" + Shorten(keys[i]) + "' (slot " + slot.ToString(CultureInfo.InvariantCulture) + ")");
            }
            if (keys.Count > parts.Count) parts.Add("...");
            return new RedisClusterCrossSlotException(what + " needs all its keys in one hash slot of the cluster, and "
                + string.Join(", ", parts) + " are not. Give the keys a common hash tag, e.g. '{user1}:a' and '{user1}:b', so they land in one slot.");
        }

        private static string Shorten(object? key)
        {
            string text = key is byte[] bytes ? "<" + bytes.Length.ToString(CultureInfo.InvariantCulture) + " bytes>"
                : Convert.ToString(key, CultureInfo.InvariantCulture) ?? string.Empty;
            return text.Length > 60 ? text.Substring(0, 60) + "..." : text;
        }

        private static IReadOnlyList<int> Positions(int count, Spec spec)
        {
            if (count <= spec.First) return Array.Empty<int>();
            int last = spec.Last >= 0 ? Math.Min(spec.Last, count - 1) : count + spec.Last;
            var list = new List<int>();
            for (int i = spec.First; i <= last; i += spec.Step) list.Add(i);
            return list;
        }

        private static IReadOnlyList<int> Counted(IReadOnlyList<object?> args, int numKeysAt, int destination)
        {
            var list = new List<int>();
            if (destination > 0 && args.Count > destination) list.Add(destination);
            if (args.Count <= numKeysAt || !long.TryParse(Convert.ToString(args[numKeysAt], CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n))
                return list;
            for (int i = 0; i < n && numKeysAt + 1 + i < args.Count; i++) list.Add(numKeysAt + 1 + i);
            return list;
        }

        private static IReadOnlyList<int> AfterStreams(IReadOnlyList<object?> args)
        {
            for (int i = 1; i < args.Count; i++)
            {
                if (CommandText.Word(args[i]) != "STREAMS") continue;
                int remaining = args.Count - i - 1;
                var list = new List<int>();
                for (int k = 0; k < remaining / 2; k++) list.Add(i + 1 + k);
                return list;
            }
            return Array.Empty<int>();
        }

        private static IReadOnlyList<int> Migrate(IReadOnlyList<object?> args)
        {
            if (args.Count > 3 && !(args[3] is string s && s.Length == 0)) return new[] { 3 };
            for (int i = 6; i < args.Count; i++)
            {
                if (CommandText.Word(args[i]) != "KEYS") continue;
                var list = new List<int>();
                for (int k = i + 1; k < args.Count; k++) list.Add(k);
                return list;
            }
            return Array.Empty<int>();
        }

        private static Dictionary<string, Spec> BuildFixed()
        {
            var table = new Dictionary<string, Spec>(StringComparer.OrdinalIgnoreCase);
            void Add(string names, int first, int last, int step)
            {
                foreach (string name in names.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries)) table[name] = new Spec(first, last, step);
            }
            Add("GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX APPEND STRLEN SUBSTR INCR DECR INCRBY DECRBY INCRBYFLOAT "
                + "GETRANGE SETRANGE GETBIT SETBIT BITCOUNT BITPOS BITFIELD BITFIELD_RO TYPE TTL PTTL EXPIRE PEXPIRE EXPIREAT "
                + "PEXPIREAT EXPIRETIME PEXPIRETIME PERSIST DUMP RESTORE RESTORE-ASKING "
                + "HSET HSETNX HGET HMSET HMGET HDEL HLEN HSTRLEN HKEYS HVALS HGETALL HEXISTS HINCRBY HINCRBYFLOAT HSCAN HRANDFIELD "
                + "HEXPIRE HPEXPIRE HEXPIREAT HPEXPIREAT HTTL HPTTL HPERSIST HEXPIRETIME HPEXPIRETIME HGETDEL HGETEX HSETEX "
                + "LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS "
                + "SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SSCAN "
                + "ZADD ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZINCRBY ZRANGE ZRANGEBYSCORE ZRANGEBYLEX ZREVRANGE ZREVRANGEBYSCORE "
                + "ZREVRANGEBYLEX ZRANK ZREVRANK ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZSCAN ZPOPMIN ZPOPMAX ZRANDMEMBER "
                + "XADD XLEN XRANGE XREVRANGE XDEL XTRIM XACK XCLAIM XAUTOCLAIM XPENDING XSETID "
                + "PFADD GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUSBYMEMBER GEORADIUS_RO GEORADIUSBYMEMBER_RO GEOSEARCH "
                + "SORT SORT_RO SPUBLISH", 1, 1, 1);
            Add("DEL UNLINK EXISTS TOUCH MGET SDIFF SINTER SUNION SDIFFSTORE SINTERSTORE SUNIONSTORE PFCOUNT PFMERGE WATCH SSUBSCRIBE SUNSUBSCRIBE", 1, -1, 1);
            Add("BLPOP BRPOP BZPOPMIN BZPOPMAX", 1, -2, 1);
            Add("MSET MSETNX", 1, -1, 2);
            Add("RENAME RENAMENX RPOPLPUSH BRPOPLPUSH SMOVE LMOVE BLMOVE COPY GEOSEARCHSTORE ZRANGESTORE LCS", 1, 2, 1);
            return table;
        }
    }
}
