using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>The bitwise operations of BITOP.</summary>
    public enum BitOperation
    {
        /// <summary>Bitwise AND of all source keys.</summary>
        And,
        /// <summary>Bitwise OR of all source keys.</summary>
        Or,
        /// <summary>Bitwise XOR of all source keys.</summary>
        Xor,
        /// <summary>Bitwise NOT of a single source key.</summary>
        Not,
    }

    /// <summary>Whether BITCOUNT/BITPOS ranges count bytes (the default) or bits (Redis 7+).</summary>
    public enum BitUnit
    {
        /// <summary>start and end are byte indexes.</summary>
        Byte,
        /// <summary>start and end are bit indexes.</summary>
        Bit,
    }

    /// <summary>What a BITFIELD INCRBY does when the result does not fit the field.</summary>
    public enum BitFieldOverflow
    {
        /// <summary>Wrap around (the server's default).</summary>
        Wrap,
        /// <summary>Saturate at the field's minimum or maximum.</summary>
        Sat,
        /// <summary>Do nothing and return null for that operation.</summary>
        Fail,
    }

    /// <summary>
    /// A BITFIELD command being built, as redis-py's BitFieldOperation: add operations fluently, then
    /// <see cref="Execute"/> sends them all as one command. Field types are "i&lt;bits&gt;" (signed, 1-64) or
    /// "u&lt;bits&gt;" (unsigned, 1-63); offsets are bit positions, or "#n" for the n-th field of the type's width.
    /// </summary>
    public sealed class BitFieldOperation
    {
        private readonly RedisCommands _commands;
        private readonly BitFieldOverflow? _defaultOverflow;
        private readonly List<object?> _operations = new List<object?>();
        private BitFieldOverflow _lastOverflow;

        internal BitFieldOperation(RedisCommands commands, string key, BitFieldOverflow? defaultOverflow)
        {
            _commands = commands ?? throw new ArgumentNullException(nameof(commands));
            Key = key ?? throw new ArgumentNullException(nameof(key));
            _defaultOverflow = defaultOverflow;
            Reset();
        }

        /// <summary>The key the operations apply to.</summary>
        public string Key { get; }

        /// <summary>Removes every operation added so far (Execute does this too).</summary>
        public BitFieldOperation Reset()
        {
            _operations.Clear();
            // The server starts every BITFIELD at WRAP, so a default of WRAP needs no OVERFLOW word.
            _lastOverflow = BitFieldOverflow.Wrap;
            Overflow(_defaultOverflow ?? BitFieldOverflow.Wrap);
            return this;
        }

        /// <summary>Sets the overflow behaviour of the INCRBY operations that follow.</summary>
        public BitFieldOperation Overflow(BitFieldOverflow overflow)
        {
            if (overflow != _lastOverflow)
            {
                _lastOverflow = overflow;
                _operations.Add("OVERFLOW");
                _operations.Add(OverflowWord(overflow));
            }
            return this;
        }

        /// <summary>Adds GET: reads the field of <paramref name="type"/> at bit <paramref name="offset"/>.</summary>
        public BitFieldOperation Get(string type, long offset) => Add("GET", type, Offset(offset));

        /// <summary>Adds GET with a textual offset ("#n" multiplies by the type's width).</summary>
        public BitFieldOperation Get(string type, string offset) => Add("GET", type, Offset(offset));

        /// <summary>Adds SET: writes <paramref name="value"/> into the field; its result is the field's old value.</summary>
        public BitFieldOperation Set(string type, long offset, long value) => Add("SET", type, Offset(offset), value);

        /// <summary>Adds SET with a textual offset ("#n" multiplies by the type's width).</summary>
        public BitFieldOperation Set(string type, string offset, long value) => Add("SET", type, Offset(offset), value);

        /// <summary>
        /// Adds INCRBY: adds <paramref name="increment"/> to the field; its result is the new value (null when
        /// overflow is FAIL and it would overflow). <paramref name="overflow"/> changes the overflow behaviour
        /// from here on, as <see cref="Overflow"/> does.
        /// </summary>
        public BitFieldOperation IncrBy(string type, long offset, long increment, BitFieldOverflow? overflow = null)
        {
            if (overflow.HasValue) Overflow(overflow.Value);
            return Add("INCRBY", type, Offset(offset), increment);
        }

        /// <summary>Adds INCRBY with a textual offset ("#n" multiplies by the type's width).</summary>
        public BitFieldOperation IncrBy(string type, string offset, long increment, BitFieldOverflow? overflow = null)
        {
            if (overflow.HasValue) Overflow(overflow.Value);
            return Add("INCRBY", type, Offset(offset), increment);
        }

        /// <summary>The command as it will be sent: BITFIELD, the key and the operations.</summary>
        public IReadOnlyList<object?> Command
        {
            get
            {
                var args = new List<object?>(_operations.Count + 2) { "BITFIELD", Key };
                args.AddRange(_operations);
                return args;
            }
        }

        /// <summary>
        /// Sends the operations as one BITFIELD command and clears the builder. Returns one result per GET, SET
        /// and INCRBY in order (null for an INCRBY that failed on overflow); in a pipeline the results come with
        /// the pipeline's.
        /// </summary>
        public IList<long?> Execute()
        {
            IReadOnlyList<object?> args = Command;
            Reset();
            return _commands.Run(args, ParseReply);
        }

        /// <summary>The parser Execute uses: pure, so a pipeline can apply it later.</summary>
        internal static readonly Func<RespValue, IList<long?>> ParseReply = r => Reply.ToList(r, Reply.NullableInteger);

        private BitFieldOperation Add(string operation, string type, string offset, long? value = null)
        {
            _operations.Add(operation);
            _operations.Add(CheckType(type));
            _operations.Add(offset);
            if (value.HasValue) _operations.Add(value.Value);
            return this;
        }

        private static string CheckType(string type)
        {
            if (type != null && type.Length >= 2 && (type[0] == 'i' || type[0] == 'u' || type[0] == 'I' || type[0] == 'U')
                && int.TryParse(type.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out int bits))
            {
                bool signed = type[0] == 'i' || type[0] == 'I';
                if (bits >= 1 && bits <= (signed ? 64 : 63)) return type.ToLowerInvariant();
            }
            throw new RedisDataException("BITFIELD: type must be i1..i64 or u1..u63, got '" + type + "'.");
        }

        private static string Offset(long offset)
        {
            if (offset < 0) throw new RedisDataException("BITFIELD: offset must not be negative.");
            return offset.ToString(CultureInfo.InvariantCulture);
        }

        private static string Offset(string offset)
        {
            if (offset != null)
            {
                string digits = offset.StartsWith("#", StringComparison.Ordinal) ? offset.Substring(1) : offset;
                if (digits.Length > 0 && ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out _)) return offset;
            }
            throw new RedisDataException("BITFIELD: offset must be a bit position or '#n' (n-th field), got '" + offset + "'.");
        }

        internal static string OverflowWord(BitFieldOverflow overflow)
        {
            switch (overflow)
            {
                case BitFieldOverflow.Wrap: return "WRAP";
                case BitFieldOverflow.Sat: return "SAT";
                case BitFieldOverflow.Fail: return "FAIL";
                default: throw new RedisDataException("Unknown BITFIELD overflow: " + overflow + ".");
            }
        }
    }

    /// <summary>Words and parsers of the bit commands.</summary>
    internal static class BitReplies
    {
        public static string UnitWord(BitUnit unit)
        {
            switch (unit)
            {
                case BitUnit.Byte: return "BYTE";
                case BitUnit.Bit: return "BIT";
                default: throw new RedisDataException("Unknown bit unit: " + unit + ".");
            }
        }

        public static string OperationWord(BitOperation operation)
        {
            switch (operation)
            {
                case BitOperation.And: return "AND";
                case BitOperation.Or: return "OR";
                case BitOperation.Xor: return "XOR";
                case BitOperation.Not: return "NOT";
                default: throw new RedisDataException("Unknown BITOP operation: " + operation + ".");
            }
        }
    }
}
