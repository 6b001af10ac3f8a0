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
                    ErrorIds.InvalidBlock, ErrorCategory.InvalidArgument, null));
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
            long? limit = CountOrNull;
            string start = Start, end = End;
            bool descending = Descending;
            int page = PageSize;
            WriteVerbose((descending ? "XREVRANGE " : "XRANGE ") + key + " " + (descending ? end + " " + start : start + " " + end)
                + (limit.HasValue ? " COUNT " + limit.Value.ToString(CultureInfo.InvariantCulture) : string.Empty)
                + " in pages of " + page.ToString(CultureInfo.InvariantCulture) + " on " + connection.Url);
            Commands.Read(connection, client => client.XRangeIter(key, start, end, limit, page, descending),
                c => descending ? c.XRevRange(key, end, start, limit) : c.XRange(key, start, end, limit), all => all, key,
                (StreamEntry entry, Cmdlet output) => output.WriteObject(RedisStreamEntry.From(key, entry, null, null, connection)));
        }

        private void ReadAfter(RedisConnection connection)
        {
            string[] keys = Key!;
            string[]? ids = After;
            if (ids != null && ids.Length != 1 && ids.Length != keys.Length)
            {
                WriteError(new ErrorRecord(new ArgumentException("-After takes one id for all streams or one per stream ("
                    + keys.Length.ToString(CultureInfo.InvariantCulture) + ")."), ErrorIds.AfterCount, ErrorCategory.InvalidArgument, Target(keys)));
                return;
            }
            var streams = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < keys.Length; i++)
            {
                streams[keys[i]] = ids == null ? (Block.HasValue ? "$" : "0") : ids.Length == 1 ? ids[0] : ids[i];
            }
            WriteVerbose("XREAD" + CountBlock() + " STREAMS " + string.Join(" ", keys) + " " + string.Join(" ", streams.Values) + " on " + connection.Url);
            long? count = CountOrNull;
            Action<IDictionary<string, IList<StreamEntry>>, Cmdlet> emit = (result, output) => Emit(result, keys, null, null, connection, output);
            if (!Block.HasValue)
            {
                Commands.Add(connection, c => c.XRead(streams, count, null), Target(keys), emit);
                return;
            }
            // Waiting in slices repeats the XREAD: '$' must first become the id it stands for now, or an entry added
            // between two slices would be skipped.
            Commands.Wait(connection, Block.Value, wait => c => c.XRead(streams, count, wait), result => result.Count > 0, Target(keys), emit,
                beforeSlices: client =>
                {
                    foreach (string key in keys)
                    {
                        if (streams[key] == "$") streams[key] = LastId(client, key);
                    }
                });
        }

        private void ReadGroup(RedisConnection connection)
        {
            string[] keys = Key!;
            string group = Group!, consumer = Consumer!;
            string id = Pending ? "0" : ">";
            var streams = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string key in keys) streams[key] = id;
            if (CreateGroup)
            {
                foreach (string key in keys)
                {
                    WriteVerbose("XGROUP CREATE " + key + " " + group + " 0 MKSTREAM on " + connection.Url);
                    Commands.Add(connection, c => c.XGroupCreate(key, group, "0", mkStream: true), key, null, GroupExists);
                }
            }
            WriteVerbose("XREADGROUP GROUP " + group + " " + consumer + CountBlock() + (NoAck ? " NOACK" : string.Empty) + " STREAMS "
                + string.Join(" ", keys) + " " + string.Join(" ", streams.Values) + " on " + connection.Url);
            long? count = CountOrNull;
            bool noAck = NoAck;
            Action<IDictionary<string, IList<StreamEntry>>, Cmdlet> emit = (result, output) => Emit(result, keys, group, consumer, connection, output);
            // Pending entries ('0') never block; new ones ('>') wait in slices (a slice that returns nothing delivered nothing).
            if (!Block.HasValue || Pending)
            {
                Commands.Add(connection, c => c.XReadGroup(group, consumer, streams, count, Block, noAck), Target(keys), emit);
                return;
            }
            Commands.Wait(connection, Block.Value, wait => c => c.XReadGroup(group, consumer, streams, count, wait, noAck),
                result => result.Count > 0, Target(keys), emit);
        }

        /// <summary>A group that exists already (BUSYGROUP) is what -CreateGroup wanted: said in -Verbose, not an error.</summary>
        private ErrorRecord? GroupExists(RedisException e, object? key)
        {
            if (e is RedisResponseException response && response.ErrorCode == "BUSYGROUP") return null;
            return ToErrorRecord(e, key);
        }

        /// <summary>The id '$' stands for at this moment: the stream's newest entry, or 0-0 for an empty or missing stream.</summary>
        private static string LastId(RedisCommands client, string key)
        {
            IList<StreamEntry> newest = client.XRevRange(key, "+", "-", 1);
            return newest.Count > 0 ? newest[0].Id : "0-0";
        }

        private static void Emit(IDictionary<string, IList<StreamEntry>> result, string[] keys, string? group, string? consumer, RedisConnection connection, Cmdlet output)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string key in keys)
            {
                if (!seen.Add(key) || !result.TryGetValue(key, out IList<StreamEntry>? entries)) continue;
                foreach (StreamEntry entry in entries) output.WriteObject(RedisStreamEntry.From(key, entry, group, consumer, connection));
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
