using System;
using System.Collections.Generic;
using System.IO;

namespace PSRedis.Tests.Unit
{
    /// <summary>
    /// A read-only stream over a byte array that hands out data in small pieces, the way a socket does:
    /// at most <c>maxChunk</c> bytes per Read, and never across one of the given split offsets.
    /// After the last byte it returns 0 (end of stream), like a connection the server closed.
    /// </summary>
    public sealed class ChunkedStream : Stream
    {
        private readonly byte[] _data;
        private readonly int _maxChunk;
        private readonly int[] _splits;
        private int _position;

        /// <summary>Returns at most <paramref name="maxChunk"/> bytes per Read.</summary>
        public ChunkedStream(byte[] data, int maxChunk)
            : this(data, maxChunk, Array.Empty<int>())
        {
        }

        /// <summary>Returns at most <paramref name="maxChunk"/> bytes per Read.</summary>
        public static ChunkedStream MaxPerRead(byte[] data, int maxChunk) => new ChunkedStream(data, maxChunk, Array.Empty<int>());

        /// <summary>Never returns bytes from both sides of any offset in <paramref name="splitOffsets"/>.</summary>
        public static ChunkedStream SplitAt(byte[] data, params int[] splitOffsets) => new ChunkedStream(data, int.MaxValue, splitOffsets);

        private ChunkedStream(byte[] data, int maxChunk, int[] splits)
        {
            if (maxChunk < 1) throw new ArgumentOutOfRangeException(nameof(maxChunk));
            _data = data ?? throw new ArgumentNullException(nameof(data));
            _maxChunk = maxChunk;
            var sorted = new List<int>(splits);
            sorted.Sort();
            _splits = sorted.ToArray();
        }

        /// <summary>How many Read calls were made (including ones that returned 0).</summary>
        public int ReadCalls { get; private set; }

        /// <summary>Largest count a single Read returned.</summary>
        public int LargestRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset + count > buffer.Length) throw new ArgumentOutOfRangeException(nameof(count));
            ReadCalls++;
            int n = Math.Min(Math.Min(count, _maxChunk), _data.Length - _position);
            foreach (int split in _splits)
            {
                if (split > _position && split < _position + n)
                {
                    n = split - _position;
                    break;
                }
            }
            if (n <= 0) return 0;
            Buffer.BlockCopy(_data, _position, buffer, offset, n);
            _position += n;
            if (n > LargestRead) LargestRead = n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
