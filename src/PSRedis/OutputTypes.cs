using System;

namespace PSRedis
{
    /// <summary>One key from Get-RedisKey. Binds by property name (Key, Connection) to the key-taking cmdlets.</summary>
    public sealed class RedisKeyInfo
    {
        internal RedisKeyInfo(string key, int database, RedisConnection connection, string? type = null, TimeSpan? timeToLive = null)
        {
            Key = key;
            Database = database;
            Connection = connection;
            Type = type;
            TimeToLive = timeToLive;
        }

        public string Key { get; }
        public int Database { get; }
        /// <summary>The value's type (string, list, set, zset, hash, stream, ...); only with -Detailed.</summary>
        public string? Type { get; }
        /// <summary>Remaining time to live; null when the key has no expiry (or without -Detailed).</summary>
        public TimeSpan? TimeToLive { get; }
        /// <summary>The connection the key was read from, so the next cmdlet in the pipeline uses the same one.</summary>
        public RedisConnection Connection { get; }

        public override string ToString() => Key;
    }

    /// <summary>The result of Test-RedisConnection.</summary>
    public sealed class RedisConnectionTestResult
    {
        internal RedisConnectionTestResult(string? name, string url, bool success, TimeSpan? roundTrip, string? error, RedisConnection? connection)
        {
            Name = name;
            Url = url;
            Success = success;
            RoundTrip = roundTrip;
            Error = error;
            Connection = connection;
        }

        /// <summary>The connection's name (null when testing a URL).</summary>
        public string? Name { get; }
        /// <summary>The URL tested, password masked.</summary>
        public string Url { get; }
        public bool Success { get; }
        /// <summary>Time for the PING round trip (including a reconnect if one was needed); null on failure.</summary>
        public TimeSpan? RoundTrip { get; }
        /// <summary>Why it failed; null on success.</summary>
        public string? Error { get; }
        public RedisConnection? Connection { get; }

        public override string ToString() => Success ? "True" : "False";
    }
}
