using System;
using System.Text;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit
{
    /// <summary>Credentials: where the password can be read (nowhere public), JWT expiry, and when a provider is asked again.</summary>
    public sealed class CredentialTests
    {
        private static string Jwt(long exp) =>
            Base64Url("{\"alg\":\"none\"}") + "." + Base64Url("{\"aud\":\"https://redis.azure.com\",\"exp\": " + exp + ",\"oid\":\"x\"}") + ".c2ln";

        private static string Base64Url(string json) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        [Fact]
        public void NoPublicMemberReturnsThePassword()
        {
            foreach (Type type in new[] { typeof(ConnectionOptions), typeof(RedisCredentials) })
            {
                foreach (var property in type.GetProperties())
                {
                    if (property.Name.Contains("Password", StringComparison.Ordinal))
                        Assert.True(property.GetGetMethod() == null, type.Name + "." + property.Name + " has a public getter.");
                }
            }
            var credentials = new RedisCredentials("alice", "pw-that-never-shows");
            Assert.DoesNotContain("pw-that-never-shows", credentials.ToString());
            var options = new ConnectionOptions { Password = "pw-that-never-shows" };
            Assert.True(options.HasCredentials);
            Assert.DoesNotContain("pw-that-never-shows", options.ToString());
        }

        [Fact]
        public void AJwtExpiresWhenItsExpClaimSays()
        {
            DateTimeOffset exp = DateTimeOffset.FromUnixTimeSeconds(1893456000);
            Assert.Equal(exp, new RedisCredentials("app", Jwt(1893456000)).ExpiresOn);
            Assert.Null(new RedisCredentials("app", "plain-password").ExpiresOn);
            Assert.Null(new RedisCredentials("app", "a.b.c").ExpiresOn); // three parts, but no JSON with exp
            DateTimeOffset given = DateTimeOffset.UtcNow.AddMinutes(3);
            Assert.Equal(given, new RedisCredentials("app", Jwt(1893456000), given).ExpiresOn); // an explicit lifetime wins
        }

        private sealed class CountingProvider : ICredentialProvider
        {
            public int Calls;
            public Func<int, RedisCredentials> Next = n => new RedisCredentials("app", "token-" + n);

            public RedisCredentials GetCredentials() => Next(Interlocked.Increment(ref Calls));
        }

        [Fact]
        public void AProviderIsAskedOnceAndAgainShortlyBeforeExpiry()
        {
            DateTimeOffset now = new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
            var provider = new CountingProvider();
            provider.Next = n => new RedisCredentials("app", "token-" + n, now.AddHours(1));
            var options = new ConnectionOptions { CredentialProvider = provider };
            var cache = options.Credentials;
            cache.Now = () => now;

            RedisCredentials first = cache.Current(out int v1)!;
            cache.Current(out int again);
            Assert.Equal(1, provider.Calls);
            Assert.Equal(v1, again);

            now = now.AddMinutes(54); // less than 5 minutes left at the next call
            now = now.AddSeconds(59);
            cache.Current(out int stillFirst);
            Assert.Equal(1, provider.Calls);
            Assert.Equal(v1, stillFirst);

            now = now.AddSeconds(2); // inside the five-minute margin
            RedisCredentials second = cache.Current(out int v2)!;
            Assert.Equal(2, provider.Calls);
            Assert.NotEqual(v1, v2);
            Assert.NotSame(first, second);
        }

        [Fact]
        public void AFailedRefreshKeepsWorkingCredentialsAndFailsClearlyOnceTheyExpired()
        {
            DateTimeOffset now = new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
            var provider = new CountingProvider();
            provider.Next = n => new RedisCredentials("app", "token-" + n, now.AddMinutes(10));
            var options = new ConnectionOptions { CredentialProvider = provider, Host = "cache" };
            var cache = options.Credentials;
            cache.Now = () => now;
            cache.Current(out int v1);

            provider.Next = n => throw new InvalidOperationException("token service down");
            now = now.AddMinutes(8); // refresh due (margin: a quarter of 10 minutes), still valid
            Assert.NotNull(cache.Current(out int v));
            Assert.Equal(v1, v);

            now = now.AddMinutes(3); // expired, and the provider still fails
            var error = Assert.Throws<RedisAuthenticationException>(() => cache.Current(out _));
            Assert.Contains("token service down", error.Message);
            Assert.Contains("cache:6379", error.Message);
        }

        [Fact]
        public void ACloneDoesNotShareCredentials()
        {
            var options = new ConnectionOptions { Password = "one" };
            ConnectionOptions copy = options.Clone();
            copy.Password = "two";
            Assert.Equal("one", options.Credentials.Current(out _)!.Password);
            Assert.Equal("two", copy.Credentials.Current(out _)!.Password);
        }
    
        [Fact]
        public void ATokensExpiryComesFromTheGivenLifetimeThenTheIssuerThenTheJwtThenAnHour()
        {
            var now = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
            var reported = now.AddMinutes(70);
            var jwtExp = DateTimeOffset.FromUnixTimeSeconds(1893456000);
            // -TokenLifetime wins over everything: the caller may want earlier renewals, or the token is opaque.
            Assert.Equal(now.AddSeconds(3), RedisCredentials.ForToken("u", Jwt(1893456000), TimeSpan.FromSeconds(3), reported, now).ExpiresOn);
            // What the issuer reported (Get-AzAccessToken's ExpiresOn) beats reading the token.
            Assert.Equal(reported, RedisCredentials.ForToken("u", Jwt(1893456000), null, reported, now).ExpiresOn);
            Assert.Equal(jwtExp, RedisCredentials.ForToken("u", Jwt(1893456000), null, null, now).ExpiresOn);
            // An opaque token with nothing said about it is renewed hourly, not kept for ever.
            Assert.Equal(now + RedisCredentials.DefaultTokenLifetime, RedisCredentials.ForToken(null, "opaque", null, null, now).ExpiresOn);
            Assert.Equal(TimeSpan.FromHours(1), RedisCredentials.DefaultTokenLifetime);
            Assert.Throws<ArgumentException>(() => RedisCredentials.ForToken("u", "", null, null, now));
            Assert.Throws<ArgumentOutOfRangeException>(() => RedisCredentials.ForToken("u", "t", TimeSpan.Zero, null, now));
        }

        [Fact]
        public void AShortLivedTokenIsRenewedAtThreeQuartersOfItsLifeAndALongOneFiveMinutesBefore()
        {
            var clock = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
            int asked = 0;
            TimeSpan life = TimeSpan.FromSeconds(4);
            var options = new ConnectionOptions
            {
                CredentialProvider = new DelegateCredentialProvider(() => { asked++; return RedisCredentials.ForToken("u", "t" + asked, life, null, clock); }),
            };
            options.Credentials.Now = () => clock;
            Assert.Equal("t1", options.Credentials.Current(out int v1)!.Password);
            clock = clock.AddSeconds(2.9);
            Assert.Equal("t1", options.Credentials.Current(out int v2)!.Password); // not due before 3 s (4 s - a quarter)
            Assert.Equal(v1, v2);
            clock = clock.AddSeconds(0.2);
            Assert.Equal("t2", options.Credentials.Current(out int v3)!.Password);
            Assert.True(v3 > v2, "a refresh bumps the version, so live connections send AUTH");

            life = TimeSpan.FromHours(1);
            clock = clock.AddSeconds(10);
            Assert.Equal("t3", options.Credentials.Current(out _)!.Password);
            clock = clock.AddMinutes(54.9);
            Assert.Equal("t3", options.Credentials.Current(out _)!.Password);
            clock = clock.AddMinutes(0.2);
            Assert.Equal("t4", options.Credentials.Current(out _)!.Password); // 55 minutes: five before expiry
        }

        [Fact]
        public void ADelegateProviderShowsNeitherTheFunctionNorTheToken()
        {
            var provider = new DelegateCredentialProvider(() => RedisCredentials.ForToken("u", "token-that-never-shows"));
            Assert.DoesNotContain("token-that-never-shows", provider.ToString());
            Assert.DoesNotContain("token-that-never-shows", provider.GetCredentials().ToString());
            Assert.Throws<ArgumentNullException>(() => new DelegateCredentialProvider(null!));
        }
}
}
