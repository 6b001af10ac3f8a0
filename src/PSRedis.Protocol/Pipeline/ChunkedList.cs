using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>
    /// An append-only list kept in fixed chunks of 1,024 items. A List grown to 100,000 entries would have
    /// reallocated and copied its array through the large-object heap several times (each such allocation
    /// counts toward a full collection); chunks stay small and are never copied.
    /// </summary>
    internal sealed class ChunkedList<T>
    {
        private const int ChunkShift = 10;
        private const int ChunkSize = 1 << ChunkShift;
        private const int ChunkMask = ChunkSize - 1;
        private readonly List<T[]> _chunks = new List<T[]>();

        public int Count { get; private set; }

        public T this[int index]
        {
            get
            {
                if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
                return _chunks[index >> ChunkShift][index & ChunkMask];
            }
        }

        public void Add(T item)
        {
            int slot = Count & ChunkMask;
            if (slot == 0 && (Count >> ChunkShift) == _chunks.Count) _chunks.Add(new T[Count == 0 ? 16 : ChunkSize]);
            T[] chunk = _chunks[Count >> ChunkShift];
            if (slot >= chunk.Length)
            {
                // Only the first chunk starts small (most pipelines are short); it grows to full size once.
                Array.Resize(ref chunk, ChunkSize);
                _chunks[Count >> ChunkShift] = chunk;
            }
            chunk[slot] = item;
            Count++;
        }

        public void Clear()
        {
            _chunks.Clear();
            Count = 0;
        }
    }
}
