using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Remove-RedisSortedSetMember: ZREM of members (given, or from the pipeline: strings by value, or objects with
    /// Key and Member such as Get-RedisSortedSetMember -WithScores output), gathered into one ZREM per key per batch
    /// of up to 500; or ZREMRANGEBYRANK (-RankStart/-RankEnd) and ZREMRANGEBYSCORE (-MinScore/-MaxScore).
    /// -PassThru emits, once at the end, how many members were removed.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "RedisSortedSetMember", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = MemberSet)]
    [OutputType(typeof(long))]
    public sealed class RemoveRedisSortedSetMemberCommand : RedisCmdlet
    {
        internal const int BatchSize = 500;
        private const string MemberSet = "ByMember";
        private const string RankSet = "ByRank";
        private const string ScoreSet = "ByScore";

        private readonly List<KeyValuePair<string, object>> _batch = new List<KeyValuePair<string, object>>(BatchSize);
        private RedisConnection? _batchConnection;
        private long _removed;
        private RedisConnection? _lastConnection;

        /// <summary>The sorted set. Binds by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>Members to remove: strings or numbers; from the pipeline by value or by property name.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = MemberSet)]
        [ValidateNotNull]
        [AllowEmptyString]
        public object[]? Member { get; set; }

        /// <summary>First rank to remove (0 is the lowest score; negative counts from the top).</summary>
        [Parameter(Mandatory = true, ParameterSetName = RankSet)]
        public long RankStart { get; set; }

        /// <summary>Last rank to remove, inclusive (-1 is the highest score).</summary>
        [Parameter(Mandatory = true, ParameterSetName = RankSet)]
        public long RankEnd { get; set; }

        /// <summary>Lowest score to remove: a number, or text such as '-inf' or '(1.5' (exclusive).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ScoreSet)]
        [ValidateNotNull]
        public object? MinScore { get; set; }

        /// <summary>Highest score to remove: a number, or text such as '+inf' or '(10' (exclusive).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ScoreSet)]
        [ValidateNotNull]
        public object? MaxScore { get; set; }

        /// <summary>Emit, at the end, how many members were removed.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            _lastConnection = connection;
            string key = Key!;
            if (ParameterSetName == MemberSet)
            {
                var members = new List<object>();
                foreach (object? input in Member!)
                {
                    object? member = RedisValues.ToValue(MemberOf(input), "A sorted-set member", out string? problem);
                    if (member != null && !(member is string) && !(member is byte[])) member = RedisValues.ToMember(member, out problem);
                    if (member == null)
                    {
                        WriteError(new ErrorRecord(new ArgumentException(problem), ErrorIds.UnsupportedMember, ErrorCategory.InvalidArgument, key));
                        continue;
                    }
                    members.Add(member);
                }
                if (members.Count == 0) return;
                string what = members.Count == 1 ? "member '" + Describe(members[0]) + "'" : members.Count.ToString(CultureInfo.InvariantCulture) + " members";
                if (!ShouldProcess(key + " on " + connection.Name, "Remove " + what)) return;
                if (_batchConnection != null && !ReferenceEquals(_batchConnection, connection)) Flush();
                _batchConnection = connection;
                _lastConnection = connection;
                foreach (object member in members)
                {
                    _batch.Add(new KeyValuePair<string, object>(key, member));
                    if (_batch.Count >= BatchSize) Flush();
                }
                return;
            }

            ScoreBound min = default, max = default;
            string range;
            if (ParameterSetName == ScoreSet)
            {
                try
                {
                    min = RedisValues.ToScoreBound(MinScore!);
                    max = RedisValues.ToScoreBound(MaxScore!);
                }
                catch (RedisDataException e)
                {
                    WriteError(new ErrorRecord(e, ErrorIds.InvalidRange, ErrorCategory.InvalidArgument, key));
                    return;
                }
                range = "members scored " + min + " to " + max;
            }
            else
            {
                range = "members ranked " + RankStart.ToString(CultureInfo.InvariantCulture) + " to " + RankEnd.ToString(CultureInfo.InvariantCulture);
            }
            if (!ShouldProcess(key + " on " + connection.Name, "Remove " + range)) return;
            Flush();
            WriteVerbose((ParameterSetName == ScoreSet ? "ZREMRANGEBYSCORE " : "ZREMRANGEBYRANK ") + key + " (" + range + ") on " + connection.Url);
            _lastConnection = connection;
            long rankStart = RankStart, rankEnd = RankEnd;
            if (ParameterSetName == ScoreSet) Commands.Add(connection, c => c.ZRemRangeByScore(key, min, max), key, AddRemoved);
            else Commands.Add(connection, c => c.ZRemRangeByRank(key, rankStart, rankEnd), key, AddRemoved);
        }

        private void AddRemoved(long removed, Cmdlet output) => _removed += removed;

        protected override void EndProcessing()
        {
            Flush();
            RedisConnection? connection = _lastConnection ?? _batchConnection;
            if (PassThru)
            {
                if (connection != null) Commands.Then(connection, output => output.WriteObject(_removed));
                else WriteObject(_removed);
            }
            base.EndProcessing();
        }

        private void Flush()
        {
            if (_batch.Count == 0 || _batchConnection == null) return;
            RedisConnection connection = _batchConnection;
            var keys = new List<string>();
            var byKey = new Dictionary<string, List<object>>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, object> pair in _batch)
            {
                if (!byKey.TryGetValue(pair.Key, out List<object>? list))
                {
                    byKey[pair.Key] = list = new List<object>();
                    keys.Add(pair.Key);
                }
                list.Add(pair.Value);
            }
            int total = _batch.Count;
            _batch.Clear();
            WriteVerbose("ZREM of " + total.ToString(CultureInfo.InvariantCulture) + " member(s) in " + keys.Count.ToString(CultureInfo.InvariantCulture) + " key(s) on " + connection.Url);
            foreach (string key in keys)
            {
                object[] members = byKey[key].ToArray();
                Commands.Add(connection, c => c.ZRem(key, members), key, AddRemoved);
            }
        }

        /// <summary>
        /// An object piped in binds to -Member by value before its properties are looked at, so an object that carries a
        /// Member property (Get-RedisSortedSetMember -WithScores output, [pscustomobject]@{ Key; Member }) gives that.
        /// </summary>
        private static object? MemberOf(object? input)
        {
            object? value = input is PSObject ps ? ps.BaseObject : input;
            if (value == null || value is string || value is byte[] || value is ValueType) return input;
            if (value is RedisSortedSetEntry entry) return entry.Member;
            if (value is SortedSetEntry protocolEntry) return protocolEntry.Member;
            PSPropertyInfo? property = PSObject.AsPSObject(input).Properties["Member"];
            return property != null && property.IsGettable ? property.Value : input;
        }

        private static string Describe(object member) => member is byte[] bytes ? "<" + bytes.Length.ToString(CultureInfo.InvariantCulture) + " bytes>" : (string)member;
    }
}
