using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Commands Redis 7.4 added, which the redis-py reference this client was built from does not name: the hash-field
    // expiry family HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL, HPTTL, HPERSIST, HEXPIRETIME, HPEXPIRETIME.
    // Each takes FIELDS numfields field... and answers one integer per field, in the order given.
    public abstract partial class RedisCommands
    {
        /// <summary>
        /// HEXPIRE: sets the time to live of <paramref name="fields"/> of the hash (whole seconds). Only when
        /// <paramref name="nx"/>: the field has no expiry, <paramref name="xx"/>: it has one, <paramref name="gt"/>/<paramref name="lt"/>:
        /// the new one is later/earlier (at most one of the four). Per field: 1 set, 0 condition not met, 2 deleted
        /// (the time was 0 or past), -2 no such field (or key).
        /// </summary>
        public IList<long> HExpire(string key, TimeSpan time, IEnumerable<string> fields, bool nx = false, bool xx = false, bool gt = false, bool lt = false) =>
            Run(Redis74Args.Expire("HEXPIRE", key, Args.WholeSeconds(time, "time"), fields, nx, xx, gt, lt), Redis74Replies.PerField);

        /// <summary>HPEXPIRE: as <see cref="HExpire"/> in milliseconds.</summary>
        public IList<long> HPExpire(string key, TimeSpan time, IEnumerable<string> fields, bool nx = false, bool xx = false, bool gt = false, bool lt = false) =>
            Run(Redis74Args.Expire("HPEXPIRE", key, Args.WholeMilliseconds(time, "time"), fields, nx, xx, gt, lt), Redis74Replies.PerField);

        /// <summary>HEXPIREAT: as <see cref="HExpire"/>, expiring at <paramref name="when"/> (Unix seconds).</summary>
        public IList<long> HExpireAt(string key, DateTimeOffset when, IEnumerable<string> fields, bool nx = false, bool xx = false, bool gt = false, bool lt = false) =>
            Run(Redis74Args.Expire("HEXPIREAT", key, when.ToUnixTimeSeconds(), fields, nx, xx, gt, lt), Redis74Replies.PerField);

        /// <summary>HPEXPIREAT: as <see cref="HExpireAt"/>, in Unix milliseconds.</summary>
        public IList<long> HPExpireAt(string key, DateTimeOffset when, IEnumerable<string> fields, bool nx = false, bool xx = false, bool gt = false, bool lt = false) =>
            Run(Redis74Args.Expire("HPEXPIREAT", key, when.ToUnixTimeMilliseconds(), fields, nx, xx, gt, lt), Redis74Replies.PerField);

        /// <summary>HTTL: per field, the seconds left to live; -1 no expiry, -2 no such field (or key).</summary>
        public IList<long> HTtl(string key, params string[] fields) => Run(Redis74Args.Fields("HTTL", key, fields), Redis74Replies.PerField);

        /// <summary>HPTTL: as <see cref="HTtl"/> in milliseconds.</summary>
        public IList<long> HPTtl(string key, params string[] fields) => Run(Redis74Args.Fields("HPTTL", key, fields), Redis74Replies.PerField);

        /// <summary>HEXPIRETIME: per field, when it expires in Unix seconds; -1 no expiry, -2 no such field (or key).</summary>
        public IList<long> HExpireTime(string key, params string[] fields) => Run(Redis74Args.Fields("HEXPIRETIME", key, fields), Redis74Replies.PerField);

        /// <summary>HPEXPIRETIME: as <see cref="HExpireTime"/> in Unix milliseconds.</summary>
        public IList<long> HPExpireTime(string key, params string[] fields) => Run(Redis74Args.Fields("HPEXPIRETIME", key, fields), Redis74Replies.PerField);

        /// <summary>HPERSIST: removes the expiry of <paramref name="fields"/>; per field 1 removed, -1 had none, -2 no such field (or key).</summary>
        public IList<long> HPersist(string key, params string[] fields) => Run(Redis74Args.Fields("HPERSIST", key, fields), Redis74Replies.PerField);
    }

    /// <summary>Argument builders of the Redis 7.4+ hash-field commands.</summary>
    internal static class Redis74Args
    {
        /// <summary>command key FIELDS numfields field...</summary>
        public static List<object?> Fields(string command, string key, IEnumerable<string> fields)
        {
            var args = new List<object?>(8) { command, key };
            AddFields(args, command, fields);
            return args;
        }

        /// <summary>command key time [NX|XX|GT|LT] FIELDS numfields field...</summary>
        public static List<object?> Expire(string command, string key, long time, IEnumerable<string> fields, bool nx, bool xx, bool gt, bool lt)
        {
            int conditions = (nx ? 1 : 0) + (xx ? 1 : 0) + (gt ? 1 : 0) + (lt ? 1 : 0);
            if (conditions > 1) throw new RedisDataException(command + ": give at most one of nx, xx, gt and lt.");
            var args = new List<object?>(10) { command, key, time };
            if (nx) args.Add("NX");
            if (xx) args.Add("XX");
            if (gt) args.Add("GT");
            if (lt) args.Add("LT");
            AddFields(args, command, fields);
            return args;
        }

        /// <summary>Appends FIELDS numfields field...; at least one field, none null.</summary>
        public static void AddFields(List<object?> args, string command, IEnumerable<string> fields)
        {
            if (fields == null) throw new ArgumentNullException(nameof(fields));
            args.Add("FIELDS");
            int countAt = args.Count;
            args.Add(0);
            foreach (string field in fields) args.Add(field ?? throw new RedisDataException(command + ": a field is null."));
            int count = args.Count - countAt - 1;
            if (count == 0) throw new RedisDataException(command + " needs at least one field.");
            args[countAt] = count;
        }
    }

    /// <summary>Reply parsers of the Redis 7.4+ hash-field commands.</summary>
    internal static class Redis74Replies
    {
        /// <summary>One integer per field; a null reply (a missing key, on some 7.4 builds) is an empty list.</summary>
        public static readonly Func<RespValue, IList<long>> PerField = r => r.IsNull ? new List<long>() : Reply.ToList(r, Reply.Integer);
    }
}
