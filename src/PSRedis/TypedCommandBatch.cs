using System;
using System.Collections.Generic;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// Runs a batch of typed commands for a cmdlet: inside Invoke-RedisPipeline/Invoke-RedisTransaction they are
    /// queued on the enclosing batch (and the cmdlet emits nothing); otherwise they go in one round trip on a
    /// non-transactional pipeline of the client. Either way each item's outcome lands in its own slot: its parsed
    /// result, or the exception that stopped it (a bad argument before sending, or the server's error reply), so one
    /// bad key does not fail the others.
    /// </summary>
    internal static class TypedCommandBatch
    {
        /// <summary>The outcome of <see cref="Run"/>.</summary>
        internal sealed class Outcome
        {
            public Outcome(bool queued, object?[] results)
            {
                Queued = queued;
                Results = results;
            }

            /// <summary>True when the commands were queued on an enclosing batch: emit nothing, except queueing errors.</summary>
            public bool Queued { get; }

            /// <summary>Per item: the parsed result, or an <see cref="Exception"/> (when <see cref="Queued"/>, only queueing errors are set).</summary>
            public object?[] Results { get; }
        }

        /// <summary>
        /// Calls <paramref name="queue"/> once per item (0..count-1); each call must issue exactly one typed command on
        /// the commands it is given. Connection-level failures are thrown.
        /// </summary>
        public static Outcome Run(RedisConnection connection, int count, Action<RedisCommands, int> queue)
        {
            var results = new object?[count];
            RedisPipeline? outer = BatchScope.For(connection);
            if (outer != null)
            {
                for (int i = 0; i < count; i++)
                {
                    try { queue(outer, i); }
                    catch (RedisDataException e) { results[i] = e; }
                }
                return new Outcome(true, results);
            }

            using (RedisPipeline pipe = connection.Client.Pipeline(transaction: false))
            {
                var sent = new List<int>(count);
                for (int i = 0; i < count; i++)
                {
                    try
                    {
                        queue(pipe, i);
                        sent.Add(i);
                    }
                    catch (RedisDataException e)
                    {
                        results[i] = e;
                    }
                }
                if (sent.Count == 0) return new Outcome(false, results);
                IList<object?> replies = pipe.Execute(raiseOnError: false);
                for (int j = 0; j < sent.Count; j++) results[sent[j]] = replies[j];
            }
            return new Outcome(false, results);
        }
    }
}
