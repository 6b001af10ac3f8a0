using System;
using System.Threading;

namespace PSRedis.Protocol
{
    /// <summary>
    /// The credentials of one set of options, and when to ask the provider again. Every refresh bumps
    /// <see cref="Version"/>; a connection that authenticated with an older version sends AUTH before its next command.
    /// </summary>
    internal sealed class CredentialCache
    {
        // Ask again this long before expiry (less for short-lived tokens: a quarter of their life).
        private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);
        // After a failed refresh while the old token still works, try again after at most this long.
        private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

        private readonly ConnectionOptions _options;
        private readonly object _refreshing = new object();
        private RedisCredentials? _current;
        private DateTimeOffset _refreshAt;
        private int _version;

        internal CredentialCache(ConnectionOptions options) => _options = options;

        /// <summary>For tests and the clock: the current time (UTC).</summary>
        internal Func<DateTimeOffset> Now { get; set; } = () => DateTimeOffset.UtcNow;

        internal int Version => Volatile.Read(ref _version);

        /// <summary>
        /// The credentials to authenticate with now, and their version; null when none are configured. Refreshes from
        /// the provider when due; a failed refresh keeps the old credentials while they still work.
        /// </summary>
        internal RedisCredentials? Current(out int version)
        {
            ICredentialProvider? provider = _options.CredentialProvider;
            if (provider == null)
            {
                version = 0;
                string? password = _options.Password;
                return password == null ? null : new RedisCredentials(_options.Username, password, DateTimeOffset.MaxValue);
            }
            RedisCredentials? current = Volatile.Read(ref _current);
            DateTimeOffset now = Now();
            if (current != null && now < _refreshAt)
            {
                version = Version;
                return current;
            }
            // One caller refreshes; the others go on with credentials that still work rather than queue behind it.
            bool usable = current != null && (!current.ExpiresOn.HasValue || now < current.ExpiresOn.Value);
            if (usable && !Monitor.TryEnter(_refreshing))
            {
                version = Version;
                return current;
            }
            if (!usable) Monitor.Enter(_refreshing);
            try
            {
                current = Volatile.Read(ref _current);
                now = Now();
                if (current != null && now < _refreshAt)
                {
                    version = Version;
                    return current;
                }
                RedisCredentials fresh;
                try
                {
                    fresh = provider.GetCredentials() ?? throw new InvalidOperationException("The credential provider returned nothing.");
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    if (current != null && current.ExpiresOn.HasValue && now < current.ExpiresOn.Value)
                    {
                        _refreshAt = now + Min(RetryAfterFailure, Half(current.ExpiresOn.Value - now));
                        version = Version;
                        return current;
                    }
                    throw new RedisAuthenticationException("The credential provider failed to give credentials for " + _options.Endpoint + ": " + ex.Message, ex);
                }
                _refreshAt = RefreshTime(fresh, now);
                Volatile.Write(ref _current, fresh);
                version = Interlocked.Increment(ref _version);
                return fresh;
            }
            finally
            {
                Monitor.Exit(_refreshing);
            }
        }

        private static DateTimeOffset RefreshTime(RedisCredentials credentials, DateTimeOffset now)
        {
            if (!credentials.ExpiresOn.HasValue || credentials.ExpiresOn.Value == DateTimeOffset.MaxValue) return DateTimeOffset.MaxValue;
            TimeSpan life = credentials.ExpiresOn.Value - now;
            if (life <= TimeSpan.Zero) return now; // already expired: ask again next time
            return now + life - Min(RefreshMargin, TimeSpan.FromTicks(life.Ticks / 4));
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        private static TimeSpan Half(TimeSpan span) => TimeSpan.FromTicks(span.Ticks / 2);
    }
}
