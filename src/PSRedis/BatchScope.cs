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

            /// <summary>What cmdlets said about some queued commands, by position: the error target and reply shape.</summary>
            public Dictionary<int, Slot> Slots { get; } = new Dictionary<int, Slot>();
        }

        /// <summary>How the batch cmdlet reports one queued command: the target of its error, and a shape for its reply.</summary>
        internal sealed class Slot
        {
            public Slot(object? target, Func<object?, object?>? shape)
            {
                Target = target;
                Shape = shape;
            }

            /// <summary>The ErrorRecord target when the command fails (a key); null: the command's name.</summary>
            public object? Target { get; }

            /// <summary>Turns the parsed reply into what the batch cmdlet emits (e.g. EXISTS' 1/0 into $true/$false).</summary>
            public Func<object?, object?>? Shape { get; }
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
        public static RedisPipeline? For(RedisConnection connection) => Find(connection)?.Pipeline;

        /// <summary>The innermost batch (with its slot notes) collecting for <paramref name="connection"/>, or null.</summary>
        public static Batch? Find(RedisConnection connection)
        {
            if (_batches == null) return null;
            foreach (Batch batch in _batches)
            {
                if (ReferenceEquals(batch.Connection, connection)) return batch;
            }
            return null;
        }

        /// <summary>
        /// Runs <paramref name="queue"/> against the batch for <paramref name="connection"/> and notes
        /// <paramref name="target"/> and <paramref name="shape"/> for every command it queued.
        /// </summary>
        public static void Queue(RedisConnection connection, object? target, Action<RedisCommands> queue, Func<object?, object?>? shape)
        {
            Batch batch = Find(connection) ?? throw new InvalidOperationException("No Redis batch is collecting for " + connection + ".");
            int before = batch.Pipeline.Count;
            queue(batch.Pipeline);
            if (target == null && shape == null) return;
            var slot = new Slot(target, shape);
            for (int i = before; i < batch.Pipeline.Count; i++) batch.Slots[i] = slot;
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
