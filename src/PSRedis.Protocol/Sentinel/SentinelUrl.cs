using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A Sentinel-managed service named by one URL:
    /// <c>redis+sentinel://[[user]:[password]@]host[:port][,host[:port]...]/service[/db][?option=value&amp;...]</c>
    /// (<c>rediss+sentinel://</c> for TLS to the sentinels and the data nodes alike). The user and password are those of
    /// the data nodes (primary and replicas); the sentinels' own come from <c>sentinel_username</c> and
    /// <c>sentinel_password</c> in the query string, since sentinels usually have a password of their own, or none.
    /// Every other query option is one of <see cref="RedisUrl.OptionNames"/> and applies to the data nodes. A sentinel
    /// without a port listens on 26379.
    /// </summary>
    public sealed class SentinelUrl
    {
        public const int DefaultSentinelPort = 26379;
        private const string SentinelUsernameOption = "sentinel_username";
        private const string SentinelPasswordOption = "sentinel_password";

        private SentinelUrl(IReadOnlyList<SentinelAddress> sentinels, string serviceName, ConnectionOptions connectionOptions, string? sentinelUsername, string? sentinelPassword)
        {
            Sentinels = sentinels;
            ServiceName = serviceName;
            ConnectionOptions = connectionOptions;
            SentinelUsername = sentinelUsername;
            SentinelPassword = sentinelPassword;
        }

        /// <summary>The sentinels to ask, in order.</summary>
        public IReadOnlyList<SentinelAddress> Sentinels { get; }

        /// <summary>The service (master name) the sentinels monitor.</summary>
        public string ServiceName { get; }

        /// <summary>Options for the data nodes (their Host and Port come from the sentinels).</summary>
        public ConnectionOptions ConnectionOptions { get; }

        /// <summary>ACL user for the sentinels, if any.</summary>
        public string? SentinelUsername { get; }

        internal string? SentinelPassword { get; }

        /// <summary>The same target with the sentinels' own credentials (Connect-Redis -SentinelCredential).</summary>
        public SentinelUrl WithSentinelCredentials(string? username, string? password) =>
            new SentinelUrl(Sentinels, ServiceName, ConnectionOptions, username, password);

        /// <summary>True for redis+sentinel:// and rediss+sentinel:// URLs.</summary>
        public static bool IsSentinelUrl(string? url) =>
            url != null && (url.StartsWith("redis+sentinel://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rediss+sentinel://", StringComparison.OrdinalIgnoreCase));

        /// <summary>Parses a sentinel URL; the error never shows a password.</summary>
        /// <exception cref="ArgumentException">The URL is malformed.</exception>
        public static SentinelUrl Parse(string url, Action<ConnectionOptions>? configure = null)
        {
            if (url == null) throw new ArgumentNullException(nameof(url));
            if (!IsSentinelUrl(url)) throw Invalid("it must start with redis+sentinel:// or rediss+sentinel://");
            bool tls = url.StartsWith("rediss", StringComparison.OrdinalIgnoreCase);
            string rest = url.Substring(url.IndexOf("://", StringComparison.Ordinal) + 3);

            string? query = null;
            int q = rest.IndexOf('?');
            if (q >= 0)
            {
                query = rest.Substring(q + 1);
                rest = rest.Substring(0, q);
            }
            // The user info ends at the last '@' (as for redis:// URLs).
            string? userInfo = null;
            int at = rest.LastIndexOf('@');
            if (at >= 0)
            {
                userInfo = rest.Substring(0, at);
                rest = rest.Substring(at + 1);
            }
            int slash = rest.IndexOf('/');
            string hosts = slash < 0 ? rest : rest.Substring(0, slash);
            string path = slash < 0 ? string.Empty : rest.Substring(slash + 1);
            string[] segments = path.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length == 0) throw Invalid("name the service after the sentinels, as in redis+sentinel://host:26379/mymaster");
            if (segments.Length > 2) throw Invalid("the path is /service or /service/db");
            string service = Uri.UnescapeDataString(segments[0]);
            IReadOnlyList<SentinelAddress> sentinels = ParseSentinels(hosts);

            string? sentinelUsername = null, sentinelPassword = null;
            var dataQuery = new List<string>();
            if (!string.IsNullOrEmpty(query))
            {
                foreach (string pair in query!.Split('&'))
                {
                    int eq = pair.IndexOf('=');
                    string name = eq < 0 ? pair : pair.Substring(0, eq);
                    string value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair.Substring(eq + 1));
                    if (string.Equals(name, SentinelUsernameOption, StringComparison.OrdinalIgnoreCase)) sentinelUsername = value;
                    else if (string.Equals(name, SentinelPasswordOption, StringComparison.OrdinalIgnoreCase)) sentinelPassword = value;
                    else dataQuery.Add(pair);
                }
            }

            // The data nodes' options are those of a redis:// URL with the same user, database and options; its host is
            // a stand-in that the sentinels' answer replaces on every connect.
            string dataUrl = (tls ? "rediss://" : "redis://") + (userInfo != null ? userInfo + "@" : string.Empty) + sentinels[0]
                + (segments.Length == 2 ? "/" + segments[1] : string.Empty)
                + (dataQuery.Count > 0 ? "?" + string.Join("&", dataQuery) : string.Empty);
            ConnectionOptions options;
            try
            {
                options = RedisUrl.Parse(dataUrl, configure);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException("Invalid sentinel URL " + RedisUrl.Redact(url) + ": " + ex.Message.Replace(RedisUrl.Redact(dataUrl), "(the data nodes' part)"), nameof(url));
            }
            return new SentinelUrl(sentinels, service, options, sentinelUsername, sentinelPassword);
        }

        /// <summary>
        /// The sentinel manager for this URL: sentinels get short timeouts (as <see cref="RedisSentinel"/> gives by
        /// default), the TLS settings of the data nodes, and their own credentials.
        /// </summary>
        public RedisSentinel CreateSentinel()
        {
            ConnectionOptions data = ConnectionOptions;
            ConnectionOptions sentinelOptions = RedisSentinel.DefaultSentinelOptions(data);
            sentinelOptions.UseTls = data.UseTls;
            sentinelOptions.CertificateRequirement = data.CertificateRequirement;
            sentinelOptions.CheckHostname = data.CheckHostname;
            sentinelOptions.CaCertificatePath = data.CaCertificatePath;
            sentinelOptions.Username = SentinelUsername;
            sentinelOptions.Password = SentinelPassword;
            return new RedisSentinel(Sentinels, 0, sentinelOptions, data);
        }

        /// <summary>"host:port,host:port" as Connect-Redis -Sentinel takes it; a missing port is 26379.</summary>
        public static IReadOnlyList<SentinelAddress> ParseSentinels(string hosts)
        {
            var list = new List<SentinelAddress>();
            foreach (string item in (hosts ?? string.Empty).Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                string entry = item.Trim();
                string host = entry;
                string? portText = null;
                if (entry.StartsWith("[", StringComparison.Ordinal))
                {
                    int close = entry.IndexOf(']');
                    if (close < 0) throw Invalid("'" + entry + "' opens an IPv6 address it does not close");
                    host = entry.Substring(1, close - 1);
                    if (close + 1 < entry.Length)
                    {
                        if (entry[close + 1] != ':') throw Invalid("'" + entry + "' is not [address]:port");
                        portText = entry.Substring(close + 2);
                    }
                }
                else if (entry.IndexOf(':') >= 0 && entry.IndexOf(':') == entry.LastIndexOf(':'))
                {
                    int colon = entry.IndexOf(':');
                    host = entry.Substring(0, colon);
                    portText = entry.Substring(colon + 1);
                }
                int port = DefaultSentinelPort;
                if (portText != null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port < 1 || port > 65535))
                    throw Invalid("'" + entry + "' is not host:port with a port of 1-65535");
                if (host.Length == 0) throw Invalid("'" + entry + "' names no host");
                list.Add(new SentinelAddress(host, port));
            }
            if (list.Count == 0) throw Invalid("name at least one sentinel (host:port)");
            return list;
        }

        /// <summary>The URL with the passwords masked.</summary>
        public override string ToString() =>
            (ConnectionOptions.UseTls ? "rediss+sentinel://" : "redis+sentinel://") + string.Join(",", Sentinels.Select(s => s.ToString())) + "/" + ServiceName
            + (ConnectionOptions.Database != 0 ? "/" + ConnectionOptions.Database.ToString(CultureInfo.InvariantCulture) : string.Empty);

        private static ArgumentException Invalid(string why) => new ArgumentException("Invalid sentinel URL: " + why + ".", "url");
    }
}
