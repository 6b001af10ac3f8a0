using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Sorted-set family: ZADD, ZINCRBY, ZCARD, ZCOUNT, ZLEXCOUNT, ZSCORE, ZRANK/ZREVRANK, ZREM and ZREMRANGEBY*,
    // ZRANGE/ZREVRANGE and their BYSCORE/BYLEX forms, ZPOPMIN/ZPOPMAX, BZPOPMIN/BZPOPMAX, ZINTERSTORE/ZUNIONSTORE.
    // redis-py's withscores switch changes the reply's type, so each range command that takes it has a
    // ...WithScores twin returning SortedSetEntry items instead of a bool parameter.
    public abstract partial class RedisCommands
    {
        private static readonly Func<RespValue, IList<string>> MemberList = r => Reply.ToList(r, SortedSetReplies.Text);

        /// <summary>
        /// ZADD: sets the score of each member (a dictionary member -> score works). Returns how many members
        /// were added, or with <paramref name="ch"/> how many were added or changed. <paramref name="nx"/>: only
        /// add new members; <paramref name="xx"/>: only update existing ones; <paramref name="gt"/>/<paramref name="lt"/>
        /// (Redis 6.2+): only update when the new score is greater/less. For redis-py's incr=True use <see cref="ZAddIncr"/>.
        /// </summary>
        public long ZAdd(string key, IEnumerable<KeyValuePair<string, double>> mapping, bool nx = false, bool xx = false,
            bool ch = false, bool gt = false, bool lt = false)
        {
            if (mapping == null) throw new ArgumentNullException(nameof(mapping));
            List<object?> args = ZAddOptions(key, nx, xx, ch, gt, lt, incr: false);
            int options = args.Count;
            foreach (KeyValuePair<string, double> pair in mapping) AddScoreMember(args, pair.Value, pair.Key);
            if (args.Count == options) throw new RedisDataException("ZADD needs at least one member/score pair.");
            return Run(args, Reply.Integer);
        }

        /// <summary>ZADD from <see cref="SortedSetEntry"/> items (for example those of another set's ZRangeWithScores).</summary>
        public long ZAdd(string key, IEnumerable<SortedSetEntry> entries, bool nx = false, bool xx = false,
            bool ch = false, bool gt = false, bool lt = false)
        {
            if (entries == null) throw new ArgumentNullException(nameof(entries));
            List<object?> args = ZAddOptions(key, nx, xx, ch, gt, lt, incr: false);
            int options = args.Count;
            foreach (SortedSetEntry entry in entries)
            {
                if (entry == null) throw new RedisDataException("ZADD: an entry is null.");
                AddScoreMember(args, entry.Score, entry.Member);
            }
            if (args.Count == options) throw new RedisDataException("ZADD needs at least one member/score pair.");
            return Run(args, Reply.Integer);
        }

        /// <summary>
        /// ZADD ... INCR (redis-py zadd with incr=True): adds <paramref name="increment"/> to the member's score
        /// and returns the new score, or null when <paramref name="nx"/>/<paramref name="xx"/>/<paramref name="gt"/>/<paramref name="lt"/>
        /// stopped the update.
        /// </summary>
        public double? ZAddIncr(string key, object member, double increment, bool nx = false, bool xx = false, bool gt = false, bool lt = false)
        {
            List<object?> args = ZAddOptions(key, nx, xx, ch: false, gt, lt, incr: true);
            AddScoreMember(args, increment, member);
            return Run(args, Reply.NullableDouble);
        }

        private static List<object?> ZAddOptions(string key, bool nx, bool xx, bool ch, bool gt, bool lt, bool incr)
        {
            if (nx && xx) throw new RedisDataException("ZADD: nx and xx are mutually exclusive.");
            if (gt && lt) throw new RedisDataException("ZADD: gt and lt are mutually exclusive.");
            if (nx && (gt || lt)) throw new RedisDataException("ZADD: nx cannot be combined with gt or lt.");
            var args = new List<object?> { "ZADD", key };
            if (nx) args.Add("NX");
            if (xx) args.Add("XX");
            if (gt) args.Add("GT");
            if (lt) args.Add("LT");
            if (ch) args.Add("CH");
            if (incr) args.Add("INCR");
            return args;
        }

        private static void AddScoreMember(List<object?> args, double score, object member)
        {
            if (double.IsNaN(score)) throw new RedisDataException("ZADD: a score cannot be NaN.");
            args.Add(score);
            args.Add(member ?? throw new RedisDataException("ZADD: a member cannot be null."));
        }

        /// <summary>ZINCRBY: adds <paramref name="amount"/> to the member's score (creating it at 0) and returns the new score.</summary>
        public double ZIncrBy(string key, double amount, object member)
        {
            if (double.IsNaN(amount)) throw new RedisDataException("ZINCRBY: the amount cannot be NaN.");
            return Run(new object?[] { "ZINCRBY", key, amount, member }, Reply.Double);
        }

        /// <summary>ZCARD: how many members the sorted set has (0 when the key does not exist).</summary>
        public long ZCard(string key) => Run(new object?[] { "ZCARD", key }, Reply.Integer);

        /// <summary>ZCOUNT: how many members have a score between <paramref name="min"/> and <paramref name="max"/> (e.g. "(1", "+inf").</summary>
        public long ZCount(string key, ScoreBound min, ScoreBound max) =>
            Run(new object?[] { "ZCOUNT", key, min.ToString(), max.ToString() }, Reply.Integer);

        /// <summary>ZLEXCOUNT: how many members lie between <paramref name="min"/> and <paramref name="max"/> ("[a", "(b", "-", "+").</summary>
        public long ZLexCount(string key, LexBound min, LexBound max) =>
            Run(new object?[] { "ZLEXCOUNT", key, min.ToString(), max.ToString() }, Reply.Integer);

        /// <summary>ZSCORE: the member's score, or null when the member or the key does not exist.</summary>
        public double? ZScore(string key, object member) =>
            Run(new object?[] { "ZSCORE", key, member }, Reply.NullableDouble);

        /// <summary>ZRANK: the member's 0-based position by ascending score, or null when it is not in the set.</summary>
        public long? ZRank(string key, object member) => Run(new object?[] { "ZRANK", key, member }, Reply.NullableInteger);

        /// <summary>ZREVRANK: the member's 0-based position by descending score, or null when it is not in the set.</summary>
        public long? ZRevRank(string key, object member) => Run(new object?[] { "ZREVRANK", key, member }, Reply.NullableInteger);

        /// <summary>ZREM: removes the members; returns how many were there.</summary>
        public long ZRem(string key, params object[] members)
        {
            if (members == null || members.Length == 0) throw new RedisDataException("ZREM needs at least one member.");
            var args = new object?[members.Length + 2];
            args[0] = "ZREM";
            args[1] = key;
            Array.Copy(members, 0, args, 2, members.Length);
            return Run(args, Reply.Integer);
        }

        /// <summary>ZREMRANGEBYLEX: removes the members between <paramref name="min"/> and <paramref name="max"/>; returns how many.</summary>
        public long ZRemRangeByLex(string key, LexBound min, LexBound max) =>
            Run(new object?[] { "ZREMRANGEBYLEX", key, min.ToString(), max.ToString() }, Reply.Integer);

        /// <summary>ZREMRANGEBYRANK: removes the members ranked <paramref name="start"/>..<paramref name="end"/> (inclusive, negative counts from the top); returns how many.</summary>
        public long ZRemRangeByRank(string key, long start, long end) =>
            Run(new object?[] { "ZREMRANGEBYRANK", key, start, end }, Reply.Integer);

        /// <summary>ZREMRANGEBYSCORE: removes the members scored between <paramref name="min"/> and <paramref name="max"/>; returns how many.</summary>
        public long ZRemRangeByScore(string key, ScoreBound min, ScoreBound max) =>
            Run(new object?[] { "ZREMRANGEBYSCORE", key, min.ToString(), max.ToString() }, Reply.Integer);

        /// <summary>
        /// ZRANGE: the members ranked <paramref name="start"/>..<paramref name="end"/> (inclusive; -1 is the last),
        /// lowest score first, or highest first with <paramref name="desc"/> (redis-py zrange).
        /// </summary>
        public IList<string> ZRange(string key, long start, long end, bool desc = false) =>
            Run(new object?[] { desc ? "ZREVRANGE" : "ZRANGE", key, start, end }, MemberList);

        /// <summary>ZRANGE ... WITHSCORES (redis-py zrange with withscores=True): members with their scores.</summary>
        public IList<SortedSetEntry> ZRangeWithScores(string key, long start, long end, bool desc = false) =>
            Run(new object?[] { desc ? "ZREVRANGE" : "ZRANGE", key, start, end, "WITHSCORES" }, SortedSetReplies.Entries);

        /// <summary>ZREVRANGE: the members ranked <paramref name="start"/>..<paramref name="end"/> counting from the highest score.</summary>
        public IList<string> ZRevRange(string key, long start, long end) => ZRange(key, start, end, desc: true);

        /// <summary>ZREVRANGE ... WITHSCORES: as <see cref="ZRevRange"/>, with scores.</summary>
        public IList<SortedSetEntry> ZRevRangeWithScores(string key, long start, long end) => ZRangeWithScores(key, start, end, desc: true);

        /// <summary>
        /// ZRANGEBYLEX: the members between <paramref name="min"/> and <paramref name="max"/> in lexicographical
        /// order (meaningful when all scores are equal); <paramref name="start"/>/<paramref name="num"/> take a slice (LIMIT).
        /// </summary>
        public IList<string> ZRangeByLex(string key, LexBound min, LexBound max, long? start = null, long? num = null) =>
            Run(RangeArgs("ZRANGEBYLEX", key, min.ToString(), max.ToString(), start, num, withScores: false), MemberList);

        /// <summary>ZREVRANGEBYLEX: as <see cref="ZRangeByLex"/> in reverse order; note the bounds come max first.</summary>
        public IList<string> ZRevRangeByLex(string key, LexBound max, LexBound min, long? start = null, long? num = null) =>
            Run(RangeArgs("ZREVRANGEBYLEX", key, max.ToString(), min.ToString(), start, num, withScores: false), MemberList);

        /// <summary>
        /// ZRANGEBYSCORE: the members scored between <paramref name="min"/> and <paramref name="max"/>, lowest first;
        /// bounds are numbers or text such as "-inf" and "(1.5"; <paramref name="start"/>/<paramref name="num"/> take a slice (LIMIT).
        /// </summary>
        public IList<string> ZRangeByScore(string key, ScoreBound min, ScoreBound max, long? start = null, long? num = null) =>
            Run(RangeArgs("ZRANGEBYSCORE", key, min.ToString(), max.ToString(), start, num, withScores: false), MemberList);

        /// <summary>ZRANGEBYSCORE ... WITHSCORES: as <see cref="ZRangeByScore"/>, with scores.</summary>
        public IList<SortedSetEntry> ZRangeByScoreWithScores(string key, ScoreBound min, ScoreBound max, long? start = null, long? num = null) =>
            Run(RangeArgs("ZRANGEBYSCORE", key, min.ToString(), max.ToString(), start, num, withScores: true), SortedSetReplies.Entries);

        /// <summary>ZREVRANGEBYSCORE: as <see cref="ZRangeByScore"/>, highest first; note the bounds come max first.</summary>
        public IList<string> ZRevRangeByScore(string key, ScoreBound max, ScoreBound min, long? start = null, long? num = null) =>
            Run(RangeArgs("ZREVRANGEBYSCORE", key, max.ToString(), min.ToString(), start, num, withScores: false), MemberList);

        /// <summary>ZREVRANGEBYSCORE ... WITHSCORES: as <see cref="ZRevRangeByScore"/>, with scores.</summary>
        public IList<SortedSetEntry> ZRevRangeByScoreWithScores(string key, ScoreBound max, ScoreBound min, long? start = null, long? num = null) =>
            Run(RangeArgs("ZREVRANGEBYSCORE", key, max.ToString(), min.ToString(), start, num, withScores: true), SortedSetReplies.Entries);

        private static List<object?> RangeArgs(string command, string key, string first, string second, long? start, long? num, bool withScores)
        {
            var args = new List<object?>(8) { command, key, first, second };
            if (withScores) args.Add("WITHSCORES");
            SortedSetReplies.AddLimit(args, start, num);
            return args;
        }

        /// <summary>ZPOPMIN: removes and returns up to <paramref name="count"/> (default 1) lowest-scored members; empty when the set is.</summary>
        public IList<SortedSetEntry> ZPopMin(string key, long? count = null) => Run(PopArgs("ZPOPMIN", key, count), SortedSetReplies.Entries);

        /// <summary>ZPOPMAX: removes and returns up to <paramref name="count"/> (default 1) highest-scored members; empty when the set is.</summary>
        public IList<SortedSetEntry> ZPopMax(string key, long? count = null) => Run(PopArgs("ZPOPMAX", key, count), SortedSetReplies.Entries);

        private static object?[] PopArgs(string command, string key, long? count)
        {
            if (!count.HasValue) return new object?[] { command, key };
            if (count.Value < 0) throw new RedisDataException(command + ": count cannot be negative.");
            return new object?[] { command, key, count.Value };
        }

        /// <summary>
        /// BZPOPMIN: pops the lowest-scored member of the first non-empty set among <paramref name="keys"/>, waiting
        /// up to <paramref name="timeout"/> (null or zero: forever, as redis-py's timeout=0) for one to appear.
        /// Returns null when the timeout passed.
        /// </summary>
        public SortedSetPopResult? BZPopMin(IEnumerable<string> keys, TimeSpan? timeout = null) => SortedSetBlockingPop("BZPOPMIN", keys, timeout);

        /// <summary>BZPOPMIN on a single key.</summary>
        public SortedSetPopResult? BZPopMin(string key, TimeSpan? timeout = null) => SortedSetBlockingPop("BZPOPMIN", new[] { key }, timeout);

        /// <summary>BZPOPMAX: as <see cref="BZPopMin(IEnumerable{string}, TimeSpan?)"/>, popping the highest-scored member.</summary>
        public SortedSetPopResult? BZPopMax(IEnumerable<string> keys, TimeSpan? timeout = null) => SortedSetBlockingPop("BZPOPMAX", keys, timeout);

        /// <summary>BZPOPMAX on a single key.</summary>
        public SortedSetPopResult? BZPopMax(string key, TimeSpan? timeout = null) => SortedSetBlockingPop("BZPOPMAX", new[] { key }, timeout);

        private SortedSetPopResult? SortedSetBlockingPop(string command, IEnumerable<string> keys, TimeSpan? timeout)
        {
            if (keys == null) throw new ArgumentNullException(nameof(keys));
            var args = new List<object?> { command };
            foreach (string key in keys) args.Add(key ?? throw new RedisDataException(command + ": a key is null."));
            if (args.Count == 1) throw new RedisDataException(command + " needs at least one key.");
            args.Add(Args.BlockTimeoutArgument(command, timeout));
            return Run(args, SortedSetReplies.BlockingPop, Args.BlockFor(timeout));
        }

        /// <summary>ZINTERSTORE: stores in <paramref name="destination"/> the members found in every one of <paramref name="keys"/>; returns its size.</summary>
        public long ZInterStore(string destination, IEnumerable<string> keys, Aggregate? aggregate = null) =>
            Run(StoreArgs("ZINTERSTORE", destination, keys, null, aggregate), Reply.Integer);

        /// <summary>ZINTERSTORE with a weight per key (each set's scores are multiplied by it before aggregating).</summary>
        public long ZInterStore(string destination, IEnumerable<KeyValuePair<string, double>> weights, Aggregate? aggregate = null) =>
            Run(WeightedStoreArgs("ZINTERSTORE", destination, weights, aggregate), Reply.Integer);

        /// <summary>ZUNIONSTORE: stores in <paramref name="destination"/> the members found in any of <paramref name="keys"/>; returns its size.</summary>
        public long ZUnionStore(string destination, IEnumerable<string> keys, Aggregate? aggregate = null) =>
            Run(StoreArgs("ZUNIONSTORE", destination, keys, null, aggregate), Reply.Integer);

        /// <summary>ZUNIONSTORE with a weight per key (each set's scores are multiplied by it before aggregating).</summary>
        public long ZUnionStore(string destination, IEnumerable<KeyValuePair<string, double>> weights, Aggregate? aggregate = null) =>
            Run(WeightedStoreArgs("ZUNIONSTORE", destination, weights, aggregate), Reply.Integer);

        private static List<object?> WeightedStoreArgs(string command, string destination, IEnumerable<KeyValuePair<string, double>> weights, Aggregate? aggregate)
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
            return StoreArgs(command, destination, keys, factors, aggregate);
        }

        private static List<object?> StoreArgs(string command, string destination, IEnumerable<string> keys, List<double>? weights, Aggregate? aggregate)
        {
            if (keys == null) throw new ArgumentNullException(nameof(keys));
            var args = new List<object?> { command, destination, 0 };
            foreach (string key in keys) args.Add(key ?? throw new RedisDataException(command + ": a key is null."));
            int count = args.Count - 3;
            if (count == 0) throw new RedisDataException(command + " needs at least one source key.");
            args[2] = count;
            if (weights != null)
            {
                args.Add("WEIGHTS");
                foreach (double weight in weights) args.Add(weight);
            }
            if (aggregate.HasValue)
            {
                args.Add("AGGREGATE");
                args.Add(AggregateWord(aggregate.Value));
            }
            return args;
        }

        private static string AggregateWord(Aggregate aggregate)
        {
            switch (aggregate)
            {
                case Aggregate.Sum: return "SUM";
                case Aggregate.Min: return "MIN";
                case Aggregate.Max: return "MAX";
                default: throw new RedisDataException("Unknown aggregate " + aggregate + ".");
            }
        }
    }
}
