using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Commands Redis 7.0 added, which the redis-py reference this client was built from does not name (EXPIRETIME,
    // PEXPIRETIME, SORT_RO and EXPIRE's NX/XX/GT/LT are in RedisCommands.Keys.cs): LMPOP, BLMPOP, ZMPOP, BZMPOP,
    // SINTERCARD, ZINTERCARD, LCS, FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS, FCALL, FCALL_RO, EVAL_RO,
    // EVALSHA_RO, XGROUP CREATECONSUMER, XINFO STREAM FULL, LATENCY LATEST/HISTORY.
    public abstract partial class RedisCommands
    {
        /// <summary>
        /// LMPOP: pops up to <paramref name="count"/> (default 1) elements from the <paramref name="side"/> end of the
        /// first non-empty list among <paramref name="keys"/>; null when they are all empty.
        /// </summary>
        public ListMPopResult? LMPop(IEnumerable<string> keys, ListSide side, long? count = null) =>
            Run(Redis70Args.MPop("LMPOP", null, keys, NewerArgs.Side(side), count), Redis70Replies.ListMPop);

        /// <summary>BLMPOP: as <see cref="LMPop"/>, waiting up to <paramref name="timeout"/> (null or zero: forever); null when the time ran out.</summary>
        public ListMPopResult? BLMPop(TimeSpan? timeout, IEnumerable<string> keys, ListSide side, long? count = null) =>
            Run(Redis70Args.MPop("BLMPOP", Args.BlockTimeoutArgument("BLMPOP", timeout), keys, NewerArgs.Side(side), count),
                Redis70Replies.ListMPop, Args.BlockFor(timeout));

        /// <summary>
        /// ZMPOP: pops up to <paramref name="count"/> (default 1) lowest- or highest-scored members (<paramref name="order"/>)
        /// of the first non-empty sorted set among <paramref name="keys"/>; null when they are all empty.
        /// </summary>
        public SortedSetMPopResult? ZMPop(IEnumerable<string> keys, SortedSetPopOrder order, long? count = null) =>
            Run(Redis70Args.MPop("ZMPOP", null, keys, Redis70Args.Order(order), count), Redis70Replies.SortedSetMPop);

        /// <summary>BZMPOP: as <see cref="ZMPop"/>, waiting up to <paramref name="timeout"/> (null or zero: forever); null when the time ran out.</summary>
        public SortedSetMPopResult? BZMPop(TimeSpan? timeout, IEnumerable<string> keys, SortedSetPopOrder order, long? count = null) =>
            Run(Redis70Args.MPop("BZMPOP", Args.BlockTimeoutArgument("BZMPOP", timeout), keys, Redis70Args.Order(order), count),
                Redis70Replies.SortedSetMPop, Args.BlockFor(timeout));

        /// <summary>SINTERCARD: the size of the intersection of <paramref name="keys"/>, counting no further than <paramref name="limit"/> (0 or null: no limit).</summary>
        public long SInterCard(IEnumerable<string> keys, long? limit = null) =>
            Run(Redis70Args.Card("SINTERCARD", keys, limit), Reply.Integer);

        /// <summary>ZINTERCARD: the size of the intersection of the sorted sets <paramref name="keys"/>, counting no further than <paramref name="limit"/>.</summary>
        public long ZInterCard(IEnumerable<string> keys, long? limit = null) =>
            Run(Redis70Args.Card("ZINTERCARD", keys, limit), Reply.Integer);

        /// <summary>LCS: the longest common subsequence of the strings at <paramref name="key1"/> and <paramref name="key2"/> (empty when none).</summary>
        public string Lcs(string key1, string key2) => Run(new object?[] { "LCS", key1, key2 }, r => r.AsString() ?? string.Empty);

        /// <summary>LCS ... LEN: the length of the longest common subsequence.</summary>
        public long LcsLen(string key1, string key2) => Run(new object?[] { "LCS", key1, key2, "LEN" }, Reply.Integer);

        /// <summary>
        /// LCS ... IDX: where the common runs are in each string, and the total length; runs shorter than
        /// <paramref name="minMatchLen"/> are left out; <paramref name="withMatchLen"/> gives each run's length.
        /// </summary>
        public LcsResult LcsIdx(string key1, string key2, long? minMatchLen = null, bool withMatchLen = false)
        {
            var args = new List<object?>(7) { "LCS", key1, key2, "IDX" };
            if (minMatchLen.HasValue)
            {
                if (minMatchLen.Value < 0) throw new RedisDataException("LCS: minMatchLen cannot be negative.");
                args.Add("MINMATCHLEN");
                args.Add(minMatchLen.Value);
            }
            if (withMatchLen) args.Add("WITHMATCHLEN");
            return Run(args, Redis70Replies.Lcs);
        }

        /// <summary>EVAL_RO: <see cref="Eval"/> for a script that only reads (the server refuses writes; replicas may serve it).</summary>
        public object? EvalRo(string script, IEnumerable<string>? keys = null, IEnumerable<object>? args = null)
        {
            if (script == null) throw new RedisDataException("EVAL_RO needs a script.");
            return Run(ScriptArgs.Build("EVAL_RO", script, keys, args), ScriptArgs.Result);
        }

        /// <summary>EVALSHA_RO: <see cref="EvalSha"/> for a script that only reads.</summary>
        public object? EvalShaRo(string sha, IEnumerable<string>? keys = null, IEnumerable<object>? args = null)
        {
            if (string.IsNullOrEmpty(sha)) throw new RedisDataException("EVALSHA_RO needs a script SHA1.");
            return Run(ScriptArgs.Build("EVALSHA_RO", sha, keys, args), ScriptArgs.Result);
        }

        /// <summary>FCALL: calls the library function <paramref name="function"/> with <paramref name="keys"/> and <paramref name="args"/>; results as <see cref="Eval"/>.</summary>
        public object? FCall(string function, IEnumerable<string>? keys = null, IEnumerable<object>? args = null)
        {
            if (string.IsNullOrEmpty(function)) throw new RedisDataException("FCALL needs a function name.");
            return Run(ScriptArgs.Build("FCALL", function, keys, args), ScriptArgs.Result);
        }

        /// <summary>FCALL_RO: <see cref="FCall"/> for a function declared no-writes.</summary>
        public object? FCallRo(string function, IEnumerable<string>? keys = null, IEnumerable<object>? args = null)
        {
            if (string.IsNullOrEmpty(function)) throw new RedisDataException("FCALL_RO needs a function name.");
            return Run(ScriptArgs.Build("FCALL_RO", function, keys, args), ScriptArgs.Result);
        }

        /// <summary>FUNCTION LOAD: loads a library (its code starts with "#!lua name=..."); <paramref name="replace"/> replaces one of the same name. Returns the library name.</summary>
        public string FunctionLoad(string code, bool replace = false)
        {
            if (code == null) throw new RedisDataException("FUNCTION LOAD needs the library code.");
            object?[] args = replace ? new object?[] { "FUNCTION", "LOAD", "REPLACE", code } : new object?[] { "FUNCTION", "LOAD", code };
            return Run(args, r => r.AsString() ?? string.Empty);
        }

        /// <summary>
        /// FUNCTION LIST: the libraries (whose name matches <paramref name="libraryNamePattern"/>, a glob), each as a
        /// dictionary: library_name, engine, functions (a list of dictionaries: name, description, flags) and, with
        /// <paramref name="withCode"/>, library_code.
        /// </summary>
        public IList<IDictionary<string, object?>> FunctionList(string? libraryNamePattern = null, bool withCode = false)
        {
            var args = new List<object?>(5) { "FUNCTION", "LIST" };
            if (libraryNamePattern != null) { args.Add("LIBRARYNAME"); args.Add(libraryNamePattern); }
            if (withCode) args.Add("WITHCODE");
            return Run(args, r => Reply.ToList(r, library => Redis70Replies.Map(library, Redis70Replies.FunctionListNesting)));
        }

        /// <summary>FUNCTION DELETE: deletes the library <paramref name="libraryName"/> and its functions.</summary>
        public bool FunctionDelete(string libraryName) => Run(new object?[] { "FUNCTION", "DELETE", libraryName }, Reply.Ok);

        /// <summary>FUNCTION FLUSH: deletes every library (<paramref name="mode"/>: SYNC or ASYNC; null: the server's default).</summary>
        public bool FunctionFlush(ScriptFlushMode? mode = null)
        {
            object?[] args = mode.HasValue
                ? new object?[] { "FUNCTION", "FLUSH", mode.Value == ScriptFlushMode.Async ? "ASYNC" : "SYNC" }
                : new object?[] { "FUNCTION", "FLUSH" };
            return Run(args, Reply.Ok);
        }

        /// <summary>FUNCTION DUMP: every library in the server's serialized form, for <see cref="FunctionRestore"/>.</summary>
        public byte[] FunctionDump() => Run(new object?[] { "FUNCTION", "DUMP" }, r => r.Bytes ?? Array.Empty<byte>());

        /// <summary>FUNCTION RESTORE: loads the libraries of a <see cref="FunctionDump"/> payload; <paramref name="policy"/> says what happens to existing ones.</summary>
        public bool FunctionRestore(byte[] payload, FunctionRestorePolicy? policy = null)
        {
            if (payload == null) throw new RedisDataException("FUNCTION RESTORE needs a payload.");
            if (!policy.HasValue) return Run(new object?[] { "FUNCTION", "RESTORE", payload }, Reply.Ok);
            string word = policy.Value switch
            {
                FunctionRestorePolicy.Append => "APPEND",
                FunctionRestorePolicy.Flush => "FLUSH",
                FunctionRestorePolicy.Replace => "REPLACE",
                _ => throw new RedisDataException("Unknown restore policy " + policy.Value + "."),
            };
            return Run(new object?[] { "FUNCTION", "RESTORE", payload, word }, Reply.Ok);
        }

        /// <summary>FUNCTION STATS: running_script (null, or name, command, duration_ms) and engines (per engine: libraries_count, functions_count).</summary>
        public IDictionary<string, object?> FunctionStats() =>
            Run(new object?[] { "FUNCTION", "STATS" }, r => Redis70Replies.Map(r, Redis70Replies.FunctionStatsNesting));

        /// <summary>XGROUP CREATECONSUMER: adds <paramref name="consumerName"/> to the group; false when it was already there.</summary>
        public bool XGroupCreateConsumer(string key, string groupName, string consumerName) =>
            Run(new object?[] { "XGROUP", "CREATECONSUMER", key, groupName, consumerName }, Reply.IsOne);

        /// <summary>
        /// XINFO STREAM ... FULL: everything about the stream as a dictionary: length, last-generated-id, ...,
        /// entries (a list of <see cref="StreamEntry"/>), and groups (a list of dictionaries, each with its pending
        /// entries and its consumers, themselves dictionaries). <paramref name="count"/> caps the entries and pending
        /// entries listed (the server's default is 10; 0: all).
        /// </summary>
        public IDictionary<string, object?> XInfoStreamFull(string key, long? count = null)
        {
            var args = new List<object?>(6) { "XINFO", "STREAM", key, "FULL" };
            if (count.HasValue)
            {
                if (count.Value < 0) throw new RedisDataException("XINFO STREAM FULL: count cannot be negative.");
                args.Add("COUNT");
                args.Add(count.Value);
            }
            return Run(args, r => Redis70Replies.Map(r, Redis70Replies.StreamFullNesting));
        }

        /// <summary>LATENCY LATEST: the latest and highest latency of each event the latency monitor has recorded.</summary>
        public IList<LatencyLatestEntry> LatencyLatest() => Run(new object?[] { "LATENCY", "LATEST" }, r => Reply.ToList(r, Redis70Replies.LatencyLatest));

        /// <summary>LATENCY HISTORY: the recorded samples of <paramref name="eventName"/>, oldest first.</summary>
        public IList<LatencySample> LatencyHistory(string eventName) =>
            Run(new object?[] { "LATENCY", "HISTORY", eventName }, r => Reply.ToList(r, Redis70Replies.LatencySample));
    }

    /// <summary>Argument builders of the Redis 7.0 commands.</summary>
    internal static class Redis70Args
    {
        public static string Order(SortedSetPopOrder order) => order switch
        {
            SortedSetPopOrder.Min => "MIN",
            SortedSetPopOrder.Max => "MAX",
            _ => throw new RedisDataException("Unknown pop order " + order + "."),
        };

        /// <summary>[timeout] numkeys key... LEFT|RIGHT|MIN|MAX [COUNT n].</summary>
        public static List<object?> MPop(string command, object? timeout, IEnumerable<string> keys, string where, long? count)
        {
            var args = new List<object?>(8) { command };
            if (timeout != null) args.Add(timeout);
            AddKeys(args, command, keys);
            args.Add(where);
            if (count.HasValue)
            {
                if (count.Value <= 0) throw new RedisDataException(command + ": count must be positive.");
                args.Add("COUNT");
                args.Add(count.Value);
            }
            return args;
        }

        /// <summary>numkeys key... [LIMIT n].</summary>
        public static List<object?> Card(string command, IEnumerable<string> keys, long? limit)
        {
            var args = new List<object?>(6) { command };
            AddKeys(args, command, keys);
            if (limit.HasValue)
            {
                if (limit.Value < 0) throw new RedisDataException(command + ": limit cannot be negative.");
                args.Add("LIMIT");
                args.Add(limit.Value);
            }
            return args;
        }

        private static void AddKeys(List<object?> args, string command, IEnumerable<string> keys)
        {
            if (keys == null) throw new ArgumentNullException(nameof(keys));
            int countAt = args.Count;
            args.Add(0);
            foreach (string key in keys) args.Add(key ?? throw new RedisDataException(command + ": a key is null."));
            int count = args.Count - countAt - 1;
            if (count == 0) throw new RedisDataException(command + " needs at least one key.");
            args[countAt] = count;
        }
    }

    /// <summary>Reply parsers of the Redis 7.0 commands; each accepts the RESP2 and the RESP3 shape.</summary>
    internal static class Redis70Replies
    {
        /// <summary>LMPOP/BLMPOP: null, or [key, [element...]].</summary>
        public static readonly Func<RespValue, ListMPopResult?> ListMPop = r =>
        {
            if (r.IsNull) return null;
            IReadOnlyList<RespValue> parts = Pair(r, "LMPOP");
            return new ListMPopResult(CollectionReplies.NonNullString(parts[0]), CollectionReplies.Strings(parts[1]));
        };

        /// <summary>ZMPOP/BZMPOP: null, or [key, [[member, score]...]] (the score text in RESP2, a double in RESP3).</summary>
        public static readonly Func<RespValue, SortedSetMPopResult?> SortedSetMPop = r =>
        {
            if (r.IsNull) return null;
            IReadOnlyList<RespValue> parts = Pair(r, "ZMPOP");
            return new SortedSetMPopResult(CollectionReplies.NonNullString(parts[0]), SortedSetReplies.ToEntries(parts[1]));
        };

        private static IReadOnlyList<RespValue> Pair(RespValue reply, string command)
        {
            IReadOnlyList<RespValue> parts = reply.Items;
            if (parts.Count != 2) throw new RedisInvalidResponseException(command + " should reply [key, elements], got " + reply.Describe());
            return parts;
        }

        /// <summary>LCS IDX: {matches: [[[s, e], [s, e], len?]...], len: n}, a map in RESP3 and a flat array in RESP2.</summary>
        public static readonly Func<RespValue, LcsResult> Lcs = r =>
        {
            Dictionary<string, RespValue> map = StreamReplies.ToMap(r);
            if (!map.TryGetValue("matches", out RespValue? matches) || !map.TryGetValue("len", out RespValue? len))
                throw new RedisInvalidResponseException("LCS IDX should reply matches and len, got " + r.Describe());
            IList<LcsMatch> list = Reply.ToList(matches, m =>
            {
                IReadOnlyList<RespValue> parts = m.Items;
                if (parts.Count < 2) throw new RedisInvalidResponseException("An LCS match should be [range, range, len?], got " + m.Describe());
                return new LcsMatch(Range(parts[0]), Range(parts[1]), parts.Count > 2 ? parts[2].Integer64 : (long?)null);
            });
            return new LcsResult(list, len.Integer64);
        };

        private static LcsRange Range(RespValue value)
        {
            IReadOnlyList<RespValue> ends = value.Items;
            if (ends.Count != 2) throw new RedisInvalidResponseException("An LCS range should be [start, end], got " + value.Describe());
            return new LcsRange(ends[0].Integer64, ends[1].Integer64);
        }

        public static LatencyLatestEntry LatencyLatest(RespValue item)
        {
            IReadOnlyList<RespValue> f = item.Items;
            if (f.Count < 4) throw new RedisInvalidResponseException("A LATENCY LATEST entry should have 4 items, got " + item.Describe());
            return new LatencyLatestEntry
            {
                Event = f[0].AsString() ?? string.Empty,
                Time = DateTimeOffset.FromUnixTimeSeconds(f[1].Integer64),
                LatestMilliseconds = f[2].Integer64,
                MaxMilliseconds = f[3].Integer64,
            };
        }

        public static LatencySample LatencySample(RespValue item)
        {
            IReadOnlyList<RespValue> f = item.Items;
            if (f.Count != 2) throw new RedisInvalidResponseException("A LATENCY HISTORY sample should be [time, latency], got " + item.Describe());
            return new LatencySample { Time = DateTimeOffset.FromUnixTimeSeconds(f[0].Integer64), Milliseconds = f[1].Integer64 };
        }

        /// <summary>How a map reply nests: which of its names hold a map, a list of maps, or a list of stream entries.</summary>
        internal sealed class Nesting
        {
            public HashSet<string> Maps { get; } = new HashSet<string>(StringComparer.Ordinal);
            public HashSet<string> ListsOfMaps { get; } = new HashSet<string>(StringComparer.Ordinal);
            public HashSet<string> Entries { get; } = new HashSet<string>(StringComparer.Ordinal);
            public HashSet<string> TextLists { get; } = new HashSet<string>(StringComparer.Ordinal);
            /// <summary>Maps whose every value is a map (FUNCTION STATS engines: one per engine name).</summary>
            public HashSet<string> MapsOfMaps { get; } = new HashSet<string>(StringComparer.Ordinal);
        }

        public static readonly Nesting FunctionListNesting = Make(n =>
        {
            n.ListsOfMaps.Add("functions");
            n.TextLists.Add("flags");
        });

        public static readonly Nesting FunctionStatsNesting = Make(n =>
        {
            n.Maps.Add("running_script");
            n.MapsOfMaps.Add("engines");
        });

        public static readonly Nesting StreamFullNesting = Make(n =>
        {
            n.Entries.Add("entries");
            n.ListsOfMaps.Add("groups");
            n.ListsOfMaps.Add("consumers");
        });

        private static Nesting Make(Action<Nesting> fill)
        {
            var n = new Nesting();
            fill(n);
            return n;
        }

        /// <summary>
        /// A map reply (RESP3 map, RESP2 flat name/value array) as a dictionary of plain values, nested as
        /// <paramref name="nesting"/> says (RESP2 cannot tell a map from a list on its own). Null stays null.
        /// </summary>
        public static IDictionary<string, object?> Map(RespValue reply, Nesting nesting)
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, RespValue> pair in StreamReplies.ToMap(reply))
            {
                RespValue v = pair.Value;
                string name = pair.Key;
                if (v.IsNull) result[name] = null;
                else if (nesting.Maps.Contains(name)) result[name] = Map(v, nesting);
                else if (nesting.MapsOfMaps.Contains(name))
                {
                    var inner = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (KeyValuePair<string, RespValue> each in StreamReplies.ToMap(v)) inner[each.Key] = each.Value.IsNull ? null : Map(each.Value, nesting);
                    result[name] = inner;
                }
                else if (nesting.ListsOfMaps.Contains(name)) result[name] = Reply.ToList(v, item => Map(item, nesting));
                else if (nesting.Entries.Contains(name)) result[name] = StreamReplies.Entries(v);
                else if (nesting.TextLists.Contains(name)) result[name] = CollectionReplies.Strings(v);
                else result[name] = v.ToObject();
            }
            return result;
        }
    }
}
