using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Binary-safe readers of the hash and list families: the same commands as HGETALL/HMGET/LRANGE/LPOP/RPOP/
    // BLPOP/BRPOP, with values as the exact stored bytes (field names and keys stay UTF-8 text), for callers
    // that must not decode values (PowerShell's -AsByteArray).
    public abstract partial class RedisCommands
    {
        /// <summary>HGETALL with each value as stored bytes; an empty dictionary when the hash does not exist.</summary>
        public Dictionary<string, byte[]> HGetAllBytes(string key) => Run(new object?[] { "HGETALL", key }, CollectionBytes.BytesDictionary);

        /// <summary>HMGET with each value as stored bytes; null for a field (or hash) that does not exist.</summary>
        public IList<byte[]?> HMGetBytes(string key, params string[] fields) =>
            Run(CollectionReplies.DestinationAndKeys("HMGET", key, fields, "field"), Reply.BytesList);

        /// <summary>LRANGE with each element as stored bytes (both ends inclusive; negative counts from the tail).</summary>
        public IList<byte[]> LRangeBytes(string key, long start, long end) =>
            Run(new object?[] { "LRANGE", key, start, end }, CollectionBytes.NonNullBytesList);

        /// <summary>LPOP (or RPOP with <paramref name="fromTail"/>) of up to <paramref name="count"/> elements as bytes (Redis 6.2+); empty when the list does not exist.</summary>
        public IList<byte[]> PopBytes(string key, long count, bool fromTail = false)
        {
            string command = fromTail ? "RPOP" : "LPOP";
            CollectionReplies.CheckCount(command, count);
            return Run(new object?[] { command, key, count }, CountPopReplies.Bytes);
        }

        /// <summary>BLPOP (or BRPOP with <paramref name="fromTail"/>) with the element as bytes: [key, bytes], or null when the time ran out.</summary>
        public KeyValuePair<string, byte[]>? BlockingPopBytes(string[] keys, System.TimeSpan? timeout, bool fromTail = false)
        {
            string command = fromTail ? "BRPOP" : "BLPOP";
            if (keys == null || keys.Length == 0) throw new RedisDataException(command + " needs at least one key.");
            var args = new object?[keys.Length + 2];
            args[0] = command;
            System.Array.Copy(keys, 0, args, 1, keys.Length);
            args[args.Length - 1] = Args.BlockTimeoutArgument(command, timeout);
            return Run(args, CollectionBytes.PopBytes, Args.BlockFor(timeout));
        }
    }

    internal static class CollectionBytes
    {
        public static readonly System.Func<RespValue, Dictionary<string, byte[]>> BytesDictionary = r =>
        {
            var map = new Dictionary<string, byte[]>(System.StringComparer.Ordinal);
            if (r.IsNull) return map;
            IReadOnlyList<RespValue> items = r.Items;
            if (items.Count % 2 != 0) throw new RedisInvalidResponseException("Expected field/value pairs, got " + r.Describe());
            for (int i = 0; i + 1 < items.Count; i += 2) map[CollectionReplies.NonNullString(items[i])] = NonNull(items[i + 1]);
            return map;
        };

        public static readonly System.Func<RespValue, IList<byte[]>> NonNullBytesList = r =>
            r.IsNull ? new List<byte[]>() : Reply.ToList(r, NonNull);

        public static readonly System.Func<RespValue, KeyValuePair<string, byte[]>?> PopBytes = r =>
        {
            if (r.IsNull) return null;
            IReadOnlyList<RespValue> items = r.Items;
            if (items.Count != 2) throw new RedisInvalidResponseException("Expected [key, value] from a blocking pop, got " + r.Describe());
            return new KeyValuePair<string, byte[]>(CollectionReplies.NonNullString(items[0]), NonNull(items[1]));
        };

        private static byte[] NonNull(RespValue item) =>
            item.IsNull || item.Bytes == null ? throw new RedisInvalidResponseException("Unexpected null element in a reply.") : item.Bytes;
    }
}
