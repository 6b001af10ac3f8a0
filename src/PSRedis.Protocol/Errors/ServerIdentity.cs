using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Which server product and version answered, from INFO server, to name it when it refuses a command it does not
    /// know (Garnet and Valkey give server_name; Redis 7 does not, so "redis" is assumed).
    /// </summary>
    public sealed class ServerIdentity
    {
        internal ServerIdentity(string? name, string? version, string endpoint)
        {
            Name = name;
            Version = version;
            Endpoint = endpoint;
        }

        /// <summary>server_name from INFO ("garnet", "valkey"), "redis" when INFO has none, null when INFO could not be read.</summary>
        public string? Name { get; }

        /// <summary>garnet_version or valkey_version when present, else redis_version; null when unknown.</summary>
        public string? Version { get; }

        /// <summary>host:port (or the socket path) the connection goes to.</summary>
        public string Endpoint { get; }

        /// <summary>"garnet 2.2.8 at 127.0.0.1:7911", or "at 127.0.0.1:7911" when the product is unknown.</summary>
        public string Describe()
        {
            string what = Name == null ? "" : Version == null ? Name + " " : Name + " " + Version + " ";
            return what + "at " + Endpoint;
        }

        public override string ToString() => Describe();

        /// <summary>Parses the text of INFO (any sections): "key:value" lines, "#" headers and blank lines skipped.</summary>
        internal static ServerIdentity FromInfo(string info, string endpoint)
        {
            // The raw text, not RedisInfo's typed values: a version such as "8.0" would come back from there as 8.
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string raw in info.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                int colon = line.IndexOf(':');
                if (colon <= 0 || line[0] == '#') continue;
                fields[line.Substring(0, colon)] = line.Substring(colon + 1);
            }
            return FromFields(name => fields.TryGetValue(name, out string? value) ? value : null, endpoint);
        }

        /// <summary>The same from a parsed <see cref="RedisInfo"/> (INFO server as the client returns it).</summary>
        public static ServerIdentity FromInfo(RedisInfo info, string endpoint)
        {
            if (info == null) throw new ArgumentNullException(nameof(info));
            return FromFields(name => info.TryGetValue(name, out object value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : null, endpoint);
        }

        /// <summary>
        /// One rule for every place that names a server: server_name ("redis" when there is none), and its own version
        /// field (garnet_version, valkey_version), else redis_version.
        /// </summary>
        private static ServerIdentity FromFields(Func<string, string?> read, string endpoint)
        {
            string? Field(string name) => read(name)?.Trim() is string text && text.Length > 0 ? text : null;
            string name = Field("server_name") ?? "redis";
            string? version = Field(name + "_version") ?? Field("garnet_version") ?? Field("valkey_version") ?? Field("redis_version");
            return new ServerIdentity(name, version, endpoint);
        }

        internal static ServerIdentity Unknown(string endpoint) => new ServerIdentity(null, null, endpoint);

        /// <summary>
        /// INFO server on <paramref name="connection"/>, whose reply stream must be in step (nothing outstanding), within
        /// the connection's own timeouts. Cached on a <see cref="Connection"/> until it disconnects (a reconnect may reach
        /// another server: a failover). A failure gives what is known (the endpoint) and is traced, never thrown: the
        /// caller is reporting another error, which must not be replaced by this one.
        /// </summary>
        internal static ServerIdentity Of(IRedisConnection connection)
        {
            var real = connection as Connection;
            if (real?.Identity != null) return real.Identity;
            string endpoint = connection.Options.Endpoint;
            ServerIdentity identity;
            try
            {
                // The error being named may not have been this command's reply at all (bytes a proxy or a fault put ahead
                // of it): then more is waiting, and the connection is closed, not asked, so no reply can cross.
                if (real != null && real.HasUnreadData)
                {
                    real.Disconnect();
                    return Unknown(endpoint);
                }
                connection.SendCommand(new object?[] { "INFO", "server" });
                RespValue reply = connection.ReadResponse(errorsAsValues: true);
                string? text = reply.IsError || reply.IsNull ? null : reply.AsString();
                if (text == null || !text.StartsWith("# Server", StringComparison.Ordinal) || (real != null && real.HasUnreadData))
                {
                    // Not INFO's answer (or more follows it): the stream is out of step, so the connection must not be pooled.
                    connection.Disconnect();
                    return Unknown(endpoint);
                }
                identity = FromInfo(text, endpoint);
            }
            catch (Exception ex) when (ex is RedisException || ex is ObjectDisposedException || ex is OperationCanceledException)
            {
                // The connection marked itself broken if this was an I/O failure, so the pool will not reuse it.
                System.Diagnostics.Trace.WriteLine("PSRedis: INFO server on " + endpoint + " failed: " + ex.Message);
                return Unknown(endpoint);
            }
            if (real != null && real.IsConnected) real.Identity = identity;
            return identity;
        }
    }
}
