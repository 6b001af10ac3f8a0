using System.Runtime.CompilerServices;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A cluster turns a node's thrown error back into an error reply (to sit among other replies: a pipeline's, a
    /// command run on every primary). The text alone would lose what the exception knew (which server refused an
    /// unknown command), so the exception rides along with that reply and <see cref="RespValue.ToException"/> gives it
    /// back. A weak table, so that no reply pays a field for this rare case.
    /// </summary>
    internal static class CarriedErrors
    {
        private static readonly ConditionalWeakTable<RespValue, RedisException> s_carried = new ConditionalWeakTable<RespValue, RedisException>();

        /// <summary>An error reply for <paramref name="error"/>: its server text, with the exception itself attached.</summary>
        internal static RespValue AsReply(RedisResponseException error)
        {
            if (!(error is RedisUnsupportedCommandException unsupported)) return RespValue.Error(error.Message);
            RespValue reply = RespValue.Error(unsupported.ServerError);
            s_carried.Add(reply, unsupported);
            return reply;
        }

        internal static RedisException? Of(RespValue reply) => s_carried.TryGetValue(reply, out RedisException? error) ? error : null;
    }
}
