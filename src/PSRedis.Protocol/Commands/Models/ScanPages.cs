using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>One SSCAN page: the cursor to continue from (0 when done) and the set members it returned.</summary>
    public sealed class SetScanPage
    {
        /// <summary>A page of set members.</summary>
        public SetScanPage(ulong cursor, IReadOnlyList<string> members)
        {
            Cursor = cursor;
            Members = members;
        }

        /// <summary>Pass this to the next call; 0 means the scan is complete.</summary>
        public ulong Cursor { get; }

        /// <summary>The members of this page (a member may show up again on a later page).</summary>
        public IReadOnlyList<string> Members { get; }
    }

    /// <summary>One HSCAN page: the cursor to continue from (0 when done) and the field/value pairs it returned.</summary>
    public sealed class HashScanPage
    {
        /// <summary>A page of hash fields.</summary>
        public HashScanPage(ulong cursor, IReadOnlyDictionary<string, string> fields)
        {
            Cursor = cursor;
            Fields = fields;
        }

        /// <summary>Pass this to the next call; 0 means the scan is complete.</summary>
        public ulong Cursor { get; }

        /// <summary>Field -> value for this page (a dictionary, as redis-py returns).</summary>
        public IReadOnlyDictionary<string, string> Fields { get; }
    }

    /// <summary>One ZSCAN page: the cursor to continue from (0 when done) and the members with their scores.</summary>
    public sealed class SortedSetScanPage
    {
        /// <summary>A page of sorted-set entries.</summary>
        public SortedSetScanPage(ulong cursor, IReadOnlyList<SortedSetEntry> entries)
        {
            Cursor = cursor;
            Entries = entries;
        }

        /// <summary>Pass this to the next call; 0 means the scan is complete.</summary>
        public ulong Cursor { get; }

        /// <summary>The members of this page with their scores.</summary>
        public IReadOnlyList<SortedSetEntry> Entries { get; }
    }
}
