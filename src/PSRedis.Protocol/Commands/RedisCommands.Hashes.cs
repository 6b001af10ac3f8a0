using System;
using System.Collections;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    // Hash family: HDEL, HEXISTS, HGET, HGETALL, HINCRBY, HINCRBYFLOAT, HKEYS, HLEN, HMGET, HMSET, HSET, HSETNX,
    // HSTRLEN, HVALS.
    public abstract partial class RedisCommands
    {
        /// <summary>HDEL: removes the fields from the hash; returns how many existed.</summary>
        public long HDel(string key, params string[] fields) =>
            Run(CollectionReplies.DestinationAndKeys("HDEL", key, fields, "field"), Reply.Integer);

        /// <summary>HEXISTS: whether the hash has <paramref name="field"/>.</summary>
        public bool HExists(string key, string field) => Run(new object?[] { "HEXISTS", key, field }, Reply.IsOne);

        /// <summary>HGET: the value of <paramref name="field"/> as UTF-8 text; null when the field or hash does not exist.</summary>
        public string? HGet(string key, string field) => Run(new object?[] { "HGET", key, field }, Reply.String);

        /// <summary>HGET as raw bytes; null when the field or hash does not exist.</summary>
        public byte[]? HGetBytes(string key, string field) => Run(new object?[] { "HGET", key, field }, Reply.Bytes);

        /// <summary>HGETALL: every field and value of the hash (empty when it does not exist).</summary>
        public Dictionary<string, string> HGetAll(string key) => Run(new object?[] { "HGETALL", key }, CollectionReplies.StringDictionary);

        /// <summary>HINCRBY: adds <paramref name="amount"/> to the integer in <paramref name="field"/> (missing counts as 0); returns the new value.</summary>
        public long HIncrBy(string key, string field, long amount = 1) =>
            Run(new object?[] { "HINCRBY", key, field, amount }, Reply.Integer);

        /// <summary>HINCRBYFLOAT: adds <paramref name="amount"/> to the number in <paramref name="field"/> (missing counts as 0); returns the new value.</summary>
        public double HIncrByFloat(string key, string field, double amount = 1.0)
        {
            if (double.IsNaN(amount) || double.IsInfinity(amount)) throw new RedisDataException("HINCRBYFLOAT: amount must be a finite number.");
            return Run(new object?[] { "HINCRBYFLOAT", key, field, amount }, Reply.Double);
        }

        /// <summary>HKEYS: the field names of the hash.</summary>
        public IList<string> HKeys(string key) => Run(new object?[] { "HKEYS", key }, CollectionReplies.Strings);

        /// <summary>HLEN: the number of fields (0 when the hash does not exist).</summary>
        public long HLen(string key) => Run(new object?[] { "HLEN", key }, Reply.Integer);

        /// <summary>HMGET: the values of the fields in the order given, null for missing ones.</summary>
        public IList<string?> HMGet(string key, params string[] fields) =>
            Run(CollectionReplies.DestinationAndKeys("HMGET", key, fields, "field"), Reply.StringList);

        /// <summary>Sets every field of <paramref name="mapping"/> in the hash. Deprecated as in redis-py: sent as HSET; use <see cref="HSet(string, IDictionary)"/>.</summary>
        [Obsolete("HMSET is deprecated (as in redis-py); use HSet(key, mapping).")]
        public bool HMSet(string key, IDictionary mapping) =>
            Run(CollectionReplies.HashPairs("HSET", key, mapping), _ => true);

        /// <summary>HSET: sets <paramref name="field"/> to <paramref name="value"/>; returns 1 when the field is new, 0 when it was updated.</summary>
        public long HSet(string key, string field, object value) => Run(new object?[] { "HSET", key, field, value }, Reply.Integer);

        /// <summary>HSET with a mapping (a hashtable or dictionary): sets every field; returns how many fields were new.</summary>
        public long HSet(string key, IDictionary mapping) => Run(CollectionReplies.HashPairs("HSET", key, mapping), Reply.Integer);

        /// <summary>HSETNX: sets <paramref name="field"/> only when it does not exist yet; true when it was set.</summary>
        public bool HSetNx(string key, string field, object value) => Run(new object?[] { "HSETNX", key, field, value }, Reply.IsOne);

        /// <summary>HSTRLEN: the length in bytes of the value of <paramref name="field"/> (0 when missing).</summary>
        public long HStrLen(string key, string field) => Run(new object?[] { "HSTRLEN", key, field }, Reply.Integer);

        /// <summary>HVALS: the values of the hash.</summary>
        public IList<string> HVals(string key) => Run(new object?[] { "HVALS", key }, CollectionReplies.Strings);
    }
}
