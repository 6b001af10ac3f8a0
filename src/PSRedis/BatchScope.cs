using System;
using System.Collections.Generic;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// The batch that an enclosing Invoke-RedisPipeline or Invoke-RedisTransaction is collecting. Its script block
    /// runs synchronously on the thread of the enclosing cmdlet, so a thread-static stack finds it; work that moves
    /// to other threads (ForEach-Object -Parallel) is not batched, which is the safe outcome.
    /// </summary>
    internal static class BatchScope
    {
        [ThreadStatic]
        private static Stack<Batch>? _batches;

        internal sealed class Batch
        {
            public Batch(RedisConnection connection, RedisPipeline pipeline)
            {
                Connection = connection;
                Pipeline = pipeline;
            }

            public RedisConnection Connection { get; }
            public RedisPipeline Pipeline { get; }
        }

        /// <summary>Makes <paramref name="pipeline"/> collect the commands sent to <paramref name="connection"/> until disposed.</summary>
        public static IDisposable Enter(RedisConnection connection, RedisPipeline pipeline)
        {
            Stack<Batch> batches = _batches ??= new Stack<Batch>();
            var batch = new Batch(connection, pipeline);
            batches.Push(batch);
            return new Exit(batch);
        }

        /// <summary>The innermost batch collecting for <paramref name="connection"/>, or null.</summary>
        public static RedisPipeline? For(RedisConnection connection)
        {
            if (_batches == null) return null;
            foreach (Batch batch in _batches)
            {
                if (ReferenceEquals(batch.Connection, connection)) return batch.Pipeline;
            }
            return null;
        }

        private sealed class Exit : IDisposable
        {
            private Batch? _batch;

            public Exit(Batch batch) => _batch = batch;

            public void Dispose()
            {
                if (_batch == null || _batches == null) return;
                if (_batches.Count == 0 || !ReferenceEquals(_batches.Peek(), _batch))
                    throw new InvalidOperationException("Redis batches must end in the order they began.");
                _batches.Pop();
                _batch = null;
            }
        }
    }
}
