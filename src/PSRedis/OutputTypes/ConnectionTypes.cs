using System;

namespace PSRedis
{
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
        internal RedisConnection? Connection { get; }

        public override string ToString() => Success ? "True" : "False";
    }
}
