using System;
using System.Collections.Generic;
using System.Management.Automation;
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

        /// <summary>A block's pipeline, and what its cmdlets asked to run once some of their replies were handled.</summary>
        internal sealed class Batch
        {
            private readonly List<KeyValuePair<int, Action<Cmdlet>>> _after = new List<KeyValuePair<int, Action<Cmdlet>>>();

            public Batch(RedisConnection connection, RedisPipeline pipeline)
            {
                Connection = connection;
                Pipeline = pipeline;
            }

            public RedisConnection Connection { get; }
            public RedisPipeline Pipeline { get; }

            /// <summary>Runs <paramref name="action"/> after the replies of every command queued so far (CommandQueue.Then).</summary>
            public void After(Action<Cmdlet> action) => _after.Add(new KeyValuePair<int, Action<Cmdlet>>(Pipeline.Count, action));

            /// <summary>
            /// Executes the pipeline, handing every reply to its handler and running the After actions in their places;
            /// <paramref name="first"/> runs once the batch is known to have been answered, before any of that output.
            /// </summary>
            public void Execute(Cmdlet output, Action first)
            {
                int next = 0;
                bool started = false;
                Pipeline.Execute(reply =>
                {
                    if (!started)
                    {
                        started = true;
                        first();
                    }
                    RunAfter(ref next, reply.Index, output);
                    CommandQueue.Handle(reply, output);
                });
                if (!started) first();
                RunAfter(ref next, int.MaxValue, output);
            }

            private void RunAfter(ref int next, int index, Cmdlet output)
            {
                while (next < _after.Count && _after[next].Key <= index) _after[next++].Value(output);
            }
        }

        /// <summary>Makes <paramref name="pipeline"/> collect the commands sent to <paramref name="connection"/> until disposed.</summary>
        public static IDisposable Enter(RedisConnection connection, RedisPipeline pipeline, out Batch batch)
        {
            Stack<Batch> batches = _batches ??= new Stack<Batch>();
            batch = new Batch(connection, pipeline);
            batches.Push(batch);
            return new Exit(batch);
        }

        /// <summary>The innermost batch collecting for <paramref name="connection"/>, or null.</summary>
        public static Batch? Find(RedisConnection connection)
        {
            if (_batches == null) return null;
            foreach (Batch batch in _batches)
            {
                if (ReferenceEquals(batch.Connection, connection)) return batch;
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
