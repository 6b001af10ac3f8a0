using System;

namespace PSRedis
{
    /// <summary>One field of INFO, from Get-RedisServerInfo.</summary>
    public sealed class RedisServerInfoEntry
    {
        internal RedisServerInfoEntry(string node, string section, string name, object value)
        {
            Node = node;
            Section = section;
            Name = name;
            Value = value;
        }

        /// <summary>The server that answered, as host:port (on a cluster, each node's own entries).</summary>
        public string Node { get; }

        /// <summary>The INFO section ("Server", "Memory", "Keyspace", ...).</summary>
        public string Section { get; }
        public string Name { get; }
        /// <summary>long, double, string, or a dictionary for "a=1,b=2" fields (db0, cmdstat_*).</summary>
        public object Value { get; }

        public override string ToString() => Name + "=" + Convert.ToString(Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
