using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Turns a Redis URL into <see cref="ConnectionOptions"/>, following redis-py's <c>ConnectionPool.from_url</c>:
    /// <code>
    /// redis://[[username]:[password]]@host[:port][/db][?option=value&amp;...]
    /// rediss://[[username]:[password]]@host[:port][/db][?option=value&amp;...]
    /// unix://[[username]:[password]]@/path/to/socket.sock[?db=0&amp;...]
    /// </code>
    /// </summary>
    /// <remarks>
    /// <para>
    /// The URL is parsed by hand rather than with <see cref="Uri"/>, which lowercases host names, rewrites
    /// unix paths and decodes some escapes but not others. Every component (user name, password, host,
    /// path, option names and values) is percent-decoded exactly once, as UTF-8; a malformed escape is an error.
    /// </para>
    /// <para>
    /// A '+' in the query string is kept as a literal '+', not turned into a space as HTML form decoding
    /// (and redis-py's parse_qs) would: passwords, tokens and file paths often contain '+', while a space
    /// can always be written as %20.
    /// </para>
    /// <para>
    /// Precedence: a fresh <see cref="ConnectionOptions"/>, then <c>configure</c> (the caller's keyword
    /// arguments), then the <c>db</c> argument, then everything the URL states: the scheme (TLS or not,
    /// TCP or unix socket), host, port, path database, query-string options, and finally the user name and
    /// password of the userinfo part (which, as in redis-py, beat username/password given in the query
    /// string). The database is therefore the first of: the <c>db</c> query option, the path of a
    /// redis:// or rediss:// URL, the <c>db</c> argument, whatever <c>configure</c> set, 0.
    /// </para>
    /// <para>
    /// No error message ever contains the password: messages name the part of the URL that is wrong and
    /// what was expected, but never repeat the text of the URL.
    /// </para>
    /// </remarks>
    public static class RedisUrl
    {
        private const string SchemeMessage = "Redis URL must specify one of the following schemes (redis://, rediss://, unix://)";
        private const string EncodeHint = " (If the URL has a user name or password, any : / ? # @ % in them must be percent-encoded: %3A %2F %3F %23 %40 %25.)";

        // int.MaxValue milliseconds: the largest timeout sockets, Task.Delay and SemaphoreSlim accept.
        private const double MaxSeconds = int.MaxValue / 1000.0;

        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        private sealed class Option
        {
            public Option(string name, string expected, bool tlsOnly, Func<string, ConnectionOptions, bool> apply)
            {
                Name = name;
                Expected = expected;
                TlsOnly = tlsOnly;
                Apply = apply;
            }

            public string Name { get; }
            /// <summary>Describes a valid value, for the error message (the value itself is never echoed).</summary>
            public string Expected { get; }
            /// <summary>Only meaningful with TLS: rejected on redis:// and unix:// URLs, as redis-py's plain connection rejects them.</summary>
            public bool TlsOnly { get; }
            /// <summary>Parses the (decoded, non-empty) value into the options; false if it is not valid.</summary>
            public Func<string, ConnectionOptions, bool> Apply { get; }
        }

        private static readonly Option[] KnownOptions =
        {
            new Option("db", "a database number (0 or more)", false, (v, o) => Set(TryParseInt(v, 0, int.MaxValue), x => o.Database = x)),
            new Option("username", "a user name", false, (v, o) => { o.Username = v; return true; }),
            new Option("password", "a password", false, (v, o) => { o.Password = v; return true; }),
            new Option("client_name", "a client name", false, (v, o) => { o.ClientName = v; return true; }),
            new Option("socket_timeout", "a number of seconds greater than 0, such as 5 or 0.5", false,
                (v, o) => Set(TryParseSeconds(v, allowZero: false), x => o.SocketTimeout = x)),
            new Option("socket_connect_timeout", "a number of seconds greater than 0, such as 5 or 0.5", false,
                (v, o) => Set(TryParseSeconds(v, allowZero: false), x => o.ConnectTimeout = x)),
            new Option("socket_keepalive", "a boolean: True/False, Yes/No or 1/0", false, (v, o) => Set(TryParseBool(v), x => o.SocketKeepAlive = x)),
            new Option("retries", "a whole number, 0 or more (0 turns retrying off)", false,
                (v, o) => Set(TryParseInt(v, 0, 100), x => o.Retry = new RetryPolicy(x, o.Retry.BackoffBase, o.Retry.BackoffCap))),
            new Option("retry_backoff", "a number of seconds, 0 or more (the first wait between attempts)", false,
                (v, o) => Set(TryParseSeconds(v, allowZero: true), x => o.Retry = new RetryPolicy(o.Retry.Retries, x))),
            new Option("retry_on_timeout", "a boolean: True/False, Yes/No or 1/0", false, (v, o) => Set(TryParseBool(v), x => o.RetryOnTimeout = x)),
            new Option("health_check_interval", "a number of seconds, 0 or more (0 turns health checks off)", false,
                (v, o) => Set(TryParseSeconds(v, allowZero: true), x => o.HealthCheckInterval = x)),
            new Option("max_connections", "a whole number greater than 0", false, (v, o) => Set(TryParseInt(v, 1, int.MaxValue), x => o.MaxConnections = x)),
            new Option("timeout", "a number of seconds, 0 or more, or None to wait forever", false, (v, o) =>
            {
                if (string.Equals(v, "None", StringComparison.OrdinalIgnoreCase)) { o.PoolTimeout = System.Threading.Timeout.InfiniteTimeSpan; return true; }
                return Set(TryParseSeconds(v, allowZero: true), x => o.PoolTimeout = x);
            }),
            new Option("protocol", "2 or 3", false, (v, o) => Set(TryParseInt(v, 2, 3), x => o.Protocol = x)),
            new Option("ssl_cert_reqs", "none, optional or required", true, (v, o) => Set(TryParseCertReqs(v), x => o.CertificateRequirement = x)),
            new Option("ssl_ca_certs", "a file path", true, (v, o) => { o.CaCertificatePath = v; return true; }),
            new Option("ssl_certfile", "a file path", true, (v, o) => { o.ClientCertificatePath = v; return true; }),
            new Option("ssl_keyfile", "a file path", true, (v, o) => { o.ClientKeyPath = v; return true; }),
            new Option("ssl_check_hostname", "a boolean: True/False, Yes/No or 1/0", true, (v, o) => Set(TryParseBool(v), x => o.CheckHostname = x)),
        };

        /// <summary>The query-string options a URL may carry (redis-py names).</summary>
        public static IReadOnlyList<string> OptionNames { get; } = Array.AsReadOnly(Array.ConvertAll(KnownOptions, o => o.Name));

        /// <summary>
        /// Builds connection options from a Redis URL. <paramref name="configure"/> sets defaults (redis-py's
        /// keyword arguments); anything the URL states overrides them. <paramref name="db"/> is used when the
        /// URL names no database (neither <c>?db=</c> nor a path).
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="url"/> is null.</exception>
        /// <exception cref="ArgumentException">The URL is malformed, has an unknown scheme or option, or an invalid value. The message never contains the password.</exception>
        public static ConnectionOptions Parse(string url, Action<ConnectionOptions>? configure = null, int? db = null)
        {
            if (url == null) throw new ArgumentNullException(nameof(url));
            if (db.HasValue && db.Value < 0)
                throw new ArgumentOutOfRangeException(nameof(db), "The database number cannot be negative.");

            // Parse fully first so that a bad URL fails before any caller code (configure) runs.
            var parts = Split(url.Trim());

            var options = new ConnectionOptions();
            configure?.Invoke(options);
            if (db.HasValue) options.Database = db.Value;
            parts.ApplyTo(options);
            return options;
        }

        /// <summary>
        /// <paramref name="url"/> with any password replaced by ***: in the user-info part and in a password= option.
        /// Works on malformed URLs too, since those are what error records keep.
        /// </summary>
        public static string Redact(string url)
        {
            if (url == null) throw new ArgumentNullException(nameof(url));
            int scheme = url.IndexOf("://", StringComparison.Ordinal);
            int start = scheme < 0 ? 0 : scheme + 3;
            string redacted = url;
            int query = redacted.IndexOf('?', start);
            if (query >= 0)
            {
                string[] pairs = redacted.Substring(query + 1).Split('&');
                for (int i = 0; i < pairs.Length; i++)
                {
                    // password= and sentinel_password= (a redis+sentinel:// URL) alike.
                    int eq = pairs[i].IndexOf('=');
                    if (eq > 0 && pairs[i].Substring(0, eq).EndsWith("password", StringComparison.OrdinalIgnoreCase)) pairs[i] = pairs[i].Substring(0, eq) + "=***";
                }
                redacted = redacted.Substring(0, query + 1) + string.Join("&", pairs);
            }
            // The user info ends at the last '@' (a password may itself hold an unencoded '/', '?' or '@').
            int at = redacted.LastIndexOf('@');
            int colon = at > start ? redacted.IndexOf(':', start) : -1;
            if (colon >= 0 && colon < at) redacted = redacted.Substring(0, colon + 1) + "***" + redacted.Substring(at);
            return redacted;
        }

        // ----- the parsed URL -------------------------------------------------------------------------

        private enum Scheme { Redis, Rediss, Unix }

        private sealed class UrlParts
        {
            public Scheme Scheme;
            public string? Host;
            public int? Port;
            public string? SocketPath;
            public int? PathDatabase;
            public string? Username;
            public string? Password;
            public readonly List<KeyValuePair<Option, string>> Query = new List<KeyValuePair<Option, string>>();

            public void ApplyTo(ConnectionOptions o)
            {
                // The scheme decides the transport, whatever configure said.
                o.UseTls = Scheme == Scheme.Rediss;
                if (Scheme == Scheme.Unix)
                {
                    o.UnixSocketPath = SocketPath;
                }
                else
                {
                    o.UnixSocketPath = null;
                    if (Host != null) o.Host = Host;
                    if (Port.HasValue) o.Port = Port.Value;
                    if (PathDatabase.HasValue) o.Database = PathDatabase.Value;
                }

                foreach (var pair in Query)
                {
                    if (!pair.Key.Apply(pair.Value, o)) throw InvalidValue(pair.Key);
                }

                // As in redis-py, credentials in the userinfo part are applied last, and only when not empty.
                if (!string.IsNullOrEmpty(Username)) o.Username = Username;
                if (!string.IsNullOrEmpty(Password)) o.Password = Password;
            }
        }

        private static UrlParts Split(string url)
        {
            var parts = new UrlParts();

            // Scheme (case-insensitive, as RFC 3986 says).
            string rest;
            if (StartsWith(url, "redis://")) { parts.Scheme = Scheme.Redis; rest = url.Substring(8); }
            else if (StartsWith(url, "rediss://")) { parts.Scheme = Scheme.Rediss; rest = url.Substring(9); }
            else if (StartsWith(url, "unix://")) { parts.Scheme = Scheme.Unix; rest = url.Substring(7); }
            else throw Error(SchemeMessage + DescribeScheme(url) + ".");

            // A fragment means nothing to Redis; most often it is an unencoded '#' in a password.
            if (rest.IndexOf('#') >= 0)
                throw Malformed("A Redis URL cannot contain '#' (a fragment)." + EncodeHint);

            // '?' ends the authority and the path (as in urlsplit).
            string? query = null;
            int q = rest.IndexOf('?');
            if (q >= 0)
            {
                query = rest.Substring(q + 1);
                rest = rest.Substring(0, q);
            }

            int slash = rest.IndexOf('/');
            string authority = slash >= 0 ? rest.Substring(0, slash) : rest;
            string path = slash >= 0 ? rest.Substring(slash) : "";

            // userinfo: everything before the last '@'; user name and password split at the first ':'.
            int at = authority.LastIndexOf('@');
            string hostPort = authority;
            if (at >= 0)
            {
                string userInfo = authority.Substring(0, at);
                hostPort = authority.Substring(at + 1);
                int colon = userInfo.IndexOf(':');
                string rawUser = colon >= 0 ? userInfo.Substring(0, colon) : userInfo;
                string? rawPassword = colon >= 0 ? userInfo.Substring(colon + 1) : null;
                parts.Username = Decode(rawUser, "user name");
                if (rawPassword != null) parts.Password = Decode(rawPassword, "password");
            }

            if (parts.Scheme == Scheme.Unix)
            {
                if (hostPort.Length != 0)
                    throw Malformed("A unix:// URL takes no host or port: write unix:///path/to/redis.sock (or unix://user:password@/path/to/redis.sock)." + EncodeHint);
                string socketPath = Decode(path, "socket path");
                if (socketPath.Length == 0 || socketPath == "/")
                    throw Malformed("A unix:// URL must give the path of the socket: unix:///path/to/redis.sock.");
                parts.SocketPath = socketPath;
            }
            else
            {
                SplitHostPort(hostPort, parts);
                parts.PathDatabase = ParsePathDatabase(path);
            }

            if (query != null) ParseQuery(query, parts);
            return parts;
        }

        private static void SplitHostPort(string hostPort, UrlParts parts)
        {
            string rawHost;
            string? rawPort = null;
            if (hostPort.StartsWith("[", StringComparison.Ordinal))
            {
                int close = hostPort.IndexOf(']');
                if (close < 0)
                    throw Malformed("The IPv6 address in the URL is missing its closing ']'.");
                rawHost = hostPort.Substring(1, close - 1);
                string after = hostPort.Substring(close + 1);
                if (after.Length > 0)
                {
                    if (after[0] != ':')
                        throw Malformed("Only ':port' may follow the ']' of an IPv6 address in the URL." + EncodeHint);
                    rawPort = after.Substring(1);
                }
                string address = Decode(rawHost, "host");
                // The zone ("%eth0") is checked by the connect, not here: .NET Framework parses only numeric zones.
                int zone = address.IndexOf('%');
                string bare = zone >= 0 ? address.Substring(0, zone) : address;
                if ((zone >= 0 && zone == address.Length - 1) || !IPAddress.TryParse(bare, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
                    throw Malformed("The host in brackets is not a valid IPv6 address.");
                parts.Host = address;
            }
            else
            {
                int colon = hostPort.IndexOf(':');
                if (colon >= 0)
                {
                    if (hostPort.IndexOf(':', colon + 1) >= 0)
                        throw Malformed("The host contains more than one ':'. Put an IPv6 address in brackets, e.g. redis://[::1]:6379/0." + EncodeHint);
                    rawHost = hostPort.Substring(0, colon);
                    rawPort = hostPort.Substring(colon + 1);
                }
                else
                {
                    rawHost = hostPort;
                }
                string host = Decode(rawHost, "host");
                if (host.Length == 0)
                    throw Malformed("A redis:// or rediss:// URL must name a host, e.g. redis://localhost:6379/0.");
                foreach (char c in host)
                {
                    if (char.IsWhiteSpace(c) || char.IsControl(c) || c == '/' || c == '[' || c == ']' || c == '@')
                        throw Malformed("The host name contains a character that is not allowed in a host name." + EncodeHint);
                }
                parts.Host = host;
            }

            // An empty port ("host:") means the default, as in RFC 3986 and urlsplit.
            if (!string.IsNullOrEmpty(rawPort))
            {
                int? port = TryParseInt(rawPort!, 1, 65535);
                if (!port.HasValue)
                    throw Malformed("The port in the URL must be a number from 1 to 65535." + EncodeHint);
                parts.Port = port.Value;
            }
        }

        private static int? ParsePathDatabase(string rawPath)
        {
            string path = Decode(rawPath, "path");
            if (path.Length == 0 || path == "/") return null;
            int? db = TryParseInt(path.Substring(1), 0, int.MaxValue);
            if (!db.HasValue)
                throw Malformed("The path of a redis:// or rediss:// URL must be a database number (0 or more), e.g. redis://localhost:6379/0." + EncodeHint);
            return db;
        }

        private static void ParseQuery(string query, UrlParts parts)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string item in query.Split('&'))
            {
                if (item.Length == 0) continue;
                int eq = item.IndexOf('=');
                string name = Decode(eq >= 0 ? item.Substring(0, eq) : item, "query-string option name");
                string value = eq >= 0 ? Decode(item.Substring(eq + 1), "value of a query-string option") : "";

                Option? option = Array.Find(KnownOptions, o => o.Name == name);
                if (option == null)
                    throw Error("Unknown option `" + name + "` in connection URL. Known options: " + string.Join(", ", OptionNames) + ".");

                // redis-py (parse_qs) drops empty values, then takes the first of the rest.
                if (value.Length == 0) continue;
                if (option.TlsOnly && parts.Scheme != Scheme.Rediss)
                    throw Malformed("The option `" + name + "` applies only to rediss:// (TLS) URLs.");
                if (!seen.Add(name)) continue;
                // Checked now, on scratch options, so that every error surfaces before configure runs.
                if (!option.Apply(value, new ConnectionOptions()))
                    throw InvalidValue(option);
                parts.Query.Add(new KeyValuePair<Option, string>(option, value));
            }
        }

        // ----- value parsers ----------------------------------------------------------------------------

        private static bool Set<T>(T? value, Action<T> assign) where T : struct
        {
            if (!value.HasValue) return false;
            assign(value.Value);
            return true;
        }

        private static int? TryParseInt(string s, int min, int max)
        {
            // Digits with an optional sign only: no spaces, thousands separators or exponents.
            if (!int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)) return null;
            return n >= min && n <= max ? n : (int?)null;
        }

        private static TimeSpan? TryParseSeconds(string s, bool allowZero)
        {
            const NumberStyles styles = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
            if (!double.TryParse(s, styles, CultureInfo.InvariantCulture, out double seconds)) return null;
            if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds > MaxSeconds) return null;
            if (seconds < 0 || (seconds == 0 && !allowZero)) return null;
            // FromTicks, not FromSeconds: FromSeconds rounds to whole milliseconds on older frameworks.
            return TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
        }

        private static bool? TryParseBool(string s)
        {
            switch (s.ToUpperInvariant())
            {
                case "TRUE": case "YES": case "1": return true;
                case "FALSE": case "NO": case "0": return false;
                default: return null;
            }
        }

        private static CertificateRequirement? TryParseCertReqs(string s)
        {
            switch (s.ToLowerInvariant())
            {
                case "none": return CertificateRequirement.None;
                case "optional": return CertificateRequirement.Optional;
                case "required": return CertificateRequirement.Required;
                default: return null;
            }
        }

        // ----- helpers ----------------------------------------------------------------------------------

        private static bool StartsWith(string s, string prefix) => s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);

        /// <summary>" (got 'http://')" when the URL starts with a well-formed scheme; nothing otherwise, so no other part of the URL is echoed.</summary>
        private static string DescribeScheme(string url)
        {
            int end = url.IndexOf("://", StringComparison.Ordinal);
            if (end <= 0 || end > 32 || !IsAsciiLetter(url[0])) return "";
            for (int i = 1; i < end; i++)
            {
                char c = url[i];
                if (!(IsAsciiLetter(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return "";
            }
            return " (got '" + url.Substring(0, end + 3) + "')";
        }

        private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        /// <summary>Decodes %XX escapes as UTF-8. A bad escape or invalid UTF-8 is an error naming <paramref name="component"/> (never its text).</summary>
        private static string Decode(string s, string component)
        {
            if (s.IndexOf('%') < 0) return s;
            var bytes = new List<byte>(s.Length);
            var sb = new StringBuilder(s.Length);
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '%')
                {
                    int hi = i + 2 < s.Length ? HexValue(s[i + 1]) : -1;
                    int lo = hi >= 0 ? HexValue(s[i + 2]) : -1;
                    if (lo < 0)
                        throw Malformed("The " + component + " in the URL has a '%' that is not followed by two hex digits (write a literal '%' as %25).");
                    bytes.Add((byte)(hi * 16 + lo));
                    i += 2;
                    continue;
                }
                FlushBytes(bytes, sb, component);
                sb.Append(c);
            }
            FlushBytes(bytes, sb, component);
            return sb.ToString();
        }

        private static void FlushBytes(List<byte> bytes, StringBuilder sb, string component)
        {
            if (bytes.Count == 0) return;
            try
            {
                sb.Append(StrictUtf8.GetString(bytes.ToArray()));
            }
            catch (DecoderFallbackException)
            {
                // Not chained as the inner exception: its message lists the offending bytes, which may be part of the password.
                throw Malformed("The percent-encoded bytes in the " + component + " are not valid UTF-8.");
            }
            bytes.Clear();
        }

        private static int HexValue(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }

        private static ArgumentException Error(string message) => new ArgumentException(message, "url");

        private static ArgumentException InvalidValue(Option option) =>
            Error("Invalid value for `" + option.Name + "` in connection URL: expected " + option.Expected + ".");

        private static ArgumentException Malformed(string message) => new ArgumentException("Invalid Redis URL: " + message, "url");
    }
}
