using System;
using System.Collections;
using System.Globalization;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>Reply parsers and argument helpers for the list, set and hash families.</summary>
    internal static class CollectionReplies
    {
        /// <summary>Arrays whose elements are never null (LRANGE, HKEYS, ...); a null array (nothing there) is empty.</summary>
        public static readonly Func<RespValue, IList<string>> Strings = r => r.IsNull ? new List<string>() : Reply.ToList(r, NonNullString);

        /// <summary>SMEMBERS/SDIFF/...: RESP2 array or RESP3 set, as a set (redis-py returns a Python set).</summary>
        public static readonly Func<RespValue, ISet<string>> StringSet = r =>
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            if (r.IsNull) return set;
            IReadOnlyList<RespValue> items = r.Items;
            for (int i = 0; i < items.Count; i++) set.Add(NonNullString(items[i]));
            return set;
        };

        /// <summary>HGETALL: a flat field, value, ... array in RESP2; a map in RESP3 (RespValue flattens it the same way).</summary>
        public static readonly Func<RespValue, Dictionary<string, string>> StringDictionary = r =>
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            if (r.IsNull) return map;
            IReadOnlyList<RespValue> items = r.Items;
            if (items.Count % 2 != 0)
                throw new RedisInvalidResponseException("Expected field/value pairs, got " + r.Describe());
            for (int i = 0; i + 1 < items.Count; i += 2) map[NonNullString(items[i])] = NonNullString(items[i + 1]);
            return map;
        };

        /// <summary>BLPOP/BRPOP: [key, value], or null when the timeout passed.</summary>
        public static readonly Func<RespValue, ListPopResult?> PopResult = r =>
        {
            if (r.IsNull) return null;
            IReadOnlyList<RespValue> items = r.Items;
            if (items.Count != 2) throw new RedisInvalidResponseException("Expected [key, value] from a blocking pop, got " + r.Describe());
            return new ListPopResult(NonNullString(items[0]), NonNullString(items[1]));
        };

        public static string NonNullString(RespValue item) =>
            item.AsString() ?? throw new RedisInvalidResponseException("Unexpected null element in a reply.");

        /// <summary>key, then each field and value of <paramref name="mapping"/>; null values are refused up front.</summary>
        public static List<object?> HashPairs(string command, string key, IDictionary mapping)
        {
            if (mapping == null) throw new ArgumentNullException(nameof(mapping));
            var args = new List<object?>(1 + 2 * mapping.Count) { command, key };
            foreach (DictionaryEntry entry in mapping)
            {
                if (entry.Value == null)
                    throw new RedisDataException(command + ": the value of field '" + Convert.ToString(entry.Key, CultureInfo.InvariantCulture) + "' is null; convert it to a string, bytes or number first.");
                args.Add(entry.Key);
                args.Add(entry.Value);
            }
            if (args.Count == 2) throw new RedisDataException(command + " needs at least one field/value pair.");
            return args;
        }

        /// <summary>command, key, values...; at least one value.</summary>
        public static object?[] KeyAndValues(string command, string key, object[] values)
        {
            if (values == null || values.Length == 0) throw new RedisDataException(command + " needs at least one value.");
            var args = new object?[values.Length + 2];
            args[0] = command;
            args[1] = key;
            Array.Copy(values, 0, args, 2, values.Length);
            return args;
        }

        /// <summary>command, first, rest...; at least one of the rest (keys, or fields for HDEL/HMGET).</summary>
        public static object?[] DestinationAndKeys(string command, string destination, string[] keys, string what = "key")
        {
            if (keys == null || keys.Length == 0) throw new RedisDataException(command + " needs at least one " + what + ".");
            var args = new object?[keys.Length + 2];
            args[0] = command;
            args[1] = destination;
            Array.Copy(keys, 0, args, 2, keys.Length);
            return args;
        }

        public static void CheckCount(string command, long count)
        {
            if (count < 0) throw new RedisDataException(command + ": count must not be negative.");
        }
    }
}
