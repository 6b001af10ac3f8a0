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
        internal RedisConnection(string name, RedisClient client)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Client = client ?? throw new ArgumentNullException(nameof(client));
            Connected = DateTimeOffset.Now;
        }

        /// <summary>The name it is registered under in the session (Connect-Redis -Name).</summary>
        public string Name { get; }

        /// <summary>The connection URL with the password masked.</summary>
        public string Url => Client.Options.ToString();

        public string Host => Client.Options.UnixSocketPath ?? Client.Options.Host;

        public int Port => Client.Options.Port;

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

        /// <summary>The compiled client (PSRedis.Protocol.RedisClient); thread-safe, pooled.</summary>
        public RedisClient Client { get; }

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
