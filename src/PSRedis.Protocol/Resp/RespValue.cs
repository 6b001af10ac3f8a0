using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace PSRedis.Protocol.Resp
{
    /// <summary>The RESP2/RESP3 reply types.</summary>
    public enum RespType : byte
    {
        SimpleString,
        Error,
        Integer,
        BulkString,
        Array,
        Null,
        Boolean,
        Double,
        BigNumber,
        VerbatimString,
        Map,
        Set,
        Attribute,
        Push,
    }

    /// <summary>
    /// One parsed reply. Bytes are kept as received (a bulk string is copied once, from the socket buffer into
    /// its own array); conversion to .NET values happens only when asked, so binary values stay binary.
    /// </summary>
    public sealed class RespValue
    {
        public static readonly RespValue Null = new RespValue(RespType.Null);
        public static readonly RespValue True = new RespValue(RespType.Boolean) { _integer = 1 };
        public static readonly RespValue False = new RespValue(RespType.Boolean) { _integer = 0 };
        /// <summary>The simple string OK, shared by every reader (its bytes must not be changed).</summary>
        public static readonly RespValue Ok = new RespValue(RespType.SimpleString) { _bytes = new[] { (byte)'O', (byte)'K' } };
        private static readonly RespValue[] NoItems = new RespValue[0];

        private byte[]? _bytes;
        private long _integer;
        private double _double;
        private RespValue[]? _items;

        private RespValue(RespType type) { Type = type; }

        public RespType Type { get; }

        /// <summary>For a verbatim string, its three-letter format ("txt", "mkd").</summary>
        public string? Format { get; private set; }

        /// <summary>RESP3 attributes that preceded this reply, if any (a map reply).</summary>
        public RespValue? Attributes { get; internal set; }

        public bool IsNull => Type == RespType.Null;
        public bool IsError => Type == RespType.Error;
        public bool IsAggregate => _items != null;

        public static RespValue SimpleString(byte[] bytes) => new RespValue(RespType.SimpleString) { _bytes = bytes };
        public static RespValue Error(byte[] bytes) => new RespValue(RespType.Error) { _bytes = bytes };
        public static RespValue BulkString(byte[] bytes) => new RespValue(RespType.BulkString) { _bytes = bytes };
        public static RespValue BigNumber(byte[] digits) => new RespValue(RespType.BigNumber) { _bytes = digits };
        public static RespValue Integer(long value) => new RespValue(RespType.Integer) { _integer = value };
        public static RespValue Boolean(bool value) => value ? True : False;
        internal static RespValue FreshNull() => new RespValue(RespType.Null);
        internal static RespValue FreshBoolean(bool value) => new RespValue(RespType.Boolean) { _integer = value ? 1 : 0 };
        public static RespValue Double(double value) => new RespValue(RespType.Double) { _double = value };
        public static RespValue Verbatim(string format, byte[] text) => new RespValue(RespType.VerbatimString) { _bytes = text, Format = format };

        /// <summary>An aggregate. For Map and Attribute, items are keys and values alternating.</summary>
        public static RespValue Aggregate(RespType type, RespValue[] items)
        {
            if (type != RespType.Array && type != RespType.Set && type != RespType.Push && type != RespType.Map && type != RespType.Attribute)
                throw new ArgumentException("Not an aggregate type: " + type, nameof(type));
            if ((type == RespType.Map || type == RespType.Attribute) && items.Length % 2 != 0)
                throw new ArgumentException("A map needs an even number of items.", nameof(items));
            return new RespValue(type) { _items = items.Length == 0 ? NoItems : items };
        }

        public static RespValue SimpleString(string text) => SimpleString(Encoding.UTF8.GetBytes(text));
        public static RespValue Error(string text) => Error(Encoding.UTF8.GetBytes(text));
        public static RespValue BulkString(string text) => BulkString(Encoding.UTF8.GetBytes(text));

        /// <summary>Raw bytes of a string-like reply (simple, error, bulk, verbatim, big number), else null.</summary>
        public byte[]? Bytes => _bytes;

        /// <summary>Items of an aggregate (maps flattened as key, value, ...), else an empty list.</summary>
        public IReadOnlyList<RespValue> Items => _items ?? NoItems;

        public long Integer64
        {
            get
            {
                switch (Type)
                {
                    case RespType.Integer:
                    case RespType.Boolean:
                        return _integer;
                    case RespType.Double:
                        // NaN, infinities and values beyond long are not integers; say so in the client's own terms
                        // rather than with the OverflowException of a checked cast.
                        if (_double >= -9223372036854775808.0 && _double < 9223372036854775808.0) return (long)_double;
                        break;
                    case RespType.SimpleString:
                    case RespType.BulkString:
                    case RespType.BigNumber:
                        if (long.TryParse(AsString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n)) return n;
                        break;
                }
                throw new RedisInvalidResponseException("Expected an integer reply, got " + Describe());
            }
        }

        public double DoubleValue
        {
            get
            {
                switch (Type)
                {
                    case RespType.Double: return _double;
                    case RespType.Integer: return _integer;
                    case RespType.SimpleString:
                    case RespType.BulkString:
                    case RespType.BigNumber:
                        return RespDouble.Parse(AsString()!);
                }
                throw new RedisInvalidResponseException("Expected a number reply, got " + Describe());
            }
        }

        public bool BooleanValue => Type == RespType.Boolean ? _integer != 0 : Integer64 != 0;

        /// <summary>The reply as text (UTF-8), or null for a null reply. Numbers are formatted invariantly.</summary>
        public string? AsString()
        {
            switch (Type)
            {
                case RespType.Null: return null;
                case RespType.Integer: return _integer.ToString(CultureInfo.InvariantCulture);
                case RespType.Double: return RespDouble.Format(_double);
                case RespType.Boolean: return _integer != 0 ? "true" : "false";
            }
            if (_bytes != null) return Encoding.UTF8.GetString(_bytes);
            throw new RedisInvalidResponseException("Expected a string reply, got " + Describe());
        }

        /// <summary>The exception redis-py would raise for this error reply (ERR, WRONGTYPE, NOSCRIPT, ...).</summary>
        public RedisException ToException()
        {
            if (Type != RespType.Error) throw new InvalidOperationException("Not an error reply: " + Describe());
            return CarriedErrors.Of(this) ?? ServerErrors.Map(AsString() ?? string.Empty);
        }

        /// <summary>
        /// Converts to plain .NET values: strings (or byte[] when <paramref name="decode"/> is false), long,
        /// double, bool, null, object?[] for arrays/sets/pushes, Dictionary for maps, and an exception object
        /// for a nested error. Big numbers become System.Numerics-free decimal text (string).
        /// </summary>
        public object? ToObject(bool decode = true)
        {
            switch (Type)
            {
                case RespType.Null: return null;
                case RespType.Integer: return _integer;
                case RespType.Boolean: return _integer != 0;
                case RespType.Double: return _double;
                case RespType.Error: return ToException();
                case RespType.SimpleString: return AsString();
                case RespType.BigNumber: return AsString();
                case RespType.BulkString:
                case RespType.VerbatimString:
                    return decode ? (object?)AsString() : _bytes;
                case RespType.Map:
                case RespType.Attribute:
                    var map = new Dictionary<object, object?>();
                    for (int i = 0; i + 1 < _items!.Length; i += 2)
                    {
                        object key = _items[i].ToObject(decode) ?? string.Empty;
                        if (key is byte[] raw) key = Encoding.UTF8.GetString(raw);
                        map[key] = _items[i + 1].ToObject(decode);
                    }
                    return map;
                default:
                    var list = new object?[_items!.Length];
                    for (int i = 0; i < list.Length; i++) list[i] = _items[i].ToObject(decode);
                    return list;
            }
        }

        /// <summary>A short description for error messages; never the full payload.</summary>
        public string Describe()
        {
            switch (Type)
            {
                case RespType.Null: return "null";
                case RespType.Integer: return "integer " + _integer.ToString(CultureInfo.InvariantCulture);
                case RespType.Double: return "double " + RespDouble.Format(_double);
                case RespType.Boolean: return _integer != 0 ? "true" : "false";
            }
            if (_items != null) return Type + " of " + _items.Length.ToString(CultureInfo.InvariantCulture);
            int n = _bytes?.Length ?? 0;
            return Type + " (" + n.ToString(CultureInfo.InvariantCulture) + " bytes)";
        }

        public override string ToString()
        {
            if (_items != null || Type == RespType.Null) return Describe();
            string text = AsString() ?? string.Empty;
            return text.Length > 200 ? text.Substring(0, 200) + "..." : text;
        }
    }

    /// <summary>RESP3 doubles: "inf", "-inf", "nan" and invariant-culture numbers, both ways.</summary>
    public static class RespDouble
    {
        public static string Format(double value)
        {
            if (double.IsPositiveInfinity(value)) return "inf";
            if (double.IsNegativeInfinity(value)) return "-inf";
            if (double.IsNaN(value)) return "nan";
            return value.ToString("R", CultureInfo.InvariantCulture);
        }

        /// <summary>A float in its own shortest round-trip form (0.1f is "0.1", not the widened double's digits).</summary>
        public static string Format(float value)
        {
            if (float.IsPositiveInfinity(value)) return "inf";
            if (float.IsNegativeInfinity(value)) return "-inf";
            if (float.IsNaN(value)) return "nan";
            return value.ToString("R", CultureInfo.InvariantCulture);
        }

        public static double Parse(string text)
        {
            switch (text.ToLowerInvariant())
            {
                case "inf":
                case "+inf":
                case "infinity":
                case "+infinity":
                    return double.PositiveInfinity;
                case "-inf":
                case "-infinity":
                    return double.NegativeInfinity;
                case "nan":
                case "-nan":
                    return double.NaN;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
            throw new RedisInvalidResponseException("Not a number: '" + (text.Length > 40 ? text.Substring(0, 40) + "..." : text) + "'");
        }
    }
}
