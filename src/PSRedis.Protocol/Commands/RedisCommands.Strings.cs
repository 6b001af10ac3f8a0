using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    // String family: GET/SET and their variants, counters, ranges and the bit commands.
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

        internal static IReadOnlyList<object?> BuildSet(string key, object value, TimeSpan? ex, TimeSpan? px, bool nx, bool xx,
            bool keepTtl, DateTimeOffset? exAt, DateTimeOffset? pxAt, bool get)
        {
            if (nx && xx) throw new RedisDataException("SET: nx and xx are mutually exclusive.");
            int expiries = (ex.HasValue ? 1 : 0) + (px.HasValue ? 1 : 0) + (exAt.HasValue ? 1 : 0) + (pxAt.HasValue ? 1 : 0) + (keepTtl ? 1 : 0);
            if (expiries > 1) throw new RedisDataException("SET: give at most one of ex, px, exAt, pxAt and keepTtl.");
            // The plain SET is by far the most common (and is queued by the hundred thousand in pipelines): no list for it.
            if (expiries == 0 && !nx && !xx && !get) return new object?[] { "SET", key, value };
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

        /// <summary>MSETNX: sets every pair only if none of the keys exists; true when it set them.</summary>
        public bool MSetNx(IEnumerable<KeyValuePair<string, object>> mapping)
        {
            if (mapping == null) throw new ArgumentNullException(nameof(mapping));
            var args = new List<object?> { "MSETNX" };
            foreach (KeyValuePair<string, object> pair in mapping)
            {
                args.Add(pair.Key);
                args.Add(pair.Value);
            }
            if (args.Count == 1) throw new RedisDataException("MSETNX needs at least one key/value pair.");
            return Run(args, Reply.IsOne);
        }

        /// <summary>SETNX: sets the value only if the key does not exist; true when it did.</summary>
        public bool SetNx(string key, object value) => Run(new object?[] { "SETNX", key, value }, Reply.IsOne);

        /// <summary>SETEX: sets the value with an expiry in whole seconds.</summary>
        public bool SetEx(string key, TimeSpan time, object value) =>
            Run(new object?[] { "SETEX", key, Args.WholeSeconds(time, "time"), value }, Reply.Ok);

        /// <summary>PSETEX: sets the value with an expiry in milliseconds.</summary>
        public bool PSetEx(string key, TimeSpan time, object value) =>
            Run(new object?[] { "PSETEX", key, Args.WholeMilliseconds(time, "time"), value }, Reply.Ok);

        /// <summary>GETSET: writes the value and returns the previous one (null if there was none).</summary>
        public string? GetSet(string key, object value) => Run(new object?[] { "GETSET", key, value }, Reply.String);

        /// <summary>APPEND: appends to the string (creating it if needed); returns its new length in bytes.</summary>
        public long Append(string key, object value) => Run(new object?[] { "APPEND", key, value }, Reply.Integer);

        /// <summary>STRLEN: the length of the value in bytes (0 when the key does not exist).</summary>
        public long StrLen(string key) => Run(new object?[] { "STRLEN", key }, Reply.Integer);

        /// <summary>GETRANGE: the bytes from <paramref name="start"/> to <paramref name="end"/> (inclusive; negative counts from the end), as text.</summary>
        public string GetRange(string key, long start, long end) =>
            Run(new object?[] { "GETRANGE", key, start, end }, r => r.AsString() ?? string.Empty);

        /// <summary>GETRANGE as raw bytes, for binary values (a text cut could split a UTF-8 character).</summary>
        public byte[] GetRangeBytes(string key, long start, long end) =>
            Run(new object?[] { "GETRANGE", key, start, end }, r => r.Bytes ?? new byte[0]);

        /// <summary>SUBSTR: the old name of GETRANGE; <paramref name="end"/> defaults to the last byte.</summary>
        public string Substr(string key, long start, long end = -1) =>
            Run(new object?[] { "SUBSTR", key, start, end }, r => r.AsString() ?? string.Empty);

        /// <summary>SETRANGE: overwrites the value from byte <paramref name="offset"/> on (zero-padding as needed); returns the new length.</summary>
        public long SetRange(string key, long offset, object value)
        {
            if (offset < 0) throw new RedisDataException("SETRANGE: offset must not be negative.");
            return Run(new object?[] { "SETRANGE", key, offset, value }, Reply.Integer);
        }

        /// <summary>INCRBY: adds <paramref name="amount"/> to the integer value (a missing key counts as 0); returns the new value (redis-py incr).</summary>
        public long Incr(string key, long amount = 1) => Run(new object?[] { "INCRBY", key, amount }, Reply.Integer);

        /// <summary>INCRBY: the same as <see cref="Incr"/>, under redis-py's other name.</summary>
        public long IncrBy(string key, long amount = 1) => Incr(key, amount);

        /// <summary>DECRBY: subtracts <paramref name="amount"/> from the integer value (a missing key counts as 0); returns the new value (redis-py decr).</summary>
        public long Decr(string key, long amount = 1) => Run(new object?[] { "DECRBY", key, amount }, Reply.Integer);

        /// <summary>DECRBY: the same as <see cref="Decr"/>, under redis-py's other name.</summary>
        public long DecrBy(string key, long amount = 1) => Decr(key, amount);

        /// <summary>INCRBYFLOAT: adds a floating-point <paramref name="amount"/>; returns the new value.</summary>
        public double IncrByFloat(string key, double amount = 1.0)
        {
            if (double.IsNaN(amount) || double.IsInfinity(amount)) throw new RedisDataException("INCRBYFLOAT: amount must be a finite number.");
            return Run(new object?[] { "INCRBYFLOAT", key, amount }, Reply.Double);
        }

        /// <summary>GETBIT: the bit at <paramref name="offset"/> (false beyond the end of the value or for a missing key).</summary>
        public bool GetBit(string key, long offset)
        {
            if (offset < 0) throw new RedisDataException("GETBIT: offset must not be negative.");
            return Run(new object?[] { "GETBIT", key, offset }, Reply.IsOne);
        }

        /// <summary>SETBIT: sets or clears the bit at <paramref name="offset"/>; returns the bit's previous value.</summary>
        public bool SetBit(string key, long offset, bool value)
        {
            if (offset < 0) throw new RedisDataException("SETBIT: offset must not be negative.");
            return Run(new object?[] { "SETBIT", key, offset, value ? 1 : 0 }, Reply.IsOne);
        }

        /// <summary>
        /// BITCOUNT: the number of set bits, optionally only between <paramref name="start"/> and <paramref name="end"/>
        /// (inclusive; bytes unless <paramref name="unit"/> is <see cref="BitUnit.Bit"/>, Redis 7+).
        /// </summary>
        public long BitCount(string key, long? start = null, long? end = null, BitUnit? unit = null)
        {
            var args = new List<object?>(5) { "BITCOUNT", key };
            if (start.HasValue != end.HasValue) throw new RedisDataException("BITCOUNT: give both start and end, or neither.");
            if (start.HasValue) { args.Add(start.Value); args.Add(end!.Value); }
            if (unit.HasValue)
            {
                if (!start.HasValue) throw new RedisDataException("BITCOUNT: unit needs start and end.");
                args.Add(BitReplies.UnitWord(unit.Value));
            }
            return Run(args, Reply.Integer);
        }

        /// <summary>
        /// BITPOS: the position of the first bit equal to <paramref name="bit"/>, optionally searching only from
        /// <paramref name="start"/> to <paramref name="end"/> (bytes unless <paramref name="unit"/> says bits, Redis 7+).
        /// -1 when there is none, as the server returns it.
        /// </summary>
        public long BitPos(string key, bool bit, long? start = null, long? end = null, BitUnit? unit = null)
        {
            var args = new List<object?>(6) { "BITPOS", key, bit ? 1 : 0 };
            if (end.HasValue && !start.HasValue) throw new RedisDataException("BITPOS: end needs start.");
            if (unit.HasValue && !end.HasValue) throw new RedisDataException("BITPOS: unit needs start and end.");
            if (start.HasValue) args.Add(start.Value);
            if (end.HasValue) args.Add(end.Value);
            if (unit.HasValue) args.Add(BitReplies.UnitWord(unit.Value));
            return Run(args, Reply.Integer);
        }

        /// <summary>
        /// BITOP: combines the keys bit by bit with <paramref name="operation"/> and stores the result in
        /// <paramref name="destination"/>; returns its length in bytes. NOT takes exactly one key.
        /// </summary>
        public long BitOp(BitOperation operation, string destination, params string[] keys)
        {
            if (keys == null || keys.Length == 0) throw new RedisDataException("BITOP needs at least one source key.");
            if (operation == BitOperation.Not && keys.Length != 1) throw new RedisDataException("BITOP NOT takes exactly one source key.");
            var args = new object?[keys.Length + 3];
            args[0] = "BITOP";
            args[1] = BitReplies.OperationWord(operation);
            args[2] = destination;
            keys.CopyTo(args, 3);
            return Run(args, Reply.Integer);
        }

        /// <summary>
        /// BITFIELD: returns a builder to which GET, SET, INCRBY and OVERFLOW operations are added fluently;
        /// its <see cref="BitFieldOperation.Execute"/> sends them as one command. <paramref name="defaultOverflow"/>
        /// applies to INCRBY operations that name none (the server's default is WRAP).
        /// </summary>
        public BitFieldOperation BitField(string key, BitFieldOverflow? defaultOverflow = null) =>
            new BitFieldOperation(this, key, defaultOverflow);
    }
}
