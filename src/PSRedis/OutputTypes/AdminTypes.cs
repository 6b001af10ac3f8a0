using System;
using System.Collections.Generic;
using System.Globalization;

namespace PSRedis
{
    /// <summary>Measure-RedisLatency's one result per server: PING round trips in milliseconds, as redis-cli --latency gives them.</summary>
    public sealed class RedisLatencyResult
    {
        internal RedisLatencyResult(string node, int count, double min, double average, double p50, double p99, double max, RedisConnection connection)
        {
            Node = node;
            Count = count;
            Min = min;
            Average = average;
            P50 = p50;
            P99 = p99;
            Max = max;
            Connection = connection;
        }

        /// <summary>The server PINGed, as host:port.</summary>
        public string Node { get; }
        /// <summary>PINGs measured (the uncounted first one, which may open a connection, aside).</summary>
        public int Count { get; }
        public double Min { get; }
        public double Average { get; }
        /// <summary>The median: half the PINGs took at most this long.</summary>
        public double P50 { get; }
        /// <summary>99 of 100 PINGs took at most this long.</summary>
        public double P99 { get; }
        public double Max { get; }
        internal RedisConnection Connection { get; }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "min {0:0.###}, avg {1:0.###}, p50 {2:0.###}, p99 {3:0.###}, max {4:0.###} ms ({5} PINGs)", Min, Average, P50, P99, Max, Count);
    }

    /// <summary>One SLOWLOG entry from Get-RedisSlowLog.</summary>
    public sealed class RedisSlowLogEntry
    {
        internal RedisSlowLogEntry(string node, long id, DateTime time, TimeSpan duration, string[] command, string? clientAddress, string? clientName)
        {
            Node = node;
            Id = id;
            Time = time;
            Duration = duration;
            Command = command;
            ClientAddress = clientAddress;
            ClientName = clientName;
        }

        /// <summary>The server whose log holds the entry, as host:port.</summary>
        public string Node { get; }
        /// <summary>The entry's id (unique and increasing per server).</summary>
        public long Id { get; }
        /// <summary>When the command started (UTC, second resolution).</summary>
        public DateTime Time { get; }
        /// <summary>How long the command ran (microsecond resolution).</summary>
        public TimeSpan Duration { get; }
        /// <summary>The same as a whole number of microseconds, as the server reports it.</summary>
        public long DurationMicroseconds => Duration.Ticks / 10;
        /// <summary>The command and its arguments (the server shortens long ones and lists at most 32).</summary>
        public string[] Command { get; }
        /// <summary>The client's ip:port.</summary>
        public string? ClientAddress { get; }
        /// <summary>The client's name (CLIENT SETNAME); empty when unnamed.</summary>
        public string? ClientName { get; }

        public override string ToString() => string.Join(" ", Command);
    }

    /// <summary>One connected client from Get-RedisClient (a line of CLIENT LIST, typed).</summary>
    public sealed class RedisClientInfo
    {
        internal RedisClientInfo(string node, IDictionary<string, string> fields, RedisConnection connection)
        {
            Node = node;
            Fields = fields;
            Connection = connection;
            Id = Long("id") ?? 0;
            Address = Text("addr") ?? string.Empty;
            LocalAddress = Text("laddr");
            Name = Text("name") ?? string.Empty;
            User = Text("user");
            Age = TimeSpan.FromSeconds(Long("age") ?? 0);
            Idle = TimeSpan.FromSeconds(Long("idle") ?? 0);
            Database = (int)(Long("db") ?? 0);
            Flags = Text("flags") ?? string.Empty;
            Command = Text("cmd") ?? string.Empty;
            long? resp = Long("resp");
            Protocol = resp.HasValue ? (int)resp.Value : (int?)null;
        }

        /// <summary>The server the client is connected to, as host:port.</summary>
        public string Node { get; }
        /// <summary>The server's id for the connection (CLIENT KILL ID).</summary>
        public long Id { get; }
        /// <summary>The client's ip:port.</summary>
        public string Address { get; }
        /// <summary>The server's own ip:port of the connection (Redis 6.2+).</summary>
        public string? LocalAddress { get; }
        /// <summary>The name set with CLIENT SETNAME (or a client_name in Connect-Redis's URL); empty when none.</summary>
        public string Name { get; }
        /// <summary>The ACL user the connection is authenticated as (Redis 6+).</summary>
        public string? User { get; }
        /// <summary>How long the connection has been open.</summary>
        public TimeSpan Age { get; }
        /// <summary>How long it has been idle.</summary>
        public TimeSpan Idle { get; }
        /// <summary>The database it has selected.</summary>
        public int Database { get; }
        /// <summary>CLIENT LIST's flags (N: normal, S: replica, M: master, P: pub/sub, x: in MULTI, b: blocked, ...).</summary>
        public string Flags { get; }
        /// <summary>The last command it ran.</summary>
        public string Command { get; }
        /// <summary>The RESP protocol version it speaks (2 or 3; Redis 7+).</summary>
        public int? Protocol { get; }
        /// <summary>Every field of the line, as the server names them (qbuf, omem, tot-mem, ...).</summary>
        public IDictionary<string, string> Fields { get; }
        internal RedisConnection Connection { get; }

        private string? Text(string name) => Fields.TryGetValue(name, out string? value) ? value : null;

        private long? Long(string name) =>
            Fields.TryGetValue(name, out string? value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : (long?)null;

        public override string ToString() => Id.ToString(CultureInfo.InvariantCulture) + " " + Address + (Name.Length > 0 ? " (" + Name + ")" : string.Empty);
    }

    /// <summary>What Stop-RedisClient -PassThru emits per filter: how many clients it disconnected.</summary>
    public sealed class RedisClientStopResult
    {
        internal RedisClientStopResult(string node, string filter, long stopped)
        {
            Node = node;
            Filter = filter;
            Stopped = stopped;
        }

        /// <summary>The server asked, as host:port.</summary>
        public string Node { get; }
        /// <summary>The CLIENT KILL filter ("ID 12", "ADDR 127.0.0.1:50412", "USER app").</summary>
        public string Filter { get; }
        /// <summary>How many clients the server disconnected.</summary>
        public long Stopped { get; }

        public override string ToString() => Filter + ": " + Stopped.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>One setting from Get-RedisConfig. Passwords are masked unless -ShowSecret was given.</summary>
    public sealed class RedisConfigEntry
    {
        internal const string Mask = "********";

        internal RedisConfigEntry(string node, string name, string value, bool masked, RedisConnection connection)
        {
            Node = node;
            Name = name;
            Value = value;
            IsMasked = masked;
            Connection = connection;
        }

        /// <summary>The server that answered, as host:port.</summary>
        public string Node { get; }
        public string Name { get; }
        /// <summary>The value as the server gives it (a string); '********' for a password not asked for with -ShowSecret.</summary>
        public string Value { get; }
        /// <summary>True when Value is the mask, not the setting.</summary>
        public bool IsMasked { get; }
        internal RedisConnection Connection { get; }

        /// <summary>True for settings that hold a password: requirepass, masterauth and any name containing 'pass'.</summary>
        internal static bool IsSecret(string name) =>
            name.IndexOf("pass", StringComparison.OrdinalIgnoreCase) >= 0
            || string.Equals(name, "masterauth", StringComparison.OrdinalIgnoreCase);

        public override string ToString() => Name + "=" + Value;
    }

    /// <summary>Save-RedisDatabase -Wait's result per server: when the background save finished.</summary>
    public sealed class RedisSaveResult
    {
        internal RedisSaveResult(string node, DateTime lastSave, TimeSpan elapsed)
        {
            Node = node;
            LastSave = lastSave;
            Elapsed = elapsed;
        }

        /// <summary>The server that saved, as host:port.</summary>
        public string Node { get; }
        /// <summary>LASTSAVE after the save (UTC, second resolution).</summary>
        public DateTime LastSave { get; }
        /// <summary>How long the cmdlet waited.</summary>
        public TimeSpan Elapsed { get; }

        public override string ToString() => Node + " saved at " + LastSave.ToString("u", CultureInfo.InvariantCulture);
    }
}
