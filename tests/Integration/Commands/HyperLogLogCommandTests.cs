using System;
using System.Collections.Generic;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>PFADD, PFCOUNT and PFMERGE against a real server under both protocols.</summary>
    [Collection("redis")]
    public sealed class HyperLogLogCommandTests : IDisposable
    {
        private readonly string _url;
        private readonly List<RedisClient> _clients = new List<RedisClient>();
        private readonly string _p = "hll:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public HyperLogLogCommandTests(RedisFixture fixture)
        {
            _url = fixture.Url;
        }

        public void Dispose()
        {
            foreach (RedisClient c in _clients) c.Dispose();
        }

        private RedisClient Client(int protocol)
        {
            RedisClient c = RedisClient.FromUrl(_url, o => o.Protocol = protocol);
            _clients.Add(c);
            return c;
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void AddCountAndMerge(int protocol)
        {
            RedisClient c = Client(protocol);
            string a = _p + "a", b = _p + "b", d = _p + "d";
            Assert.Equal(0, c.PfCount(a));
            Assert.True(c.PfAdd(a, "x", "y", "z"));
            Assert.False(c.PfAdd(a, "x", "y"));
            Assert.True(c.PfAdd(a, 42, new byte[] { 0, 1 }));
            Assert.Equal(5, c.PfCount(a));
            Assert.True(c.PfAdd(b, "z", "w"));
            Assert.Equal(6, c.PfCount(a, b));
            Assert.Equal(5, c.PfCount(a)); // counting a union leaves the sources alone

            Assert.True(c.PfMerge(d, a, b));
            Assert.Equal(6, c.PfCount(d));
            c.PfAdd(b, "v");
            Assert.True(c.PfMerge(d, b)); // the destination's own contents stay in the union
            Assert.Equal(7, c.PfCount(d));
            Assert.True(c.PfMerge(_p + "empty")); // no sources: creates an empty HyperLogLog
            Assert.Equal(0, c.PfCount(_p + "empty"));
            Assert.Equal("string", c.Type(_p + "empty"));
        }

        [Fact]
        public void AddWithoutValuesCreatesTheKeyOnce()
        {
            RedisClient c = Client(2);
            Assert.True(c.PfAdd(_p + "new"));
            Assert.False(c.PfAdd(_p + "new"));
            Assert.Equal(0, c.PfCount(_p + "new"));
        }

        [Fact]
        public void LargeCardinalityIsApproximate()
        {
            RedisClient c = Client(2);
            string k = _p + "big";
            var batch = new object[1000];
            for (int round = 0; round < 10; round++)
            {
                for (int i = 0; i < batch.Length; i++) batch[i] = "item" + (round * batch.Length + i);
                c.PfAdd(k, batch);
            }
            // The standard error is 0.81%; allow a generous 5%.
            Assert.InRange(c.PfCount(k), 9500, 10500);
        }

        [Fact]
        public void WrongTypesAndBadInput()
        {
            RedisClient c = Client(2);
            string list = _p + "list";
            c.ExecuteCommand("RPUSH", list, "a");
            Assert.Equal("WRONGTYPE", Assert.Throws<RedisResponseException>(() => c.PfAdd(list, "x")).ErrorCode);
            Assert.Equal("WRONGTYPE", Assert.Throws<RedisResponseException>(() => c.PfCount(list)).ErrorCode);
            Assert.Equal("WRONGTYPE", Assert.Throws<RedisResponseException>(() => c.PfMerge(_p + "d", list)).ErrorCode);
            c.Set(_p + "plain", "not a hyperloglog");
            Assert.Equal("WRONGTYPE", Assert.Throws<RedisResponseException>(() => c.PfCount(_p + "plain")).ErrorCode);
            Assert.Throws<RedisDataException>(() => c.PfCount());
        }
    }
}
