using System.Collections.Generic;

namespace PSRedis.Protocol
{
    // redis-py's sscan_iter, hscan_iter and zscan_iter. Like ScanIter, each fetches the next page only when the
    // previous one is used up, so memory stays at one page whatever the collection's size, and each argument
    // check happens at the call rather than at the first MoveNext (hence the split into a check and an iterator).
    public abstract partial class RedisClientBase
    {
        /// <summary>
        /// All members of the set at <paramref name="key"/> (matching <paramref name="match"/>), lazily, one SSCAN
        /// page at a time. As with SSCAN, a member may be returned more than once if the set changes meanwhile.
        /// </summary>
        public IEnumerable<string> SScanIter(string key, string? match = null, int? count = null)
        {
            SortedSetReplies.RequirePositive(count);
            return SScanIterator(key, match, count);
        }

        /// <summary>All field/value pairs of the hash at <paramref name="key"/> (fields matching <paramref name="match"/>), lazily, one HSCAN page at a time.</summary>
        public IEnumerable<KeyValuePair<string, string>> HScanIter(string key, string? match = null, int? count = null)
        {
            SortedSetReplies.RequirePositive(count);
            return HScanIterator(key, match, count);
        }

        /// <summary>All members of the sorted set at <paramref name="key"/> with their scores (members matching <paramref name="match"/>), lazily, one ZSCAN page at a time.</summary>
        public IEnumerable<SortedSetEntry> ZScanIter(string key, string? match = null, int? count = null)
        {
            SortedSetReplies.RequirePositive(count);
            return ZScanIterator(key, match, count);
        }

        private IEnumerable<string> SScanIterator(string key, string? match, int? count)
        {
            ulong cursor = 0;
            do
            {
                SetScanPage page = SScan(key, cursor, match, count);
                cursor = page.Cursor;
                foreach (string member in page.Members) yield return member;
            }
            while (cursor != 0);
        }

        private IEnumerable<KeyValuePair<string, string>> HScanIterator(string key, string? match, int? count)
        {
            ulong cursor = 0;
            do
            {
                HashScanPage page = HScan(key, cursor, match, count);
                cursor = page.Cursor;
                foreach (KeyValuePair<string, string> field in page.Fields) yield return field;
            }
            while (cursor != 0);
        }

        private IEnumerable<SortedSetEntry> ZScanIterator(string key, string? match, int? count)
        {
            ulong cursor = 0;
            do
            {
                SortedSetScanPage page = ZScan(key, cursor, match, count);
                cursor = page.Cursor;
                foreach (SortedSetEntry entry in page.Entries) yield return entry;
            }
            while (cursor != 0);
        }
    }
}
