using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisSortedSetMember: members of a sorted set by rank (ZRANGE/ZREVRANGE; the default, all members), by
    /// score (ZRANGEBYSCORE/ZREVRANGEBYSCORE) or lexicographically (ZRANGEBYLEX/ZREVRANGEBYLEX). Members are emitted
    /// as strings, or with -WithScores as objects with Key, Member and Score. Keys come by value or by property name.
    /// A rank range from a non-negative start is read in pages of 1000, so a big set streams in constant memory.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisSortedSetMember", DefaultParameterSetName = RankSet)]
    [OutputType(typeof(string), typeof(RedisSortedSetEntry))]
    public sealed class GetRedisSortedSetMemberCommand : RedisCmdlet
    {
        internal const int PageSize = 1000;
        private const string RankSet = "ByRank";
        private const string ScoreSet = "ByScore";
        private const string LexSet = "ByLex";

        private ScoreBound _min;
        private ScoreBound _max;
        private LexBound _minLex;
        private LexBound _maxLex;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>First rank (0 is the lowest score; negative counts from the top).</summary>
        [Parameter(ParameterSetName = RankSet)]
        public long Start { get; set; }

        /// <summary>Last rank, inclusive (-1 is the highest score).</summary>
        [Parameter(ParameterSetName = RankSet)]
        public long End { get; set; } = -1;

        /// <summary>Lowest score: a number, or text such as '-inf' or '(1.5' (exclusive). Default -inf.</summary>
        [Parameter(ParameterSetName = ScoreSet)]
        [ValidateNotNull]
        public object? Min { get; set; }

        /// <summary>Highest score: a number, or text such as '+inf' or '(10' (exclusive). Default +inf.</summary>
        [Parameter(ParameterSetName = ScoreSet)]
        [ValidateNotNull]
        public object? Max { get; set; }

        /// <summary>Lowest member: '[a' (inclusive), '(a' (exclusive) or '-'. Default '-'.</summary>
        [Parameter(ParameterSetName = LexSet)]
        [ValidateNotNullOrEmpty]
        public string? MinLex { get; set; }

        /// <summary>Highest member: '[z' (inclusive), '(z' (exclusive) or '+'. Default '+'.</summary>
        [Parameter(ParameterSetName = LexSet)]
        [ValidateNotNullOrEmpty]
        public string? MaxLex { get; set; }

        /// <summary>Highest score (or last member) first.</summary>
        [Parameter]
        public SwitchParameter Descending { get; set; }

        /// <summary>Emit objects with Key, Member and Score instead of member strings.</summary>
        [Parameter(ParameterSetName = RankSet)]
        [Parameter(ParameterSetName = ScoreSet)]
        public SwitchParameter WithScores { get; set; }

        /// <summary>Skip this many matching members first (LIMIT offset).</summary>
        [Parameter(ParameterSetName = ScoreSet)]
        [Parameter(ParameterSetName = LexSet)]
        [ValidateRange(0, long.MaxValue)]
        public long Offset { get; set; }

        /// <summary>Return at most this many members (LIMIT count).</summary>
        [Parameter(ParameterSetName = ScoreSet)]
        [Parameter(ParameterSetName = LexSet)]
        [ValidateRange(1, long.MaxValue)]
        public long Count { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                _min = Min == null ? ScoreBound.NegativeInfinity : RedisValues.ToScoreBound(Min);
                _max = Max == null ? ScoreBound.PositiveInfinity : RedisValues.ToScoreBound(Max);
                _minLex = MinLex == null ? LexBound.Min : LexBound.Parse(MinLex);
                _maxLex = MaxLex == null ? LexBound.Max : LexBound.Parse(MaxLex);
            }
            catch (RedisDataException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidRange, ErrorCategory.InvalidArgument, null));
            }
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string key = Key!;
            bool limit = MyInvocation.BoundParameters.ContainsKey(nameof(Offset)) || MyInvocation.BoundParameters.ContainsKey(nameof(Count));
            long? offset = limit ? Offset : (long?)null;
            long? count = limit ? (MyInvocation.BoundParameters.ContainsKey(nameof(Count)) ? Count : -1) : (long?)null;
            Action<IList<string>, Cmdlet> members = (list, output) => { foreach (string member in list) output.WriteObject(member); };
            Action<IList<SortedSetEntry>, Cmdlet> entries = (list, output) => { foreach (SortedSetEntry entry in list) WriteEntry(key, entry, connection, output); };
            ScoreBound min = _min, max = _max;
            LexBound minLex = _minLex, maxLex = _maxLex;
            switch (ParameterSetName)
            {
                case ScoreSet:
                    WriteVerbose((Descending ? "ZREVRANGEBYSCORE " : "ZRANGEBYSCORE ") + key + " " + min + " " + max + Limit(offset, count) + " on " + connection.Url);
                    if (WithScores)
                    {
                        if (Descending) Commands.Add(connection, c => c.ZRevRangeByScoreWithScores(key, max, min, offset, count), key, entries);
                        else Commands.Add(connection, c => c.ZRangeByScoreWithScores(key, min, max, offset, count), key, entries);
                    }
                    else if (Descending) Commands.Add(connection, c => c.ZRevRangeByScore(key, max, min, offset, count), key, members);
                    else Commands.Add(connection, c => c.ZRangeByScore(key, min, max, offset, count), key, members);
                    break;
                case LexSet:
                    WriteVerbose((Descending ? "ZREVRANGEBYLEX " : "ZRANGEBYLEX ") + key + " " + minLex + " " + maxLex + Limit(offset, count) + " on " + connection.Url);
                    if (Descending) Commands.Add(connection, c => c.ZRevRangeByLex(key, maxLex, minLex, offset, count), key, members);
                    else Commands.Add(connection, c => c.ZRangeByLex(key, minLex, maxLex, offset, count), key, members);
                    break;
                default:
                    ByRank(connection, key);
                    break;
            }
        }

        /// <summary>By rank: paged on the client where it can be (see RedisClient.ZRangeIter), one ZRANGE in a batch block.</summary>
        private void ByRank(RedisConnection connection, string key)
        {
            long start = Start, end = End;
            bool descending = Descending;
            int page = PageSize;
            WriteVerbose((descending ? "ZREVRANGE " : "ZRANGE ") + key + " " + start.ToString(CultureInfo.InvariantCulture) + " "
                + end.ToString(CultureInfo.InvariantCulture) + " in pages of " + page.ToString(CultureInfo.InvariantCulture) + " on " + connection.Url);
            if (WithScores)
            {
                Commands.Read(connection, client => client.ZRangeWithScoresIter(key, start, end, descending, page),
                    c => c.ZRangeWithScores(key, start, end, descending), all => all, key,
                    (SortedSetEntry entry, Cmdlet output) => WriteEntry(key, entry, connection, output));
                return;
            }
            Commands.Read(connection, client => client.ZRangeIter(key, start, end, descending, page),
                c => c.ZRange(key, start, end, descending), all => all, key, (string member, Cmdlet output) => output.WriteObject(member));
        }

        private static void WriteEntry(string key, SortedSetEntry entry, RedisConnection connection, Cmdlet output) =>
            output.WriteObject(new RedisSortedSetEntry(key, entry.Member, entry.Score, connection));

        private static string Limit(long? offset, long? count) =>
            offset.HasValue ? " LIMIT " + offset.Value.ToString(CultureInfo.InvariantCulture) + " " + count!.Value.ToString(CultureInfo.InvariantCulture) : string.Empty;
    }
}
