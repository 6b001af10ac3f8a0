using System;
using System.Collections.Generic;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Client
{
    /// <summary>What happens to pooled connections the server dropped, and the health-check PING.</summary>
    [Collection("redis")]
    public sealed class HealthTests
    {
        private readonly RedisFixture _fixture;

        public HealthTests(RedisFixture fixture) => _fixture = fixture;

        private static long ClientId(RedisClient client) => (long)client.ExecuteCommand("CLIENT", "ID")!;

        private static long PingCalls(RedisClient observer)
        {
            RedisInfo stats = observer.Info("commandstats");
            return stats.TryGetValue("cmdstat_ping", out object? entry) ? (long)((Dictionary<string, object>)entry)["calls"] : 0;
        }

        [Fact]
        public void IdleConnectionKilledByTheServerIsReplacedWithoutAnError()
        {
            using RedisClient client = RedisClient.FromUrl(_fixture.Url);
            using RedisClient admin = RedisClient.FromUrl(_fixture.Url);
            long id = ClientId(client);
            Assert.Equal(1L, admin.ExecuteCommand("CLIENT", "KILL", "ID", id));
            Thread.Sleep(1200); // idle long enough for the stale-socket check before reuse
            Assert.True(client.Ping());
            Assert.NotEqual(id, ClientId(client));
        }

        [Fact]
        public void HealthCheckIntervalPingsAConnectionIdleLongerThanIt()
        {
            using RedisClient client = RedisClient.FromUrl(_fixture.Url + "?health_check_interval=0.2");
            using RedisClient observer = RedisClient.FromUrl(_fixture.Url);
            client.Set("it:health", "1");
            long before = PingCalls(observer);
            client.Get("it:health"); // used just now: no PING
            Assert.Equal(before, PingCalls(observer));
            Thread.Sleep(400);
            client.Get("it:health"); // idle past the interval: PING first
            Assert.Equal(before + 1, PingCalls(observer));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(3)]
        public void ConnectionKilledRightBeforeUseIsReplacedAndTheCommandRunsOnce(int retries)
        {
            using RedisClient client = RedisClient.FromUrl(_fixture.Url, o => o.Retry = new RetryPolicy(retries, TimeSpan.FromMilliseconds(10)));
            using RedisClient admin = RedisClient.FromUrl(_fixture.Url);
            string counter = "it:killed:" + Guid.NewGuid().ToString("N");
            for (int round = 1; round <= 20; round++)
            {
                long id = ClientId(client);
                Assert.Equal(1L, admin.ExecuteCommand("CLIENT", "KILL", "ID", id));
                // Used at once, well within a second of the kill: the closed socket is found before INCR is sent, so
                // INCR goes on a new connection (whatever the retry policy) and runs exactly once.
                Assert.Equal(round, client.Incr(counter));
                Assert.NotEqual(id, ClientId(client));
            }
            Assert.Equal("20", admin.Get(counter));
            Assert.Equal(1, ((ConnectionPool)client.ConnectionPool).CreatedCount);
        }

        [Fact]
        public void ClientNameAndDatabaseAreSetOnEveryNewConnection()
        {
            using RedisClient client = RedisClient.FromUrl(_fixture.Url + "?client_name=psredis-health&db=5");
            using RedisClient admin = RedisClient.FromUrl(_fixture.Url);
            Assert.Equal("psredis-health", client.ExecuteCommand("CLIENT", "GETNAME"));
            admin.ExecuteCommand("CLIENT", "KILL", "ID", ClientId(client));
            Thread.Sleep(1200);
            Assert.Equal("psredis-health", client.ExecuteCommand("CLIENT", "GETNAME"));
            string info = (string)client.ExecuteCommand("CLIENT", "INFO")!;
            Assert.Contains(" db=5 ", info);
        }
    }
}
