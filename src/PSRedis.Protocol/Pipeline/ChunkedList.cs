using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A list kept in fixed chunks of 1,024 items that grows at the end and can drop items from the front. A List grown
    /// to 100,000 entries would have reallocated and copied its array through the large-object heap several times (each
    /// such allocation counts toward a full collection); chunks stay small and are never copied. Indexes are absolute:
    /// dropping the front does not renumber what is left, so a streaming pipeline can keep a window of a million.
    /// </summary>
    internal sealed class ChunkedList<T>
    {
        private const int ChunkShift = 10;
        private const int ChunkSize = 1 << ChunkShift;
        private const int ChunkMask = ChunkSize - 1;
        private readonly List<T[]> _chunks = new List<T[]>();
        // Absolute index of the first item of _chunks[0]; always a multiple of ChunkSize.
        private int _base;

        /// <summary>Items ever added since the last <see cref="Clear"/> (dropped ones included).</summary>
        public int Count { get; private set; }

        public T this[int index]
        {
            get
            {
                if (index < _base || index >= Count) throw new ArgumentOutOfRangeException(nameof(index));
                int local = index - _base;
                return _chunks[local >> ChunkShift][local & ChunkMask];
            }
        }

        public void Add(T item)
        {
            int local = Count - _base;
            int slot = local & ChunkMask;
            if (slot == 0 && (local >> ChunkShift) == _chunks.Count) _chunks.Add(new T[Count == 0 ? 16 : ChunkSize]);
            T[] chunk = _chunks[local >> ChunkShift];
            if (slot >= chunk.Length)
            {
                // Only the very first chunk starts small (most pipelines are short); it grows to full size once.
                Array.Resize(ref chunk, ChunkSize);
                _chunks[local >> ChunkShift] = chunk;
            }
            chunk[slot] = item;
            Count++;
        }

        /// <summary>Lets go of what item <paramref name="index"/> refers to (its slot becomes the default value).</summary>
        public void Forget(int index)
        {
            if (index < _base || index >= Count) throw new ArgumentOutOfRangeException(nameof(index));
            int local = index - _base;
            _chunks[local >> ChunkShift][local & ChunkMask] = default!;
        }

        /// <summary>Lets go of the whole chunks that hold only items before <paramref name="index"/>.</summary>
        public void DropBefore(int index)
        {
            while (_chunks.Count > 1 && index - _base >= ChunkSize)
            {
                _chunks.RemoveAt(0);
                _base += ChunkSize;
            }
        }

        public void Clear()
        {
            _chunks.Clear();
            _base = 0;
            Count = 0;
        }
    }
}
