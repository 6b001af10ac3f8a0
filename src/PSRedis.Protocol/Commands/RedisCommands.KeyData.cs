using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Binary-safe key data: the reads and writes that copy a key exactly (Export-RedisKey / Import-RedisKey). Unlike the
    // rest of the typed commands, keys, fields, members and values are all the stored bytes here, because a key name that
    // is not valid UTF-8 would not survive a round trip through a .NET string.
    public abstract partial class RedisCommands
    {
        /// <summary>One SCAN call with the key names as stored bytes; <see cref="KeyBytesPage.Cursor"/> is the cursor to continue from.</summary>
        public KeyBytesPage ScanBytes(ulong cursor, string? match = null, int? count = null, string? type = null)
        {
            var args = new List<object?>(8) { "SCAN", cursor.ToString(CultureInfo.InvariantCulture) };
            if (match != null) { args.Add("MATCH"); args.Add(match); }
            if (count.HasValue) { args.Add("COUNT"); args.Add(count.Value); }
            if (type != null) { args.Add("TYPE"); args.Add(type); }
            return Run(args, KeyData.ScanPage);
        }

        /// <summary>TYPE of a key given as bytes: string, list, set, zset, hash, stream, a module type, or none.</summary>
        public string TypeOf(byte[] key) => Run(new object?[] { "TYPE", key }, r => r.AsString() ?? "none");

        /// <summary>PTTL of a key given as bytes: milliseconds left, -1 without expiry, -2 when the key does not exist.</summary>
        public long PTtlOf(byte[] key) => Run(new object?[] { "PTTL", key }, Reply.Integer);

        /// <summary>GET of a key given as bytes, the value as stored bytes (null when the key does not exist).</summary>
        public byte[]? GetBytesOf(byte[] key) => Run(new object?[] { "GET", key }, Reply.Bytes);

        /// <summary>LRANGE of a key given as bytes, the elements as stored bytes.</summary>
        public IList<byte[]> LRangeOf(byte[] key, long start, long end) =>
            Run(new object?[] { "LRANGE", key, start, end }, KeyData.BytesList);

        /// <summary>One HSCAN page of a key given as bytes: field/value pairs as stored bytes.</summary>
        public KeyDataPage<KeyValuePair<byte[], byte[]>> HScanOf(byte[] key, ulong cursor, int count) =>
            Run(KeyData.ScanArgs("HSCAN", key, cursor, count), KeyData.PairPage);

        /// <summary>One SSCAN page of a key given as bytes: members as stored bytes.</summary>
        public KeyDataPage<byte[]> SScanOf(byte[] key, ulong cursor, int count) =>
            Run(KeyData.ScanArgs("SSCAN", key, cursor, count), KeyData.MemberPage);

        /// <summary>One ZSCAN page of a key given as bytes: members as stored bytes with their exact scores.</summary>
        public KeyDataPage<ScoredBytes> ZScanOf(byte[] key, ulong cursor, int count) =>
            Run(KeyData.ScanArgs("ZSCAN", key, cursor, count), KeyData.ScoredPage);

        /// <summary>XRANGE of a key given as bytes, at most <paramref name="count"/> entries, field names and values as stored bytes.</summary>
        public IList<StreamEntryBytes> XRangeOf(byte[] key, string start, string end, long count) =>
            Run(new object?[] { "XRANGE", key, start, end, "COUNT", count }, KeyData.StreamEntries);

        /// <summary>SET of a key given as bytes with an optional expiry in milliseconds; with <paramref name="onlyIfNew"/> (NX) false when the key exists.</summary>
        public bool SetBytesOf(byte[] key, byte[] value, long? expiryMilliseconds = null, bool onlyIfNew = false)
        {
            var args = new List<object?>(6) { "SET", key, value };
            if (expiryMilliseconds.HasValue) { args.Add("PX"); args.Add(expiryMilliseconds.Value); }
            if (onlyIfNew) args.Add("NX");
            return Run(args, Reply.Ok);
        }

        /// <summary>RPUSH of elements given as bytes; the list's new length.</summary>
        public long RPushOf(byte[] key, IReadOnlyList<byte[]> elements) => Run(KeyData.KeyAndItems("RPUSH", key, elements), Reply.Integer);

        /// <summary>SADD of members given as bytes; how many were new.</summary>
        public long SAddOf(byte[] key, IReadOnlyList<byte[]> members) => Run(KeyData.KeyAndItems("SADD", key, members), Reply.Integer);

        /// <summary>HSET of field/value pairs given as bytes; how many fields were new.</summary>
        public long HSetOf(byte[] key, IReadOnlyList<KeyValuePair<byte[], byte[]>> fields)
        {
            var args = new object?[2 + fields.Count * 2];
            args[0] = "HSET";
            args[1] = key;
            for (int i = 0; i < fields.Count; i++)
            {
                args[2 + i * 2] = fields[i].Key;
                args[3 + i * 2] = fields[i].Value;
            }
            return Run(args, Reply.Integer);
        }

        /// <summary>ZADD of members given as bytes with their scores; how many were new.</summary>
        public long ZAddOf(byte[] key, IReadOnlyList<ScoredBytes> members)
        {
            var args = new object?[2 + members.Count * 2];
            args[0] = "ZADD";
            args[1] = key;
            for (int i = 0; i < members.Count; i++)
            {
                args[2 + i * 2] = RespDouble.Format(members[i].Score);
                args[3 + i * 2] = members[i].Member;
            }
            return Run(args, Reply.Integer);
        }

        /// <summary>XADD of one entry with its own id, field names and values given as bytes; the id.</summary>
        public string? XAddOf(byte[] key, string id, IReadOnlyList<KeyValuePair<byte[], byte[]>> fields)
        {
            var args = new object?[3 + fields.Count * 2];
            args[0] = "XADD";
            args[1] = key;
            args[2] = id;
            for (int i = 0; i < fields.Count; i++)
            {
                args[3 + i * 2] = fields[i].Key;
                args[4 + i * 2] = fields[i].Value;
            }
            return Run(args, Reply.String);
        }

        /// <summary>PEXPIRE of a key given as bytes; false when the key does not exist.</summary>
        public bool PExpireOf(byte[] key, long milliseconds) => Run(new object?[] { "PEXPIRE", key, milliseconds }, Reply.IsOne);

        /// <summary>RENAME (or RENAMENX with <paramref name="onlyIfNew"/>) of keys given as bytes; false when RENAMENX found the target.</summary>
        public bool RenameOf(byte[] source, byte[] target, bool onlyIfNew) =>
            onlyIfNew ? Run(new object?[] { "RENAMENX", source, target }, Reply.IsOne) : Run(new object?[] { "RENAME", source, target }, Reply.Ok);

        /// <summary>DEL of one key given as bytes; 1 when it existed.</summary>
        public long DelOf(byte[] key) => Run(new object?[] { "DEL", key }, Reply.Integer);
    }

    /// <summary>A page of SCAN with key names as bytes. <see cref="Node"/>: which primary of a cluster (0 on one server).</summary>
    public sealed class KeyBytesPage
    {
        public KeyBytesPage(ulong cursor, IReadOnlyList<byte[]> keys, int node = 0)
        {
            Cursor = cursor;
            Keys = keys;
            Node = node;
        }

        public ulong Cursor { get; }
        public IReadOnlyList<byte[]> Keys { get; }
        public int Node { get; }
    }

    /// <summary>A page of HSCAN/SSCAN/ZSCAN with its next cursor.</summary>
    public sealed class KeyDataPage<T>
    {
        public KeyDataPage(ulong cursor, IReadOnlyList<T> items)
        {
            Cursor = cursor;
            Items = items;
        }

        public ulong Cursor { get; }
        public IReadOnlyList<T> Items { get; }
    }

    /// <summary>A sorted set member as stored bytes and its score.</summary>
    public readonly struct ScoredBytes
    {
        public ScoredBytes(byte[] member, double score)
        {
            Member = member;
            Score = score;
        }

        public byte[] Member { get; }
        public double Score { get; }
    }

    /// <summary>A stream entry: its id and its field/value pairs as stored bytes, in order.</summary>
    public sealed class StreamEntryBytes
    {
        public StreamEntryBytes(string id, IReadOnlyList<KeyValuePair<byte[], byte[]>> fields)
        {
            Id = id;
            Fields = fields;
        }

        public string Id { get; }
        public IReadOnlyList<KeyValuePair<byte[], byte[]>> Fields { get; }
    }

    internal static class KeyData
    {
        public static object?[] ScanArgs(string command, byte[] key, ulong cursor, int count) =>
            new object?[] { command, key, cursor.ToString(CultureInfo.InvariantCulture), "COUNT", count };

        public static object?[] KeyAndItems(string command, byte[] key, IReadOnlyList<byte[]> items)
        {
            if (items.Count == 0) throw new RedisDataException(command + " needs at least one element.");
            var args = new object?[2 + items.Count];
            args[0] = command;
            args[1] = key;
            for (int i = 0; i < items.Count; i++) args[2 + i] = items[i];
            return args;
        }

        public static byte[] NonNull(RespValue item) =>
            item.IsNull || item.Bytes == null ? throw new RedisInvalidResponseException("Unexpected null element in a reply.") : item.Bytes;

        public static readonly Func<RespValue, IList<byte[]>> BytesList = r => r.IsNull ? new List<byte[]>() : Reply.ToList(r, NonNull);

        private static ulong Cursor(RespValue reply, string command)
        {
            if (reply.Items.Count != 2) throw new RedisInvalidResponseException(command + " should reply [cursor, items], got " + reply.Describe());
            return ulong.Parse(reply.Items[0].AsString()!, CultureInfo.InvariantCulture);
        }

        public static KeyBytesPage ScanPage(RespValue reply)
        {
            ulong cursor = Cursor(reply, "SCAN");
            IReadOnlyList<RespValue> items = reply.Items[1].Items;
            var keys = new byte[items.Count][];
            for (int i = 0; i < keys.Length; i++) keys[i] = NonNull(items[i]);
            return new KeyBytesPage(cursor, keys);
        }

        public static KeyDataPage<byte[]> MemberPage(RespValue reply)
        {
            ulong cursor = Cursor(reply, "SSCAN");
            IReadOnlyList<RespValue> items = reply.Items[1].Items;
            var members = new byte[items.Count][];
            for (int i = 0; i < members.Length; i++) members[i] = NonNull(items[i]);
            return new KeyDataPage<byte[]>(cursor, members);
        }

        /// <summary>Pairs flat (RESP2) or nested (RESP3).</summary>
        private static List<KeyValuePair<RespValue, RespValue>> Pairs(RespValue body, string command)
        {
            IReadOnlyList<RespValue> items = body.Items;
            var pairs = new List<KeyValuePair<RespValue, RespValue>>(items.Count);
            if (items.Count > 0 && items[0].IsAggregate)
            {
                foreach (RespValue pair in items)
                {
                    if (pair.Items.Count != 2) throw new RedisInvalidResponseException(command + " pair should have 2 items, got " + pair.Describe());
                    pairs.Add(new KeyValuePair<RespValue, RespValue>(pair.Items[0], pair.Items[1]));
                }
                return pairs;
            }
            if (items.Count % 2 != 0) throw new RedisInvalidResponseException(command + " reply has an odd number of items: " + body.Describe());
            for (int i = 0; i < items.Count; i += 2) pairs.Add(new KeyValuePair<RespValue, RespValue>(items[i], items[i + 1]));
            return pairs;
        }

        public static KeyDataPage<KeyValuePair<byte[], byte[]>> PairPage(RespValue reply)
        {
            ulong cursor = Cursor(reply, "HSCAN");
            var fields = new List<KeyValuePair<byte[], byte[]>>();
            foreach (var pair in Pairs(reply.Items[1], "HSCAN")) fields.Add(new KeyValuePair<byte[], byte[]>(NonNull(pair.Key), NonNull(pair.Value)));
            return new KeyDataPage<KeyValuePair<byte[], byte[]>>(cursor, fields);
        }

        public static KeyDataPage<ScoredBytes> ScoredPage(RespValue reply)
        {
            ulong cursor = Cursor(reply, "ZSCAN");
            var members = new List<ScoredBytes>();
            foreach (var pair in Pairs(reply.Items[1], "ZSCAN")) members.Add(new ScoredBytes(NonNull(pair.Key), pair.Value.DoubleValue));
            return new KeyDataPage<ScoredBytes>(cursor, members);
        }

        public static readonly Func<RespValue, IList<StreamEntryBytes>> StreamEntries = r => r.IsNull ? new List<StreamEntryBytes>() : Reply.ToList(r, Entry);

        private static StreamEntryBytes Entry(RespValue entry)
        {
            if (entry.Items.Count != 2) throw new RedisInvalidResponseException("A stream entry should be [id, fields], got " + entry.Describe());
            var fields = new List<KeyValuePair<byte[], byte[]>>();
            IReadOnlyList<RespValue> items = entry.Items[1].Items;
            if (items.Count % 2 != 0) throw new RedisInvalidResponseException("A stream entry has an odd number of field items: " + entry.Describe());
            for (int i = 0; i < items.Count; i += 2) fields.Add(new KeyValuePair<byte[], byte[]>(NonNull(items[i]), NonNull(items[i + 1])));
            return new StreamEntryBytes(entry.Items[0].AsString()!, fields);
        }
    }
}
