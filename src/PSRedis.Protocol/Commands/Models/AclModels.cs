using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>ACL GETUSER: one user's flags, password hashes and permissions, split as redis-py splits them.</summary>
    public sealed class AclUser
    {
        /// <summary>The flags: "on"/"off", "nopass", "allkeys", "allchannels", ...</summary>
        public IReadOnlyList<string> Flags { get; init; } = Array.Empty<string>();

        /// <summary>True when the user may log in (flag "on").</summary>
        public bool Enabled { get; init; }

        /// <summary>SHA-256 hashes (hex) of the user's passwords.</summary>
        public IReadOnlyList<string> Passwords { get; init; } = Array.Empty<string>();

        /// <summary>Command rules without a category ("+get", "-debug", "+config|get").</summary>
        public IReadOnlyList<string> Commands { get; init; } = Array.Empty<string>();

        /// <summary>Category rules ("+@all", "-@dangerous").</summary>
        public IReadOnlyList<string> Categories { get; init; } = Array.Empty<string>();

        /// <summary>Key patterns as the server lists them (Redis 7: "~cache:*", "%R~ro:*"; Redis 6: "cache:*").</summary>
        public IReadOnlyList<string> Keys { get; init; } = Array.Empty<string>();

        /// <summary>Pub/sub channel patterns (Redis 6.2+; Redis 7 lists them as "&amp;pattern").</summary>
        public IReadOnlyList<string> Channels { get; init; } = Array.Empty<string>();

        /// <summary>Redis 7 selectors: each a dictionary with "commands", "keys" and "channels" as the server gives them.</summary>
        public IReadOnlyList<IReadOnlyDictionary<string, string>> Selectors { get; init; } = Array.Empty<IReadOnlyDictionary<string, string>>();
    }
}
