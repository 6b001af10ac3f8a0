using System;
using System.Globalization;

namespace PSRedis.Protocol
{
    /// <summary>A server address as a sentinel reports it: host (usually an IP) and port. Equal when both match.</summary>
    public sealed class SentinelAddress : IEquatable<SentinelAddress>
    {
        /// <summary>An address; <paramref name="host"/> must not be empty and <paramref name="port"/> must be 1-65535.</summary>
        public SentinelAddress(string host, int port)
        {
            if (string.IsNullOrEmpty(host)) throw new ArgumentException("A host is required.", nameof(host));
            if (port < 1 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "A port is 1-65535.");
            Host = host;
            Port = port;
        }

        /// <summary>Host name or IP address.</summary>
        public string Host { get; }

        /// <summary>TCP port.</summary>
        public int Port { get; }

        /// <summary>True when host (ordinal, ignoring case) and port are the same.</summary>
        public bool Equals(SentinelAddress? other) =>
            other != null && other.Port == Port && string.Equals(other.Host, Host, StringComparison.OrdinalIgnoreCase);

        /// <summary>True when <paramref name="obj"/> is the same address.</summary>
        public override bool Equals(object? obj) => Equals(obj as SentinelAddress);

        /// <summary>Hash of host and port.</summary>
        public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Host) * 31 + Port;

        /// <summary>"host:port" ("[v6]:port" for IPv6 literals).</summary>
        public override string ToString() =>
            (Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);
    }
}
