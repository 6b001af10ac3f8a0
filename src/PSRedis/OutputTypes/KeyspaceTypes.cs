using System;
using System.Collections.Generic;
using System.Globalization;

namespace PSRedis
{
    /// <summary>One key of a prefix's Top list from Measure-RedisKey.</summary>
    public sealed class RedisKeySize
    {
        internal RedisKeySize(string key, string type, long bytes)
        {
            Key = key;
            Type = type;
            Bytes = bytes;
        }

        public string Key { get; }
        /// <summary>TYPE's answer: string, list, set, zset, hash, stream, or a module's type.</summary>
        public string Type { get; }
        /// <summary>MEMORY USAGE of the key (key, value and overhead), in bytes.</summary>
        public long Bytes { get; }

        public override string ToString() => Key + " (" + Bytes.ToString(CultureInfo.InvariantCulture) + " bytes)";
    }

    /// <summary>Measure-RedisKey's result for one prefix: counts by type and by expiry, memory, and the biggest keys.</summary>
    public sealed class RedisKeyPrefixStats
    {
        internal RedisKeyPrefixStats(string prefix)
        {
            Prefix = prefix;
        }

        /// <summary>The keys' first -Depth segments (split by -Delimiter), or '(none)' for keys without the delimiter.</summary>
        public string Prefix { get; }
        /// <summary>Keys measured under this prefix.</summary>
        public long Count { get; internal set; }
        /// <summary>The sum of their MEMORY USAGE, in bytes.</summary>
        public long Bytes { get; internal set; }
        public long String { get; internal set; }
        public long List { get; internal set; }
        public long Set { get; internal set; }
        public long ZSet { get; internal set; }
        public long Hash { get; internal set; }
        public long Stream { get; internal set; }
        /// <summary>Keys of other types (those of modules, such as ReJSON-RL).</summary>
        public long Other { get; internal set; }
        /// <summary>Keys with an expiry.</summary>
        public long WithTtl { get; internal set; }
        /// <summary>Keys without an expiry.</summary>
        public long WithoutTtl { get; internal set; }
        /// <summary>The biggest keys of this prefix by MEMORY USAGE, biggest first (-Top of them).</summary>
        public RedisKeySize[] Top { get; internal set; } = Array.Empty<RedisKeySize>();
        /// <summary>True when -SampleSize stopped the scan early: the figures are those of the sample, not scaled.</summary>
        public bool Sample { get; internal set; }

        internal List<RedisKeySize> Biggest { get; } = new List<RedisKeySize>();

        public override string ToString() => Prefix + ": " + Count.ToString(CultureInfo.InvariantCulture) + " keys, " + Bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
    }
}
