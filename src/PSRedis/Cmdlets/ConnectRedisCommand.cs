using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;
using System.Management.Automation;
using System.Net;
using System.Security;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Connect-Redis: builds a pooled client from a URL (or host name) plus overrides, checks it with PING,
    /// and makes it the session's default connection.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "Redis", DefaultParameterSetName = UrlSet)]
    [OutputType(typeof(RedisConnection))]
    public sealed class ConnectRedisCommand : PSCmdlet
    {
        private const string UrlSet = "Url";
        private const string HostNameSet = "HostName";
        private const string SentinelSet = "Sentinel";
        internal const string UrlEnvironmentVariable = "REDIS_URL";
        internal const string DefaultUrl = "redis://localhost:6379/0";

        /// <summary>
        /// redis://, rediss:// or unix:// URL; default $env:REDIS_URL, else redis://localhost:6379/0. For a cluster, several
        /// seed nodes: more URLs (or host:port) after the first, or one URL with a host list (redis://h1:p1,h2:p2).
        /// </summary>
        [Parameter(Position = 0, ParameterSetName = UrlSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Url { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = HostNameSet)]
        [ValidateNotNullOrEmpty]
        [Alias("ComputerName", "Server")]
        public string? HostName { get; set; }

        /// <summary>Sentinels to ask for the primary: host:port (26379 when no port), as several strings or one comma-separated.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SentinelSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Sentinel { get; set; }

        /// <summary>The service (master name) the sentinels monitor.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SentinelSet)]
        [ValidateNotNullOrEmpty]
        public string? ServiceName { get; set; }

        /// <summary>The sentinels' own user and password, when they have one (-Credential is for the data nodes).</summary>
        [Parameter(ParameterSetName = SentinelSet)]
        [Parameter(ParameterSetName = UrlSet)]
        [Credential]
        [ValidateNotNull]
        public PSCredential? SentinelCredential { get; set; }

        [Parameter]
        [ValidateRange(1, 65535)]
        public int Port { get; set; }

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Database { get; set; }

        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        /// <summary>
        /// A token as a SecureString, or a script block that returns one (SecureString or string, or Get-AzAccessToken's
        /// result) and runs again before the token expires.
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        public object? AccessToken { get; set; }

        /// <summary>How long a token from the -AccessToken script block lives (seconds or a TimeSpan), for tokens that are not JWTs.</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan TokenLifetime { get; set; }

        [Parameter]
        public SwitchParameter UseTls { get; set; }

        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PSRedis.Completion.ConnectionNameCompleter))]
        public string? Name { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaxConnections { get; set; }

        /// <summary>Connect and socket timeout: seconds or a TimeSpan.</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan Timeout { get; set; }

        /// <summary>RESP protocol version: 2 or 3 (HELLO 3); default 2, or the URL's ?protocol=.</summary>
        [Parameter]
        [ValidateSet("2", "3")]
        public int Protocol { get; set; }

        /// <summary>How many times a transient failure is retried (default 3; 0 turns retrying off).</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public int RetryCount { get; set; }

        /// <summary>The first wait between attempts (seconds or a TimeSpan; default 0.05 s), doubling with jitter.</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan RetryBackoff { get; set; }

        /// <summary>Retry timeouts too (redis-py retry_on_timeout); a command that may have run is still repeated only when harmless.</summary>
        [Parameter]
        public SwitchParameter RetryOnTimeout { get; set; }

        /// <summary>How long a caller waits for a free pooled connection when all -MaxConnections are in use: seconds or a TimeSpan; default -Timeout.</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan PoolTimeout { get; set; }

        /// <summary>On a cluster: commands that only read keys go to the replicas (which may lag the primary).</summary>
        [Parameter(ParameterSetName = UrlSet)]
        [Parameter(ParameterSetName = HostNameSet)]
        public SwitchParameter ReadFromReplica { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            SecretArguments.RedactUrls(MyInvocation, nameof(Url), Url);
            SentinelUrl? sentinel = SentinelTarget();
            ConnectionOptions options = sentinel?.ConnectionOptions ?? BuildOptions();
            if (sentinel != null) ApplyParameters(options);
            string name = Name ?? (sentinel != null ? sentinel.ServiceName : RedisConnection.DefaultName(options));
            SessionConnections session = ConnectionRegistry.Current
                ?? throw new InvalidOperationException("Connect-Redis must run in a PowerShell runspace.");

            // Running the same Connect-Redis again (a script re-run, a dot-sourced profile) keeps what is there.
            RedisConnection? existing = session.Get(name);
            if (existing != null && !existing.IsClosed && existing.Client.Options.HasSameSettings(options)
                && existing.Url == (sentinel?.ToString() ?? existing.Url))
            {
                session.MakeDefault(existing);
                WriteVerbose("Already connected to " + options + " as '" + name + "'; it is the default connection again.");
                if (PassThru) WriteObject(existing);
                return;
            }

            var details = new System.Collections.Generic.List<string>();
            if (options.UseTls) details.Add(options.CertificateRequirement == CertificateRequirement.None ? "TLS, certificate not checked" : "TLS");
            if (options.Username != null) details.Add("user " + options.Username);
            else if (options.HasCredentials && options.CredentialProvider == null) details.Add("password");
            if (options.CredentialProvider != null) details.Add("access token from a script block, renewed before it expires");
            if (options.ConnectTimeout.HasValue) details.Add("timeout " + options.ConnectTimeout.Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s");
            // options.ToString() masks the password; nothing here ever prints a secret.
            WriteVerbose("Connecting to " + options + (details.Count > 0 ? " (" + string.Join(", ", details) + ")" : string.Empty) + " as '" + name + "'.");

            // With a size limit, callers sharing the connection (ForEach-Object -Parallel, runspace pools)
            // wait for a free connection instead of failing at once.
            RedisSentinel? manager = sentinel?.CreateSentinel();
            RedisClient client = manager != null ? manager.MasterFor(sentinel!.ServiceName, waitForConnection: options.MaxConnections.HasValue)
                : NewClient(options);
            bool connected = false;
            try
            {
                client = FirstThatAnswers(client, options, manager != null);
                connected = true;
            }
            catch (Exception e) when (e is RedisException || e is ArgumentException || e is ObjectDisposedException)
            {
                (options.CredentialProvider as IDisposable)?.Dispose();
                ErrorRecord record = RedisCmdlet.ToErrorRecord(e, options.ToString());
                record.ErrorDetails = new ErrorDetails("Cannot connect to " + options + ": " + e.Message);
                record.ErrorDetails.RecommendedAction = e is RedisAuthenticationException
                    ? (options.CredentialProvider != null
                        ? "Check that the -AccessToken script block returns a valid token (run it on its own) and the user name (-Credential)."
                        : "Check the user name and password (-Credential or -AccessToken).")
                    : "Check that the server runs, that the host, port and TLS settings are right, and that -Timeout is long enough.";
                ThrowTerminatingError(record);
            }
            finally
            {
                if (!connected)
                {
                    client.Dispose();
                    manager?.Dispose();
                }
            }

            if (options.UseTls && options.CertificateRequirement == CertificateRequirement.None)
            {
                // Said once, when the connection is made: re-running the same Connect-Redis reuses it quietly.
                WriteWarning("'" + name + "' (" + options.Endpoint + ") uses TLS without checking the server's certificate: anyone between you and the server can read and change the traffic. "
                    + "Give the CA with ssl_ca_certs=<file> in the URL instead of -SkipCertificateCheck.");
            }

            RedisConnection connection = manager != null ? new RedisConnection(name, client, manager, sentinel!)
                : new RedisConnection(name, ClusterOrServer(client, options));
            RedisConnection? previous = session.Add(connection);
            if (previous != null)
            {
                WriteVerbose("The name '" + name + "' now means " + options + " (before: " + previous.Url + "); the earlier connection object stays open until Disconnect-Redis -Connection closes it.");
            }
            string what = sentinel != null ? "the primary of " + sentinel.ServiceName + " at " + connection.Host + ":" + connection.Port.ToString(CultureInfo.InvariantCulture)
                : connection.Client is RedisCluster ? "a cluster of " + connection.Primaries.ToString(CultureInfo.InvariantCulture) + " primaries through " + options.Endpoint
                : options.Endpoint;
            WriteVerbose("Connected to " + what + "; '" + name + "' is now the default connection.");
            if (PassThru) WriteObject(connection);
        }

        /// <summary>A client for one server: with a size limit, a pool whose callers wait for a free connection.</summary>
        private static RedisClient NewClient(ConnectionOptions options) =>
            options.MaxConnections.HasValue ? new RedisClient(new BlockingConnectionPool(options), ownsPool: true) : new RedisClient(options);

        private string? FirstUrl => Url != null && Url.Length > 0 ? Url[0] : null;

        /// <summary>
        /// PINGs <paramref name="client"/>; when it cannot be reached and further seed nodes were given (a cluster), each
        /// of them in turn: the first that answers is the client (the options then name it). Otherwise the first failure.
        /// </summary>
        private RedisClient FirstThatAnswers(RedisClient client, ConnectionOptions options, bool sentinel)
        {
            try
            {
                client.Ping();
                return client;
            }
            catch (RedisConnectionException) when (!sentinel && _seeds.Count > 0)
            {
                client.Dispose();
                for (int i = 0; i < _seeds.Count; i++)
                {
                    (string host, int port) = _seeds[i];
                    WriteVerbose(options.Endpoint + " did not answer; trying the seed node " + host + ":" + port.ToString(CultureInfo.InvariantCulture) + ".");
                    options.Host = host;
                    options.Port = port;
                    RedisClient next = NewClient(options);
                    try
                    {
                        next.Ping();
                        _seeds.RemoveAt(i);
                        return next;
                    }
                    catch (RedisConnectionException) when (i < _seeds.Count - 1)
                    {
                        next.Dispose();
                    }
                    catch
                    {
                        next.Dispose();
                        throw;
                    }
                }
                throw;
            }
        }

        // Further seed nodes of a cluster: the hosts after the first in the URL, and any URL after the first.
        private readonly List<(string Host, int Port)> _seeds = new List<(string Host, int Port)>();

        private static (string Host, int Port) SeedOf(string text)
        {
            if (text.IndexOf("://", StringComparison.Ordinal) < 0) return ClusterUrl.ParseHostPort(text);
            ConnectionOptions seed = RedisUrl.Parse(ClusterUrl.SplitHosts(text, out _), null, null);
            return (seed.Host, seed.Port);
        }

        /// <summary>
        /// The client to keep: <paramref name="client"/> for a single server, or a cluster client (which loads the slot map)
        /// when the server says it runs in cluster mode; then <paramref name="client"/> is closed.
        /// </summary>
        private RedisClientBase ClusterOrServer(RedisClient client, ConnectionOptions options)
        {
            bool isCluster;
            try
            {
                isCluster = RedisCluster.IsClusterEnabled(client);
            }
            catch (RedisResponseException)
            {
                // A server without INFO (a proxy, a restricted ACL user) is used as one server.
                isCluster = false;
            }
            if (!isCluster)
            {
                if (_seeds.Count > 0) WriteVerbose(options.Endpoint + " is not a cluster node: the further seed nodes are ignored.");
                if (ReadFromReplica) WriteWarning("-ReadFromReplica applies to a cluster; " + options.Endpoint + " is a single server, so every command goes to it.");
                return client;
            }
            client.Dispose();
            try
            {
                var cluster = new RedisCluster(options, _seeds, ReadFromReplica);
                WriteVerbose(options.Endpoint + " is a cluster node: loaded the slot map, " + cluster.Primaries.Count.ToString(CultureInfo.InvariantCulture)
                    + " primaries (" + string.Join(", ", cluster.Primaries.Select(p => p.Endpoint)) + ").");
                return cluster;
            }
            catch (RedisException e)
            {
                (options.CredentialProvider as IDisposable)?.Dispose();
                ErrorRecord record = RedisCmdlet.ToErrorRecord(e, options.ToString());
                record.ErrorDetails = new ErrorDetails("Cannot use the cluster through " + options + ": " + e.Message);
                ThrowTerminatingError(record);
                throw; // not reached
            }
        }

        private ConnectionOptions BuildOptions()
        {
            ConnectionOptions options;
            try
            {
                if (HostName != null)
                {
                    options = RedisUrl.Parse(DefaultUrl, null, null);
                    options.Host = HostName.Trim('[', ']');
                }
                else
                {
                    string? fromEnvironment = Environment.GetEnvironmentVariable(UrlEnvironmentVariable);
                    string url = FirstUrl ?? (string.IsNullOrEmpty(fromEnvironment) ? DefaultUrl : fromEnvironment!);
                    options = RedisUrl.Parse(ClusterUrl.SplitHosts(url, out IReadOnlyList<(string Host, int Port)> others), null, null);
                    _seeds.AddRange(others);
                    for (int i = 1; Url != null && i < Url.Length; i++) _seeds.Add(SeedOf(Url[i]));
                }
            }
            catch (Exception e) when (e is RedisException || e is ArgumentException || e is FormatException || e is UriFormatException)
            {
                // The URL may hold a password: the message of the parser never shows it, and neither do we.
                ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidUrl, ErrorCategory.InvalidArgument, null));
                throw; // not reached
            }

            ApplyParameters(options);
            return options;
        }

        /// <summary>
        /// The Sentinel-managed service to connect to: -Sentinel/-ServiceName, or a redis+sentinel:// URL; null for a
        /// single server. A malformed URL or address is a terminating error that never shows a password.
        /// </summary>
        private SentinelUrl? SentinelTarget()
        {
            bool fromUrl = ParameterSetName == UrlSet && SentinelUrl.IsSentinelUrl(FirstUrl);
            if (ParameterSetName != SentinelSet && !fromUrl) return null;
            try
            {
                string url = fromUrl
                    ? FirstUrl!
                    : "redis+sentinel://" + string.Join(",", SentinelUrl.ParseSentinels(string.Join(",", Sentinel!)).Select(a => a.ToString()))
                        + "/" + Uri.EscapeDataString(ServiceName!);
                SentinelUrl target = SentinelUrl.Parse(url);
                if (SentinelCredential != null)
                {
                    target = target.WithSentinelCredentials(AclUser(SentinelCredential), SentinelCredential.GetNetworkCredential().Password);
                }
                return target;
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidUrl, ErrorCategory.InvalidArgument, null));
                throw; // not reached
            }
        }

        /// <summary>What the other parameters say, on top of the URL's options.</summary>
        private void ApplyParameters(ConnectionOptions options)
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Port))) options.Port = Port;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Database))) options.Database = Database;
            if (UseTls) options.UseTls = true;
            if (SkipCertificateCheck)
            {
                options.CertificateRequirement = CertificateRequirement.None;
                options.CheckHostname = false;
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(MaxConnections))) options.MaxConnections = MaxConnections;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Protocol))) options.Protocol = Protocol;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(RetryCount)))
                options.Retry = new RetryPolicy(RetryCount, options.Retry.BackoffBase, options.Retry.BackoffCap);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(RetryBackoff)))
            {
                if (RetryBackoff < TimeSpan.Zero)
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentOutOfRangeException(nameof(RetryBackoff), "The retry backoff cannot be negative."),
                        ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, RetryBackoff));
                }
                options.Retry = new RetryPolicy(options.Retry.Retries, RetryBackoff);
            }
            if (RetryOnTimeout) options.RetryOnTimeout = true;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)))
            {
                if (Timeout <= TimeSpan.Zero)
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentOutOfRangeException(nameof(Timeout), "The timeout must be positive."),
                        ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, Timeout));
                }
                options.ConnectTimeout = Timeout;
                options.SocketTimeout = Timeout;
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(PoolTimeout)))
            {
                if (PoolTimeout < TimeSpan.Zero)
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentOutOfRangeException(nameof(PoolTimeout), "The pool timeout cannot be negative (0: fail at once when every connection is in use)."),
                        ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, PoolTimeout));
                }
                options.PoolTimeout = PoolTimeout;
                if (!options.MaxConnections.HasValue)
                {
                    // Without a limit nobody ever waits for a connection, so the setting would silently do nothing.
                    WriteWarning("-PoolTimeout has no effect without -MaxConnections (or max_connections in the URL): a pool without a limit never makes a caller wait.");
                }
            }

            if (Credential != null)
            {
                options.Username = AclUser(Credential);
                options.Password = Credential.GetNetworkCredential().Password;
            }
            bool lifetimeGiven = MyInvocation.BoundParameters.ContainsKey(nameof(TokenLifetime));
            object? token = AccessToken is PSObject wrapped ? wrapped.BaseObject : AccessToken;
            if (token is SecureString secure)
            {
                // Azure Cache for Redis with Entra ID: the token is the password, the object id (from -Credential) the user.
                options.Password = new NetworkCredential(string.Empty, secure).Password;
            }
            else if (token is ScriptBlock block)
            {
                if (lifetimeGiven && TokenLifetime <= TimeSpan.Zero)
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentOutOfRangeException(nameof(TokenLifetime), "The token lifetime must be positive."),
                        ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, TokenLifetime));
                }
                // The password of -Credential (if any) is replaced by the tokens; its user name stays (Entra ID: the object id).
                options.Password = null;
                options.CredentialProvider = ScriptBlockTokenProvider.Create(block, SessionState, options.Username, lifetimeGiven ? TokenLifetime : (TimeSpan?)null);
            }
            else if (token != null)
            {
                // A plain string would sit in the command history and transcripts: ask for the safe forms only.
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("-AccessToken takes a SecureString or a script block that returns the token, not a " + token.GetType().Name + "."),
                    "InvalidAccessToken", ErrorCategory.InvalidArgument, null));
            }
            if (lifetimeGiven && options.CredentialProvider == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("-TokenLifetime needs -AccessToken with a script block: only a script block can give a new token when one expires."),
                    "TokenLifetimeWithoutScriptBlock", ErrorCategory.InvalidArgument, TokenLifetime));
            }
        }

        /// <summary>
        /// The ACL user of a credential, or null for Redis's default user: PSCredential cannot have an empty user name,
        /// and "default" is the default user, so both mean "password only".
        /// </summary>
        private static string? AclUser(PSCredential credential)
        {
            string user = credential.UserName ?? string.Empty;
            return user.Length == 0 || string.Equals(user, "default", StringComparison.OrdinalIgnoreCase) ? null : user;
        }
    }
}
