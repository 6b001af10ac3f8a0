using System;
using System.Globalization;
using System.Text;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A user name and a password (or access token) for AUTH. The password has no public getter: only the connection
    /// reads it, so no serializer, formatter or debugger view of a public object can show it.
    /// </summary>
    public sealed class RedisCredentials
    {
        /// <param name="username">ACL user; null authenticates as the default user.</param>
        /// <param name="password">The password or access token.</param>
        /// <param name="expiresOn">When the token stops working; null reads it from the token when it is a JWT (its exp claim), else never.</param>
        public RedisCredentials(string? username, string password, DateTimeOffset? expiresOn = null)
        {
            Username = username;
            Password = password ?? throw new ArgumentNullException(nameof(password));
            ExpiresOn = expiresOn ?? JwtExpiry.Read(password);
        }

        /// <summary>
        /// How long an access token is taken to live when nothing says otherwise (no lifetime given, no expiry reported,
        /// not a JWT): an hour, the usual life of a Microsoft Entra ID token, so a provider is asked again after 55 minutes
        /// rather than never.
        /// </summary>
        public static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromHours(1);

        /// <summary>
        /// Credentials for an access token, with its expiry decided in this order: <paramref name="lifetime"/> from now
        /// when given (the caller knows best, e.g. for tokens that are not JWTs); else <paramref name="expiresOn"/> (what the
        /// token's issuer reported, e.g. Get-AzAccessToken's ExpiresOn); else the JWT's exp claim; else
        /// <see cref="DefaultTokenLifetime"/> from now.
        /// </summary>
        public static RedisCredentials ForToken(string? username, string token, TimeSpan? lifetime = null, DateTimeOffset? expiresOn = null) =>
            ForToken(username, token, lifetime, expiresOn, DateTimeOffset.UtcNow);

        internal static RedisCredentials ForToken(string? username, string token, TimeSpan? lifetime, DateTimeOffset? expiresOn, DateTimeOffset now)
        {
            if (token == null) throw new ArgumentNullException(nameof(token));
            if (token.Length == 0) throw new ArgumentException("The access token is empty.", nameof(token));
            if (lifetime.HasValue && lifetime.Value <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lifetime), "A token lifetime must be positive.");
            DateTimeOffset expiry = lifetime.HasValue ? now + lifetime.Value
                : expiresOn ?? JwtExpiry.Read(token) ?? now + DefaultTokenLifetime;
            return new RedisCredentials(username, token, expiry);
        }

        public string? Username { get; }

        internal string Password { get; }

        /// <summary>When these credentials stop working (null: they do not expire).</summary>
        public DateTimeOffset? ExpiresOn { get; }

        public override string ToString() =>
            "RedisCredentials(" + (Username ?? "default") + ", password ***"
            + (ExpiresOn.HasValue ? ", expires " + ExpiresOn.Value.ToString("u", CultureInfo.InvariantCulture) : string.Empty) + ")";
    }

    /// <summary>
    /// Where a connection gets its credentials (redis-py's CredentialProvider): asked for every new connection, and
    /// again before the credentials it gave expire. Implementations must be thread-safe.
    /// </summary>
    public interface ICredentialProvider
    {
        RedisCredentials GetCredentials();
    }

    /// <summary>
    /// A credential provider from a function, for C# callers: <c>options.CredentialProvider = new
    /// DelegateCredentialProvider(() =&gt; RedisCredentials.ForToken(user, GetToken()))</c>. The function is called when
    /// a connection is made and again before the credentials it returned expire, from whichever thread needs them (one
    /// call at a time per set of options); while earlier credentials still work, a failure is retried later rather
    /// than failing commands.
    /// </summary>
    public sealed class DelegateCredentialProvider : ICredentialProvider
    {
        private readonly Func<RedisCredentials> _get;

        public DelegateCredentialProvider(Func<RedisCredentials> getCredentials) =>
            _get = getCredentials ?? throw new ArgumentNullException(nameof(getCredentials));

        public RedisCredentials GetCredentials() => _get();

        /// <summary>Says what it is, never what it returns.</summary>
        public override string ToString() => nameof(DelegateCredentialProvider);
    }

    /// <summary>Reads the exp claim of a JWT (Microsoft Entra ID access tokens are JWTs); anything else has no expiry.</summary>
    internal static class JwtExpiry
    {
        internal static DateTimeOffset? Read(string token)
        {
            string[] parts = token.Split('.');
            if (parts.Length != 3 || parts[1].Length == 0) return null;
            string payload;
            try
            {
                payload = Encoding.UTF8.GetString(FromBase64Url(parts[1]));
            }
            catch (FormatException)
            {
                return null;
            }
            // Only one number is needed, so a small scan beats a JSON dependency: "exp": 1767225600
            int key = payload.IndexOf("\"exp\"", StringComparison.Ordinal);
            if (key < 0) return null;
            int at = payload.IndexOf(':', key + 5);
            if (at < 0) return null;
            at++;
            while (at < payload.Length && char.IsWhiteSpace(payload[at])) at++;
            int end = at;
            while (end < payload.Length && (char.IsDigit(payload[end]) || payload[end] == '.')) end++;
            if (!double.TryParse(payload.Substring(at, end - at), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)) return null;
            if (seconds <= 0 || seconds > 253402300799) return null;
            return DateTimeOffset.FromUnixTimeSeconds((long)seconds);
        }

        private static byte[] FromBase64Url(string text)
        {
            string base64 = text.Replace('-', '+').Replace('_', '/');
            switch (base64.Length % 4)
            {
                case 2: base64 += "=="; break;
                case 3: base64 += "="; break;
                case 1: throw new FormatException("Not base64url.");
            }
            return Convert.FromBase64String(base64);
        }
    }
}
