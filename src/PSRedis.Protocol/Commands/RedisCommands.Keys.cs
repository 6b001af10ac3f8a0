using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>One SCAN page: the cursor to continue from (0 when done) and the keys it returned.</summary>
    public sealed class ScanPage
    {
        /// <summary>A page: the cursor to continue from and the keys returned.</summary>
        public ScanPage(ulong cursor, IReadOnlyList<string> keys)
        {
            Cursor = cursor;
            Keys = keys;
        }

        /// <summary>The cursor to pass to the next SCAN call; 0 when the iteration is complete.</summary>
        public ulong Cursor { get; }

        /// <summary>The keys of this page (possibly none, even when the iteration is not complete).</summary>
        public IReadOnlyList<string> Keys { get; }
    }

    /// <summary>What OBJECT reports about a key.</summary>
    public enum ObjectInfo
    {
        /// <summary>The internal encoding ("listpack", "hashtable", "int", "embstr", ...), as text.</summary>
        Encoding,
        /// <summary>The number of references to the value.</summary>
        RefCount,
        /// <summary>Seconds since the key was last accessed (not under an LFU maxmemory policy).</summary>
        IdleTime,
        /// <summary>The logarithmic access-frequency counter (only under an LFU maxmemory policy).</summary>
        Freq,
    }

    // Key family: DEL, UNLINK, EXISTS, TYPE, expiry (with 7.0's NX/XX/GT/LT, EXPIRETIME, PEXPIRETIME), RENAME, SCAN, KEYS,
    // RANDOMKEY, TOUCH, MOVE, DUMP/RESTORE, MIGRATE, OBJECT, SORT, SORT_RO, COPY.
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

        /// <summary>
        /// EXPIRE with a duration in whole seconds; false when the key does not exist or a condition (Redis 7.0+)
        /// stopped it: <paramref name="nx"/> only when it has no expiry, <paramref name="xx"/> only when it has one,
        /// <paramref name="gt"/>/<paramref name="lt"/> only when the new expiry is later/earlier than the current one.
        /// </summary>
        public bool Expire(string key, TimeSpan time, bool nx = false, bool xx = false, bool gt = false, bool lt = false) =>
            Run(ExpireArgs("EXPIRE", key, Args.WholeSeconds(time, "time"), nx, xx, gt, lt), Reply.IsOne);

        /// <summary>PEXPIRE with a duration in milliseconds; the conditions as <see cref="Expire"/>.</summary>
        public bool PExpire(string key, TimeSpan time, bool nx = false, bool xx = false, bool gt = false, bool lt = false) =>
            Run(ExpireArgs("PEXPIRE", key, Args.WholeMilliseconds(time, "time"), nx, xx, gt, lt), Reply.IsOne);

        /// <summary>EXPIREAT: the key expires at <paramref name="when"/> (whole seconds); the conditions as <see cref="Expire"/>.</summary>
        public bool ExpireAt(string key, DateTimeOffset when, bool nx = false, bool xx = false, bool gt = false, bool lt = false) =>
            Run(ExpireArgs("EXPIREAT", key, when.ToUnixTimeSeconds(), nx, xx, gt, lt), Reply.IsOne);

        /// <summary>PEXPIREAT: the key expires at <paramref name="when"/> (milliseconds); the conditions as <see cref="Expire"/>.</summary>
        public bool PExpireAt(string key, DateTimeOffset when, bool nx = false, bool xx = false, bool gt = false, bool lt = false) =>
            Run(ExpireArgs("PEXPIREAT", key, when.ToUnixTimeMilliseconds(), nx, xx, gt, lt), Reply.IsOne);

        /// <summary>EXPIRETIME (Redis 7.0+): the absolute Unix time in seconds at which the key expires; -1 without an expiry, -2 for a missing key.</summary>
        public long ExpireTime(string key) => Run(new object?[] { "EXPIRETIME", key }, Reply.Integer);

        /// <summary>PEXPIRETIME (Redis 7.0+): as <see cref="ExpireTime"/> in milliseconds.</summary>
        public long PExpireTime(string key) => Run(new object?[] { "PEXPIRETIME", key }, Reply.Integer);

        internal static object?[] ExpireArgs(string command, string key, long time, bool nx, bool xx, bool gt, bool lt)
        {
            int conditions = (nx ? 1 : 0) + (xx ? 1 : 0) + (gt ? 1 : 0) + (lt ? 1 : 0);
            if (conditions == 0) return new object?[] { command, key, time };
            // The server takes XX with GT or LT, but NX with nothing else, and not GT with LT.
            if (nx && conditions > 1) throw new RedisDataException(command + ": nx cannot be combined with xx, gt or lt.");
            if (gt && lt) throw new RedisDataException(command + ": gt and lt are mutually exclusive.");
            var args = new List<object?>(5) { command, key, time };
            if (nx) args.Add("NX");
            if (xx) args.Add("XX");
            if (gt) args.Add("GT");
            if (lt) args.Add("LT");
            return args.ToArray();
        }

        /// <summary>
        /// COPY (Redis 6.2+): copies <paramref name="source"/> to <paramref name="destination"/>, in database
        /// <paramref name="destinationDb"/> when given; <paramref name="replace"/> overwrites an existing destination.
        /// False when nothing was copied (no source, or the destination exists without <paramref name="replace"/>).
        /// </summary>
        public bool Copy(string source, string destination, int? destinationDb = null, bool replace = false)
        {
            var args = new List<object?>(6) { "COPY", source, destination };
            if (destinationDb.HasValue)
            {
                if (destinationDb.Value < 0) throw new RedisDataException("COPY: destinationDb cannot be negative.");
                args.Add("DB");
                args.Add(destinationDb.Value);
            }
            if (replace) args.Add("REPLACE");
            return Run(args, Reply.IsOne);
        }

        /// <summary>SORT_RO (Redis 7.0+): the read-only SORT (no STORE), which replicas serve; options as <see cref="Sort"/>.</summary>
        public IList<string?> SortRo(string key, long? start = null, long? num = null, string? by = null,
            IReadOnlyList<string>? get = null, bool desc = false, bool alpha = false)
        {
            List<object?> args = BuildSort(key, start, num, by, get, desc, alpha, store: null);
            args[0] = "SORT_RO";
            return Run(args, Reply.StringList);
        }

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

        /// <summary>
        /// KEYS: every key matching the glob-style <paramref name="pattern"/>. It walks the whole database in one
        /// blocking call, so on a large or busy server prefer ScanIter, which does the same in small steps.
        /// </summary>
        public IList<string> Keys(string pattern = "*") => Run(new object?[] { "KEYS", pattern }, KeyReplies.KeyList);

        /// <summary>RANDOMKEY: a random key of the selected database, or null when it is empty.</summary>
        public string? RandomKey() => Run(new object?[] { "RANDOMKEY" }, Reply.String);

        /// <summary>TOUCH: updates the last access time of the keys; returns how many of them exist.</summary>
        public long Touch(params string[] keys) => Run(Args.Prepend("TOUCH", keys), Reply.Integer);

        /// <summary>MOVE: moves the key to database <paramref name="db"/>; false when it does not exist here or already exists there.</summary>
        public bool Move(string key, int db)
        {
            if (db < 0) throw new RedisDataException("MOVE: db must not be negative.");
            return Run(new object?[] { "MOVE", key, db }, Reply.IsOne);
        }

        /// <summary>DUMP: the value serialized in Redis' own format (for <see cref="Restore"/>), or null when the key does not exist.</summary>
        public byte[]? Dump(string key) => Run(new object?[] { "DUMP", key }, Reply.Bytes);

        /// <summary>
        /// RESTORE: creates <paramref name="key"/> from a <see cref="Dump"/> of a value. <paramref name="ttl"/> is
        /// its time to live (<see cref="TimeSpan.Zero"/>: none), or with <paramref name="absTtl"/> the time since the
        /// Unix epoch at which it expires. <paramref name="replace"/> overwrites an existing key (otherwise that is a
        /// BUSYKEY error); <paramref name="idleTime"/> (whole seconds) or <paramref name="frequency"/> (0-255) seed
        /// the eviction data.
        /// </summary>
        public bool Restore(string key, TimeSpan ttl, byte[] value, bool replace = false, bool absTtl = false,
            TimeSpan? idleTime = null, int? frequency = null)
        {
            if (value == null) throw new ArgumentNullException(nameof(value));
            if (ttl < TimeSpan.Zero) throw new RedisDataException("RESTORE: ttl must not be negative (zero means no expiry).");
            if (idleTime.HasValue && frequency.HasValue) throw new RedisDataException("RESTORE: give idleTime or frequency, not both.");
            var args = new List<object?>(10) { "RESTORE", key, ttl.Ticks / TimeSpan.TicksPerMillisecond, value };
            if (replace) args.Add("REPLACE");
            if (absTtl) args.Add("ABSTTL");
            if (idleTime.HasValue)
            {
                if (idleTime.Value < TimeSpan.Zero) throw new RedisDataException("RESTORE: idleTime must not be negative.");
                args.Add("IDLETIME");
                args.Add(idleTime.Value.Ticks / TimeSpan.TicksPerSecond);
            }
            if (frequency.HasValue)
            {
                if (frequency.Value < 0 || frequency.Value > 255) throw new RedisDataException("RESTORE: frequency must be between 0 and 255.");
                args.Add("FREQ");
                args.Add(frequency.Value);
            }
            return Run(args, Reply.Ok);
        }

        /// <summary>
        /// MIGRATE: moves (or with <paramref name="copy"/> copies) the keys to database <paramref name="destinationDb"/>
        /// of the server at <paramref name="host"/>:<paramref name="port"/>. <paramref name="timeout"/> is the longest
        /// the transfer may stay idle. <paramref name="replace"/> overwrites keys that exist there. <paramref name="auth"/>
        /// is the target's password (with <paramref name="authUsername"/>: an ACL user's). Returns false when none of
        /// the keys existed (NOKEY).
        /// </summary>
        public bool Migrate(string host, int port, IReadOnlyList<string> keys, int destinationDb, TimeSpan timeout,
            bool copy = false, bool replace = false, string? auth = null, string? authUsername = null)
        {
            if (string.IsNullOrEmpty(host)) throw new RedisDataException("MIGRATE: host is required.");
            if (port <= 0 || port > 65535) throw new RedisDataException("MIGRATE: port must be between 1 and 65535.");
            if (keys == null || keys.Count == 0) throw new RedisDataException("MIGRATE needs at least one key.");
            if (destinationDb < 0) throw new RedisDataException("MIGRATE: destinationDb must not be negative.");
            if (authUsername != null && auth == null) throw new RedisDataException("MIGRATE: authUsername needs auth (the password).");
            var args = new List<object?>(12 + keys.Count)
            {
                // An empty key slot plus KEYS works for one key as well as many.
                "MIGRATE", host, port, "", destinationDb, Args.WholeMilliseconds(timeout, "timeout"),
            };
            if (copy) args.Add("COPY");
            if (replace) args.Add("REPLACE");
            if (authUsername != null) { args.Add("AUTH2"); args.Add(authUsername); args.Add(auth); }
            else if (auth != null) { args.Add("AUTH"); args.Add(auth); }
            args.Add("KEYS");
            for (int i = 0; i < keys.Count; i++) args.Add(keys[i]);
            return Run(args, Reply.Ok);
        }

        /// <summary>
        /// OBJECT &lt;infotype&gt;: internals of the key's value: a string for <see cref="ObjectInfo.Encoding"/>, a long
        /// for the others; null when the key does not exist.
        /// </summary>
        public object? Object(ObjectInfo infotype, string key)
        {
            string word;
            switch (infotype)
            {
                case ObjectInfo.Encoding: return Run(new object?[] { "OBJECT", "ENCODING", key }, r => (object?)r.AsString());
                case ObjectInfo.RefCount: word = "REFCOUNT"; break;
                case ObjectInfo.IdleTime: word = "IDLETIME"; break;
                case ObjectInfo.Freq: word = "FREQ"; break;
                default: throw new RedisDataException("Unknown OBJECT infotype: " + infotype + ".");
            }
            return Run(new object?[] { "OBJECT", word, key }, r => r.IsNull ? null : (object?)r.Integer64);
        }

        /// <summary>
        /// SORT: the elements of the list, set or sorted set at <paramref name="key"/>, sorted numerically (or with
        /// <paramref name="alpha"/> as text; <paramref name="desc"/> reverses). <paramref name="start"/> and
        /// <paramref name="num"/> page through the result; <paramref name="by"/> sorts by external keys ("weight_*",
        /// or "nosort"); <paramref name="get"/> returns values of external keys instead ("#" is the element itself),
        /// one after another for each element; null where such a key does not exist.
        /// </summary>
        public IList<string?> Sort(string key, long? start = null, long? num = null, string? by = null,
            IReadOnlyList<string>? get = null, bool desc = false, bool alpha = false) =>
            Run(BuildSort(key, start, num, by, get, desc, alpha, store: null), Reply.StringList);

        /// <summary>
        /// SORT with several <paramref name="get"/> patterns (redis-py's groups=True): one list per element, holding
        /// the value of each pattern in order.
        /// </summary>
        public IList<IList<string?>> SortGroups(string key, IReadOnlyList<string> get, long? start = null, long? num = null,
            string? by = null, bool desc = false, bool alpha = false)
        {
            if (get == null || get.Count < 2)
                throw new RedisDataException("SORT groups: get must name at least two patterns.");
            int width = get.Count;
            return Run(BuildSort(key, start, num, by, get, desc, alpha, store: null), r => KeyReplies.Groups(r, width));
        }

        /// <summary>SORT ... STORE: sorts as <see cref="Sort"/> does and stores the result as a list at <paramref name="store"/>; returns its length.</summary>
        public long SortStore(string key, string store, long? start = null, long? num = null, string? by = null,
            IReadOnlyList<string>? get = null, bool desc = false, bool alpha = false)
        {
            if (string.IsNullOrEmpty(store)) throw new RedisDataException("SORT: store needs a destination key.");
            return Run(BuildSort(key, start, num, by, get, desc, alpha, store), Reply.Integer);
        }

        internal static List<object?> BuildSort(string key, long? start, long? num, string? by, IReadOnlyList<string>? get,
            bool desc, bool alpha, string? store)
        {
            if (start.HasValue != num.HasValue) throw new RedisDataException("SORT: give both start and num, or neither.");
            var args = new List<object?>(12) { "SORT", key };
            if (by != null) { args.Add("BY"); args.Add(by); }
            if (start.HasValue) { args.Add("LIMIT"); args.Add(start.Value); args.Add(num!.Value); }
            if (get != null)
            {
                for (int i = 0; i < get.Count; i++) { args.Add("GET"); args.Add(get[i]); }
            }
            if (desc) args.Add("DESC");
            if (alpha) args.Add("ALPHA");
            if (store != null) { args.Add("STORE"); args.Add(store); }
            return args;
        }
    }

    /// <summary>Parsers of the key family.</summary>
    internal static class KeyReplies
    {
        public static readonly Func<RespValue, IList<string>> KeyList = r => Reply.ToList(r, k => k.AsString() ?? string.Empty);

        /// <summary>Cuts SORT's flat GET results into one list per element.</summary>
        public static IList<IList<string?>> Groups(RespValue reply, int width)
        {
            IReadOnlyList<RespValue> items = reply.Items;
            if (items.Count % width != 0)
                throw new RedisInvalidResponseException("SORT with " + width + " GET patterns returned " + items.Count + " values.");
            var groups = new List<IList<string?>>(items.Count / width);
            for (int i = 0; i < items.Count; i += width)
            {
                var group = new string?[width];
                for (int j = 0; j < width; j++) group[j] = items[i + j].AsString();
                groups.Add(group);
            }
            return groups;
        }
    }
}
