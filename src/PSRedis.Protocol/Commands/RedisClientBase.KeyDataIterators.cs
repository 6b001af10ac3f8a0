using System.Collections.Generic;
using System.Globalization;

namespace PSRedis.Protocol
{
    // The paged binary-safe reads behind Export-RedisKey: the keyspace and each collection read a page at a time, so memory
    // stays at one page whatever the sizes, with the position of each page so that an interrupted export can resume.
    public abstract partial class RedisClientBase
    {
        /// <summary>
        /// How many nodes a keyspace scan walks (1 on one server, the primaries of a cluster, in a stable order while the
        /// cluster's shape does not change).
        /// </summary>
        public int ScanNodeCount
        {
            get
            {
                int n = 0;
                foreach (RedisCommands _ in ScanTargets()) n++;
                return n;
            }
        }

        /// <summary>
        /// SCAN pages with the key names as stored bytes, the nodes one after another (not at once, unlike
        /// <see cref="ScanPagesAhead"/>), starting at node <paramref name="startNode"/> with cursor <paramref name="startCursor"/>:
        /// each page carries its node and the cursor that continues after it, which is all a resumed scan needs. On a cluster,
        /// keys of slots that move during the scan may be missed or repeated.
        /// </summary>
        public IEnumerable<KeyBytesPage> ScanBytesPages(string? match = null, int? count = null, string? type = null, int startNode = 0, ulong startCursor = 0)
        {
            if (count.HasValue && count.Value <= 0) throw new RedisDataException("count must be positive.");
            return ScanBytesIterator(match, count, type, startNode, startCursor);
        }

        private IEnumerable<KeyBytesPage> ScanBytesIterator(string? match, int? count, string? type, int startNode, ulong startCursor)
        {
            int index = -1;
            foreach (RedisCommands node in ScanTargets())
            {
                index++;
                if (index < startNode) continue;
                ulong cursor = index == startNode ? startCursor : 0;
                do
                {
                    KeyBytesPage page = node.ScanBytes(cursor, match, count, type);
                    cursor = page.Cursor;
                    yield return new KeyBytesPage(cursor, page.Keys, index);
                }
                while (cursor != 0);
            }
        }

        /// <summary>The list at <paramref name="key"/> (bytes) as stored bytes, <paramref name="pageSize"/> elements a call.</summary>
        public IEnumerable<byte[]> ListBytesIter(byte[] key, int pageSize = 1000)
        {
            RequirePage(pageSize, nameof(pageSize));
            return ListBytesPages(key, pageSize);
        }

        private IEnumerable<byte[]> ListBytesPages(byte[] key, int pageSize)
        {
            long start = 0;
            while (true)
            {
                IList<byte[]> chunk = LRangeOf(key, start, start + pageSize - 1);
                foreach (byte[] item in chunk) yield return item;
                if (chunk.Count < pageSize) yield break;
                start += pageSize;
            }
        }

        /// <summary>The hash at <paramref name="key"/> (bytes), field/value pairs as stored bytes, one HSCAN page at a time.</summary>
        public IEnumerable<KeyValuePair<byte[], byte[]>> HashBytesIter(byte[] key, int pageSize = 1000)
        {
            RequirePage(pageSize, nameof(pageSize));
            return HashBytesPages(key, pageSize);
        }

        private IEnumerable<KeyValuePair<byte[], byte[]>> HashBytesPages(byte[] key, int pageSize)
        {
            ulong cursor = 0;
            do
            {
                KeyDataPage<KeyValuePair<byte[], byte[]>> page = HScanOf(key, cursor, pageSize);
                cursor = page.Cursor;
                foreach (var item in page.Items) yield return item;
            }
            while (cursor != 0);
        }

        /// <summary>The set at <paramref name="key"/> (bytes), members as stored bytes, one SSCAN page at a time.</summary>
        public IEnumerable<byte[]> SetBytesIter(byte[] key, int pageSize = 1000)
        {
            RequirePage(pageSize, nameof(pageSize));
            return SetBytesPages(key, pageSize);
        }

        private IEnumerable<byte[]> SetBytesPages(byte[] key, int pageSize)
        {
            ulong cursor = 0;
            do
            {
                KeyDataPage<byte[]> page = SScanOf(key, cursor, pageSize);
                cursor = page.Cursor;
                foreach (byte[] item in page.Items) yield return item;
            }
            while (cursor != 0);
        }

        /// <summary>The sorted set at <paramref name="key"/> (bytes), members as stored bytes with scores, one ZSCAN page at a time.</summary>
        public IEnumerable<ScoredBytes> SortedSetBytesIter(byte[] key, int pageSize = 1000)
        {
            RequirePage(pageSize, nameof(pageSize));
            return SortedSetBytesPages(key, pageSize);
        }

        private IEnumerable<ScoredBytes> SortedSetBytesPages(byte[] key, int pageSize)
        {
            ulong cursor = 0;
            do
            {
                KeyDataPage<ScoredBytes> page = ZScanOf(key, cursor, pageSize);
                cursor = page.Cursor;
                foreach (ScoredBytes item in page.Items) yield return item;
            }
            while (cursor != 0);
        }

        /// <summary>The stream at <paramref name="key"/> (bytes), every entry in id order, <paramref name="pageSize"/> entries an XRANGE.</summary>
        public IEnumerable<StreamEntryBytes> StreamBytesIter(byte[] key, int pageSize = 1000)
        {
            RequirePage(pageSize, nameof(pageSize));
            return StreamBytesPages(key, pageSize);
        }

        private IEnumerable<StreamEntryBytes> StreamBytesPages(byte[] key, int pageSize)
        {
            string from = "-";
            while (true)
            {
                IList<StreamEntryBytes> entries = XRangeOf(key, from, "+", pageSize);
                foreach (StreamEntryBytes entry in entries) yield return entry;
                if (entries.Count < pageSize) yield break;
                from = "(" + entries[entries.Count - 1].Id;
            }
        }
    }
}
