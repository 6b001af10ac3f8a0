using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>TYPE and remaining time to live of one key, as <see cref="RedisClient.DescribeKeys"/> reads them.</summary>
    public sealed class KeyDescription
    {
        public KeyDescription(string key, string type, TimeSpan? timeToLive)
        {
            Key = key;
            Type = type;
            TimeToLive = timeToLive;
        }

        public string Key { get; }
        /// <summary>"string", "list", "set", "zset", "hash", "stream", a module type, or "none" when the key is gone.</summary>
        public string Type { get; }
        /// <summary>Null when the key has no expiry (or is gone).</summary>
        public TimeSpan? TimeToLive { get; }
        public bool Exists => !string.Equals(Type, "none", StringComparison.Ordinal);
    }

    /// <summary>One SET of a <see cref="RedisClient.SetMany"/> batch, with the options of <see cref="RedisClient.Set"/>.</summary>
    public sealed class SetRequest
    {
        public SetRequest(string key, object value)
        {
            Key = key ?? throw new ArgumentNullException(nameof(key));
            Value = value ?? throw new ArgumentNullException(nameof(value));
        }

        public string Key { get; }
        public object Value { get; }
        /// <summary>Expiry, sent as PX (milliseconds).</summary>
        public TimeSpan? Expiry { get; set; }
        public bool NotExists { get; set; }
        public bool Exists { get; set; }
        public bool KeepTtl { get; set; }
    }

    /// <summary>The outcome of one SET in a batch: written, skipped by NX/XX, or failed with <see cref="Error"/>.</summary>
    public sealed class SetResult
    {
        public SetResult(string key, bool written, RedisException? error)
        {
            Key = key;
            Written = written;
            Error = error;
        }

        public string Key { get; }
        public bool Written { get; }
        public RedisException? Error { get; }
    }

    // Batches (first part): many commands in one round trip on one connection, without MULTI. Each reply is
    // read even when an earlier one is an error reply, so the connection stays in step and a failure of one
    // item does not lose the others.
    public sealed partial class RedisClient
    {
        /// <summary>
        /// Sends every command in one write on one connection, then reads every reply in order. Error replies
        /// are returned as values (<see cref="RespValue.IsError"/>; turn one into its exception with
        /// <see cref="ServerErrors.Map"/>). An I/O failure or timeout is thrown and the connection is discarded.
        /// </summary>
        public IReadOnlyList<RespValue> ExecuteMany(IReadOnlyList<IReadOnlyList<object?>> commands)
        {
            if (commands == null) throw new ArgumentNullException(nameof(commands));
            if (commands.Count == 0) return Array.Empty<RespValue>();
            return WithConnection(connection =>
            {
                connection.SendCommands(commands);
                var replies = new RespValue[commands.Count];
                for (int i = 0; i < replies.Length; i++) replies[i] = connection.ReadResponse(errorsAsValues: true);
                return replies;
            });
        }

        /// <summary>TYPE and PTTL of every key, in one round trip (one connection, pipelined).</summary>
        public IReadOnlyList<KeyDescription> DescribeKeys(IReadOnlyList<string> keys)
        {
            if (keys == null) throw new ArgumentNullException(nameof(keys));
            var commands = new List<IReadOnlyList<object?>>(keys.Count * 2);
            foreach (string key in keys)
            {
                commands.Add(new object?[] { "TYPE", key });
                commands.Add(new object?[] { "PTTL", key });
            }
            IReadOnlyList<RespValue> replies = ExecuteMany(commands);
            var result = new KeyDescription[keys.Count];
            for (int i = 0; i < result.Length; i++)
            {
                string type = ThrowIfError(replies[2 * i]).AsString() ?? "none";
                long ms = ThrowIfError(replies[2 * i + 1]).Integer64;
                result[i] = new KeyDescription(keys[i], type, ms < 0 ? (TimeSpan?)null : TimeSpan.FromMilliseconds(ms));
            }
            return result;
        }

        /// <summary>TYPE of every key, in one round trip; "none" for a missing key.</summary>
        public IReadOnlyList<string> TypeMany(IReadOnlyList<string> keys)
        {
            if (keys == null) throw new ArgumentNullException(nameof(keys));
            var commands = new List<IReadOnlyList<object?>>(keys.Count);
            foreach (string key in keys) commands.Add(new object?[] { "TYPE", key });
            IReadOnlyList<RespValue> replies = ExecuteMany(commands);
            var types = new string[replies.Count];
            for (int i = 0; i < types.Length; i++) types[i] = ThrowIfError(replies[i]).AsString() ?? "none";
            return types;
        }

        /// <summary>
        /// Many SETs in one round trip. A request the client cannot send (bad value type, conflicting options)
        /// or the server rejects gets its <see cref="SetResult.Error"/>; the others are still written.
        /// </summary>
        public IReadOnlyList<SetResult> SetMany(IReadOnlyList<SetRequest> requests)
        {
            if (requests == null) throw new ArgumentNullException(nameof(requests));
            var results = new SetResult?[requests.Count];
            var commands = new List<IReadOnlyList<object?>>(requests.Count);
            var sentIndex = new List<int>(requests.Count);
            for (int i = 0; i < requests.Count; i++)
            {
                SetRequest r = requests[i];
                try
                {
                    IReadOnlyList<object?> args = BuildSet(r.Key, r.Value, ex: null, px: r.Expiry, nx: r.NotExists, xx: r.Exists,
                        keepTtl: r.KeepTtl, exAt: null, pxAt: null, get: false);
                    for (int a = 0; a < args.Count; a++) RespWriter.CheckArgument(args[a], a);
                    commands.Add(args);
                    sentIndex.Add(i);
                }
                catch (RedisDataException e)
                {
                    results[i] = new SetResult(r.Key, false, e);
                }
            }
            IReadOnlyList<RespValue> replies = ExecuteMany(commands);
            for (int j = 0; j < replies.Count; j++)
            {
                int i = sentIndex[j];
                RespValue reply = replies[j];
                results[i] = reply.IsError
                    ? new SetResult(requests[i].Key, false, reply.ToException())
                    : new SetResult(requests[i].Key, !reply.IsNull, null);
            }
            var done = new SetResult[results.Length];
            for (int i = 0; i < done.Length; i++) done[i] = results[i]!;
            return done;
        }

        private static RespValue ThrowIfError(RespValue reply) =>
            reply.IsError ? throw reply.ToException() : reply;
    }
}
