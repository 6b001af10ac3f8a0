using System;
using System.Globalization;
using System.Threading;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// A named connection as PowerShell users hold it: where it goes (never the password), and the compiled
    /// client as <see cref="Client"/> for anything the cmdlets do not cover.
    /// </summary>
    public sealed class RedisConnection : IDisposable
    {
        private readonly RedisSentinel? _sentinel;
        private readonly SentinelUrl? _sentinelTarget;
        private SentinelAddress? _lastPrimary;

        internal RedisConnection(string name, RedisClientBase client)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Client = client ?? throw new ArgumentNullException(nameof(client));
            Connected = DateTimeOffset.Now;
        }

        /// <summary>A connection to the primary of a Sentinel-managed service; it owns <paramref name="sentinel"/>.</summary>
        internal RedisConnection(string name, RedisClient client, RedisSentinel sentinel, SentinelUrl target)
            : this(name, client)
        {
            _sentinel = sentinel;
            _sentinelTarget = target;
            _lastPrimary = (client.ConnectionPool as SentinelConnectionPool)?.MasterAddress;
        }

        /// <summary>The name it is registered under in the session (Connect-Redis -Name).</summary>
        public string Name { get; }

        /// <summary>The connection URL with the password masked (for Sentinel, the redis+sentinel:// URL).</summary>
        public string Url => _sentinelTarget?.ToString() ?? Client.Options.ToString();

        /// <summary>
        /// Standalone (one server), Sentinel (the primary of a monitored service, followed through failovers) or Cluster
        /// (a Redis Cluster: each command goes to the node that owns its key).
        /// </summary>
        public string Topology => Client is RedisCluster ? "Cluster" : _sentinel != null ? "Sentinel" : "Standalone";

        /// <summary>How many primaries serve the data: those of the cluster's slot map now, else 1.</summary>
        public int Primaries => Client is RedisCluster cluster ? cluster.Primaries.Count : 1;

        /// <summary>The Sentinel service name (master name); null for a standalone server.</summary>
        public string? ServiceName => _sentinelTarget?.ServiceName;

        /// <summary>The server in use: for Sentinel, the primary the sentinels named last.</summary>
        public string Host => Primary?.Host ?? Client.Options.UnixSocketPath ?? Client.Options.Host;

        public int Port => Primary?.Port ?? Client.Options.Port;

        private SentinelAddress? Primary => ((Client as RedisClient)?.ConnectionPool as SentinelConnectionPool)?.MasterAddress;

        /// <summary>
        /// The new primary when a failover moved the service since the last call (then remembered), else null: the
        /// cmdlets say so in a Verbose line, the only thing a script sees of a failover.
        /// </summary>
        internal SentinelAddress? TakePrimaryChange()
        {
            SentinelAddress? now = Primary;
            if (now == null || now.Equals(_lastPrimary)) return null;
            bool first = _lastPrimary == null;
            _lastPrimary = now;
            return first ? null : now;
        }

        public int Database => Client.Options.Database;

        public bool UseTls => Client.Options.UseTls;

        /// <summary>The ACL user name, or null for the default user.</summary>
        public string? UserName => Client.Options.Username;

        /// <summary>When Connect-Redis made this connection.</summary>
        public DateTimeOffset Connected { get; }

        /// <summary>True for the session's default connection (the one cmdlets use without -Connection).</summary>
        public bool IsDefault { get; internal set; }

        /// <summary>True once Disconnect-Redis closed it (or the runspace that opened it ended).</summary>
        public bool IsClosed { get; private set; }

        /// <summary>
        /// The compiled client, thread-safe and pooled: a PSRedis.Protocol.RedisClient for one server or a Sentinel
        /// service, a PSRedis.Protocol.RedisCluster for a cluster (the same commands, routed by key).
        /// </summary>
        public RedisClientBase Client { get; }

        private static long s_useClock;
        private long _lastUsed;

        /// <summary>Orders the session's connections by last use: the newest becomes the default when the default is closed.</summary>
        internal long LastUsed => Interlocked.Read(ref _lastUsed);

        internal void MarkUsed() => Interlocked.Exchange(ref _lastUsed, Interlocked.Increment(ref s_useClock));

        /// <summary>Closes every pooled connection of this client.</summary>
        public void Dispose()
        {
            IsClosed = true;
            Client.Dispose();
            _sentinel?.Dispose();
            // The -AccessToken script block's own runspace lives as long as the connection.
            (Client.Options.CredentialProvider as IDisposable)?.Dispose();
        }

        /// <summary>Name and masked URL; never the password.</summary>
        public override string ToString() => Name + " (" + Url + ")";

        internal static string DefaultName(ConnectionOptions options) =>
            options.UnixSocketPath != null
                ? "unix:" + options.UnixSocketPath + "/" + options.Database.ToString(CultureInfo.InvariantCulture)
                : options.Endpoint + "/" + options.Database.ToString(CultureInfo.InvariantCulture);
    }
}
