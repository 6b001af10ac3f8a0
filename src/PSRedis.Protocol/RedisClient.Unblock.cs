using System;
using System.Globalization;
using System.Threading.Tasks;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    public sealed partial class RedisClient
    {
        /// <summary>
        /// Sends CLIENT UNBLOCK <paramref name="clientId"/> on a connection of the pool, for a stopped blocking command
        /// whose own connection is about to be closed: some servers (Garnet) keep a disconnected client's wait, which then
        /// takes the next element pushed. Returns within <paramref name="deadline"/>: null when the server unblocked that
        /// client, else why not (refused by an ACL, no connection free in time, no answer in time, nothing was blocked).
        /// The caller closes the blocked connection either way, as it would have without this.
        /// </summary>
        internal string? TryUnblock(long clientId, TimeSpan deadline)
        {
            // On a worker so the deadline holds for the pool's wait and the connect too, not only the read.
            Task<string?> work = Task.Run(() => Unblock(clientId, deadline));
            bool done;
            try
            {
                done = work.Wait(deadline);
            }
            catch (AggregateException ex)
            {
                Exception cause = ex.InnerException ?? ex;
                return "CLIENT UNBLOCK " + clientId.ToString(CultureInfo.InvariantCulture) + " failed: " + cause.Message;
            }
            if (done) return work.Result;
            // Left to finish on its own (the pool's and the socket's deadlines still bound it); its failure, if any, is
            // looked at here so it is not reported as an unobserved task exception.
            work.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            return "CLIENT UNBLOCK " + clientId.ToString(CultureInfo.InvariantCulture) + " did not complete within "
                + deadline.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s.";
        }

        private string? Unblock(long clientId, TimeSpan deadline)
        {
            IRedisConnection connection = ConnectionPool.GetConnection();
            try
            {
                Prepare(connection);
                connection.SendCommand(new object?[] { "CLIENT", "UNBLOCK", clientId });
                RespValue reply = connection.ReadResponse(deadline, errorsAsValues: true);
                if (reply.IsError) return "CLIENT UNBLOCK was refused: " + reply.AsString();
                if (reply.Type == RespType.Integer && reply.Integer64 == 1) return null;
                return "CLIENT UNBLOCK " + clientId.ToString(CultureInfo.InvariantCulture) + ": the client was not blocked any more.";
            }
            finally
            {
                // A read that failed or timed out marked the connection broken, and the pool drops it.
                ConnectionPool.Release(connection);
            }
        }
    }
}
