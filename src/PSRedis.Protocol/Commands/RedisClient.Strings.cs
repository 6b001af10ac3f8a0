using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // String family (first part): GET, SET, MGET, MSET.
    public sealed partial class RedisClient
    {
        /// <summary>GET as UTF-8 text; null when the key does not exist.</summary>
        public string? Get(string key) => Execute(new object?[] { "GET", key }).AsString();

        /// <summary>GET as raw bytes; null when the key does not exist.</summary>
        public byte[]? GetBytes(string key)
        {
            RespValue reply = Execute(new object?[] { "GET", key });
            return reply.IsNull ? null : reply.Bytes;
        }

        /// <summary>
        /// SET with redis-py's options. Returns true when the value was written, false when NX/XX stopped it.
        /// Expiry: <paramref name="ex"/> (whole seconds) or <paramref name="px"/> (milliseconds), or an absolute
        /// <paramref name="exAt"/>/<paramref name="pxAt"/>; <paramref name="keepTtl"/> keeps the current TTL.
        /// </summary>
        public bool Set(string key, object value, TimeSpan? ex = null, TimeSpan? px = null, bool nx = false, bool xx = false,
            bool keepTtl = false, DateTimeOffset? exAt = null, DateTimeOffset? pxAt = null)
        {
            RespValue reply = Execute(BuildSet(key, value, ex, px, nx, xx, keepTtl, exAt, pxAt, get: false));
            return !reply.IsNull;
        }

        /// <summary>SET ... GET: writes the value and returns the previous one (null if there was none).</summary>
        public string? SetAndGet(string key, object value, TimeSpan? ex = null, TimeSpan? px = null, bool nx = false, bool xx = false,
            bool keepTtl = false, DateTimeOffset? exAt = null, DateTimeOffset? pxAt = null)
        {
            return Execute(BuildSet(key, value, ex, px, nx, xx, keepTtl, exAt, pxAt, get: true)).AsString();
        }

        internal static List<object?> BuildSet(string key, object value, TimeSpan? ex, TimeSpan? px, bool nx, bool xx,
            bool keepTtl, DateTimeOffset? exAt, DateTimeOffset? pxAt, bool get)
        {
            if (nx && xx) throw new RedisDataException("SET: nx and xx are mutually exclusive.");
            int expiries = (ex.HasValue ? 1 : 0) + (px.HasValue ? 1 : 0) + (exAt.HasValue ? 1 : 0) + (pxAt.HasValue ? 1 : 0) + (keepTtl ? 1 : 0);
            if (expiries > 1) throw new RedisDataException("SET: give at most one of ex, px, exAt, pxAt and keepTtl.");
            var args = new List<object?>(8) { "SET", key, value };
            if (ex.HasValue) { args.Add("EX"); args.Add(WholeSeconds(ex.Value, "ex")); }
            if (px.HasValue) { args.Add("PX"); args.Add(WholeMilliseconds(px.Value, "px")); }
            if (exAt.HasValue) { args.Add("EXAT"); args.Add(exAt.Value.ToUnixTimeSeconds()); }
            if (pxAt.HasValue) { args.Add("PXAT"); args.Add(pxAt.Value.ToUnixTimeMilliseconds()); }
            if (keepTtl) args.Add("KEEPTTL");
            if (nx) args.Add("NX");
            if (xx) args.Add("XX");
            if (get) args.Add("GET");
            return args;
        }

        /// <summary>MGET: values in key order, null for missing keys.</summary>
        public IList<string?> MGet(params string[] keys)
        {
            RespValue reply = Execute(Prepend("MGET", keys));
            var values = new List<string?>(reply.Items.Count);
            foreach (RespValue item in reply.Items) values.Add(item.AsString());
            return values;
        }

        /// <summary>MGET as raw bytes.</summary>
        public IList<byte[]?> MGetBytes(params string[] keys)
        {
            RespValue reply = Execute(Prepend("MGET", keys));
            var values = new List<byte[]?>(reply.Items.Count);
            foreach (RespValue item in reply.Items) values.Add(item.IsNull ? null : item.Bytes);
            return values;
        }

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
            return IsOk(Execute(args));
        }

        internal static long WholeSeconds(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero) throw new RedisDataException(name + " must be a positive duration.");
            if (value.Ticks % TimeSpan.TicksPerSecond != 0)
                throw new RedisDataException(name + " takes whole seconds (" + value.ToString("c", CultureInfo.InvariantCulture) + " given); use px for milliseconds.");
            return (long)value.TotalSeconds;
        }

        internal static long WholeMilliseconds(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero) throw new RedisDataException(name + " must be a positive duration.");
            return value.Ticks / TimeSpan.TicksPerMillisecond;
        }

        internal static object?[] Prepend(string command, IReadOnlyList<string> keys)
        {
            if (keys == null || keys.Count == 0) throw new RedisDataException(command + " needs at least one key.");
            var args = new object?[keys.Count + 1];
            args[0] = command;
            for (int i = 0; i < keys.Count; i++) args[i + 1] = keys[i];
            return args;
        }

        internal static bool IsOk(RespValue reply) =>
            reply.Type == RespType.SimpleString && string.Equals(reply.AsString(), "OK", StringComparison.Ordinal);
    }
}
