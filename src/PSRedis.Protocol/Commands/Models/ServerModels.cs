using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>The kinds of client connection CLIENT LIST and CLIENT KILL can filter on.</summary>
    public enum ClientType
    {
        /// <summary>Ordinary clients.</summary>
        Normal,
        /// <summary>The connection to this server's master (on a replica).</summary>
        Master,
        /// <summary>Replicas connected to this server.</summary>
        Replica,
        /// <summary>Clients in subscribe mode.</summary>
        PubSub,
    }

    /// <summary>One SLOWLOG entry: which command ran, when, for how long, and from which client.</summary>
    public sealed class SlowlogEntry
    {
        /// <summary>The entry's unique, increasing id.</summary>
        public long Id { get; init; }

        /// <summary>When the command started.</summary>
        public DateTimeOffset StartTime { get; init; }

        /// <summary>How long it ran (microsecond resolution).</summary>
        public TimeSpan Duration { get; init; }

        /// <summary>The command and its arguments (the server shortens long ones).</summary>
        public IReadOnlyList<string> Command { get; init; } = Array.Empty<string>();

        /// <summary>The client's ip:port, when the server reports it (Redis 4+).</summary>
        public string? ClientAddress { get; init; }

        /// <summary>The client's name (CLIENT SETNAME), when the server reports it; empty when unnamed.</summary>
        public string? ClientName { get; init; }

        /// <summary>The command line as one string (redis-py's "command" field).</summary>
        public override string ToString() => string.Join(" ", Command);
    }
}
