using System;
using System.Collections.Generic;
using System.Threading;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Pipelines and transactions (redis-py's pipeline() and transaction()).
    public sealed partial class RedisClient
    {
        /// <inheritdoc/>
        public override RedisPipeline Pipeline(bool transaction = true) => new RedisPipeline(this, transaction);

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

        internal TimeSpan? PipelineReadTimeout(TimeSpan blockFor) => ReadTimeoutFor(blockFor);
    }
}
