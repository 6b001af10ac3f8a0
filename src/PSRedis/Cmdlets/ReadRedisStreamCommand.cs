using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Read-RedisStream: entries of streams as objects (Key, Id, Fields). Three ways to read:
    /// Range (the default): XRANGE/XREVRANGE from -Start to -End, streamed in pages of 1000;
    /// Read (-After and/or -Block): XREAD of the entries after an id, optionally waiting for new ones;
    /// Group (-Group/-Consumer): XREADGROUP of new entries ('>') or, with -Pending, the consumer's pending ones.
    /// </summary>
    [Cmdlet(VerbsCommunications.Read, "RedisStream", DefaultParameterSetName = RangeSet)]
    [OutputType(typeof(RedisStreamEntry))]
    public sealed class ReadRedisStreamCommand : RedisCmdlet
    {
        internal const int PageSize = 1000;
        private const string RangeSet = "Range";
        private const string ReadSet = "Read";
        private const string GroupSet = "Group";

        /// <summary>The streams. By value or by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>First id of the range ('-': the oldest; '(id': exclusive).</summary>
        [Parameter(ParameterSetName = RangeSet)]
        [ValidateNotNullOrEmpty]
        public string Start { get; set; } = "-";

        /// <summary>Last id of the range ('+': the newest; '(id': exclusive).</summary>
        [Parameter(ParameterSetName = RangeSet)]
        [ValidateNotNullOrEmpty]
        public string End { get; set; } = "+";

        /// <summary>Newest first (XREVRANGE).</summary>
        [Parameter(ParameterSetName = RangeSet)]
        public SwitchParameter Descending { get; set; }

        /// <summary>
        /// Read the entries after this id (one for all streams, or one per stream). Default: '0' (everything) without
        /// -Block, '$' (only entries added from now on) with -Block.
        /// </summary>
        [Parameter(ParameterSetName = ReadSet)]
        [ValidateNotNullOrEmpty]
        public string[]? After { get; set; }

        /// <summary>The consumer group (XREADGROUP).</summary>
        [Parameter(Mandatory = true, ParameterSetName = GroupSet)]
        [ValidateNotNullOrEmpty]
        public string? Group { get; set; }

        /// <summary>The consumer name within the group.</summary>
        [Parameter(Mandatory = true, ParameterSetName = GroupSet)]
        [ValidateNotNullOrEmpty]
        public string? Consumer { get; set; }

        /// <summary>Re-read this consumer's pending (delivered, not yet confirmed) entries instead of new ones.</summary>
        [Parameter(ParameterSetName = GroupSet)]
        public SwitchParameter Pending { get; set; }

        /// <summary>Do not add the entries to the pending list (they need no Confirm-RedisStreamEntry).</summary>
        [Parameter(ParameterSetName = GroupSet)]
        public SwitchParameter NoAck { get; set; }

        /// <summary>Create the group (from the start of the stream, creating the stream too) when it does not exist.</summary>
        [Parameter(ParameterSetName = GroupSet)]
        public SwitchParameter CreateGroup { get; set; }

        /// <summary>Wait up to this long (seconds or a TimeSpan; 0: forever) for entries; nothing is emitted when none came.</summary>
        [Parameter(ParameterSetName = ReadSet)]
        [Parameter(ParameterSetName = GroupSet)]
        [SecondsTransformation]
        public TimeSpan? Block { get; set; }

        /// <summary>At most this many entries (per stream for reads; in all for a range).</summary>
        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long Count { get; set; }

        private long? CountOrNull => MyInvocation.BoundParameters.ContainsKey(nameof(Count)) ? Count : (long?)null;

        protected override void BeginProcessing()
        {
            if (Block.HasValue && Block.Value < TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Block), "-Block must not be negative (0 waits forever)."),
                    "PSRedis.InvalidBlock", ErrorCategory.InvalidArgument, null));
            }
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            switch (ParameterSetName)
            {
                case ReadSet: ReadAfter(connection); break;
                case GroupSet: ReadGroup(connection); break;
                default:
                    foreach (string key in Key!) ReadRange(connection, key);
                    break;
            }
        }

        private void ReadRange(RedisConnection connection, string key)
        {
            RedisCommands commands = CommandsFor(connection);
            long? limit = CountOrNull;
            try
            {
                if (IsBatching(connection))
                {
                    if (Descending) commands.XRevRange(key, End, Start, limit);
                    else commands.XRange(key, Start, End, limit);
                    return;
                }
                // Pages of PageSize, each starting after the last id seen ('(' needs Redis 6.2).
                string from = Descending ? End : Start;
                string to = Descending ? Start : End;
                long emitted = 0;
                while (true)
                {
                    long page = limit.HasValue ? Math.Min(PageSize, limit.Value - emitted) : PageSize;
                    WriteVerbose((Descending ? "XREVRANGE " : "XRANGE ") + key + " " + from + " " + to + " COUNT " + page.ToString(CultureInfo.InvariantCulture) + " on " + connection.Url);
                    IList<StreamEntry> entries = Descending ? commands.XRevRange(key, from, to, page) : commands.XRange(key, from, to, page);
                    foreach (StreamEntry entry in entries) WriteObject(RedisStreamEntry.From(key, entry, null, null, connection));
                    emitted += entries.Count;
                    if (entries.Count < page || (limit.HasValue && emitted >= limit.Value)) break;
                    from = "(" + entries[entries.Count - 1].Id;
                }
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                WriteRedisError(e, connection, key);
            }
        }

        private void ReadAfter(RedisConnection connection)
        {
            string[] keys = Key!;
            string[]? ids = After;
            if (ids != null && ids.Length != 1 && ids.Length != keys.Length)
            {
                WriteError(new ErrorRecord(new ArgumentException("-After takes one id for all streams or one per stream ("
                    + keys.Length.ToString(CultureInfo.InvariantCulture) + ")."), "PSRedis.AfterCount", ErrorCategory.InvalidArgument, Target(keys)));
                return;
            }
            var streams = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < keys.Length; i++)
            {
                streams[keys[i]] = ids == null ? (Block.HasValue ? "$" : "0") : ids.Length == 1 ? ids[0] : ids[i];
            }
            WriteVerbose("XREAD" + CountBlock() + " STREAMS " + string.Join(" ", keys) + " " + string.Join(" ", streams.Values) + " on " + connection.Url);
            try
            {
                RedisCommands commands = CommandsFor(connection);
                IDictionary<string, IList<StreamEntry>> result;
                if (Block.HasValue && !IsBatching(connection))
                {
                    // Waiting in slices (so Ctrl+C is noticed) repeats the XREAD: '$' must become the id it stands for
                    // now, or an entry added between two slices would be skipped.
                    foreach (string key in keys)
                    {
                        if (streams[key] == "$") streams[key] = LastId(commands, key);
                    }
                    result = new Dictionary<string, IList<StreamEntry>>();
                    WaitInSlices(Block.Value, wait => (result = commands.XRead(streams, CountOrNull, wait)).Count > 0);
                }
                else
                {
                    result = commands.XRead(streams, CountOrNull, Block);
                }
                if (!IsBatching(connection)) Emit(result, keys, null, null, connection);
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                WriteRedisError(e, connection, Target(keys));
            }
        }

        private void ReadGroup(RedisConnection connection)
        {
            string[] keys = Key!;
            string id = Pending ? "0" : ">";
            var streams = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string key in keys) streams[key] = id;
            WriteVerbose("XREADGROUP GROUP " + Group + " " + Consumer + CountBlock() + (NoAck ? " NOACK" : string.Empty) + " STREAMS "
                + string.Join(" ", keys) + " " + string.Join(" ", streams.Values) + " on " + connection.Url);
            RedisCommands commands = CommandsFor(connection);
            bool batching = IsBatching(connection);
            try
            {
                IDictionary<string, IList<StreamEntry>> result;
                try
                {
                    result = ReadGroupOnce(commands, streams, batching);
                }
                catch (RedisResponseException e) when (CreateGroup && !batching && e.ErrorCode == "NOGROUP")
                {
                    foreach (string key in keys) EnsureGroup(connection, key);
                    result = ReadGroupOnce(commands, streams, batching);
                }
                if (!batching) Emit(result, keys, Group, Consumer, connection);
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                WriteRedisError(e, connection, Target(keys));
            }
        }

        /// <summary>
        /// XREADGROUP; a blocking read of new entries ('&gt;') waits in slices so Ctrl+C is noticed (a slice that returns
        /// nothing has delivered nothing). Pending entries ('0') never block, and in a batch the command is only queued.
        /// </summary>
        private IDictionary<string, IList<StreamEntry>> ReadGroupOnce(RedisCommands commands, Dictionary<string, string> streams, bool batching)
        {
            if (!Block.HasValue || batching || Pending) return commands.XReadGroup(Group!, Consumer!, streams, CountOrNull, Block, NoAck);
            IDictionary<string, IList<StreamEntry>> result = new Dictionary<string, IList<StreamEntry>>();
            WaitInSlices(Block.Value, wait => (result = commands.XReadGroup(Group!, Consumer!, streams, CountOrNull, wait, NoAck)).Count > 0);
            return result;
        }

        /// <summary>The id '$' stands for at this moment: the stream's newest entry, or 0-0 for an empty or missing stream.</summary>
        private static string LastId(RedisCommands commands, string key)
        {
            IList<StreamEntry> newest = commands.XRevRange(key, "+", "-", 1);
            return newest.Count > 0 ? newest[0].Id : "0-0";
        }

        /// <summary>XGROUP CREATE key group 0 MKSTREAM; a group that exists already (BUSYGROUP) is what we wanted.</summary>
        private void EnsureGroup(RedisConnection connection, string key)
        {
            WriteVerbose("XGROUP CREATE " + key + " " + Group + " 0 MKSTREAM on " + connection.Url);
            try
            {
                connection.Client.XGroupCreate(key, Group!, "0", mkStream: true);
            }
            catch (RedisResponseException e) when (e.ErrorCode == "BUSYGROUP")
            {
                WriteVerbose("Group " + Group + " already exists on " + key + ".");
            }
        }

        private void Emit(IDictionary<string, IList<StreamEntry>> result, string[] keys, string? group, string? consumer, RedisConnection connection)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string key in keys)
            {
                if (!seen.Add(key) || !result.TryGetValue(key, out IList<StreamEntry>? entries)) continue;
                foreach (StreamEntry entry in entries) WriteObject(RedisStreamEntry.From(key, entry, group, consumer, connection));
            }
        }

        private string CountBlock()
        {
            string text = CountOrNull.HasValue ? " COUNT " + Count.ToString(CultureInfo.InvariantCulture) : string.Empty;
            if (Block.HasValue) text += " BLOCK " + ((long)Block.Value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            return text;
        }

        private static string Target(string[] keys) => keys.Length == 1 ? keys[0] : string.Join(", ", keys);
    }
}
