using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace PSRedis.Protocol.Resp
{
    /// <summary>
    /// Writes commands as RESP arrays of bulk strings into a fixed buffer that is flushed to the stream when it
    /// fills, so a pipeline of any length never needs one buffer for the whole request.
    /// </summary>
    public sealed class RespWriter
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, true);
        private readonly Stream _stream;
        private readonly byte[] _buffer;
        private int _count;

        public RespWriter(Stream stream, int bufferSize = 16 * 1024)
        {
            if (bufferSize < 64) throw new ArgumentOutOfRangeException(nameof(bufferSize), "The buffer must hold at least 64 bytes.");
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
            _buffer = new byte[bufferSize];
        }

        /// <summary>Bytes written but not yet flushed.</summary>
        public int Pending => _count;

        /// <summary>Encodes one command to a new array (for tests and for callers that pack ahead of time).</summary>
        public static byte[] Encode(params object?[] args)
        {
            var ms = new MemoryStream();
            var writer = new RespWriter(ms);
            writer.WriteCommand(args);
            writer.Flush();
            return ms.ToArray();
        }

        /// <summary>Appends one command. Throws <see cref="RedisDataException"/> for an argument that cannot be sent, before anything is written.</summary>
        public void WriteCommand(IReadOnlyList<object?> args)
        {
            if (args == null || args.Count == 0) throw new RedisDataException("A command needs at least one argument (its name).");
            // Validate first so a bad argument never leaves half a command in the buffer.
            for (int i = 0; i < args.Count; i++) CheckArgument(args[i], i);
            WriteHeader((byte)'*', args.Count);
            for (int i = 0; i < args.Count; i++) WriteArgument(args[i]!);
        }

        public void Flush()
        {
            if (_count > 0)
            {
                _stream.Write(_buffer, 0, _count);
                _count = 0;
            }
            _stream.Flush();
        }

        /// <summary>Drops unflushed bytes (after a failure, so a retry starts clean).</summary>
        public void Reset() => _count = 0;

        internal static void CheckArgument(object? arg, int index)
        {
            switch (arg)
            {
                // Strings are encoded with a throwing UTF-8 encoder; a lone surrogate is caught here, before
                // anything is written, instead of failing halfway through the command with an ArgumentException.
                case string s:
                    int bad = IndexOfLoneSurrogate(s);
                    if (bad >= 0)
                        throw new RedisDataException("Invalid input at argument " + index.ToString(CultureInfo.InvariantCulture) + ": the string has an unpaired UTF-16 surrogate at index " + bad.ToString(CultureInfo.InvariantCulture) + " and cannot be encoded as UTF-8.");
                    return;
                case char c:
                    if (char.IsSurrogate(c))
                        throw new RedisDataException("Invalid input at argument " + index.ToString(CultureInfo.InvariantCulture) + ": a lone UTF-16 surrogate char cannot be encoded as UTF-8.");
                    return;
                case ArraySegment<byte> seg:
                    if (seg.Array == null)
                        throw new RedisDataException("Invalid input at argument " + index.ToString(CultureInfo.InvariantCulture) + ": an ArraySegment<byte> without an array (default value).");
                    return;
                case byte[] _:
                case int _:
                case long _:
                case short _:
                case sbyte _:
                case byte _:
                case uint _:
                case ulong _:
                case ushort _:
                case double _:
                case float _:
                case decimal _:
                    return;
                case null:
                    throw new RedisDataException("Invalid input of type: 'null' at argument " + index.ToString(CultureInfo.InvariantCulture) + ". Convert to a string, bytes or number first.");
                default:
                    throw new RedisDataException("Invalid input of type: '" + arg.GetType().Name + "' at argument " + index.ToString(CultureInfo.InvariantCulture) + ". Convert to a string, bytes or number first.");
            }
        }

        private static int IndexOfLoneSurrogate(string s)
        {
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (char.IsHighSurrogate(c))
                {
                    if (i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
                    else return i;
                }
                else if (char.IsLowSurrogate(c))
                {
                    return i;
                }
            }
            return -1;
        }

        private void WriteArgument(object arg)
        {
            switch (arg)
            {
                case string s: WriteString(s); break;
                case byte[] b: WriteBulk(b, 0, b.Length); break;
                case ArraySegment<byte> seg: WriteBulk(seg.Array!, seg.Offset, seg.Count); break;
                case char c: WriteString(c.ToString()); break;
                case int i: WriteAscii(i.ToString(CultureInfo.InvariantCulture)); break;
                case long l: WriteAscii(l.ToString(CultureInfo.InvariantCulture)); break;
                case double d: WriteAscii(RespDouble.Format(d)); break;
                case float f: WriteAscii(RespDouble.Format(f)); break;
                case decimal m: WriteAscii(m.ToString(CultureInfo.InvariantCulture)); break;
                default: WriteAscii(Convert.ToString(arg, CultureInfo.InvariantCulture)!); break;
            }
        }

        private void WriteString(string s)
        {
            int length = Utf8.GetByteCount(s);
            WriteHeader((byte)'$', length);
            if (length + 2 <= _buffer.Length - _count)
            {
                _count += Utf8.GetBytes(s, 0, s.Length, _buffer, _count);
                WriteCrlf();
            }
            else
            {
                byte[] bytes = Utf8.GetBytes(s);
                WriteRaw(bytes, 0, bytes.Length);
                WriteCrlf();
            }
        }

        private void WriteAscii(string s)
        {
            WriteHeader((byte)'$', s.Length);
            Ensure(s.Length + 2);
            for (int i = 0; i < s.Length; i++) _buffer[_count++] = (byte)s[i];
            WriteCrlf();
        }

        private void WriteBulk(byte[] data, int offset, int length)
        {
            WriteHeader((byte)'$', length);
            WriteRaw(data, offset, length);
            WriteCrlf();
        }

        private void WriteRaw(byte[] data, int offset, int length)
        {
            if (length <= _buffer.Length - _count)
            {
                Buffer.BlockCopy(data, offset, _buffer, _count, length);
                _count += length;
                return;
            }
            // Large values go straight to the stream instead of through the buffer.
            if (_count > 0)
            {
                _stream.Write(_buffer, 0, _count);
                _count = 0;
            }
            if (length < _buffer.Length / 2)
            {
                Buffer.BlockCopy(data, offset, _buffer, 0, length);
                _count = length;
            }
            else
            {
                _stream.Write(data, offset, length);
            }
        }

        private void WriteHeader(byte prefix, long value)
        {
            Ensure(24);
            _buffer[_count++] = prefix;
            // Lengths and counts are never negative. Digits are written from the end of their known width: the
            // generic Array.Reverse this replaced showed up in the profile of a pipelined SET.
            int width = 1;
            for (long rest = value / 10; rest > 0; rest /= 10) width++;
            int end = _count + width;
            for (int i = end - 1; i >= _count; i--)
            {
                _buffer[i] = (byte)('0' + (int)(value % 10));
                value /= 10;
            }
            _count = end;
            _buffer[_count++] = (byte)'\r';
            _buffer[_count++] = (byte)'\n';
        }

        private void WriteCrlf()
        {
            Ensure(2);
            _buffer[_count++] = (byte)'\r';
            _buffer[_count++] = (byte)'\n';
        }

        private void Ensure(int bytes)
        {
            if (_buffer.Length - _count < bytes)
            {
                _stream.Write(_buffer, 0, _count);
                _count = 0;
            }
        }
    }
}
