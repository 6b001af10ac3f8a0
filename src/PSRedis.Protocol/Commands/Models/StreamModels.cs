using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>One stream entry: its id ("1700000000000-0") and its field/value pairs in stream order.</summary>
    public sealed class StreamEntry
    {
        public StreamEntry(string id, IReadOnlyDictionary<string, string?> fields)
        {
            Id = id;
            Fields = fields;
        }

        /// <summary>The entry id, "milliseconds-sequence".</summary>
        public string Id { get; }

        /// <summary>The entry's fields; empty for an entry that was deleted while still pending (XREADGROUP history, XCLAIM).</summary>
        public IReadOnlyDictionary<string, string?> Fields { get; }

        public override string ToString() => Id;
    }

    /// <summary>XPENDING summary: how many messages a group has pending, the id range, and the count per consumer.</summary>
    public sealed class StreamPendingSummary
    {
        /// <summary>Messages delivered to the group but not yet acknowledged.</summary>
        public long Pending { get; init; }

        /// <summary>The smallest pending id, or null when nothing is pending.</summary>
        public string? Min { get; init; }

        /// <summary>The largest pending id, or null when nothing is pending.</summary>
        public string? Max { get; init; }

        /// <summary>Each consumer with at least one pending message, and how many it has.</summary>
        public IReadOnlyList<StreamConsumerPending> Consumers { get; init; } = Array.Empty<StreamConsumerPending>();
    }

    /// <summary>One consumer's share of a group's pending messages (XPENDING summary).</summary>
    public sealed class StreamConsumerPending
    {
        /// <summary>The consumer's name.</summary>
        public string Name { get; init; } = string.Empty;

        /// <summary>How many messages it has pending.</summary>
        public long Pending { get; init; }
    }

    /// <summary>One pending message (XPENDING with a range): who has it, for how long, how often it was delivered.</summary>
    public sealed class StreamPendingMessage
    {
        /// <summary>The message id.</summary>
        public string MessageId { get; init; } = string.Empty;

        /// <summary>The consumer that owns it now.</summary>
        public string Consumer { get; init; } = string.Empty;

        /// <summary>Time since it was last delivered to a consumer.</summary>
        public TimeSpan TimeSinceDelivered { get; init; }

        /// <summary>How many times it was delivered.</summary>
        public long TimesDelivered { get; init; }
    }

    /// <summary>XINFO STREAM: the stream's length, ids and first/last entries. Fields a server does not send stay null.</summary>
    public sealed class StreamInfo
    {
        /// <summary>Number of entries.</summary>
        public long Length { get; init; }

        /// <summary>Keys in the stream's radix tree.</summary>
        public long RadixTreeKeys { get; init; }

        /// <summary>Nodes in the stream's radix tree.</summary>
        public long RadixTreeNodes { get; init; }

        /// <summary>Number of consumer groups.</summary>
        public long Groups { get; init; }

        /// <summary>The id of the last entry ever added (it may have been deleted since).</summary>
        public string? LastGeneratedId { get; init; }

        /// <summary>Redis 7: the largest id ever deleted.</summary>
        public string? MaxDeletedEntryId { get; init; }

        /// <summary>Redis 7: how many entries were ever added.</summary>
        public long? EntriesAdded { get; init; }

        /// <summary>Redis 7: the id of the first entry still in the stream.</summary>
        public string? RecordedFirstEntryId { get; init; }

        /// <summary>The first entry, or null for an empty stream.</summary>
        public StreamEntry? FirstEntry { get; init; }

        /// <summary>The last entry, or null for an empty stream.</summary>
        public StreamEntry? LastEntry { get; init; }

        /// <summary>Every field of the reply as plain .NET values (for fields newer servers add).</summary>
        public IReadOnlyDictionary<string, object?> Raw { get; init; } = new Dictionary<string, object?>();
    }

    /// <summary>XINFO GROUPS: one consumer group of a stream.</summary>
    public sealed class StreamGroupInfo
    {
        /// <summary>The group name.</summary>
        public string Name { get; init; } = string.Empty;

        /// <summary>Number of consumers in the group.</summary>
        public long Consumers { get; init; }

        /// <summary>Messages delivered but not acknowledged.</summary>
        public long Pending { get; init; }

        /// <summary>The id of the last message delivered to the group.</summary>
        public string? LastDeliveredId { get; init; }

        /// <summary>Redis 7: the logical read counter of the group, when known.</summary>
        public long? EntriesRead { get; init; }

        /// <summary>Redis 7: entries still waiting to be delivered to the group, when known.</summary>
        public long? Lag { get; init; }
    }

    /// <summary>XINFO CONSUMERS: one consumer of a group.</summary>
    public sealed class StreamConsumerInfo
    {
        /// <summary>The consumer name.</summary>
        public string Name { get; init; } = string.Empty;

        /// <summary>Messages it has pending.</summary>
        public long Pending { get; init; }

        /// <summary>Time since it last read or claimed.</summary>
        public TimeSpan Idle { get; init; }

        /// <summary>Redis 7.2: time since its last successful read or claim (null on older servers, or never).</summary>
        public TimeSpan? Inactive { get; init; }
    }
}
