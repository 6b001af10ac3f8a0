using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;

namespace PSRedis.Protocol
{
    // Commands Redis 8.0 added, which the redis-py reference this client was built from does not name: HGETDEL,
    // HGETEX and HSETEX (hash fields read and deleted, or read or written with their expiry, in one command).
    public abstract partial class RedisCommands
    {
        /// <summary>HGETDEL: the values of <paramref name="fields"/> (null where missing), which are deleted; the key goes with its last field.</summary>
        public IList<string?> HGetDel(string key, params string[] fields) => Run(Redis74Args.Fields("HGETDEL", key, fields), Reply.StringList);

        /// <summary>
        /// HGETEX: the values of <paramref name="fields"/> (null where missing), setting their expiry at the same time:
        /// <paramref name="ex"/> (whole seconds), <paramref name="px"/> (milliseconds), <paramref name="exAt"/>,
        /// <paramref name="pxAt"/>, or <paramref name="persist"/> to remove it. At most one of them; none is a plain HMGET.
        /// </summary>
        public IList<string?> HGetEx(string key, IEnumerable<string> fields, TimeSpan? ex = null, TimeSpan? px = null, DateTimeOffset? exAt = null,
            DateTimeOffset? pxAt = null, bool persist = false)
        {
            var args = new List<object?>(10) { "HGETEX", key };
            Redis80Args.Expiry(args, "HGETEX", ex, px, exAt, pxAt, persist, "persist");
            Redis74Args.AddFields(args, "HGETEX", fields);
            return Run(args, Reply.StringList);
        }

        /// <summary>
        /// HSETEX: sets the fields of <paramref name="mapping"/> in the hash, all or none: only when none exists
        /// (<paramref name="fnx"/>) or all exist (<paramref name="fxx"/>). Their expiry: <paramref name="ex"/>,
        /// <paramref name="px"/>, <paramref name="exAt"/>, <paramref name="pxAt"/>, or <paramref name="keepTtl"/> to keep
        /// the one they have (none of them: no expiry). True when the fields were set.
        /// </summary>
        public bool HSetEx(string key, IDictionary mapping, bool fnx = false, bool fxx = false, TimeSpan? ex = null, TimeSpan? px = null,
            DateTimeOffset? exAt = null, DateTimeOffset? pxAt = null, bool keepTtl = false)
        {
            if (mapping == null) throw new ArgumentNullException(nameof(mapping));
            if (fnx && fxx) throw new RedisDataException("HSETEX: fnx and fxx are mutually exclusive.");
            var args = new List<object?>(12 + 2 * mapping.Count) { "HSETEX", key };
            if (fnx) args.Add("FNX");
            if (fxx) args.Add("FXX");
            Redis80Args.Expiry(args, "HSETEX", ex, px, exAt, pxAt, keepTtl, "keepTtl");
            args.Add("FIELDS");
            args.Add(mapping.Count);
            foreach (DictionaryEntry entry in mapping)
            {
                if (entry.Value == null)
                    throw new RedisDataException("HSETEX: the value of field '" + Convert.ToString(entry.Key, CultureInfo.InvariantCulture) + "' is null; convert it to a string, bytes or number first.");
                args.Add(entry.Key);
                args.Add(entry.Value);
            }
            if (mapping.Count == 0) throw new RedisDataException("HSETEX needs at least one field/value pair.");
            return Run(args, Reply.IsOne);
        }
    }

    /// <summary>Argument builders of the Redis 8.0 commands.</summary>
    internal static class Redis80Args
    {
        /// <summary>At most one of EX/PX/EXAT/PXAT and the flag word (PERSIST for HGETEX, KEEPTTL for HSETEX).</summary>
        public static void Expiry(List<object?> args, string command, TimeSpan? ex, TimeSpan? px, DateTimeOffset? exAt, DateTimeOffset? pxAt, bool flag, string flagName)
        {
            int options = (ex.HasValue ? 1 : 0) + (px.HasValue ? 1 : 0) + (exAt.HasValue ? 1 : 0) + (pxAt.HasValue ? 1 : 0) + (flag ? 1 : 0);
            if (options > 1) throw new RedisDataException(command + ": give at most one of ex, px, exAt, pxAt and " + flagName + ".");
            if (ex.HasValue) { args.Add("EX"); args.Add(Args.WholeSeconds(ex.Value, "ex")); }
            if (px.HasValue) { args.Add("PX"); args.Add(Args.WholeMilliseconds(px.Value, "px")); }
            if (exAt.HasValue) { args.Add("EXAT"); args.Add(exAt.Value.ToUnixTimeSeconds()); }
            if (pxAt.HasValue) { args.Add("PXAT"); args.Add(pxAt.Value.ToUnixTimeMilliseconds()); }
            if (flag) args.Add(flagName == "persist" ? "PERSIST" : "KEEPTTL");
        }
    }
}
