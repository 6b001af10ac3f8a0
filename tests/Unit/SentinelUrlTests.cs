using System;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit
{
    /// <summary>redis+sentinel:// URLs: sentinels, service, database, the two sets of credentials, and clear errors.</summary>
    public sealed class SentinelUrlTests
    {
        [Fact]
        public void SentinelsServiceDatabaseAndOptionsAreRead()
        {
            SentinelUrl url = SentinelUrl.Parse("redis+sentinel://app:data%2Fpw@s1:26380,s2,[::1]:26381/my%20master/4?socket_timeout=2&sentinel_username=watch&sentinel_password=sent-pw");
            Assert.Equal(new[] { "s1:26380", "s2:26379", "[::1]:26381" }, Array.ConvertAll(System.Linq.Enumerable.ToArray(url.Sentinels), s => s.ToString()));
            Assert.Equal("my master", url.ServiceName);
            Assert.Equal(4, url.ConnectionOptions.Database);
            Assert.Equal("app", url.ConnectionOptions.Username);
            Assert.Equal(TimeSpan.FromSeconds(2), url.ConnectionOptions.SocketTimeout);
            Assert.Equal("watch", url.SentinelUsername);
            Assert.Equal("redis+sentinel://s1:26380,s2:26379,[::1]:26381/my master/4", url.ToString());
            Assert.DoesNotContain("pw", url.ToString());
            Assert.True(SentinelUrl.Parse("rediss+sentinel://s1/m").ConnectionOptions.UseTls);
        }

        [Theory]
        [InlineData("redis+sentinel://:secret-pw@s1:26379", "name the service")]
        [InlineData("redis+sentinel://:secret-pw@/m", "at least one sentinel")]
        [InlineData("redis+sentinel://s1:99999/m", "port of 1-65535")]
        [InlineData("redis+sentinel://s1/m/1/2", "/service or /service/db")]
        [InlineData("redis+sentinel://:secret-pw@s1/m?no_such_option=1", "no_such_option")]
        [InlineData("redis://s1/m", "redis+sentinel://")]
        public void MalformedUrlsSayWhyAndNeverShowThePassword(string url, string why)
        {
            var ex = Assert.Throws<ArgumentException>(() => SentinelUrl.Parse(url));
            Assert.Contains(why, ex.Message);
            Assert.DoesNotContain("secret-pw", ex.Message);
        }

        [Fact]
        public void RedactMasksBothPasswords()
        {
            string redacted = RedisUrl.Redact("redis+sentinel://:data-pw@s1/m?sentinel_password=sent-pw&password=q-pw");
            Assert.DoesNotContain("data-pw", redacted);
            Assert.DoesNotContain("sent-pw", redacted);
            Assert.DoesNotContain("q-pw", redacted);
            Assert.Contains("sentinel_password=***", redacted);
        }
    }
}
