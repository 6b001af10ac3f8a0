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
    public abstract partial class RedisCommands
    {
        /// <summary>DEL: how many of the keys existed and were removed (redis-py delete).</summary>
        public long Delete(params string[] keys) => Run(Args.Prepend("DEL", keys), Reply.Integer);

        /// <summary>UNLINK: like DEL, but the memory is reclaimed in the background.</summary>
        public long Unlink(params string[] keys) => Run(Args.Prepend("UNLINK", keys), Reply.Integer);

        /// <summary>EXISTS: how many of the keys exist (a key named twice counts twice).</summary>
        public long Exists(params string[] keys) => Run(Args.Prepend("EXISTS", keys), Reply.Integer);

        /// <summary>TYPE: "string", "list", "set", "zset", "hash", "stream", or "none" for a missing key.</summary>
        public string Type(string key) => Run(new object?[] { "TYPE", key }, r => r.AsString() ?? "none");

        /// <summary>EXPIRE with a duration in whole seconds; false when the key does not exist.</summary>
        public bool Expire(string key, TimeSpan time) =>
            Run(new object?[] { "EXPIRE", key, Args.WholeSeconds(time, "time") }, Reply.IsOne);

        /// <summary>PEXPIRE with a duration in milliseconds.</summary>
        public bool PExpire(string key, TimeSpan time) =>
            Run(new object?[] { "PEXPIRE", key, Args.WholeMilliseconds(time, "time") }, Reply.IsOne);

        /// <summary>EXPIREAT: the key expires at <paramref name="when"/> (whole seconds).</summary>
        public bool ExpireAt(string key, DateTimeOffset when) =>
            Run(new object?[] { "EXPIREAT", key, when.ToUnixTimeSeconds() }, Reply.IsOne);

        /// <summary>PEXPIREAT: the key expires at <paramref name="when"/> (milliseconds).</summary>
        public bool PExpireAt(string key, DateTimeOffset when) =>
            Run(new object?[] { "PEXPIREAT", key, when.ToUnixTimeMilliseconds() }, Reply.IsOne);

        /// <summary>TTL in seconds; -1 when the key has no expiry, -2 when it does not exist (as redis-py returns it).</summary>
        public long Ttl(string key) => Run(new object?[] { "TTL", key }, Reply.Integer);

        /// <summary>PTTL in milliseconds; -1 no expiry, -2 no key.</summary>
        public long PTtl(string key) => Run(new object?[] { "PTTL", key }, Reply.Integer);

        /// <summary>The remaining time to live, or null when the key has no expiry or does not exist.</summary>
        public TimeSpan? TimeToLive(string key) =>
            Run(new object?[] { "PTTL", key }, r => r.Integer64 < 0 ? (TimeSpan?)null : TimeSpan.FromMilliseconds(r.Integer64));

        /// <summary>PERSIST: removes the expiry; false when the key had none or does not exist.</summary>
        public bool Persist(string key) => Run(new object?[] { "PERSIST", key }, Reply.IsOne);

        /// <summary>RENAME <paramref name="source"/> to <paramref name="destination"/>, replacing it.</summary>
        public bool Rename(string source, string destination) => Run(new object?[] { "RENAME", source, destination }, Reply.Ok);

        /// <summary>RENAMENX: renames only when <paramref name="destination"/> does not exist.</summary>
        public bool RenameNx(string source, string destination) =>
            Run(new object?[] { "RENAMENX", source, destination }, Reply.IsOne);

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
            return Run(args, ToScanPage);
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
