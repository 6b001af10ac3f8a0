using System.Collections.Generic;

namespace PSRedis.Protocol
{
    // Any command through the typed-command seam, so that a pipeline can queue it like the typed methods.
    public abstract partial class RedisCommands
    {
        /// <summary>
        /// Sends (or, on a pipeline, queues) any command and gives its reply as plain .NET values
        /// (<see cref="Resp.RespValue.ToObject"/>): bulk strings as UTF-8 text, or byte[] when <paramref name="decode"/>
        /// is false. Unlike <see cref="ExecuteCommand"/> no response callback applies. An error reply is
        /// thrown by a client; on a pipeline it lands in the command's slot of the results.
        /// </summary>
        public object? ExecuteToObject(IReadOnlyList<object?> args, bool decode = true) => Run(args, r => r.ToObject(decode));

        /// <summary>
        /// <see cref="ExecuteToObject(IReadOnlyList{object?}, bool)"/> for a blocking command that may hold its reply for
        /// <paramref name="blockFor"/> (<see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: its own timeout is 0,
        /// forever), which the read waits on top of the socket timeout.
        /// </summary>
        public object? ExecuteToObject(IReadOnlyList<object?> args, bool decode, System.TimeSpan? blockFor) => Run(args, r => r.ToObject(decode), blockFor);
    }
}
