using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// The typed Redis commands, written once for everything that can carry them: <see cref="RedisClient"/>
    /// runs each at once and returns its parsed reply; a pipeline queues it and applies the same parser when
    /// the batch executes (where the method itself returns the type's default, as redis-py's pipeline
    /// methods return the pipeline). One file per command family: RedisCommands.&lt;Family&gt;.cs.
    /// </summary>
    public abstract partial class RedisCommands
    {
        internal RedisCommands()
        {
        }

        /// <summary>Sends (or queues) one command; <paramref name="parse"/> turns its reply into the method's result.</summary>
        /// <param name="blockFor">For blocking commands: how long the server may hold the reply (null: not blocking;
        /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: forever), added to the socket timeout.</param>
        internal abstract T Run<T>(IReadOnlyList<object?> args, Func<RespValue, T> parse, TimeSpan? blockFor = null);

        /// <summary>
        /// Sends (or queues) any command and returns its reply as plain .NET values (see <see cref="RespValue.ToObject"/>),
        /// or through the client's callback for that command (<see cref="RedisClient.SetResponseCallback"/>). Queued on a
        /// pipeline it returns null and its result comes from Execute.
        /// </summary>
        public object? ExecuteCommand(params object?[] args)
        {
            if (args == null || args.Length == 0) throw new RedisDataException("A command needs at least one argument (its name).");
            string? name = args[0] as string;
            // A copy: a pipeline keeps the array until it sends it, and the caller may reuse its own.
            return Run((object?[])args.Clone(), reply => ConvertReply(name, reply));
        }

        /// <summary>What <see cref="ExecuteCommand"/> returns for <paramref name="reply"/> to <paramref name="command"/>.</summary>
        internal abstract object? ConvertReply(string? command, RespValue reply);
    }

    /// <summary>Reply parsers shared by the command families (redis-py's response callbacks).</summary>
    internal static class Reply
    {
        public static readonly Func<RespValue, RespValue> Raw = r => r;
        public static readonly Func<RespValue, string?> String = r => r.AsString();
        public static readonly Func<RespValue, byte[]?> Bytes = r => r.IsNull ? null : r.Bytes;
        public static readonly Func<RespValue, long> Integer = r => r.Integer64;
        public static readonly Func<RespValue, long?> NullableInteger = r => r.IsNull ? (long?)null : r.Integer64;
        public static readonly Func<RespValue, double> Double = r => r.DoubleValue;
        public static readonly Func<RespValue, double?> NullableDouble = r => r.IsNull ? (double?)null : r.DoubleValue;
        /// <summary>Integer replies that mean yes/no (1/0).</summary>
        public static readonly Func<RespValue, bool> IsOne = r => r.Integer64 == 1;
        /// <summary>Simple "OK" (true); a null reply, as from SET NX that did nothing, is false.</summary>
        public static readonly Func<RespValue, bool> Ok = r => IsOk(r);
        public static readonly Func<RespValue, bool> NotNull = r => !r.IsNull;
        public static readonly Func<RespValue, IList<string?>> StringList = r => ToList(r, Reply.String);
        public static readonly Func<RespValue, IList<byte[]?>> BytesList = r => ToList(r, Reply.Bytes);

        public static bool IsOk(RespValue reply) =>
            !reply.IsNull && reply.Type != RespType.Error && string.Equals(reply.AsString(), "OK", StringComparison.Ordinal);

        public static IList<T> ToList<T>(RespValue reply, Func<RespValue, T> item)
        {
            // A scalar where a list belongs is no list at all: an empty result would hide it (and callers that index
            // by position would fail with "Index was out of range").
            if (!reply.IsAggregate && !reply.IsNull) throw new RedisInvalidResponseException("Expected an array reply, got " + reply.Describe() + ".");
            IReadOnlyList<RespValue> items = reply.Items;
            var list = new List<T>(items.Count);
            for (int i = 0; i < items.Count; i++) list.Add(item(items[i]));
            return list;
        }
    }

    /// <summary>Argument helpers shared by the command families.</summary>
    internal static class Args
    {
        public static long WholeSeconds(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero) throw new RedisDataException(name + " must be a positive duration.");
            if (value.Ticks % TimeSpan.TicksPerSecond != 0)
                throw new RedisDataException(name + " takes whole seconds (" + value.ToString("c", System.Globalization.CultureInfo.InvariantCulture) + " given); use the millisecond form for finer times.");
            return (long)value.TotalSeconds;
        }

        public static long WholeMilliseconds(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero) throw new RedisDataException(name + " must be a positive duration.");
            return value.Ticks / TimeSpan.TicksPerMillisecond;
        }

        /// <summary>Blocking-command timeouts in seconds as Redis 6+ takes them (fractions allowed; 0 = forever).</summary>
        public static double BlockSeconds(TimeSpan? timeout) =>
            timeout.HasValue && timeout.Value != System.Threading.Timeout.InfiniteTimeSpan ? Math.Max(0, timeout.Value.TotalSeconds) : 0;

        /// <summary>
        /// The timeout argument of a blocking command: whole seconds as an integer (any server takes it), otherwise
        /// fractional seconds (Redis 6+). Rounded up to the millisecond because Redis truncates to milliseconds and
        /// would turn a sub-millisecond wait into 0, i.e. wait forever.
        /// </summary>
        public static object BlockTimeoutArgument(string command, TimeSpan? timeout)
        {
            CheckBlockTimeout(command, timeout);
            if (BlockSeconds(timeout) == 0) return 0L;
            long ms = (timeout!.Value.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
            if (ms % 1000 == 0) return ms / 1000;
            return (ms / 1000.0).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        }

        /// <summary>The server-side wait to add to the socket timeout (forever for null or zero).</summary>
        public static TimeSpan BlockFor(TimeSpan? timeout) =>
            BlockSeconds(timeout) == 0 ? System.Threading.Timeout.InfiniteTimeSpan : timeout!.Value;

        private static void CheckBlockTimeout(string command, TimeSpan? timeout)
        {
            if (timeout.HasValue && timeout.Value < TimeSpan.Zero && timeout.Value != System.Threading.Timeout.InfiniteTimeSpan)
                throw new RedisDataException(command + ": timeout must not be negative (use null or zero to wait forever).");
        }

        public static object?[] Prepend(string command, IReadOnlyList<string> keys)
        {
            if (keys == null || keys.Count == 0) throw new RedisDataException(command + " needs at least one key.");
            var args = new object?[keys.Count + 1];
            args[0] = command;
            for (int i = 0; i < keys.Count; i++) args[i + 1] = keys[i];
            return args;
        }
    }
}
