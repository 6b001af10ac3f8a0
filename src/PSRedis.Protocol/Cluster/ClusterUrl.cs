using System;
using System.Collections.Generic;
using System.Globalization;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Several seed nodes in one URL, as cluster clients take them: <c>redis://[user:password@]h1[:p1],h2[:p2][/db][?...]</c>.
    /// The first host makes an ordinary URL (credentials, TLS and options apply to every node); the others are further
    /// seeds to try when the first does not answer.
    /// </summary>
    public static class ClusterUrl
    {
        /// <summary>The URL of the first host, and the hosts after it (port 6379 where none is given).</summary>
        public static string SplitHosts(string url, out IReadOnlyList<(string Host, int Port)> others)
        {
            if (url == null) throw new ArgumentNullException(nameof(url));
            var rest = new List<(string, int)>();
            others = rest;
            int scheme = url.IndexOf("://", StringComparison.Ordinal);
            if (scheme < 0) return url;
            int start = scheme + 3;
            int end = url.IndexOfAny(new[] { '/', '?', '#' }, start);
            if (end < 0) end = url.Length;
            string authority = url.Substring(start, end - start);
            int at = authority.LastIndexOf('@');
            string hosts = at >= 0 ? authority.Substring(at + 1) : authority;
            if (hosts.IndexOf(',') < 0) return url;
            string[] parts = hosts.Split(',');
            for (int i = 1; i < parts.Length; i++)
            {
                if (parts[i].Trim().Length == 0) continue;
                rest.Add(ParseHostPort(parts[i].Trim()));
            }
            string prefix = url.Substring(0, start) + (at >= 0 ? authority.Substring(0, at + 1) : string.Empty);
            return prefix + parts[0].Trim() + url.Substring(end);
        }

        /// <summary>"host", "host:port" or "[v6]:port"; port 6379 when none is given.</summary>
        public static (string Host, int Port) ParseHostPort(string text)
        {
            if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("A seed node needs a host.", nameof(text));
            text = text.Trim();
            string host = text;
            int port = ConnectionOptions.DefaultPort;
            int close = text.LastIndexOf(']');
            int colon = text.LastIndexOf(':');
            if (colon > close && (text.StartsWith("[", StringComparison.Ordinal) || text.IndexOf(':') == colon))
            {
                host = text.Substring(0, colon);
                if (!int.TryParse(text.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port < 1 || port > 65535)
                    throw new ArgumentException("'" + text + "' has no valid port (1-65535).", nameof(text));
            }
            host = host.Trim('[', ']');
            if (host.Length == 0) throw new ArgumentException("'" + text + "' names no host.", nameof(text));
            return (host, port);
        }
    }
}
