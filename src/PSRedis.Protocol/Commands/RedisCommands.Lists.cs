using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    // List family: BLPOP, BRPOP, BRPOPLPUSH, LINDEX, LINSERT, LLEN, LPOP, LPUSH, LPUSHX, LRANGE, LREM, LSET, LTRIM,
    // RPOP, RPOPLPUSH, RPUSH, RPUSHX.
    public abstract partial class RedisCommands
    {
        /// <summary>
        /// BLPOP: pops the head of the first non-empty list among <paramref name="keys"/>, waiting up to
        /// <paramref name="timeout"/> for one to get an element (null or zero: wait forever; fractions of a second
        /// need Redis 6+). Returns null when the time ran out.
        /// </summary>
        public ListPopResult? BLPop(string[] keys, TimeSpan? timeout = null) => ListBlockingPop("BLPOP", keys, timeout);

        /// <summary>BLPOP on a single list: its head, waiting up to <paramref name="timeout"/> (null or zero: forever); null on timeout.</summary>
        public ListPopResult? BLPop(string key, TimeSpan? timeout = null) => ListBlockingPop("BLPOP", new[] { key }, timeout);

        /// <summary>
        /// BRPOP: pops the tail of the first non-empty list among <paramref name="keys"/>, waiting up to
        /// <paramref name="timeout"/> (null or zero: wait forever). Returns null when the time ran out.
        /// </summary>
        public ListPopResult? BRPop(string[] keys, TimeSpan? timeout = null) => ListBlockingPop("BRPOP", keys, timeout);

        /// <summary>BRPOP on a single list: its tail, waiting up to <paramref name="timeout"/> (null or zero: forever); null on timeout.</summary>
        public ListPopResult? BRPop(string key, TimeSpan? timeout = null) => ListBlockingPop("BRPOP", new[] { key }, timeout);

        /// <summary>
        /// BRPOPLPUSH: moves the tail of <paramref name="source"/> to the head of <paramref name="destination"/> and
        /// returns it, waiting up to <paramref name="timeout"/> for <paramref name="source"/> to get an element
        /// (null or zero: forever). Returns null when the time ran out.
        /// </summary>
        public string? BRPopLPush(string source, string destination, TimeSpan? timeout = null) =>
            Run(new object?[] { "BRPOPLPUSH", source, destination, Args.BlockTimeoutArgument("BRPOPLPUSH", timeout) },
                Reply.String, Args.BlockFor(timeout));

        private ListPopResult? ListBlockingPop(string command, string[] keys, TimeSpan? timeout)
        {
            if (keys == null || keys.Length == 0) throw new RedisDataException(command + " needs at least one key.");
            var args = new object?[keys.Length + 2];
            args[0] = command;
            Array.Copy(keys, 0, args, 1, keys.Length);
            args[args.Length - 1] = Args.BlockTimeoutArgument(command, timeout);
            return Run(args, CollectionReplies.PopResult, Args.BlockFor(timeout));
        }

        /// <summary>LINDEX: the element at <paramref name="index"/> (negative counts from the tail); null when out of range or no list.</summary>
        public string? LIndex(string key, long index) => Run(new object?[] { "LINDEX", key, index }, Reply.String);

        /// <summary>
        /// LINSERT: inserts <paramref name="value"/> before or after the first element equal to <paramref name="pivot"/>.
        /// Returns the new length, -1 when the pivot is not in the list, 0 when the list does not exist.
        /// </summary>
        public long LInsert(string key, InsertPosition where, object pivot, object value)
        {
            string position;
            switch (where)
            {
                case InsertPosition.Before: position = "BEFORE"; break;
                case InsertPosition.After: position = "AFTER"; break;
                default: throw new RedisDataException("LINSERT: where must be Before or After.");
            }
            return Run(new object?[] { "LINSERT", key, position, pivot, value }, Reply.Integer);
        }

        /// <summary>LLEN: the number of elements in the list (0 when it does not exist).</summary>
        public long LLen(string key) => Run(new object?[] { "LLEN", key }, Reply.Integer);

        /// <summary>LPOP: removes and returns the first element; null when the list does not exist.</summary>
        public string? LPop(string key) => Run(new object?[] { "LPOP", key }, Reply.String);

        /// <summary>LPOP with a count (Redis 6.2+): removes and returns up to <paramref name="count"/> elements from the head; empty when the list does not exist.</summary>
        public IList<string> LPop(string key, long count)
        {
            CollectionReplies.CheckCount("LPOP", count);
            return Run(new object?[] { "LPOP", key, count }, CountPopReplies.Strings);
        }

        /// <summary>LPUSH: pushes the values onto the head, one after the other (so the last ends up first); returns the new length.</summary>
        public long LPush(string key, params object[] values) => Run(CollectionReplies.KeyAndValues("LPUSH", key, values), Reply.Integer);

        /// <summary>LPUSHX: like LPUSH, but only when the list already exists; returns the new length (0 when it does not).</summary>
        public long LPushX(string key, params object[] values) => Run(CollectionReplies.KeyAndValues("LPUSHX", key, values), Reply.Integer);

        /// <summary>LRANGE: the elements from <paramref name="start"/> to <paramref name="end"/>, both inclusive (negative counts from the tail; 0, -1 is all).</summary>
        public IList<string> LRange(string key, long start, long end) =>
            Run(new object?[] { "LRANGE", key, start, end }, CollectionReplies.Strings);

        /// <summary>
        /// LREM: removes elements equal to <paramref name="value"/>: the first <paramref name="count"/> from the head
        /// (count &gt; 0), from the tail (count &lt; 0), or all of them (0). Returns how many were removed.
        /// </summary>
        public long LRem(string key, long count, object value) => Run(new object?[] { "LREM", key, count, value }, Reply.Integer);

        /// <summary>LSET: replaces the element at <paramref name="index"/>; the server refuses an index out of range or a missing list.</summary>
        public bool LSet(string key, long index, object value) => Run(new object?[] { "LSET", key, index, value }, Reply.Ok);

        /// <summary>LTRIM: keeps only the elements from <paramref name="start"/> to <paramref name="end"/> (inclusive, negative from the tail).</summary>
        public bool LTrim(string key, long start, long end) => Run(new object?[] { "LTRIM", key, start, end }, Reply.Ok);

        /// <summary>RPOP: removes and returns the last element; null when the list does not exist.</summary>
        public string? RPop(string key) => Run(new object?[] { "RPOP", key }, Reply.String);

        /// <summary>RPOP with a count (Redis 6.2+): removes and returns up to <paramref name="count"/> elements from the tail, last first; empty when the list does not exist.</summary>
        public IList<string> RPop(string key, long count)
        {
            CollectionReplies.CheckCount("RPOP", count);
            return Run(new object?[] { "RPOP", key, count }, CountPopReplies.Strings);
        }

        /// <summary>RPOPLPUSH: moves the tail of <paramref name="source"/> to the head of <paramref name="destination"/> and returns it; null when the source is empty.</summary>
        public string? RPopLPush(string source, string destination) =>
            Run(new object?[] { "RPOPLPUSH", source, destination }, Reply.String);

        /// <summary>RPUSH: appends the values to the tail in order; returns the new length.</summary>
        public long RPush(string key, params object[] values) => Run(CollectionReplies.KeyAndValues("RPUSH", key, values), Reply.Integer);

        /// <summary>RPUSHX: like RPUSH, but only when the list already exists; returns the new length (0 when it does not).</summary>
        public long RPushX(string key, params object[] values) => Run(CollectionReplies.KeyAndValues("RPUSHX", key, values), Reply.Integer);
    }
}
