using System;
using System.Collections.Generic;

namespace PSRedis
{
    /// <summary>
    /// Collects pipeline input for one connection at a time and hands it on in batches: when a batch is full,
    /// when input for another connection arrives (each key object carries its own), and at the end.
    /// </summary>
    internal sealed class ConnectionBatch<T>
    {
        private readonly List<T> _items;
        private readonly int _size;
        private readonly Action<RedisConnection, T[]> _send;
        private RedisConnection? _connection;

        public ConnectionBatch(int size, Action<RedisConnection, T[]> send)
        {
            _size = size;
            _items = new List<T>(size);
            _send = send;
        }

        public void Add(RedisConnection connection, T item)
        {
            if (_connection != null && !ReferenceEquals(_connection, connection)) Flush();
            _connection = connection;
            _items.Add(item);
            if (_items.Count >= _size) Flush();
        }

        public void Flush()
        {
            if (_items.Count == 0 || _connection == null) return;
            T[] items = _items.ToArray();
            _items.Clear();
            _send(_connection, items);
        }
    }
}
