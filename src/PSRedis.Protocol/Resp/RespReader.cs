using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace PSRedis.Protocol.Resp
{
    /// <summary>
    /// Pull parser for RESP2 and RESP3 over a stream. It keeps its own read buffer and asks the stream for
    /// more whenever a reply is incomplete, so replies may arrive in any split, down to one byte at a time.
    /// Bulk payloads are copied once, from the buffer (or the stream) into the value's own array.
    /// </summary>
    public sealed class RespReader
    {
        /// <summary>Redis's own proto-max-bulk-len default: larger is treated as a corrupt header.</summary>
        public const long DefaultMaxBulkLength = 512L * 1024 * 1024;
        public const int DefaultMaxDepth = 64;
        public const int DefaultMaxAggregateLength = 256 * 1024 * 1024;
        private const int MaxLineLength = 1024 * 1024;
        private const int AggregatePreallocLimit = 4096;
        /// <summary>Bulk strings up to this size get their whole array at once; larger ones grow with the bytes that arrive.</summary>
        internal const int BulkChunk = 1024 * 1024;

        private readonly Stream _stream;
        private byte[] _buffer;
        private int _pos;
        private int _end;

        public RespReader(Stream stream, int bufferSize = 64 * 1024)
        {
            if (bufferSize < 16) throw new ArgumentOutOfRangeException(nameof(bufferSize));
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
            _buffer = new byte[bufferSize];
        }

        public long MaxBulkLength { get; set; } = DefaultMaxBulkLength;
        public int MaxDepth { get; set; } = DefaultMaxDepth;
        public int MaxAggregateLength { get; set; } = DefaultMaxAggregateLength;

        /// <summary>True when bytes of a further reply are already buffered.</summary>
        public bool HasBufferedData => _pos < _end;

        /// <summary>
        /// Reads whatever the stream has next into the buffer, blocking until at least one byte arrives. For
        /// callers that wait for a reply under a timeout of their own (pub/sub over TLS).
        /// </summary>
        public void ReadMore() => Fill();

        /// <summary>Forgets buffered bytes (after the connection was reset).</summary>
        public void Reset()
        {
            _pos = 0;
            _end = 0;
        }

        /// <summary>Reads one complete reply. Error replies are returned as values, not thrown.</summary>
        public RespValue ReadValue() => Read(0);

        private RespValue Read(int depth)
        {
            if (depth > MaxDepth)
                throw new RedisInvalidResponseException("Protocol error: reply nested deeper than " + MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels.");
            byte prefix = ReadByte();
            switch (prefix)
            {
                case (byte)'+': return ReadSimpleString();
                case (byte)'-': return RespValue.Error(ReadLineBytes());
                case (byte)':': return RespValue.Integer(ReadLineInteger());
                case (byte)'$':
                {
                    long length = ReadLineInteger();
                    if (length == -1) return RespValue.Null;
                    return RespValue.BulkString(ReadBulk(length));
                }
                case (byte)'!': return RespValue.Error(ReadBulk(ReadLineInteger()));
                case (byte)'=':
                {
                    byte[] raw = ReadBulk(ReadLineInteger());
                    if (raw.Length < 4 || raw[3] != (byte)':')
                        throw new RedisInvalidResponseException("Protocol error: verbatim string without a format prefix.");
                    string format = Encoding.ASCII.GetString(raw, 0, 3);
                    byte[] text = new byte[raw.Length - 4];
                    Buffer.BlockCopy(raw, 4, text, 0, text.Length);
                    return RespValue.Verbatim(format, text);
                }
                case (byte)'_':
                    ExpectEmptyLine();
                    return RespValue.Null;
                case (byte)'#':
                {
                    byte[] line = ReadLineBytes();
                    if (line.Length == 1 && line[0] == (byte)'t') return RespValue.True;
                    if (line.Length == 1 && line[0] == (byte)'f') return RespValue.False;
                    throw new RedisInvalidResponseException("Protocol error: invalid boolean '" + Printable(line) + "'.");
                }
                case (byte)',': return RespValue.Double(RespDouble.Parse(Encoding.ASCII.GetString(ReadLineBytes())));
                case (byte)'(':
                {
                    byte[] digits = ReadLineBytes();
                    if (!IsBigNumber(digits)) throw new RedisInvalidResponseException("Protocol error: invalid big number '" + Printable(digits) + "'.");
                    return RespValue.BigNumber(digits);
                }
                case (byte)'*': return ReadAggregate(RespType.Array, 1, depth);
                case (byte)'~': return ReadAggregate(RespType.Set, 1, depth);
                case (byte)'>': return ReadAggregate(RespType.Push, 1, depth);
                case (byte)'%': return ReadAggregate(RespType.Map, 2, depth);
                case (byte)'|':
                {
                    RespValue attributes = ReadAggregate(RespType.Attribute, 2, depth);
                    // The attributed reply counts as one level deeper, so a run of attribute headers is bounded
                    // by MaxDepth like any nesting (it used to recurse at the same depth without limit).
                    RespValue value = Read(depth + 1);
                    value = value.Type == RespType.Null || value.Type == RespType.Boolean || ReferenceEquals(value, RespValue.Ok) ? CloneShared(value) : value;
                    // Two attribute headers in a row both describe the reply: keep the entries of both.
                    value.Attributes = value.Attributes == null ? attributes : MergeAttributes(attributes, value.Attributes);
                    return value;
                }
                default:
                    throw new RedisInvalidResponseException("Protocol error: got '" + Printable(new[] { prefix }) + "' as reply type byte.");
            }
        }

        private static RespValue MergeAttributes(RespValue outer, RespValue inner)
        {
            var items = new RespValue[outer.Items.Count + inner.Items.Count];
            for (int i = 0; i < outer.Items.Count; i++) items[i] = outer.Items[i];
            for (int i = 0; i < inner.Items.Count; i++) items[outer.Items.Count + i] = inner.Items[i];
            return RespValue.Aggregate(RespType.Attribute, items);
        }

        // Null, booleans and OK are shared instances; one carrying attributes must be its own copy.
        private static RespValue CloneShared(RespValue value) =>
            value.Type == RespType.Null ? RespValue.FreshNull()
            : value.Type == RespType.SimpleString ? RespValue.SimpleString("OK")
            : RespValue.FreshBoolean(value.BooleanValue);

        private RespValue ReadAggregate(RespType type, int itemsPerEntry, int depth)
        {
            long count = ReadLineInteger();
            if (count == -1 && type == RespType.Array) return RespValue.Null;
            if (count < 0 || count > MaxAggregateLength / itemsPerEntry)
                throw new RedisInvalidResponseException("Protocol error: invalid " + type + " length " + count.ToString(CultureInfo.InvariantCulture) + ".");
            long total = count * itemsPerEntry;
            if (total <= AggregatePreallocLimit)
            {
                var items = new RespValue[total];
                for (int i = 0; i < items.Length; i++) items[i] = Read(depth + 1);
                return RespValue.Aggregate(type, items);
            }
            // A huge announced length is not trusted with a huge array up front: a corrupt or hostile header
            // would otherwise cost gigabytes before a single item arrived. The list grows with the items read.
            var list = new List<RespValue>(AggregatePreallocLimit);
            for (long i = 0; i < total; i++) list.Add(Read(depth + 1));
            return RespValue.Aggregate(type, list.ToArray());
        }

        private byte[] ReadBulk(long length)
        {
            if (length < 0 || length > MaxBulkLength)
                throw new RedisInvalidResponseException("Protocol error: invalid bulk length " + length.ToString(CultureInfo.InvariantCulture) + " (limit " + MaxBulkLength.ToString(CultureInfo.InvariantCulture) + ").");
            int available = _end - _pos;
            // The header is trusted only as far as the bytes behind it: a corrupt or hostile "$536870000" must not cost
            // 512 MB before a single byte of it arrived. Up to BulkChunk (or what is already buffered) the array is made
            // at its full size at once, which covers nearly every real value with one allocation; beyond that it doubles
            // as the bytes arrive, so what is allocated stays within twice what has arrived, plus one chunk.
            var data = new byte[Math.Min(length, Math.Max(available, BulkChunk))];
            int copied = 0;
            if (available > 0)
            {
                copied = (int)Math.Min(available, length);
                Buffer.BlockCopy(_buffer, _pos, data, 0, copied);
                _pos += copied;
            }
            while (copied < length)
            {
                if (copied == data.Length) Array.Resize(ref data, (int)Math.Min(length, (long)data.Length * 2));
                // The rest of a large value goes straight into its array; small tails go through the buffer.
                int want = data.Length - copied;
                if (_pos < _end)
                {
                    // Bytes of this value already buffered (left by a read that filled the array before it grew) go first.
                    int n = Math.Min(_end - _pos, want);
                    Buffer.BlockCopy(_buffer, _pos, data, copied, n);
                    _pos += n;
                    copied += n;
                }
                else if (want >= _buffer.Length / 2)
                {
                    int n = _stream.Read(data, copied, want);
                    if (n <= 0) throw Closed();
                    copied += n;
                }
                else
                {
                    Fill();
                }
            }
            if (ReadByte() != (byte)'\r' || ReadByte() != (byte)'\n')
                throw new RedisInvalidResponseException("Protocol error: bulk string not terminated by CRLF.");
            return data;
        }

        private byte ReadByte()
        {
            if (_pos >= _end) Fill();
            return _buffer[_pos++];
        }

        /// <summary>"+OK", the reply of most writes, is one shared value: a pipeline of writes keeps none per command.</summary>
        private RespValue ReadSimpleString()
        {
            int length = FindLine();
            if (length == 2 && _buffer[_pos] == (byte)'O' && _buffer[_pos + 1] == (byte)'K')
            {
                _pos += 4;
                return RespValue.Ok;
            }
            return RespValue.SimpleString(TakeLine(length));
        }

        /// <summary>Reads a line into a new array, without its CRLF.</summary>
        private byte[] ReadLineBytes() => TakeLine(FindLine());

        /// <summary>The line <see cref="FindLine"/> measured, copied out, and the position moved past its CRLF.</summary>
        private byte[] TakeLine(int length)
        {
            var line = new byte[length];
            Buffer.BlockCopy(_buffer, _pos, line, 0, length);
            _pos += length + 2;
            return line;
        }

        private void ExpectEmptyLine()
        {
            int length = FindLine();
            if (length != 0) throw new RedisInvalidResponseException("Protocol error: RESP3 null with a payload.");
            _pos += 2;
        }

        /// <summary>Parses a signed decimal line in place, without allocating.</summary>
        private long ReadLineInteger()
        {
            int length = FindLine();
            int i = _pos;
            int stop = _pos + length;
            bool negative = false;
            if (i < stop && (_buffer[i] == (byte)'-' || _buffer[i] == (byte)'+'))
            {
                negative = _buffer[i] == (byte)'-';
                i++;
            }
            if (i == stop || stop - i > 19) throw BadInteger(length);
            // Nineteen digits always fit in a ulong, so the magnitude is accumulated there and checked once:
            // this admits long.MinValue, whose magnitude is one more than long.MaxValue.
            ulong magnitude = 0;
            for (; i < stop; i++)
            {
                int digit = _buffer[i] - (byte)'0';
                if (digit < 0 || digit > 9) throw BadInteger(length);
                magnitude = magnitude * 10 + (ulong)digit;
            }
            ulong limit = negative ? (ulong)long.MaxValue + 1 : (ulong)long.MaxValue;
            if (magnitude > limit) throw BadInteger(length);
            _pos = stop + 2;
            return negative ? unchecked((long)(0UL - magnitude)) : (long)magnitude;
        }

        private Exception BadInteger(int length)
        {
            string text = Printable(_buffer, _pos, Math.Min(length, 40));
            return new RedisInvalidResponseException("Protocol error: invalid integer '" + text + "'.");
        }

        /// <summary>Returns the length of the line at _pos (without CRLF), filling the buffer until it is complete.</summary>
        private int FindLine()
        {
            int scanFrom = _pos;
            while (true)
            {
                for (int i = scanFrom; i + 1 < _end; i++)
                {
                    if (_buffer[i] == (byte)'\r')
                    {
                        if (_buffer[i + 1] != (byte)'\n') throw new RedisInvalidResponseException("Protocol error: CR not followed by LF.");
                        return i - _pos;
                    }
                }
                int scanned = Math.Max(_end - 1 - _pos, 0);
                if (scanned > MaxLineLength) throw new RedisInvalidResponseException("Protocol error: line longer than " + MaxLineLength.ToString(CultureInfo.InvariantCulture) + " bytes.");
                Fill();
                scanFrom = _pos + scanned;
            }
        }

        /// <summary>Reads more bytes, keeping unread ones; grows the buffer only for a line longer than it.</summary>
        private void Fill()
        {
            if (_pos > 0 && _pos == _end)
            {
                _pos = 0;
                _end = 0;
            }
            else if (_end == _buffer.Length)
            {
                if (_pos > 0)
                {
                    Buffer.BlockCopy(_buffer, _pos, _buffer, 0, _end - _pos);
                    _end -= _pos;
                    _pos = 0;
                }
                else
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
            }
            int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n <= 0) throw Closed();
            _end += n;
        }

        private static Exception Closed() => new RedisConnectionException("Connection closed by server.");

        private static bool IsBigNumber(byte[] digits)
        {
            int i = digits.Length > 0 && (digits[0] == (byte)'-' || digits[0] == (byte)'+') ? 1 : 0;
            if (i == digits.Length) return false;
            for (; i < digits.Length; i++)
            {
                if (digits[i] < (byte)'0' || digits[i] > (byte)'9') return false;
            }
            return true;
        }

        private static string Printable(byte[] bytes) => Printable(bytes, 0, Math.Min(bytes.Length, 40));

        private static string Printable(byte[] bytes, int offset, int count)
        {
            var sb = new StringBuilder(count);
            for (int i = offset; i < offset + count; i++)
            {
                byte b = bytes[i];
                if (b >= 32 && b < 127) sb.Append((char)b);
                else sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }
    }
}
