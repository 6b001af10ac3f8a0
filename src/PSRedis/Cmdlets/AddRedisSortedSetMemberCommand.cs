using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Add-RedisSortedSetMember: ZADD of one member and score, of a -Mapping (member -> score), or of many objects with
    /// Member and Score properties from the pipeline. Pipeline input is gathered into batches of up to 500 members,
    /// one ZADD per key per batch, all in one round trip. -Increment is ZADD INCR (one command per member) and emits
    /// the new score. -PassThru emits, once at the end, how many members were new.
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "RedisSortedSetMember", SupportsShouldProcess = true, DefaultParameterSetName = MemberSet)]
    [OutputType(typeof(long), typeof(double))]
    public sealed class AddRedisSortedSetMemberCommand : RedisCmdlet
    {
        internal const int BatchSize = 500;
        private const string MemberSet = "Member";
        private const string MappingSet = "Mapping";

        private readonly List<Item> _batch = new List<Item>(BatchSize);
        private RedisConnection? _batchConnection;
        private RedisConnection? _lastConnection;
        private long _added;

        /// <summary>The sorted set. Binds by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>The member: a string or a number (stored in invariant culture). Binds by property name.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = MemberSet)]
        [AllowEmptyString]
        public object? Member { get; set; }

        /// <summary>The member's score (with -Increment: the amount to add). Binds by property name.</summary>
        [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true, ParameterSetName = MemberSet)]
        public double Score { get; set; }

        /// <summary>Many members at once: member -> score.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = MappingSet)]
        [ValidateNotNull]
        public IDictionary? Mapping { get; set; }

        /// <summary>Only add new members, never update a score (NX).</summary>
        [Parameter]
        public SwitchParameter NotExists { get; set; }

        /// <summary>Only update members that exist, never add (XX).</summary>
        [Parameter]
        public SwitchParameter Exists { get; set; }

        /// <summary>Only update a score when the new one is greater (GT); new members are still added.</summary>
        [Parameter]
        public SwitchParameter GreaterThan { get; set; }

        /// <summary>Only update a score when the new one is less (LT); new members are still added.</summary>
        [Parameter]
        public SwitchParameter LessThan { get; set; }

        /// <summary>Add -Score to the member's score (ZADD INCR) and emit the new score ($null when a condition stopped it).</summary>
        [Parameter]
        public SwitchParameter Increment { get; set; }

        /// <summary>Emit, at the end, how many members were added (not counting updated ones).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            string? conflict = NotExists && Exists ? "-NotExists and -Exists cannot be used together."
                : GreaterThan && LessThan ? "-GreaterThan and -LessThan cannot be used together."
                : NotExists && (GreaterThan || LessThan) ? "-NotExists cannot be combined with -GreaterThan or -LessThan."
                : null;
            if (conflict != null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(conflict), ErrorIds.ConflictingOptions, ErrorCategory.InvalidArgument, null));
            }
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            _lastConnection = connection;
            string key = Key!;
            var items = new List<Item>();
            if (ParameterSetName == MappingSet)
            {
                foreach (DictionaryEntry pair in Mapping!)
                {
                    string? member = RedisValues.ToMember(pair.Key, out string? problem);
                    if (member == null) { WriteMemberError(problem!, key); continue; }
                    if (!RedisValues.TryScore(pair.Value, out double score))
                    {
                        WriteError(new ErrorRecord(new ArgumentException("The score of member '" + member + "' is not a number: '" + pair.Value + "'."),
                            ErrorIds.InvalidScore, ErrorCategory.InvalidArgument, key));
                        continue;
                    }
                    items.Add(new Item(key, member, score));
                }
            }
            else
            {
                string? member = RedisValues.ToMember(Member, out string? problem);
                if (member == null) { WriteMemberError(problem!, key); return; }
                items.Add(new Item(key, member, Score));
            }
            if (items.Count == 0) return;
            string what = items.Count == 1 ? "member '" + items[0].Member + "'" : items.Count.ToString(CultureInfo.InvariantCulture) + " members";
            if (!ShouldProcess(key + " on " + connection.Name, (Increment ? "Increment the score of " : "Add or update ") + what)) return;

            if (_batchConnection != null && !ReferenceEquals(_batchConnection, connection)) Flush();
            _batchConnection = connection;
            foreach (Item item in items)
            {
                _batch.Add(item);
                if (_batch.Count >= BatchSize) Flush();
            }
        }

        protected override void EndProcessing()
        {
            Flush();
            if (PassThru && !Increment)
            {
                if (_lastConnection != null) Commands.Then(_lastConnection, output => output.WriteObject(_added));
                else WriteObject(_added);
            }
            base.EndProcessing();
        }

        private void Flush()
        {
            if (_batch.Count == 0 || _batchConnection == null) return;
            RedisConnection connection = _batchConnection;
            Item[] items = _batch.ToArray();
            _batch.Clear();
            if (Increment) FlushIncrements(connection, items);
            else FlushAdds(connection, items);
        }

        private void FlushAdds(RedisConnection connection, Item[] items)
        {
            // One ZADD per key, members in the order they came.
            var keys = new List<string>();
            var byKey = new Dictionary<string, List<KeyValuePair<string, double>>>(StringComparer.Ordinal);
            foreach (Item item in items)
            {
                if (!byKey.TryGetValue(item.Key, out List<KeyValuePair<string, double>>? list))
                {
                    byKey[item.Key] = list = new List<KeyValuePair<string, double>>();
                    keys.Add(item.Key);
                }
                list.Add(new KeyValuePair<string, double>(item.Member, item.Score));
            }
            WriteVerbose("ZADD" + Options() + " of " + items.Length.ToString(CultureInfo.InvariantCulture) + " member(s) in "
                + keys.Count.ToString(CultureInfo.InvariantCulture) + " key(s) on " + connection.Url);
            foreach (string key in keys)
            {
                List<KeyValuePair<string, double>> members = byKey[key];
                Commands.Add(connection, c => c.ZAdd(key, members, nx: NotExists, xx: Exists, gt: GreaterThan, lt: LessThan), key,
                    (added, output) => _added += added);
            }
        }

        private static readonly Action<double?, Cmdlet> s_score = (score, output) => output.WriteObject(score);

        private void FlushIncrements(RedisConnection connection, Item[] items)
        {
            WriteVerbose(items.Length.ToString(CultureInfo.InvariantCulture) + " ZADD" + Options() + " INCR on " + connection.Url);
            foreach (Item item in items)
            {
                Commands.Add(connection, c => c.ZAddIncr(item.Key, item.Member, item.Score, nx: NotExists, xx: Exists, gt: GreaterThan, lt: LessThan),
                    item.Key, s_score);
            }
        }

        private string Options() =>
            (NotExists ? " NX" : string.Empty) + (Exists ? " XX" : string.Empty) + (GreaterThan ? " GT" : string.Empty) + (LessThan ? " LT" : string.Empty);

        private void WriteMemberError(string problem, string key) =>
            WriteError(new ErrorRecord(new ArgumentException(problem), ErrorIds.UnsupportedMember, ErrorCategory.InvalidArgument, key));

        private readonly struct Item
        {
            public Item(string key, string member, double score)
            {
                Key = key;
                Member = member;
                Score = score;
            }

            public string Key { get; }
            public string Member { get; }
            public double Score { get; }
        }
    }
}
