using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Commands Redis 6.2 added, which the redis-py reference this client was built from does not name (COPY is in
    // RedisCommands.Keys.cs): GETDEL, GETEX, LMOVE, BLMOVE, LPOS, SMISMEMBER, ZRANGE BYSCORE/BYLEX/REV/LIMIT,
    // ZRANGESTORE, ZDIFF, ZDIFFSTORE, ZINTER, ZUNION, ZRANDMEMBER, ZMSCORE, HRANDFIELD, GEOSEARCH, GEOSEARCHSTORE,
    // XAUTOCLAIM, CLIENT INFO. Named as redis-py 4+ names them, converted to .NET.
    public abstract partial class RedisCommands
    {
        /// <summary>GETDEL: the value of <paramref name="key"/>, which is deleted; null when it did not exist.</summary>
        public string? GetDel(string key) => Run(new object?[] { "GETDEL", key }, Reply.String);

        /// <summary>
        /// GETEX: the value of <paramref name="key"/> (null when missing), setting its expiry at the same time:
        /// <paramref name="ex"/> (whole seconds), <paramref name="px"/> (milliseconds), <paramref name="exAt"/>,
        /// <paramref name="pxAt"/>, or <paramref name="persist"/> to remove it. At most one of them; none is a plain GET.
        /// </summary>
        public string? GetEx(string key, TimeSpan? ex = null, TimeSpan? px = null, DateTimeOffset? exAt = null,
            DateTimeOffset? pxAt = null, bool persist = false)
        {
            int options = (ex.HasValue ? 1 : 0) + (px.HasValue ? 1 : 0) + (exAt.HasValue ? 1 : 0) + (pxAt.HasValue ? 1 : 0) + (persist ? 1 : 0);
            if (options > 1) throw new RedisDataException("GETEX: give at most one of ex, px, exAt, pxAt and persist.");
            var args = new List<object?>(4) { "GETEX", key };
            if (ex.HasValue) { args.Add("EX"); args.Add(Args.WholeSeconds(ex.Value, "ex")); }
            if (px.HasValue) { args.Add("PX"); args.Add(Args.WholeMilliseconds(px.Value, "px")); }
            if (exAt.HasValue) { args.Add("EXAT"); args.Add(exAt.Value.ToUnixTimeSeconds()); }
            if (pxAt.HasValue) { args.Add("PXAT"); args.Add(pxAt.Value.ToUnixTimeMilliseconds()); }
            if (persist) args.Add("PERSIST");
            return Run(args, Reply.String);
        }

        /// <summary>
        /// LMOVE: moves the element at the <paramref name="sourceSide"/> end of <paramref name="source"/> to the
        /// <paramref name="destinationSide"/> end of <paramref name="destination"/> and returns it; null when the source is empty.
        /// The defaults (Left, Right) are redis-py's.
        /// </summary>
        public string? LMove(string source, string destination, ListSide sourceSide = ListSide.Left, ListSide destinationSide = ListSide.Right) =>
            Run(new object?[] { "LMOVE", source, destination, NewerArgs.Side(sourceSide), NewerArgs.Side(destinationSide) }, Reply.String);

        /// <summary>
        /// BLMOVE: as <see cref="LMove"/>, waiting up to <paramref name="timeout"/> (null or zero: forever) for the
        /// source to get an element; null when the time ran out.
        /// </summary>
        public string? BLMove(string source, string destination, TimeSpan? timeout, ListSide sourceSide = ListSide.Left, ListSide destinationSide = ListSide.Right) =>
            Run(new object?[] { "BLMOVE", source, destination, NewerArgs.Side(sourceSide), NewerArgs.Side(destinationSide), Args.BlockTimeoutArgument("BLMOVE", timeout) },
                Reply.String, Args.BlockFor(timeout));

        /// <summary>
        /// LPOS: the index of the first element equal to <paramref name="value"/>, or null. <paramref name="rank"/>
        /// picks the n-th match (negative: counting from the tail); <paramref name="maxLen"/> compares only that many elements.
        /// </summary>
        public long? LPos(string key, object value, long? rank = null, long? maxLen = null) =>
            Run(NewerArgs.LPos(key, value, rank, null, maxLen), Reply.NullableInteger);

        /// <summary>
        /// LPOS ... COUNT: the indexes of up to <paramref name="count"/> matches (0: all of them), empty when none.
        /// <paramref name="rank"/> and <paramref name="maxLen"/> as in <see cref="LPos(string, object, long?, long?)"/>.
        /// </summary>
        public IList<long> LPos(string key, object value, long count, long? rank = null, long? maxLen = null) =>
            Run(NewerArgs.LPos(key, value, rank, count, maxLen), r => r.IsNull ? new List<long>() : Reply.ToList(r, Reply.Integer));

        /// <summary>SMISMEMBER: for each of <paramref name="members"/>, in order, whether it is in the set.</summary>
        public IList<bool> SMIsMember(string key, params object[] members) =>
            Run(CollectionReplies.KeyAndValues("SMISMEMBER", key, members), r => Reply.ToList(r, Reply.IsOne));

        /// <summary>
        /// ZRANGE in Redis 6.2's form: <paramref name="start"/> and <paramref name="end"/> are ranks, score bounds
        /// ("1", "(1.5", "-inf") or lex bounds ("[a", "(b", "-", "+") as <paramref name="by"/> says;
        /// <paramref name="desc"/> reverses (REV: then start is the high end); <paramref name="offset"/> and
        /// <paramref name="num"/> take a slice (LIMIT, BYSCORE/BYLEX only).
        /// </summary>
        public IList<string> ZRange(string key, string start, string end, ZRangeBy by, bool desc = false, long? offset = null, long? num = null) =>
            Run(NewerArgs.ZRange("ZRANGE", null, key, start, end, by, desc, offset, num, withScores: false), CollectionReplies.Strings);

        /// <summary>As <see cref="ZRange(string, string, string, ZRangeBy, bool, long?, long?)"/>, WITHSCORES (not with BYLEX).</summary>
        public IList<SortedSetEntry> ZRangeWithScores(string key, string start, string end, ZRangeBy by, bool desc = false, long? offset = null, long? num = null) =>
            Run(NewerArgs.ZRange("ZRANGE", null, key, start, end, by, desc, offset, num, withScores: true), SortedSetReplies.Entries);

        /// <summary>
        /// ZRANGESTORE: stores in <paramref name="destination"/> what <see cref="ZRange(string, string, string, ZRangeBy, bool, long?, long?)"/>
        /// would return from <paramref name="source"/> (with the scores); returns how many members were stored.
        /// </summary>
        public long ZRangeStore(string destination, string source, string start, string end, ZRangeBy by = ZRangeBy.Rank,
            bool desc = false, long? offset = null, long? num = null) =>
            Run(NewerArgs.ZRange("ZRANGESTORE", destination, source, start, end, by, desc, offset, num, withScores: false), Reply.Integer);

        /// <summary>ZDIFF: the members of the first sorted set that are in none of the others, by score.</summary>
        public IList<string> ZDiff(params string[] keys) =>
            Run(NewerArgs.Numbered("ZDIFF", null, keys, null, null, withScores: false), CollectionReplies.Strings);

        /// <summary>ZDIFF ... WITHSCORES: as <see cref="ZDiff"/>, with the first set's scores.</summary>
        public IList<SortedSetEntry> ZDiffWithScores(params string[] keys) =>
            Run(NewerArgs.Numbered("ZDIFF", null, keys, null, null, withScores: true), SortedSetReplies.Entries);

        /// <summary>ZDIFFSTORE: stores ZDIFF of <paramref name="keys"/> in <paramref name="destination"/> (replacing it); returns its size.</summary>
        public long ZDiffStore(string destination, params string[] keys) =>
            Run(NewerArgs.Numbered("ZDIFFSTORE", destination, keys, null, null, withScores: false), Reply.Integer);

        /// <summary>ZINTER: the members in every one of <paramref name="keys"/>, by aggregated score.</summary>
        public IList<string> ZInter(IEnumerable<string> keys, Aggregate? aggregate = null) =>
            Run(NewerArgs.Numbered("ZINTER", null, keys, null, aggregate, withScores: false), CollectionReplies.Strings);

        /// <summary>ZINTER with a weight per key (each set's scores are multiplied by it before aggregating).</summary>
        public IList<string> ZInter(IEnumerable<KeyValuePair<string, double>> weights, Aggregate? aggregate = null) =>
            Run(NewerArgs.Weighted("ZINTER", weights, aggregate, withScores: false), CollectionReplies.Strings);

        /// <summary>ZINTER ... WITHSCORES: as <see cref="ZInter(IEnumerable{string}, Aggregate?)"/>, with the aggregated scores.</summary>
        public IList<SortedSetEntry> ZInterWithScores(IEnumerable<string> keys, Aggregate? aggregate = null) =>
            Run(NewerArgs.Numbered("ZINTER", null, keys, null, aggregate, withScores: true), SortedSetReplies.Entries);

        /// <summary>ZINTER ... WEIGHTS ... WITHSCORES.</summary>
        public IList<SortedSetEntry> ZInterWithScores(IEnumerable<KeyValuePair<string, double>> weights, Aggregate? aggregate = null) =>
            Run(NewerArgs.Weighted("ZINTER", weights, aggregate, withScores: true), SortedSetReplies.Entries);

        /// <summary>ZUNION: the members in any of <paramref name="keys"/>, by aggregated score.</summary>
        public IList<string> ZUnion(IEnumerable<string> keys, Aggregate? aggregate = null) =>
            Run(NewerArgs.Numbered("ZUNION", null, keys, null, aggregate, withScores: false), CollectionReplies.Strings);

        /// <summary>ZUNION with a weight per key.</summary>
        public IList<string> ZUnion(IEnumerable<KeyValuePair<string, double>> weights, Aggregate? aggregate = null) =>
            Run(NewerArgs.Weighted("ZUNION", weights, aggregate, withScores: false), CollectionReplies.Strings);

        /// <summary>ZUNION ... WITHSCORES: as <see cref="ZUnion(IEnumerable{string}, Aggregate?)"/>, with the aggregated scores.</summary>
        public IList<SortedSetEntry> ZUnionWithScores(IEnumerable<string> keys, Aggregate? aggregate = null) =>
            Run(NewerArgs.Numbered("ZUNION", null, keys, null, aggregate, withScores: true), SortedSetReplies.Entries);

        /// <summary>ZUNION ... WEIGHTS ... WITHSCORES.</summary>
        public IList<SortedSetEntry> ZUnionWithScores(IEnumerable<KeyValuePair<string, double>> weights, Aggregate? aggregate = null) =>
            Run(NewerArgs.Weighted("ZUNION", weights, aggregate, withScores: true), SortedSetReplies.Entries);

        /// <summary>ZRANDMEMBER: a random member, left in the set; null when the set does not exist.</summary>
        public string? ZRandMember(string key) => Run(new object?[] { "ZRANDMEMBER", key }, Reply.String);

        /// <summary>
        /// ZRANDMEMBER with a count: up to <paramref name="count"/> distinct random members when positive, or exactly
        /// -<paramref name="count"/> that may repeat when negative.
        /// </summary>
        public IList<string> ZRandMember(string key, long count) =>
            Run(new object?[] { "ZRANDMEMBER", key, count }, CollectionReplies.Strings);

        /// <summary>ZRANDMEMBER ... WITHSCORES: as <see cref="ZRandMember(string, long)"/>, with scores.</summary>
        public IList<SortedSetEntry> ZRandMemberWithScores(string key, long count) =>
            Run(new object?[] { "ZRANDMEMBER", key, count, "WITHSCORES" }, SortedSetReplies.Entries);

        /// <summary>ZMSCORE: the score of each of <paramref name="members"/>, in order; null for a member not in the set.</summary>
        public IList<double?> ZMScore(string key, params object[] members) =>
            Run(CollectionReplies.KeyAndValues("ZMSCORE", key, members), r => Reply.ToList(r, Reply.NullableDouble));

        /// <summary>HRANDFIELD: a random field name; null when the hash does not exist.</summary>
        public string? HRandField(string key) => Run(new object?[] { "HRANDFIELD", key }, Reply.String);

        /// <summary>
        /// HRANDFIELD with a count: up to <paramref name="count"/> distinct random fields when positive, or exactly
        /// -<paramref name="count"/> that may repeat when negative.
        /// </summary>
        public IList<string> HRandField(string key, long count) =>
            Run(new object?[] { "HRANDFIELD", key, count }, CollectionReplies.Strings);

        /// <summary>HRANDFIELD ... WITHVALUES: as <see cref="HRandField(string, long)"/>, each field with its value (a list: fields may repeat).</summary>
        public IList<KeyValuePair<string, string>> HRandFieldWithValues(string key, long count) =>
            Run(new object?[] { "HRANDFIELD", key, count, "WITHVALUES" }, NewerReplies.Pairs);

        /// <summary>
        /// GEOSEARCH: the members of <paramref name="key"/> within a radius (<paramref name="radius"/>) or a box
        /// (<paramref name="width"/> by <paramref name="height"/>) around a member (<paramref name="fromMember"/>) or a
        /// point (<paramref name="longitude"/>, <paramref name="latitude"/>). <paramref name="sort"/> orders by distance;
        /// <paramref name="count"/> caps the matches (<paramref name="any"/>: the first found, not the nearest);
        /// <paramref name="withDist"/>, <paramref name="withCoord"/> and <paramref name="withHash"/> fill each result.
        /// </summary>
        public IList<GeoRadiusResult> GeoSearch(string key, object? fromMember = null, double? longitude = null, double? latitude = null,
            double? radius = null, double? width = null, double? height = null, GeoUnit unit = GeoUnit.Meters, GeoSort? sort = null,
            int? count = null, bool any = false, bool withCoord = false, bool withDist = false, bool withHash = false)
        {
            var args = new List<object?> { "GEOSEARCH", key };
            NewerArgs.GeoSearch(args, "GEOSEARCH", fromMember, longitude, latitude, radius, width, height, unit, sort, count, any);
            if (withCoord) args.Add("WITHCOORD");
            if (withDist) args.Add("WITHDIST");
            if (withHash) args.Add("WITHHASH");
            return Run(args, GeoReplies.Results);
        }

        /// <summary>
        /// GEOSEARCHSTORE: stores the matches of a <see cref="GeoSearch"/> on <paramref name="source"/> in the sorted set
        /// <paramref name="destination"/>, scored by geohash, or by distance with <paramref name="storeDist"/>; returns how many.
        /// </summary>
        public long GeoSearchStore(string destination, string source, object? fromMember = null, double? longitude = null, double? latitude = null,
            double? radius = null, double? width = null, double? height = null, GeoUnit unit = GeoUnit.Meters, GeoSort? sort = null,
            int? count = null, bool any = false, bool storeDist = false)
        {
            var args = new List<object?> { "GEOSEARCHSTORE", destination, source };
            NewerArgs.GeoSearch(args, "GEOSEARCHSTORE", fromMember, longitude, latitude, radius, width, height, unit, sort, count, any);
            if (storeDist) args.Add("STOREDIST");
            return Run(args, Reply.Integer);
        }

        /// <summary>
        /// XAUTOCLAIM: transfers to <paramref name="consumerName"/> the messages of <paramref name="groupName"/> pending
        /// for at least <paramref name="minIdleTime"/>, scanning the pending list from <paramref name="startId"/>
        /// (up to <paramref name="count"/> of them; the server's default is 100). Returns the id to continue from,
        /// the claimed entries and the ids whose entries were deleted.
        /// </summary>
        public StreamAutoClaimResult XAutoClaim(string key, string groupName, string consumerName, TimeSpan minIdleTime,
            string startId = "0-0", long? count = null) =>
            Run(NewerArgs.AutoClaim(key, groupName, consumerName, minIdleTime, startId, count, justId: false), NewerReplies.AutoClaim);

        /// <summary>XAUTOCLAIM ... JUSTID: as <see cref="XAutoClaim"/>, returning the claimed ids only (the delivery count is not incremented).</summary>
        public StreamAutoClaimIdsResult XAutoClaimJustId(string key, string groupName, string consumerName, TimeSpan minIdleTime,
            string startId = "0-0", long? count = null) =>
            Run(NewerArgs.AutoClaim(key, groupName, consumerName, minIdleTime, startId, count, justId: true), NewerReplies.AutoClaimIds);

        /// <summary>CLIENT INFO: this connection's entry of CLIENT LIST, as field -> value.</summary>
        public IDictionary<string, string> ClientInfo() =>
            Run(new object?[] { "CLIENT", "INFO" }, r => ServerReplies.ParseClientLine((r.AsString() ?? string.Empty).Trim()));
    }

    /// <summary>Argument builders of the commands beyond the reference.</summary>
    internal static class NewerArgs
    {
        public static string Side(ListSide side)
        {
            switch (side)
            {
                case ListSide.Left: return "LEFT";
                case ListSide.Right: return "RIGHT";
                default: throw new RedisDataException("Unknown list side " + side + ".");
            }
        }

        public static object?[] LPos(string key, object value, long? rank, long? count, long? maxLen)
        {
            if (rank.HasValue && rank.Value == 0) throw new RedisDataException("LPOS: rank cannot be 0 (1 is the first match, -1 the last).");
            if (count.HasValue && count.Value < 0) throw new RedisDataException("LPOS: count cannot be negative.");
            if (maxLen.HasValue && maxLen.Value < 0) throw new RedisDataException("LPOS: maxLen cannot be negative.");
            var args = new List<object?>(9) { "LPOS", key, value };
            if (rank.HasValue) { args.Add("RANK"); args.Add(rank.Value); }
            if (count.HasValue) { args.Add("COUNT"); args.Add(count.Value); }
            if (maxLen.HasValue) { args.Add("MAXLEN"); args.Add(maxLen.Value); }
            return args.ToArray();
        }

        /// <summary>ZRANGE/ZRANGESTORE: the bounds checked and written as the server takes them for <paramref name="by"/>.</summary>
        public static List<object?> ZRange(string command, string? destination, string key, string start, string end, ZRangeBy by,
            bool desc, long? offset, long? num, bool withScores)
        {
            var args = new List<object?>(12) { command };
            if (destination != null) args.Add(destination);
            args.Add(key);
            args.Add(Bound(command, start, by));
            args.Add(Bound(command, end, by));
            if (by == ZRangeBy.Score) args.Add("BYSCORE");
            else if (by == ZRangeBy.Lex) args.Add("BYLEX");
            if (desc) args.Add("REV");
            if ((offset.HasValue || num.HasValue) && by == ZRangeBy.Rank)
                throw new RedisDataException(command + ": offset and num (LIMIT) need a range by score or by lex.");
            SortedSetReplies.AddLimit(args, offset, num);
            if (withScores)
            {
                if (by == ZRangeBy.Lex) throw new RedisDataException(command + ": a range by lex has no scores to return.");
                args.Add("WITHSCORES");
            }
            return args;
        }

        private static object Bound(string command, string text, ZRangeBy by)
        {
            if (text == null) throw new RedisDataException(command + ": a range bound is null.");
            switch (by)
            {
                case ZRangeBy.Rank:
                    if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long rank))
                        throw new RedisDataException(command + ": '" + text + "' is not a rank (a whole number).");
                    return rank;
                case ZRangeBy.Score: return ScoreBound.Parse(text).ToString();
                case ZRangeBy.Lex: return LexBound.Parse(text).ToString();
                default: throw new RedisDataException("Unknown range kind " + by + ".");
            }
        }

        /// <summary>command [destination] numkeys key... [WEIGHTS w...] [AGGREGATE a] [WITHSCORES].</summary>
        public static List<object?> Numbered(string command, string? destination, IEnumerable<string> keys, List<double>? weights,
            Aggregate? aggregate, bool withScores)
        {
            if (keys == null) throw new ArgumentNullException(nameof(keys));
            var args = new List<object?> { command };
            if (destination != null) args.Add(destination);
            int countAt = args.Count;
            args.Add(0);
            foreach (string key in keys) args.Add(key ?? throw new RedisDataException(command + ": a key is null."));
            int count = args.Count - countAt - 1;
            if (count == 0) throw new RedisDataException(command + " needs at least one key.");
            args[countAt] = count;
            if (weights != null)
            {
                args.Add("WEIGHTS");
                foreach (double weight in weights) args.Add(weight);
            }
            if (aggregate.HasValue)
            {
                args.Add("AGGREGATE");
                args.Add(aggregate.Value switch
                {
                    Aggregate.Sum => "SUM",
                    Aggregate.Min => "MIN",
                    Aggregate.Max => "MAX",
                    _ => throw new RedisDataException("Unknown aggregate " + aggregate.Value + "."),
                });
            }
            if (withScores) args.Add("WITHSCORES");
            return args;
        }

        public static List<object?> Weighted(string command, IEnumerable<KeyValuePair<string, double>> weights, Aggregate? aggregate, bool withScores)
        {
            if (weights == null) throw new ArgumentNullException(nameof(weights));
            var keys = new List<string>();
            var factors = new List<double>();
            foreach (KeyValuePair<string, double> pair in weights)
            {
                if (double.IsNaN(pair.Value)) throw new RedisDataException(command + ": a weight cannot be NaN.");
                keys.Add(pair.Key);
                factors.Add(pair.Value);
            }
            return Numbered(command, null, keys, factors, aggregate, withScores);
        }

        public static void GeoSearch(List<object?> args, string command, object? fromMember, double? longitude, double? latitude,
            double? radius, double? width, double? height, GeoUnit unit, GeoSort? sort, int? count, bool any)
        {
            bool fromPoint = longitude.HasValue || latitude.HasValue;
            if ((fromMember != null) == fromPoint)
                throw new RedisDataException(command + ": give either fromMember or longitude and latitude.");
            if (fromPoint && !(longitude.HasValue && latitude.HasValue))
                throw new RedisDataException(command + ": longitude and latitude go together.");
            bool byBox = width.HasValue || height.HasValue;
            if (radius.HasValue == byBox)
                throw new RedisDataException(command + ": give either radius or width and height.");
            if (byBox && !(width.HasValue && height.HasValue))
                throw new RedisDataException(command + ": width and height go together.");
            if (count.HasValue && count.Value <= 0) throw new RedisDataException(command + ": count must be positive.");
            if (any && !count.HasValue) throw new RedisDataException(command + ": any needs a count.");
            if (fromMember != null) { args.Add("FROMMEMBER"); args.Add(fromMember); }
            else { args.Add("FROMLONLAT"); args.Add(longitude!.Value); args.Add(latitude!.Value); }
            string unitWord = GeoReplies.UnitWord(unit);
            if (radius.HasValue)
            {
                if (double.IsNaN(radius.Value) || radius.Value < 0) throw new RedisDataException(command + ": the radius must be zero or more.");
                args.Add("BYRADIUS"); args.Add(radius.Value); args.Add(unitWord);
            }
            else
            {
                if (double.IsNaN(width!.Value) || width.Value < 0 || double.IsNaN(height!.Value) || height.Value < 0)
                    throw new RedisDataException(command + ": width and height must be zero or more.");
                args.Add("BYBOX"); args.Add(width.Value); args.Add(height.Value); args.Add(unitWord);
            }
            if (sort.HasValue) args.Add(sort.Value == GeoSort.Descending ? "DESC" : "ASC");
            if (count.HasValue)
            {
                args.Add("COUNT");
                args.Add(count.Value);
                if (any) args.Add("ANY");
            }
        }

        public static object?[] AutoClaim(string key, string groupName, string consumerName, TimeSpan minIdleTime, string startId, long? count, bool justId)
        {
            if (minIdleTime < TimeSpan.Zero) throw new RedisDataException("XAUTOCLAIM: minIdleTime must not be negative.");
            if (string.IsNullOrEmpty(startId)) throw new RedisDataException("XAUTOCLAIM needs a start id (\"0-0\" for the whole pending list).");
            if (count.HasValue && count.Value <= 0) throw new RedisDataException("XAUTOCLAIM: count must be positive.");
            var args = new List<object?>(9) { "XAUTOCLAIM", key, groupName, consumerName, minIdleTime.Ticks / TimeSpan.TicksPerMillisecond, startId };
            if (count.HasValue) { args.Add("COUNT"); args.Add(count.Value); }
            if (justId) args.Add("JUSTID");
            return args.ToArray();
        }
    }

    /// <summary>Reply parsers of the commands beyond the reference; each accepts the RESP2 and the RESP3 shape.</summary>
    internal static class NewerReplies
    {
        /// <summary>Field/value pairs: RESP2's flat array, or RESP3's array of [field, value] pairs.</summary>
        public static readonly Func<RespValue, IList<KeyValuePair<string, string>>> Pairs = r =>
        {
            var list = new List<KeyValuePair<string, string>>();
            if (r.IsNull) return list;
            IReadOnlyList<RespValue> items = r.Items;
            if (items.Count > 0 && items[0].IsAggregate)
            {
                foreach (RespValue pair in items)
                {
                    if (pair.Items.Count != 2) throw new RedisInvalidResponseException("Expected a [field, value] pair, got " + pair.Describe());
                    list.Add(new KeyValuePair<string, string>(CollectionReplies.NonNullString(pair.Items[0]), CollectionReplies.NonNullString(pair.Items[1])));
                }
                return list;
            }
            if (items.Count % 2 != 0) throw new RedisInvalidResponseException("Expected field/value pairs, got " + r.Describe());
            for (int i = 0; i < items.Count; i += 2)
                list.Add(new KeyValuePair<string, string>(CollectionReplies.NonNullString(items[i]), CollectionReplies.NonNullString(items[i + 1])));
            return list;
        };

        /// <summary>XAUTOCLAIM: [next id, entries, deleted ids] (the third part since Redis 7).</summary>
        public static readonly Func<RespValue, StreamAutoClaimResult> AutoClaim = r =>
        {
            IReadOnlyList<RespValue> parts = AutoClaimParts(r);
            return new StreamAutoClaimResult
            {
                NextId = StreamReplies.Id(parts[0]),
                Entries = StreamReplies.Entries(parts[1]),
                DeletedIds = parts.Count > 2 ? CollectionReplies.Strings(parts[2]) : new List<string>(),
            };
        };

        /// <summary>XAUTOCLAIM ... JUSTID: [next id, ids, deleted ids].</summary>
        public static readonly Func<RespValue, StreamAutoClaimIdsResult> AutoClaimIds = r =>
        {
            IReadOnlyList<RespValue> parts = AutoClaimParts(r);
            return new StreamAutoClaimIdsResult
            {
                NextId = StreamReplies.Id(parts[0]),
                Ids = CollectionReplies.Strings(parts[1]),
                DeletedIds = parts.Count > 2 ? CollectionReplies.Strings(parts[2]) : new List<string>(),
            };
        };

        private static IReadOnlyList<RespValue> AutoClaimParts(RespValue reply)
        {
            IReadOnlyList<RespValue> parts = reply.Items;
            if (parts.Count < 2) throw new RedisInvalidResponseException("XAUTOCLAIM should reply [next id, entries, ...], got " + reply.Describe());
            return parts;
        }
    }
}
