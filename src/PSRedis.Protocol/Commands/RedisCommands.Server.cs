using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Server family: DBSIZE, INFO, FLUSHDB/FLUSHALL, CLIENT *, CONFIG *, SAVE/BGSAVE/BGREWRITEAOF/LASTSAVE, SLOWLOG *,
    // MEMORY *, DEBUG OBJECT, SHUTDOWN, SLAVEOF, SWAPDB, TIME, WAIT, READONLY/READWRITE.
    public abstract partial class RedisCommands
    {
        /// <summary>DBSIZE: the number of keys in the selected database.</summary>
        public long DbSize() => Run(new object?[] { "DBSIZE" }, Reply.Integer);

        /// <summary>INFO, parsed into typed values by section. <paramref name="section"/>: "server", "keyspace", "all", ...</summary>
        public RedisInfo Info(string? section = null)
        {
            var args = new List<object?>(2) { "INFO" };
            if (section != null) args.Add(section);
            return Run(args, r => RedisInfo.Parse(r.AsString() ?? string.Empty));
        }

        /// <summary>FLUSHDB: deletes every key of the selected database (<paramref name="asynchronous"/>: ASYNC).</summary>
        public bool FlushDb(bool asynchronous = false) =>
            Run(asynchronous ? new object?[] { "FLUSHDB", "ASYNC" } : new object?[] { "FLUSHDB" }, Reply.Ok);

        /// <summary>FLUSHALL: deletes every key of every database.</summary>
        public bool FlushAll(bool asynchronous = false) =>
            Run(asynchronous ? new object?[] { "FLUSHALL", "ASYNC" } : new object?[] { "FLUSHALL" }, Reply.Ok);

        /// <summary>CLIENT GETNAME: the name of the connection this call used, or null when it has none.</summary>
        public string? ClientGetName() => Run(new object?[] { "CLIENT", "GETNAME" }, Reply.String);

        /// <summary>
        /// CLIENT SETNAME: names the connection this call used. On a pooled client that is one connection of the pool,
        /// so other calls may run on connections without the name (redis-py has the same caveat); to name every
        /// connection, set <see cref="ConnectionOptions.ClientName"/> instead.
        /// </summary>
        public bool ClientSetName(string name) => Run(new object?[] { "CLIENT", "SETNAME", name }, Reply.Ok);

        /// <summary>CLIENT ID: the server's id for the connection this call used.</summary>
        public long ClientId() => Run(new object?[] { "CLIENT", "ID" }, Reply.Integer);

        /// <summary>CLIENT LIST: one dictionary per connected client ("id", "addr", "name", "cmd", ... as the server names them).</summary>
        public IList<IDictionary<string, string>> ClientList(ClientType? type = null, params long[] clientIds)
        {
            var args = new List<object?>(4) { "CLIENT", "LIST" };
            if (type.HasValue) { args.Add("TYPE"); args.Add(ServerArgs.TypeName(type.Value)); }
            if (clientIds != null && clientIds.Length > 0)
            {
                if (type.HasValue) throw new RedisDataException("CLIENT LIST: filter by type or by ids, not both.");
                args.Add("ID");
                foreach (long id in clientIds) args.Add(id);
            }
            return Run(args, ServerReplies.ClientList);
        }

        /// <summary>CLIENT KILL ip:port (the old form): disconnects that client; an unknown address is an error reply.</summary>
        public bool ClientKill(string address)
        {
            if (string.IsNullOrEmpty(address)) throw new RedisDataException("CLIENT KILL: give the client's ip:port.");
            return Run(new object?[] { "CLIENT", "KILL", address }, Reply.Ok);
        }

        /// <summary>
        /// CLIENT KILL with filters (all must match): by <paramref name="id"/>, <paramref name="type"/>, address
        /// <paramref name="addr"/>, local address <paramref name="laddr"/> or ACL <paramref name="user"/>. <paramref name="skipMe"/>
        /// (server default: true) spares the calling connection. Returns how many clients were disconnected.
        /// </summary>
        public long ClientKillFilter(long? id = null, ClientType? type = null, string? addr = null, bool? skipMe = null,
            string? laddr = null, string? user = null)
        {
            var args = new List<object?>(14) { "CLIENT", "KILL" };
            if (id.HasValue) { args.Add("ID"); args.Add(id.Value); }
            if (type.HasValue) { args.Add("TYPE"); args.Add(ServerArgs.TypeName(type.Value)); }
            if (addr != null) { args.Add("ADDR"); args.Add(addr); }
            if (laddr != null) { args.Add("LADDR"); args.Add(laddr); }
            if (user != null) { args.Add("USER"); args.Add(user); }
            if (args.Count == 2) throw new RedisDataException("CLIENT KILL needs at least one filter (id, type, addr, laddr or user).");
            if (skipMe.HasValue) { args.Add("SKIPME"); args.Add(skipMe.Value ? "yes" : "no"); }
            return Run(args, Reply.Integer);
        }

        /// <summary>
        /// CLIENT PAUSE: holds every client's commands (or only writes, with <paramref name="writeOnly"/>; Redis 6.2) for
        /// <paramref name="timeout"/> (millisecond resolution).
        /// </summary>
        public bool ClientPause(TimeSpan timeout, bool writeOnly = false)
        {
            var args = new List<object?>(4) { "CLIENT", "PAUSE", Args.WholeMilliseconds(timeout, "timeout") };
            if (writeOnly) args.Add("WRITE");
            return Run(args, Reply.Ok);
        }

        /// <summary>CLIENT UNPAUSE (Redis 6.2): ends a CLIENT PAUSE early.</summary>
        public bool ClientUnpause() => Run(new object?[] { "CLIENT", "UNPAUSE" }, Reply.Ok);

        /// <summary>
        /// CLIENT UNBLOCK: wakes the client <paramref name="clientId"/> from a blocking command, as if it timed out, or
        /// with an UNBLOCKED error when <paramref name="error"/>. False when that client was not blocked.
        /// </summary>
        public bool ClientUnblock(long clientId, bool error = false) =>
            Run(new object?[] { "CLIENT", "UNBLOCK", clientId, error ? "ERROR" : "TIMEOUT" }, Reply.IsOne);

        /// <summary>CONFIG GET: the settings matching <paramref name="pattern"/>, name -> value.</summary>
        public IDictionary<string, string?> ConfigGet(string pattern = "*") =>
            Run(new object?[] { "CONFIG", "GET", pattern }, r =>
            {
                var result = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (KeyValuePair<string, RespValue> pair in StreamReplies.ToMap(r)) result[pair.Key] = pair.Value.AsString();
                return (IDictionary<string, string?>)result;
            });

        /// <summary>CONFIG SET: changes one setting at run time.</summary>
        public bool ConfigSet(string name, object value) => Run(new object?[] { "CONFIG", "SET", name, value }, Reply.Ok);

        /// <summary>CONFIG RESETSTAT: zeroes the statistics INFO reports.</summary>
        public bool ConfigResetStat() => Run(new object?[] { "CONFIG", "RESETSTAT" }, Reply.Ok);

        /// <summary>CONFIG REWRITE: writes the running settings back to the server's config file (an error when it has none).</summary>
        public bool ConfigRewrite() => Run(new object?[] { "CONFIG", "REWRITE" }, Reply.Ok);

        /// <summary>SAVE: writes the dataset to disk, blocking the server until done.</summary>
        public bool Save() => Run(new object?[] { "SAVE" }, Reply.Ok);

        /// <summary>
        /// BGSAVE: starts writing the dataset to disk in the background; with <paramref name="schedule"/>, waits for a
        /// running AOF rewrite instead of failing. True when started or scheduled.
        /// </summary>
        public bool BgSave(bool schedule = false) =>
            Run(schedule ? new object?[] { "BGSAVE", "SCHEDULE" } : new object?[] { "BGSAVE" }, r => !r.IsNull);

        /// <summary>BGREWRITEAOF: starts rewriting the append-only file in the background.</summary>
        public bool BgRewriteAof() => Run(new object?[] { "BGREWRITEAOF" }, r => !r.IsNull);

        /// <summary>LASTSAVE: when the dataset was last saved to disk successfully.</summary>
        public DateTimeOffset LastSave() => Run(new object?[] { "LASTSAVE" }, r => DateTimeOffset.FromUnixTimeSeconds(r.Integer64));

        /// <summary>TIME: the server's clock (microsecond resolution).</summary>
        public DateTimeOffset Time() => Run(new object?[] { "TIME" }, ServerReplies.Time);

        /// <summary>SLOWLOG GET: the most recent slow commands, newest first (<paramref name="num"/>: how many; server default 10; -1 all).</summary>
        public IList<SlowlogEntry> SlowlogGet(int? num = null) =>
            Run(num.HasValue ? new object?[] { "SLOWLOG", "GET", num.Value } : new object?[] { "SLOWLOG", "GET" },
                r => Reply.ToList(r, ServerReplies.Slowlog));

        /// <summary>SLOWLOG LEN: how many entries the slow log holds.</summary>
        public long SlowlogLen() => Run(new object?[] { "SLOWLOG", "LEN" }, Reply.Integer);

        /// <summary>SLOWLOG RESET: empties the slow log.</summary>
        public bool SlowlogReset() => Run(new object?[] { "SLOWLOG", "RESET" }, Reply.Ok);

        /// <summary>MEMORY USAGE: bytes used by the key and its value, or null when the key does not exist.
        /// <paramref name="samples"/>: nested elements to sample (server default 5, 0 = all).</summary>
        public long? MemoryUsage(string key, int? samples = null)
        {
            if (samples.HasValue && samples.Value < 0) throw new RedisDataException("MEMORY USAGE: samples must be 0 or more.");
            return Run(samples.HasValue ? new object?[] { "MEMORY", "USAGE", key, "SAMPLES", samples.Value } : new object?[] { "MEMORY", "USAGE", key },
                Reply.NullableInteger);
        }

        /// <summary>MEMORY STATS: the server's memory report, name -> long, double, string, or a nested dictionary (per database).</summary>
        public IDictionary<string, object?> MemoryStats() => Run(new object?[] { "MEMORY", "STATS" }, ServerReplies.TypedMap);

        /// <summary>MEMORY PURGE: asks the allocator to return dirty pages to the OS.</summary>
        public bool MemoryPurge() => Run(new object?[] { "MEMORY", "PURGE" }, Reply.Ok);

        /// <summary>
        /// DEBUG OBJECT: low-level facts about a key, parsed as redis-py does: "type" (the "Value" word), "at", "refcount",
        /// "encoding", "serializedlength", "lru", "lru_seconds_idle" ... with the counters as long. Needs a server that
        /// allows DEBUG (enable-debug-command).
        /// </summary>
        public IDictionary<string, object> DebugObject(string key) => Run(new object?[] { "DEBUG", "OBJECT", key }, ServerReplies.DebugObject);

        /// <summary>
        /// SHUTDOWN: stops the server. <paramref name="save"/> forces a save, <paramref name="noSave"/> skips it; Redis 7 adds
        /// <paramref name="now"/>, <paramref name="force"/> and <paramref name="abort"/> (cancels a shutdown in progress).
        /// Returns normally once the server has closed the connection (redis-py swallows that connection error too);
        /// an error reply is thrown, and a reply of any other kind means the shutdown failed.
        /// </summary>
        public void Shutdown(bool save = false, bool noSave = false, bool now = false, bool force = false, bool abort = false)
        {
            if (save && noSave) throw new RedisDataException("SHUTDOWN: save and noSave are mutually exclusive.");
            if (abort && (save || noSave || now || force)) throw new RedisDataException("SHUTDOWN: abort cannot be combined with other options.");
            var args = new List<object?>(4) { "SHUTDOWN" };
            if (save) args.Add("SAVE");
            if (noSave) args.Add("NOSAVE");
            if (now) args.Add("NOW");
            if (force) args.Add("FORCE");
            if (abort) args.Add("ABORT");
            try
            {
                Run(args, r =>
                {
                    if (abort && Reply.IsOk(r)) return true;
                    throw new RedisException("SHUTDOWN seems to have failed (the server answered " + r.Describe() + ").");
                });
            }
            catch (RedisConnectionException)
            {
                // The server went away, which is what SHUTDOWN is for.
            }
            catch (RedisCommandInDoubtException ex) when (ex.InnerException is RedisConnectionException)
            {
                // The same, seen by the retry policy: the connection closed after SHUTDOWN was sent.
            }
        }

        /// <summary>SLAVEOF host port: makes the server a replica of that master; with no arguments, SLAVEOF NO ONE (back to master).</summary>
        public bool SlaveOf(string? host = null, int? port = null)
        {
            if ((host == null) != (port == null)) throw new RedisDataException("SLAVEOF: give both host and port, or neither (NO ONE).");
            return Run(host == null ? new object?[] { "SLAVEOF", "NO", "ONE" } : new object?[] { "SLAVEOF", host, port!.Value }, Reply.Ok);
        }

        /// <summary>SWAPDB: swaps the contents of two databases (every client sees the change at once).</summary>
        public bool SwapDb(int first, int second) => Run(new object?[] { "SWAPDB", first, second }, Reply.Ok);

        /// <summary>
        /// WAIT: blocks until <paramref name="numReplicas"/> replicas have acknowledged this connection's writes, or
        /// <paramref name="timeout"/> passes (<see cref="TimeSpan.Zero"/> or Infinite: forever). Returns how many did.
        /// </summary>
        public long Wait(int numReplicas, TimeSpan timeout)
        {
            if (numReplicas < 0) throw new RedisDataException("WAIT: numReplicas must be 0 or more.");
            bool forever = timeout == System.Threading.Timeout.InfiniteTimeSpan || timeout == TimeSpan.Zero;
            if (!forever && timeout < TimeSpan.Zero) throw new RedisDataException("WAIT: timeout must not be negative.");
            long ms = forever ? 0 : Math.Max(1, timeout.Ticks / TimeSpan.TicksPerMillisecond);
            return Run(new object?[] { "WAIT", numReplicas, ms }, Reply.Integer,
                forever ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms));
        }

        /// <summary>READONLY (cluster): lets this connection read from a replica node. A non-cluster server answers with an error.</summary>
        public bool ReadOnly() => Run(new object?[] { "READONLY" }, Reply.Ok);

        /// <summary>READWRITE (cluster): ends READONLY for this connection. A non-cluster server answers with an error.</summary>
        public bool ReadWrite() => Run(new object?[] { "READWRITE" }, Reply.Ok);
    }

    internal static class ServerArgs
    {
        public static string TypeName(ClientType type)
        {
            switch (type)
            {
                case ClientType.Normal: return "normal";
                case ClientType.Master: return "master";
                case ClientType.Replica: return "replica";
                case ClientType.PubSub: return "pubsub";
            }
            throw new RedisDataException("Unknown client type " + type + ".");
        }
    }

    /// <summary>Reply parsers for the server commands; each accepts the RESP2 and the RESP3 shape.</summary>
    internal static class ServerReplies
    {
        public static readonly Func<RespValue, IList<IDictionary<string, string>>> ClientList = r =>
        {
            var clients = new List<IDictionary<string, string>>();
            string text = r.AsString() ?? string.Empty;
            foreach (string line in text.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries))
            {
                string trimmed = line.TrimEnd('\r');
                if (trimmed.Length == 0) continue;
                clients.Add(ParseClientLine(trimmed));
            }
            return clients;
        };

        internal static IDictionary<string, string> ParseClientLine(string line)
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string pair in line.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=');
                if (eq < 0) fields[pair] = string.Empty;
                else fields[pair.Substring(0, eq)] = pair.Substring(eq + 1);
            }
            return fields;
        }

        public static readonly Func<RespValue, DateTimeOffset> Time = r =>
        {
            IReadOnlyList<RespValue> items = r.Items;
            if (items.Count != 2) throw new RedisInvalidResponseException("TIME should reply [seconds, microseconds], got " + r.Describe());
            return DateTimeOffset.FromUnixTimeSeconds(items[0].Integer64).AddTicks(items[1].Integer64 * 10);
        };

        public static readonly Func<RespValue, SlowlogEntry> Slowlog = r =>
        {
            IReadOnlyList<RespValue> f = r.Items;
            if (f.Count < 4) throw new RedisInvalidResponseException("A SLOWLOG entry should have at least 4 items, got " + r.Describe());
            var command = new List<string>(f[3].Items.Count);
            foreach (RespValue arg in f[3].Items) command.Add(arg.AsString() ?? string.Empty);
            return new SlowlogEntry
            {
                Id = f[0].Integer64,
                StartTime = DateTimeOffset.FromUnixTimeSeconds(f[1].Integer64),
                Duration = TimeSpan.FromTicks(f[2].Integer64 * 10),
                Command = command,
                ClientAddress = f.Count > 4 ? f[4].AsString() : null,
                ClientName = f.Count > 5 ? f[5].AsString() : null,
            };
        };

        /// <summary>A map reply with typed values: integers and numeric text as long/double, nested maps as dictionaries.</summary>
        public static readonly Func<RespValue, IDictionary<string, object?>> TypedMap = r => ToTypedMap(r);

        private static IDictionary<string, object?> ToTypedMap(RespValue reply)
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, RespValue> pair in StreamReplies.ToMap(reply)) result[pair.Key] = Typed(pair.Value);
            return result;
        }

        private static object? Typed(RespValue value)
        {
            switch (value.Type)
            {
                case RespType.Null: return null;
                case RespType.Integer: return value.Integer64;
                case RespType.Double: return value.DoubleValue;
                case RespType.Boolean: return value.BooleanValue;
                case RespType.Map: return ToTypedMap(value);
                case RespType.Array:
                case RespType.Set:
                    // MEMORY STATS nests maps ("db.0"), which RESP2 sends as flat name/value arrays.
                    if (value.Items.Count % 2 == 0 && IsNameValueList(value)) return ToTypedMap(value);
                    return value.ToObject();
            }
            string? text = value.AsString();
            if (text == null) return null;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)) return n;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
            return text;
        }

        private static bool IsNameValueList(RespValue value)
        {
            for (int i = 0; i < value.Items.Count; i += 2)
            {
                RespType t = value.Items[i].Type;
                if (t != RespType.BulkString && t != RespType.SimpleString) return false;
            }
            return true;
        }

        public static readonly Func<RespValue, IDictionary<string, object>> DebugObject = r =>
        {
            // redis-py: "type:" + reply, split on whitespace, each part "name:value"; counters become integers.
            string text = "type:" + (r.AsString() ?? string.Empty);
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (string part in text.Split(new[] { ' ', '\t', '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries))
            {
                int colon = part.IndexOf(':');
                if (colon < 0) continue;
                string name = part.Substring(0, colon);
                string value = part.Substring(colon + 1);
                bool counter = name == "refcount" || name == "serializedlength" || name == "lru" || name == "lru_seconds_idle"
                    || name == "ql_nodes" || name == "ql_avg_node" || name == "ql_listpack_max" || name == "ql_compressed" || name == "ql_uncompressed_size";
                if (counter && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)) result[name] = n;
                else result[name] = value;
            }
            return result;
        };
    }
}
