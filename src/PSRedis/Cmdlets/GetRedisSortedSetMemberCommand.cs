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
                _min = Min == null ? ScoreBound.NegativeInfinity : ToScoreBound(Min);
                _max = Max == null ? ScoreBound.PositiveInfinity : ToScoreBound(Max);
                _minLex = MinLex == null ? LexBound.Min : LexBound.Parse(MinLex);
                _maxLex = MaxLex == null ? LexBound.Max : LexBound.Parse(MaxLex);
            }
            catch (RedisDataException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "PSRedis.InvalidRange", ErrorCategory.InvalidArgument, null));
            }
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string key = Key!;
            bool limit = MyInvocation.BoundParameters.ContainsKey(nameof(Offset)) || MyInvocation.BoundParameters.ContainsKey(nameof(Count));
            long? offset = limit ? Offset : (long?)null;
            long? count = limit ? (MyInvocation.BoundParameters.ContainsKey(nameof(Count)) ? Count : -1) : (long?)null;
            RedisCommands commands = CommandsFor(connection);
            bool batching = IsBatching(connection);
            try
            {
                switch (ParameterSetName)
                {
                    case ScoreSet:
                        WriteVerbose((Descending ? "ZREVRANGEBYSCORE " : "ZRANGEBYSCORE ") + key + " " + _min + " " + _max + Limit(offset, count) + " on " + connection.Url);
                        if (WithScores)
                        {
                            IList<SortedSetEntry> entries = Descending ? commands.ZRevRangeByScoreWithScores(key, _max, _min, offset, count)
                                : commands.ZRangeByScoreWithScores(key, _min, _max, offset, count);
                            if (!batching) Emit(entries, key, connection);
                        }
                        else
                        {
                            IList<string> members = Descending ? commands.ZRevRangeByScore(key, _max, _min, offset, count)
                                : commands.ZRangeByScore(key, _min, _max, offset, count);
                            if (!batching) Emit(members);
                        }
                        break;
                    case LexSet:
                        WriteVerbose((Descending ? "ZREVRANGEBYLEX " : "ZRANGEBYLEX ") + key + " " + _minLex + " " + _maxLex + Limit(offset, count) + " on " + connection.Url);
                        IList<string> lex = Descending ? commands.ZRevRangeByLex(key, _maxLex, _minLex, offset, count)
                            : commands.ZRangeByLex(key, _minLex, _maxLex, offset, count);
                        if (!batching) Emit(lex);
                        break;
                    default:
                        ByRank(commands, batching, key, connection);
                        break;
                }
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                WriteRedisError(e, connection, key);
            }
        }

        private void ByRank(RedisCommands commands, bool batching, string key, RedisConnection connection)
        {
            string command = Descending ? "ZREVRANGE " : "ZRANGE ";
            // Pages only where ranks can be counted forward without knowing the size: a start at 0 or above.
            if (batching || Start < 0 || (End < 0 && End != -1))
            {
                WriteVerbose(command + key + " " + Start.ToString(CultureInfo.InvariantCulture) + " " + End.ToString(CultureInfo.InvariantCulture) + " on " + connection.Url);
                if (WithScores)
                {
                    IList<SortedSetEntry> entries = commands.ZRangeWithScores(key, Start, End, Descending);
                    if (!batching) Emit(entries, key, connection);
                }
                else
                {
                    IList<string> members = commands.ZRange(key, Start, End, Descending);
                    if (!batching) Emit(members);
                }
                return;
            }
            long from = Start;
            while (End == -1 || from <= End)
            {
                long to = End == -1 ? from + PageSize - 1 : Math.Min(End, from + PageSize - 1);
                WriteVerbose(command + key + " " + from.ToString(CultureInfo.InvariantCulture) + " " + to.ToString(CultureInfo.InvariantCulture) + " on " + connection.Url);
                int got;
                if (WithScores)
                {
                    IList<SortedSetEntry> entries = commands.ZRangeWithScores(key, from, to, Descending);
                    Emit(entries, key, connection);
                    got = entries.Count;
                }
                else
                {
                    IList<string> members = commands.ZRange(key, from, to, Descending);
                    Emit(members);
                    got = members.Count;
                }
                if (got < to - from + 1) break;
                from = to + 1;
            }
        }

        private void Emit(IList<string> members)
        {
            foreach (string member in members) WriteObject(member);
        }

        private void Emit(IList<SortedSetEntry> entries, string key, RedisConnection connection)
        {
            foreach (SortedSetEntry entry in entries) WriteObject(new RedisSortedSetEntry(key, entry.Member, entry.Score, connection));
        }

        private static string Limit(long? offset, long? count) =>
            offset.HasValue ? " LIMIT " + offset.Value.ToString(CultureInfo.InvariantCulture) + " " + count!.Value.ToString(CultureInfo.InvariantCulture) : string.Empty;

        /// <summary>A number (inclusive) or Redis' text form ('-inf', '+inf', '1.5', '(1.5').</summary>
        internal static ScoreBound ToScoreBound(object input)
        {
            object value = input is PSObject ps ? ps.BaseObject : input;
            if (value is ScoreBound bound) return bound;
            if (value is string text) return ScoreBound.Parse(text);
            if (AddRedisSortedSetMemberCommand.TryScore(value, out double score)) return ScoreBound.Inclusive(score);
            throw new RedisDataException("'" + value + "' is not a score bound: give a number, or text such as '-inf', '+inf' or '(1.5'.");
        }
    }
}
