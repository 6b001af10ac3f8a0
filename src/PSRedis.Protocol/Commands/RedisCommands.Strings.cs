using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    // String family (first part): GET, SET, MGET, MSET.
    public abstract partial class RedisCommands
    {
        /// <summary>GET as UTF-8 text; null when the key does not exist.</summary>
        public string? Get(string key) => Run(new object?[] { "GET", key }, Reply.String);

        /// <summary>GET as raw bytes; null when the key does not exist.</summary>
        public byte[]? GetBytes(string key) => Run(new object?[] { "GET", key }, Reply.Bytes);

        /// <summary>
        /// SET with redis-py's options. Returns true when the value was written, false when NX/XX stopped it.
        /// Expiry: <paramref name="ex"/> (whole seconds) or <paramref name="px"/> (milliseconds), or an absolute
        /// <paramref name="exAt"/>/<paramref name="pxAt"/>; <paramref name="keepTtl"/> keeps the current TTL.
        /// </summary>
        public bool Set(string key, object value, TimeSpan? ex = null, TimeSpan? px = null, bool nx = false, bool xx = false,
            bool keepTtl = false, DateTimeOffset? exAt = null, DateTimeOffset? pxAt = null)
        {
            return Run(BuildSet(key, value, ex, px, nx, xx, keepTtl, exAt, pxAt, get: false), Reply.NotNull);
        }

        /// <summary>SET ... GET: writes the value and returns the previous one (null if there was none).</summary>
        public string? SetAndGet(string key, object value, TimeSpan? ex = null, TimeSpan? px = null, bool nx = false, bool xx = false,
            bool keepTtl = false, DateTimeOffset? exAt = null, DateTimeOffset? pxAt = null)
        {
            return Run(BuildSet(key, value, ex, px, nx, xx, keepTtl, exAt, pxAt, get: true), Reply.String);
        }

        internal static List<object?> BuildSet(string key, object value, TimeSpan? ex, TimeSpan? px, bool nx, bool xx,
            bool keepTtl, DateTimeOffset? exAt, DateTimeOffset? pxAt, bool get)
        {
            if (nx && xx) throw new RedisDataException("SET: nx and xx are mutually exclusive.");
            int expiries = (ex.HasValue ? 1 : 0) + (px.HasValue ? 1 : 0) + (exAt.HasValue ? 1 : 0) + (pxAt.HasValue ? 1 : 0) + (keepTtl ? 1 : 0);
            if (expiries > 1) throw new RedisDataException("SET: give at most one of ex, px, exAt, pxAt and keepTtl.");
            var args = new List<object?>(8) { "SET", key, value };
            if (ex.HasValue) { args.Add("EX"); args.Add(Args.WholeSeconds(ex.Value, "ex")); }
            if (px.HasValue) { args.Add("PX"); args.Add(Args.WholeMilliseconds(px.Value, "px")); }
            if (exAt.HasValue) { args.Add("EXAT"); args.Add(exAt.Value.ToUnixTimeSeconds()); }
            if (pxAt.HasValue) { args.Add("PXAT"); args.Add(pxAt.Value.ToUnixTimeMilliseconds()); }
            if (keepTtl) args.Add("KEEPTTL");
            if (nx) args.Add("NX");
            if (xx) args.Add("XX");
            if (get) args.Add("GET");
            return args;
        }

        /// <summary>MGET: values in key order, null for missing keys.</summary>
        public IList<string?> MGet(params string[] keys) => Run(Args.Prepend("MGET", keys), Reply.StringList);

        /// <summary>MGET as raw bytes.</summary>
        public IList<byte[]?> MGetBytes(params string[] keys) => Run(Args.Prepend("MGET", keys), Reply.BytesList);

        /// <summary>MSET: sets every pair atomically.</summary>
        public bool MSet(IEnumerable<KeyValuePair<string, object>> mapping)
        {
            if (mapping == null) throw new ArgumentNullException(nameof(mapping));
            var args = new List<object?> { "MSET" };
            foreach (KeyValuePair<string, object> pair in mapping)
            {
                args.Add(pair.Key);
                args.Add(pair.Value);
            }
            if (args.Count == 1) throw new RedisDataException("MSET needs at least one key/value pair.");
            return Run(args, Reply.Ok);
        }
    }
}
