using System;
using PSRedis.Protocol.Resp;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PSRedis.Protocol
{
    /// <summary>Whether and how the server's TLS certificate is checked (redis-py ssl_cert_reqs).</summary>
    public enum CertificateRequirement
    {
        /// <summary>The chain and the host name must validate (the default).</summary>
        Required,
        /// <summary>Validate if the server sends a certificate; accept a missing one.</summary>
        Optional,
        /// <summary>Accept any certificate. Only for test servers: it allows a man in the middle.</summary>
        None,
    }

    /// <summary>
    /// Everything needed to open and initialise one connection, plus the pool size. Mirrors redis-py's
    /// connection keyword arguments in .NET form. ToString never shows the password.
    /// </summary>
    public sealed class ConnectionOptions
    {
        public const int DefaultPort = 6379;

        /// <summary>Host name or address (ignored when <see cref="UnixSocketPath"/> is set).</summary>
        public string Host { get; set; } = "localhost";
        public int Port { get; set; } = DefaultPort;
        /// <summary>Path of a unix domain socket (unix:// URLs); when set, Host and Port are not used.</summary>
        public string? UnixSocketPath { get; set; }
        public int Database { get; set; }
        /// <summary>ACL user name; null authenticates as the default user.</summary>
        public string? Username { get; set; }
        /// <summary>
        /// Password or access token. Write-only in public: the connection reads it, nothing else can, so no
        /// serializer or Format-List of a reachable object shows it. Never printed, logged or put in an exception.
        /// </summary>
        public string? Password { internal get; set; }

        /// <summary>
        /// Asked for a user name and password on every new connection and again before they expire; live pooled
        /// connections then re-authenticate. Takes precedence over <see cref="Username"/> and <see cref="Password"/>.
        /// </summary>
        public ICredentialProvider? CredentialProvider { get; set; }

        /// <summary>True when connections authenticate (a password or a credential provider is set).</summary>
        public bool HasCredentials => Password != null || CredentialProvider != null;

        /// <summary>Use TLS (rediss:// URLs).</summary>
        public bool UseTls { get; set; }
        /// <summary>Name the server certificate must carry; defaults to <see cref="Host"/>.</summary>
        public string? TlsServerName { get; set; }
        public CertificateRequirement CertificateRequirement { get; set; } = CertificateRequirement.Required;
        /// <summary>Check that the certificate names the host (on by default; redis-py ssl_check_hostname).</summary>
        public bool CheckHostname { get; set; } = true;
        /// <summary>PEM or DER file of CA certificates to trust instead of the system store (ssl_ca_certs).</summary>
        public string? CaCertificatePath { get; set; }
        /// <summary>Client certificate file: PFX/PKCS#12, or PEM together with <see cref="ClientKeyPath"/> (ssl_certfile).</summary>
        public string? ClientCertificatePath { get; set; }
        /// <summary>PEM private key of the client certificate (ssl_keyfile).</summary>
        public string? ClientKeyPath { get; set; }
        /// <summary>Password of a PFX client certificate file. Write-only in public, like <see cref="Password"/>.</summary>
        public string? ClientCertificatePassword { internal get; set; }
        /// <summary>A client certificate already loaded (takes precedence over the path).</summary>
        public X509Certificate2? ClientCertificate { get; set; }

        /// <summary>Time allowed to connect, including TLS and the handshake. Null: same as <see cref="SocketTimeout"/>.</summary>
        public TimeSpan? ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>Time allowed for each read and write. Finite by default so no call can hang; null waits forever.</summary>
        public TimeSpan? SocketTimeout { get; set; } = TimeSpan.FromSeconds(30);
        public bool SocketKeepAlive { get; set; }
        /// <summary>Timeouts count as transient failures for <see cref="Retry"/> (redis-py retry_on_timeout); off, a timeout is never retried.</summary>
        public bool RetryOnTimeout { get; set; }
        /// <summary>
        /// How transient failures are retried (see <see cref="RetryPolicy"/>): by default 3 retries with jittered
        /// exponential backoff; a command that may already have been applied is repeated only when that is harmless.
        /// </summary>
        public RetryPolicy Retry { get; set; } = RetryPolicy.Default;
        /// <summary>PING a connection before use when it has been idle longer than this. Zero turns it off.</summary>
        public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.Zero;
        /// <summary>Sent with CLIENT SETNAME on every new connection.</summary>
        public string? ClientName { get; set; }
        /// <summary>
        /// Sends CLIENT SETINFO LIB-NAME PSRedis and LIB-VER (this library's version) in the connect round trip, so
        /// CLIENT LIST shows which client library each connection uses (Redis 7.2+; an older server's error is ignored).
        /// On by default, as in redis-py and StackExchange.Redis; off sends neither.
        /// </summary>
        public bool SendLibraryInfo { get; set; } = true;
        /// <summary>RESP protocol version: 2 (default) or 3 (HELLO 3 on connect).</summary>
        public int Protocol { get; set; } = 2;
        /// <summary>
        /// Receives the RESP3 pushes that are not replies (CLIENT TRACKING invalidations), on the thread that was
        /// reading a reply when the push arrived; keep it short. Unset, pushes are dropped with a trace line.
        /// </summary>
        public Action<RespValue>? PushHandler { get; set; }
        /// <summary>
        /// Sends READONLY after connecting: a cluster replica then serves reads of its primary's slots instead of
        /// answering MOVED. Set by <see cref="RedisCluster"/> for its replicas when reads may go there.
        /// </summary>
        internal bool ReplicaReads { get; set; }
        /// <summary>Most connections a pool built from these options may open; null means no limit (BlockingConnectionPool: 50).</summary>
        public int? MaxConnections { get; set; }
        /// <summary>
        /// How long a BlockingConnectionPool waits for a free connection. Null (the default): as long as
        /// <see cref="SocketTimeout"/>, so one setting bounds every wait of a call; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>
        /// waits forever; zero fails at once when every connection is in use (redis-py's <c>timeout</c>, there 20 s).
        /// </summary>
        public TimeSpan? PoolTimeout
        {
            get => _poolTimeout;
            set
            {
                if (value.HasValue && value.Value < TimeSpan.Zero && value.Value != System.Threading.Timeout.InfiniteTimeSpan)
                    throw new ArgumentOutOfRangeException(nameof(value), value, "The pool timeout cannot be negative; use Timeout.InfiniteTimeSpan to wait forever.");
                _poolTimeout = value;
            }
        }

        private TimeSpan? _poolTimeout;

        /// <summary>What a BlockingConnectionPool built from these options waits: <see cref="PoolTimeout"/>, else <see cref="SocketTimeout"/>; null: forever.</summary>
        public TimeSpan? EffectivePoolTimeout
        {
            get
            {
                TimeSpan? timeout = PoolTimeout ?? SocketTimeout;
                return timeout == System.Threading.Timeout.InfiniteTimeSpan ? null : timeout;
            }
        }

        /// <summary>
        /// Options from a Redis URL (redis://, rediss://, unix://), as redis-py's from_url: <paramref name="configure"/>
        /// sets defaults, <paramref name="db"/> is used when the URL names no database, and the URL overrides both.
        /// See <see cref="RedisUrl.Parse"/>.
        /// </summary>
        public static ConnectionOptions FromUrl(string url, Action<ConnectionOptions>? configure = null, int? db = null) => RedisUrl.Parse(url, configure, db);

        private CredentialCache? _credentials;

        /// <summary>The credentials connections made from these options use now (shared, so a refresh reaches every connection).</summary>
        internal CredentialCache Credentials
        {
            get
            {
                CredentialCache? cache = _credentials;
                if (cache != null) return cache;
                System.Threading.Interlocked.CompareExchange(ref _credentials, new CredentialCache(this), null);
                return _credentials!;
            }
        }

        /// <summary>A copy that can be changed without affecting this one.</summary>
        public ConnectionOptions Clone()
        {
            var copy = (ConnectionOptions)MemberwiseClone();
            copy._credentials = null; // a copy may get other credentials: it must not share the cache
            return copy;
        }

        /// <summary>
        /// True when a client built from <paramref name="other"/> would behave exactly as one built from these options:
        /// same server, database, credentials, TLS, timeouts and pool. Lets a repeated connect reuse what it has.
        /// </summary>
        public bool HasSameSettings(ConnectionOptions other)
        {
            if (other == null) throw new ArgumentNullException(nameof(other));
            return string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase)
                && Port == other.Port
                && UnixSocketPath == other.UnixSocketPath
                && Database == other.Database
                && Username == other.Username
                && Password == other.Password
                && ReferenceEquals(CredentialProvider, other.CredentialProvider)
                && UseTls == other.UseTls
                && TlsServerName == other.TlsServerName
                && CertificateRequirement == other.CertificateRequirement
                && CheckHostname == other.CheckHostname
                && CaCertificatePath == other.CaCertificatePath
                && ClientCertificatePath == other.ClientCertificatePath
                && ClientKeyPath == other.ClientKeyPath
                && ClientCertificatePassword == other.ClientCertificatePassword
                && ReferenceEquals(ClientCertificate, other.ClientCertificate)
                && ConnectTimeout == other.ConnectTimeout
                && SocketTimeout == other.SocketTimeout
                && SocketKeepAlive == other.SocketKeepAlive
                && RetryOnTimeout == other.RetryOnTimeout
                && Retry.Retries == other.Retry.Retries
                && Retry.BackoffBase == other.Retry.BackoffBase
                && Retry.BackoffCap == other.Retry.BackoffCap
                && HealthCheckInterval == other.HealthCheckInterval
                && ClientName == other.ClientName
                && SendLibraryInfo == other.SendLibraryInfo
                && Protocol == other.Protocol
                && MaxConnections == other.MaxConnections
                && PoolTimeout == other.PoolTimeout;
        }

        /// <summary>Where the connection goes, without credentials: "host:port/db" or "unix:path/db".</summary>
        public string Endpoint =>
            UnixSocketPath != null
                ? "unix:" + UnixSocketPath
                : (Host.IndexOf(':') >= 0 && !Host.StartsWith("[", StringComparison.Ordinal) ? "[" + Host + "]" : Host) + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>A URL for these options with the password masked, safe to show and log.</summary>
        public override string ToString()
        {
            var sb = new StringBuilder();
            sb.Append(UnixSocketPath != null ? "unix://" : UseTls ? "rediss://" : "redis://");
            if (Username != null || HasCredentials)
            {
                if (Username != null) sb.Append(Uri.EscapeDataString(Username));
                if (HasCredentials) sb.Append(":***");
                sb.Append('@');
            }
            if (UnixSocketPath != null)
            {
                sb.Append(UnixSocketPath).Append("?db=").Append(Database.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(Endpoint).Append('/').Append(Database.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }
    }
}
