using System;
using System.Collections.Generic;
using System.Threading;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Pipelines and transactions (redis-py's pipeline() and transaction()).
    public sealed partial class RedisClient
    {
        /// <summary>
        /// A new pipeline: commands queued on it are sent in one write by <see cref="RedisPipeline.Execute"/>.
        /// <paramref name="transaction"/> (the default, as in redis-py) runs them atomically inside MULTI/EXEC.
        /// </summary>
        public RedisPipeline Pipeline(bool transaction = true) => new RedisPipeline(this, transaction);

        /// <summary>
        /// Runs <paramref name="func"/> as an optimistic transaction: WATCHes <paramref name="watches"/>, calls func
        /// (whose commands run at once until it calls <see cref="RedisPipeline.Multi"/>, then are queued), executes,
        /// and starts over from the WATCH whenever a watched key changed meanwhile. Returns the EXEC results.
        /// </summary>
        public IList<object?> Transaction(Action<RedisPipeline> func, params string[] watches) =>
            Transaction(func, null, watches);

        /// <summary>
        /// <see cref="Transaction(Action{RedisPipeline}, string[])"/>, waiting <paramref name="watchDelay"/> before each
        /// retry after a watch conflict (redis-py's watch_delay).
        /// </summary>
        public IList<object?> Transaction(Action<RedisPipeline> func, TimeSpan? watchDelay, params string[] watches)
        {
            if (func == null) throw new ArgumentNullException(nameof(func));
            return RunTransaction<object?>(pipe => { func(pipe); return null; }, watchDelay, watches).Item2;
        }

        /// <summary>
        /// <see cref="Transaction(Action{RedisPipeline}, string[])"/> that returns what <paramref name="func"/> returned
        /// on the attempt that committed, instead of the EXEC results (redis-py's value_from_callable=True).
        /// </summary>
        public T TransactionValue<T>(Func<RedisPipeline, T> func, params string[] watches) =>
            TransactionValue(func, null, watches);

        /// <summary><see cref="TransactionValue{T}(Func{RedisPipeline, T}, string[])"/> with a delay before each retry.</summary>
        public T TransactionValue<T>(Func<RedisPipeline, T> func, TimeSpan? watchDelay, params string[] watches)
        {
            if (func == null) throw new ArgumentNullException(nameof(func));
            return RunTransaction(func, watchDelay, watches).Item1;
        }

        private Tuple<T, IList<object?>> RunTransaction<T>(Func<RedisPipeline, T> func, TimeSpan? watchDelay, string[]? watches)
        {
            if (watchDelay.HasValue && watchDelay.Value < TimeSpan.Zero) throw new RedisDataException("watchDelay cannot be negative.");
            using (RedisPipeline pipe = Pipeline(transaction: true))
            {
                while (true)
                {
                    try
                    {
                        if (watches != null && watches.Length > 0) pipe.Watch(watches);
                        T value = func(pipe);
                        IList<object?> results = pipe.Execute();
                        return Tuple.Create(value, results);
                    }
                    catch (RedisWatchException)
                    {
                        // Someone changed a watched key first: Execute already reset the pipeline, so simply try again.
                        pipe.Reset();
                        if (watchDelay.HasValue && watchDelay.Value > TimeSpan.Zero) Thread.Sleep(watchDelay.Value);
                    }
                }
            }
        }

        /// <summary>A pooled connection prepared like every command's (health check, this client's database).</summary>
        internal IRedisConnection AcquireConnection()
        {
            IRedisConnection connection = ConnectionPool.GetConnection();
            try
            {
                Prepare(connection);
            }
            catch
            {
                ConnectionPool.Release(connection);
                throw;
            }
            return connection;
        }

        /// <summary>
        /// Gives back a connection whose reply stream is in doubt (abandoned mid-reply, stopped): closed, never pooled
        /// again, even when the connection itself saw no failure.
        /// </summary>
        internal void DiscardConnection(IRedisConnection connection)
        {
            if (ConnectionPool is IDiscardingPool pool)
            {
                pool.Discard(connection);
                return;
            }
            connection.Disconnect();
            ConnectionPool.Release(connection);
        }

        /// <summary>What <see cref="ExecuteCommand"/> would return for this reply (response callback or plain values).</summary>
        internal override object? ConvertReply(string? command, RespValue reply)
        {
            if (command != null && _responseCallbacks.TryGetValue(command, out Func<RespValue, object?>? callback)) return callback(reply);
            return reply.ToObject(DecodeResponses);
        }

        internal TimeSpan? PipelineReadTimeout(TimeSpan blockFor) => ReadTimeoutFor(blockFor);
    }
}
