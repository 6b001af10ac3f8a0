using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    // Paged reads beside ScanIter: a long range of a list, sorted set or stream read a page at a time, so memory stays at
    // one page whatever the collection's size and the first items can be used before the last is read. Like the scan
    // iterators, arguments are checked at the call and the pages are fetched lazily (hence the check/iterator split).
    public abstract partial class RedisClientBase
    {
        /// <summary>
        /// LRANGE <paramref name="start"/>..<paramref name="end"/> of the list at <paramref name="key"/>, lazily, in chunks
        /// of <paramref name="chunkSize"/>. Negative indexes count from the end, resolved once (LLEN) before the first chunk.
        /// </summary>
        public IEnumerable<string> LRangeIter(string key, long start = 0, long end = -1, int chunkSize = 1000)
        {
            RequirePage(chunkSize, nameof(chunkSize));
            return ListChunks(key, start, end, chunkSize, (s, e) => LRange(key, s, e));
        }

        /// <summary><see cref="LRangeIter"/> with the elements as the stored bytes.</summary>
        public IEnumerable<byte[]> LRangeBytesIter(string key, long start = 0, long end = -1, int chunkSize = 1000)
        {
            RequirePage(chunkSize, nameof(chunkSize));
            return ListChunks(key, start, end, chunkSize, (s, e) => LRangeBytes(key, s, e));
        }

        /// <summary>
        /// ZRANGE (or ZREVRANGE) by rank, lazily, <paramref name="pageSize"/> members a call when the range can be counted
        /// forward without knowing the set's size (a start of 0 or more, an end of -1 or of 0 or more); other ranges are
        /// read in one call.
        /// </summary>
        public IEnumerable<string> ZRangeIter(string key, long start = 0, long end = -1, bool desc = false, int pageSize = 1000)
        {
            RequirePage(pageSize, nameof(pageSize));
            return RankPages(start, end, pageSize, (s, e) => ZRange(key, s, e, desc));
        }

        /// <summary><see cref="ZRangeIter"/> with each member's score.</summary>
        public IEnumerable<SortedSetEntry> ZRangeWithScoresIter(string key, long start = 0, long end = -1, bool desc = false, int pageSize = 1000)
        {
            RequirePage(pageSize, nameof(pageSize));
            return RankPages(start, end, pageSize, (s, e) => ZRangeWithScores(key, s, e, desc));
        }

        /// <summary>
        /// XRANGE (or XREVRANGE with <paramref name="descending"/>) from <paramref name="start"/> to <paramref name="end"/>,
        /// at most <paramref name="count"/> entries (null: all), lazily, <paramref name="pageSize"/> entries a call; each
        /// page starts after the last id seen (the exclusive '(' form, Redis 6.2+).
        /// </summary>
        public IEnumerable<StreamEntry> XRangeIter(string key, string start = "-", string end = "+", long? count = null, int pageSize = 1000, bool descending = false)
        {
            RequirePage(pageSize, nameof(pageSize));
            if (count.HasValue && count.Value < 0) throw new RedisDataException("count must not be negative.");
            return StreamPages(key, start, end, count, pageSize, descending);
        }

        private static void RequirePage(int size, string name)
        {
            if (size < 1) throw new RedisDataException(name + " must be at least 1.");
        }

        private IEnumerable<T> ListChunks<T>(string key, long start, long end, int chunkSize, Func<long, long, IList<T>> range)
        {
            if (start < 0 || end < 0)
            {
                long length = LLen(key);
                if (start < 0) start = Math.Max(0, length + start);
                if (end < 0) end = length + end;
            }
            while (start <= end)
            {
                long last = Math.Min(end, start + chunkSize - 1);
                IList<T> chunk = range(start, last);
                foreach (T item in chunk) yield return item;
                if (chunk.Count < last - start + 1) yield break; // the list ends here (or shrank meanwhile)
                start = last + 1;
            }
        }

        private static IEnumerable<T> RankPages<T>(long start, long end, int pageSize, Func<long, long, IList<T>> range)
        {
            if (start < 0 || (end < 0 && end != -1))
            {
                foreach (T item in range(start, end)) yield return item;
                yield break;
            }
            long from = start;
            while (end == -1 || from <= end)
            {
                long to = end == -1 ? from + pageSize - 1 : Math.Min(end, from + pageSize - 1);
                IList<T> page = range(from, to);
                foreach (T item in page) yield return item;
                if (page.Count < to - from + 1) yield break;
                from = to + 1;
            }
        }

        private IEnumerable<StreamEntry> StreamPages(string key, string start, string end, long? count, int pageSize, bool descending)
        {
            string from = descending ? end : start;
            string to = descending ? start : end;
            long read = 0;
            while (!count.HasValue || read < count.Value)
            {
                long page = count.HasValue ? Math.Min(pageSize, count.Value - read) : pageSize;
                IList<StreamEntry> entries = descending ? XRevRange(key, from, to, page) : XRange(key, from, to, page);
                foreach (StreamEntry entry in entries) yield return entry;
                read += entries.Count;
                if (entries.Count < page) yield break;
                from = "(" + entries[entries.Count - 1].Id;
            }
        }
    }
}
