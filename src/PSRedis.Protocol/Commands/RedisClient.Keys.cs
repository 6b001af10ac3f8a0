using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>One SCAN page: the cursor to continue from (0 when done) and the keys it returned.</summary>
    public sealed class ScanPage
    {
        public ScanPage(ulong cursor, IReadOnlyList<string> keys)
        {
            Cursor = cursor;
            Keys = keys;
        }

        public ulong Cursor { get; }
        public IReadOnlyList<string> Keys { get; }
    }

    // Key family (first part): DEL, UNLINK, EXISTS, TYPE, EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT, TTL/PTTL, PERSIST, RENAME, SCAN.
    public sealed partial class RedisClient
    {
        /// <summary>DEL: how many of the keys existed and were removed (redis-py delete).</summary>
        public long Delete(params string[] keys) => Execute(Prepend("DEL", keys)).Integer64;

        /// <summary>UNLINK: like DEL, but the memory is reclaimed in the background.</summary>
        public long Unlink(params string[] keys) => Execute(Prepend("UNLINK", keys)).Integer64;

        /// <summary>EXISTS: how many of the keys exist (a key named twice counts twice).</summary>
        public long Exists(params string[] keys) => Execute(Prepend("EXISTS", keys)).Integer64;

        /// <summary>TYPE: "string", "list", "set", "zset", "hash", "stream", or "none" for a missing key.</summary>
        public string Type(string key) => Execute(new object?[] { "TYPE", key }).AsString() ?? "none";

        /// <summary>EXPIRE with a duration in whole seconds; false when the key does not exist.</summary>
        public bool Expire(string key, TimeSpan time) =>
            Execute(new object?[] { "EXPIRE", key, WholeSeconds(time, "time") }).Integer64 == 1;

        /// <summary>PEXPIRE with a duration in milliseconds.</summary>
        public bool PExpire(string key, TimeSpan time) =>
            Execute(new object?[] { "PEXPIRE", key, WholeMilliseconds(time, "time") }).Integer64 == 1;

        /// <summary>EXPIREAT: the key expires at <paramref name="when"/> (whole seconds).</summary>
        public bool ExpireAt(string key, DateTimeOffset when) =>
            Execute(new object?[] { "EXPIREAT", key, when.ToUnixTimeSeconds() }).Integer64 == 1;

        /// <summary>PEXPIREAT: the key expires at <paramref name="when"/> (milliseconds).</summary>
        public bool PExpireAt(string key, DateTimeOffset when) =>
            Execute(new object?[] { "PEXPIREAT", key, when.ToUnixTimeMilliseconds() }).Integer64 == 1;

        /// <summary>TTL in seconds; -1 when the key has no expiry, -2 when it does not exist (as redis-py returns it).</summary>
        public long Ttl(string key) => Execute(new object?[] { "TTL", key }).Integer64;

        /// <summary>PTTL in milliseconds; -1 no expiry, -2 no key.</summary>
        public long PTtl(string key) => Execute(new object?[] { "PTTL", key }).Integer64;

        /// <summary>The remaining time to live, or null when the key has no expiry or does not exist.</summary>
        public TimeSpan? TimeToLive(string key)
        {
            long ms = PTtl(key);
            return ms < 0 ? (TimeSpan?)null : TimeSpan.FromMilliseconds(ms);
        }

        /// <summary>PERSIST: removes the expiry; false when the key had none or does not exist.</summary>
        public bool Persist(string key) => Execute(new object?[] { "PERSIST", key }).Integer64 == 1;

        /// <summary>RENAME <paramref name="source"/> to <paramref name="destination"/>, replacing it.</summary>
        public bool Rename(string source, string destination) => IsOk(Execute(new object?[] { "RENAME", source, destination }));

        /// <summary>RENAMENX: renames only when <paramref name="destination"/> does not exist.</summary>
        public bool RenameNx(string source, string destination) =>
            Execute(new object?[] { "RENAMENX", source, destination }).Integer64 == 1;

        /// <summary>One SCAN call. <paramref name="type"/> filters by value type (Redis 6+).</summary>
        public ScanPage Scan(ulong cursor = 0, string? match = null, int? count = null, string? type = null)
        {
            var args = new List<object?>(8) { "SCAN", cursor.ToString(CultureInfo.InvariantCulture) };
            if (match != null) { args.Add("MATCH"); args.Add(match); }
            if (count.HasValue)
            {
                if (count.Value <= 0) throw new RedisDataException("count must be positive.");
                args.Add("COUNT");
                args.Add(count.Value);
            }
            if (type != null) { args.Add("TYPE"); args.Add(type); }
            return ToScanPage(Execute(args));
        }

        /// <summary>
        /// All keys matching, lazily: one SCAN page is fetched when the previous one is used up, so memory
        /// stays at one page whatever the keyspace size. As with SCAN, a key may be returned more than once.
        /// </summary>
        public IEnumerable<string> ScanIter(string? match = null, int? count = null, string? type = null)
        {
            if (count.HasValue && count.Value <= 0) throw new RedisDataException("count must be positive.");
            return ScanIterator(match, count, type);
        }

        private IEnumerable<string> ScanIterator(string? match, int? count, string? type)
        {
            ulong cursor = 0;
            do
            {
                ScanPage page = Scan(cursor, match, count, type);
                cursor = page.Cursor;
                foreach (string key in page.Keys) yield return key;
            }
            while (cursor != 0);
        }

        internal static ScanPage ToScanPage(RespValue reply)
        {
            if (reply.Items.Count != 2) throw new RedisInvalidResponseException("SCAN reply should have 2 items, got " + reply.Describe());
            string cursorText = reply.Items[0].AsString() ?? "0";
            if (!ulong.TryParse(cursorText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong cursor))
                throw new RedisInvalidResponseException("SCAN returned an invalid cursor.");
            IReadOnlyList<RespValue> items = reply.Items[1].Items;
            var keys = new string[items.Count];
            for (int i = 0; i < keys.Length; i++) keys[i] = items[i].AsString() ?? string.Empty;
            return new ScanPage(cursor, keys);
        }
    }
}
