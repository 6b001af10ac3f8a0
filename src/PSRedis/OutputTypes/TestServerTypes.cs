using System;
using System.IO;
using PSRedis.TestServers;

namespace PSRedis
{
    /// <summary>
    /// A throwaway server from Start-RedisTestServer: where it listens and what runs it. Its password is never kept
    /// here (the caller has it; -Connect used it): Url has none, so the object can be printed, logged or exported.
    /// </summary>
    public sealed class RedisTestServer
    {
        internal RedisTestServer(TestServerEngine engine, int port, string directory, bool hasPassword)
        {
            Engine = engine.ToString();
            Port = port;
            Directory = directory;
            HasPassword = hasPassword;
            Started = DateTimeOffset.Now;
        }

        /// <summary>Redis, Garnet or Docker.</summary>
        public string Engine { get; }

        /// <summary>The server's own name: redis, garnet, valkey (server_name in INFO; redis when it has none).</summary>
        public string? ServerName { get; internal set; }

        /// <summary>The server's version (Garnet's own, not the Redis version it emulates).</summary>
        public string? Version { get; internal set; }

        /// <summary>redis://127.0.0.1:port/0, without the password: give that with Connect-Redis -Credential, or use -Connect.</summary>
        public string Url => "redis://" + Host + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/0";

        public string Host => "127.0.0.1";

        public int Port { get; }

        /// <summary>The server process (for Docker: none, see <see cref="ContainerId"/>).</summary>
        public int? ProcessId { get; internal set; }

        /// <summary>The container of a Docker server.</summary>
        public string? ContainerId { get; internal set; }

        /// <summary>The temporary folder the server works in; Stop-RedisTestServer removes it.</summary>
        public string Directory { get; }

        /// <summary>Whether the server asks for a password (Start-RedisTestServer -Password).</summary>
        public bool HasPassword { get; }

        /// <summary>The name of the connection -Connect made (the session default then), else null.</summary>
        public string? ConnectionName { get; internal set; }

        public DateTimeOffset Started { get; }

        /// <summary>How it was found and started, e.g. "redis-server at /usr/bin/redis-server".</summary>
        public string? Program { get; internal set; }

        /// <summary>False once stopped, or when the server ended on its own.</summary>
        public bool IsRunning => Running != null && !Running.HasEnded;

        // The running process or container; internal, so it never shows in output or serialization.
        internal TestServerProcess? Running { get; set; }

        // The connection -Connect made: Stop-RedisTestServer closes it with the server.
        internal RedisConnection? Connection { get; set; }

        public override string ToString() => Url;

        internal static string NewDirectoryName(TestServerEngine engine) =>
            Path.Combine(Path.GetTempPath(), "psredis-" + engine.ToString().ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N").Substring(0, 10));
    }
}
