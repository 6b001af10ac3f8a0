using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // SSCAN, HSCAN, ZSCAN: one page per call (SCAN itself is in RedisCommands.Keys.cs). The lazy iterators over
    // them are on RedisClient (RedisClient.ScanIterators.cs): a pipeline cannot feed one page's cursor into the next.
    public abstract partial class RedisCommands
    {
        /// <summary>One SSCAN call over the set at <paramref name="key"/>; <paramref name="match"/> filters members by glob pattern, <paramref name="count"/> hints the page size.</summary>
        public SetScanPage SScan(string key, ulong cursor = 0, string? match = null, int? count = null) =>
            Run(SortedSetReplies.ScanArgs("SSCAN", key, cursor, match, count), ScanReplies.SetPage);

        /// <summary>One HSCAN call over the hash at <paramref name="key"/>; <paramref name="match"/> filters fields by glob pattern.</summary>
        public HashScanPage HScan(string key, ulong cursor = 0, string? match = null, int? count = null) =>
            Run(SortedSetReplies.ScanArgs("HSCAN", key, cursor, match, count), ScanReplies.HashPage);

        /// <summary>One ZSCAN call over the sorted set at <paramref name="key"/>; <paramref name="match"/> filters members by glob pattern.</summary>
        public SortedSetScanPage ZScan(string key, ulong cursor = 0, string? match = null, int? count = null) =>
            Run(SortedSetReplies.ScanArgs("ZSCAN", key, cursor, match, count), ScanReplies.SortedSetPage);
    }

    /// <summary>Parsers of the SSCAN/HSCAN/ZSCAN pages: [cursor, items] where items is flat (RESP2) or, for pairs, possibly nested (RESP3).</summary>
    internal static class ScanReplies
    {
        public static SetScanPage SetPage(RespValue reply)
        {
            ulong cursor = SortedSetReplies.Cursor(reply, "SSCAN");
            IReadOnlyList<RespValue> items = reply.Items[1].Items;
            var members = new string[items.Count];
            for (int i = 0; i < members.Length; i++) members[i] = SortedSetReplies.Text(items[i]);
            return new SetScanPage(cursor, members);
        }

        public static HashScanPage HashPage(RespValue reply)
        {
            ulong cursor = SortedSetReplies.Cursor(reply, "HSCAN");
            RespValue body = reply.Items[1];
            IReadOnlyList<RespValue> items = body.Items;
            var fields = new Dictionary<string, string>(items.Count / 2);
            if (items.Count > 0 && items[0].IsAggregate)
            {
                foreach (RespValue pair in items)
                {
                    if (pair.Items.Count != 2) throw new RedisInvalidResponseException("An HSCAN field/value pair should have 2 items, got " + pair.Describe());
                    fields[SortedSetReplies.Text(pair.Items[0])] = SortedSetReplies.Text(pair.Items[1]);
                }
            }
            else
            {
                // Flat in RESP2, and a flattened map should a server ever send one in RESP3.
                if (items.Count % 2 != 0) throw new RedisInvalidResponseException("HSCAN reply has an odd number of items: " + body.Describe());
                for (int i = 0; i < items.Count; i += 2) fields[SortedSetReplies.Text(items[i])] = SortedSetReplies.Text(items[i + 1]);
            }
            return new HashScanPage(cursor, fields);
        }

        public static SortedSetScanPage SortedSetPage(RespValue reply)
        {
            ulong cursor = SortedSetReplies.Cursor(reply, "ZSCAN");
            IList<SortedSetEntry> entries = SortedSetReplies.ToEntries(reply.Items[1]);
            return new SortedSetScanPage(cursor, (IReadOnlyList<SortedSetEntry>)entries);
        }
    }
}
