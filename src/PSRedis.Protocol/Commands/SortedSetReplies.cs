using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>Reply parsers and argument helpers of the sorted-set, geo and scan families.</summary>
    internal static class SortedSetReplies
    {
        /// <summary>
        /// Member/score pairs in either shape: RESP2's flat "member, score, member, score" array, or RESP3's
        /// array of [member, score] pairs. A single RESP3 pair (ZPOPMIN without a count) is one flat pair too.
        /// </summary>
        public static readonly Func<RespValue, IList<SortedSetEntry>> Entries = ToEntries;

        /// <summary>BZPOPMIN/BZPOPMAX: [key, member, score], or null when the timeout passed.</summary>
        public static readonly Func<RespValue, SortedSetPopResult?> BlockingPop = r =>
        {
            if (r.IsNull) return null;
            IReadOnlyList<RespValue> items = r.Items;
            if (items.Count != 3) throw new RedisInvalidResponseException("BZPOP reply should have 3 items, got " + r.Describe());
            return new SortedSetPopResult(Text(items[0]), Text(items[1]), items[2].DoubleValue);
        };

        public static IList<SortedSetEntry> ToEntries(RespValue reply)
        {
            IReadOnlyList<RespValue> items = reply.Items;
            var list = new List<SortedSetEntry>(items.Count);
            if (items.Count == 0) return list;
            if (items[0].IsAggregate)
            {
                for (int i = 0; i < items.Count; i++)
                {
                    IReadOnlyList<RespValue> pair = items[i].Items;
                    if (pair.Count != 2) throw new RedisInvalidResponseException("A member/score pair should have 2 items, got " + items[i].Describe());
                    list.Add(new SortedSetEntry(Text(pair[0]), pair[1].DoubleValue));
                }
                return list;
            }
            if (items.Count % 2 != 0) throw new RedisInvalidResponseException("Member/score reply has an odd number of items: " + reply.Describe());
            for (int i = 0; i < items.Count; i += 2) list.Add(new SortedSetEntry(Text(items[i]), items[i + 1].DoubleValue));
            return list;
        }

        public static string Text(RespValue value) =>
            value.AsString() ?? throw new RedisInvalidResponseException("Expected text, got a null reply.");

        /// <summary>Checks that scan/ZRANGEBYSCORE-style counts are positive before anything is sent.</summary>
        public static void RequirePositive(int? count, string name = "count")
        {
            if (count.HasValue && count.Value <= 0) throw new RedisDataException(name + " must be positive.");
        }

        /// <summary>LIMIT offset count for the BY-range commands; redis-py's start and num go together.</summary>
        public static void AddLimit(List<object?> args, long? start, long? num)
        {
            if (start.HasValue != num.HasValue) throw new RedisDataException("start and num must be given together (LIMIT offset count).");
            if (!start.HasValue) return;
            if (start.Value < 0) throw new RedisDataException("start (the LIMIT offset) cannot be negative.");
            args.Add("LIMIT");
            args.Add(start.Value);
            args.Add(num!.Value); // a negative count means "all from offset", as in Redis
        }

        /// <summary>The cursor text of a SCAN-family reply as a number.</summary>
        public static ulong Cursor(RespValue reply, string command)
        {
            if (reply.Items.Count != 2) throw new RedisInvalidResponseException(command + " reply should have 2 items, got " + reply.Describe());
            string cursorText = reply.Items[0].AsString() ?? "0";
            if (!ulong.TryParse(cursorText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong cursor))
                throw new RedisInvalidResponseException(command + " returned an invalid cursor.");
            return cursor;
        }

        /// <summary>SSCAN/HSCAN/ZSCAN arguments: command key cursor [MATCH pattern] [COUNT n].</summary>
        public static List<object?> ScanArgs(string command, string key, ulong cursor, string? match, int? count)
        {
            RequirePositive(count);
            var args = new List<object?>(7) { command, key, cursor.ToString(CultureInfo.InvariantCulture) };
            if (match != null) { args.Add("MATCH"); args.Add(match); }
            if (count.HasValue) { args.Add("COUNT"); args.Add(count.Value); }
            return args;
        }
    }
}
