using System;

namespace PSRedis.Protocol
{
    /// <summary>
    /// One answered command of a <see cref="RedisPipeline"/>: its position, the state its caller attached when queueing
    /// it (<see cref="RedisPipeline.Queue"/>), and its parsed result or the error it failed with.
    /// </summary>
    public readonly struct PipelineReply
    {
        internal PipelineReply(int index, object? state, object? value, RedisException? error)
        {
            Index = index;
            State = state;
            Value = value;
            Error = error;
        }

        /// <summary>Position of the command among everything queued on the pipeline since it was created or reset.</summary>
        public int Index { get; }

        /// <summary>What the caller attached with <see cref="RedisPipeline.Queue"/> (null otherwise).</summary>
        public object? State { get; }

        /// <summary>The parsed result (as the typed method would have returned it); null when <see cref="Error"/> is set.</summary>
        public object? Value { get; }

        /// <summary>The server's error reply, or a reply the parser could not read, as an exception; null on success.</summary>
        public RedisException? Error { get; }

        /// <summary>The result, or the error as an exception object (how <see cref="RedisPipeline.Execute(bool)"/> lists it).</summary>
        public object? ValueOrError => Error ?? Value;
    }
}
