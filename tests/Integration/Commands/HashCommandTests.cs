using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>Hash commands against a real server, under RESP2 and RESP3.</summary>
    [Collection("redis")]
    public sealed class HashCommandTests : IDisposable
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly string _p = "it:hash:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public HashCommandTests(RedisFixture fixture)
        {
            _url = fixture.Url;
            _client = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose() => _client.Dispose();

        private RedisClient Client(int protocol) =>
            protocol == 2 ? RedisClient.FromUrl(_url) : RedisClient.FromUrl(_url, o => o.Protocol = protocol);

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SetGetAndGetAll(int protocol)
        {
            using RedisClient c = Client(protocol);
            string k = _p + "h" + protocol;
            Assert.Empty(c.HGetAll(k));
            Assert.Equal(1, c.HSet(k, "name", "ключ ✓"));
            Assert.Equal(0, c.HSet(k, "name", "Ada")); // updated, not new
            Assert.Equal(2, c.HSet(k, new Dictionary<string, object> { ["age"] = 36, ["pi"] = 3.25, ["name"] = "Ada L." }));
            Assert.Equal(1, c.HSet(k, new Hashtable { ["city"] = "London" })); // a PowerShell @{} works as it is
            Assert.Equal("Ada L.", c.HGet(k, "name"));
            Assert.Equal("36", c.HGet(k, "age"));
            Assert.Null(c.HGet(k, "nope"));
            Assert.Null(c.HGet(_p + "missing", "name"));
            Dictionary<string, string> all = c.HGetAll(k);
            Assert.Equal(new Dictionary<string, string> { ["name"] = "Ada L.", ["age"] = "36", ["pi"] = "3.25", ["city"] = "London" }, all);
            Assert.Equal(new[] { "Ada L.", null, "36" }, c.HMGet(k, "name", "nope", "age"));
            Assert.Equal(new string?[] { null }, c.HMGet(_p + "missing", "x"));
            Assert.Equal(4, c.HLen(k));
            Assert.Equal(0, c.HLen(_p + "missing"));
            Assert.Equal(new[] { "name", "age", "pi", "city" }.OrderBy(s => s), c.HKeys(k).OrderBy(s => s));
            Assert.Equal(new[] { "Ada L.", "36", "3.25", "London" }.OrderBy(s => s), c.HVals(k).OrderBy(s => s));
            Assert.Empty(c.HKeys(_p + "missing"));
            Assert.Empty(c.HVals(_p + "missing"));
        }

        [Fact]
        public void BinaryValuesAndLengths()
        {
            string k = _p + "bin";
            byte[] value = { 0, 255, 13, 10, 128 };
            _client.HSet(k, "raw", value);
            Assert.Equal(value, _client.HGetBytes(k, "raw"));
            Assert.Null(_client.HGetBytes(k, "nope"));
            Assert.Equal(5, _client.HStrLen(k, "raw"));
            _client.HSet(k, "text", "é");
            Assert.Equal(2, _client.HStrLen(k, "text")); // bytes, not characters
            Assert.Equal(0, _client.HStrLen(k, "nope"));
        }

        [Fact]
        public void ExistsDeleteAndSetNx()
        {
            string k = _p + "ed";
            Assert.True(_client.HSetNx(k, "f", "first"));
            Assert.False(_client.HSetNx(k, "f", "second"));
            Assert.Equal("first", _client.HGet(k, "f"));
            Assert.True(_client.HExists(k, "f"));
            Assert.False(_client.HExists(k, "g"));
            Assert.False(_client.HExists(_p + "missing", "f"));
            _client.HSet(k, "g", 1);
            Assert.Equal(2, _client.HDel(k, "f", "g", "h"));
            Assert.Equal(0, _client.Exists(k)); // the last field gone, the hash is gone
            Assert.Equal(0, _client.HDel(k, "f"));
            Assert.Throws<RedisDataException>(() => _client.HDel(k));
            Assert.Throws<RedisDataException>(() => _client.HMGet(k));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void IncrementIntegersAndFloats(int protocol)
        {
            using RedisClient c = Client(protocol);
            string k = _p + "n" + protocol;
            Assert.Equal(1, c.HIncrBy(k, "i"));
            Assert.Equal(11, c.HIncrBy(k, "i", 10));
            Assert.Equal(-4, c.HIncrBy(k, "i", -15));
            Assert.Equal(1.0, c.HIncrByFloat(k, "f"));
            Assert.Equal(3.5, c.HIncrByFloat(k, "f", 2.5));
            Assert.Equal(3.4, c.HIncrByFloat(k, "f", -0.1), 10);
            Assert.Equal(-3.5, c.HIncrByFloat(k, "i", 0.5)); // an integer field takes a float increment
            c.HSet(k, "s", "abc");
            var notInt = Assert.Throws<RedisResponseException>(() => c.HIncrBy(k, "s"));
            Assert.Contains("not an integer", notInt.Message);
            Assert.Throws<RedisResponseException>(() => c.HIncrByFloat(k, "s", 1));
            Assert.Throws<RedisDataException>(() => c.HIncrByFloat(k, "f", double.NaN));
        }

        [Fact]
        public void HMSetIsHSetWithAMappingThatReturnsTrue()
        {
            string k = _p + "hm";
#pragma warning disable CS0618 // deprecated as in redis-py, still there for callers that use it
            Assert.True(_client.HMSet(k, new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }));
            Assert.True(_client.HMSet(k, new Hashtable { ["a"] = "3" }));
            Assert.Throws<RedisDataException>(() => _client.HMSet(k, new Hashtable()));
#pragma warning restore CS0618
            Assert.Equal(new Dictionary<string, string> { ["a"] = "3", ["b"] = "2" }, _client.HGetAll(k));
        }

        [Fact]
        public void BadMappingsAreRefusedBeforeSending()
        {
            string k = _p + "bad";
            Assert.Throws<RedisDataException>(() => _client.HSet(k, new Hashtable()));
            var nullValue = Assert.Throws<RedisDataException>(() => _client.HSet(k, new Hashtable { ["a"] = "1", ["b"] = null }));
            Assert.Contains("'b'", nullValue.Message);
            Assert.Throws<ArgumentNullException>(() => _client.HSet(k, (IDictionary)null!));
            Assert.Equal(0, _client.Exists(k));
        }

        [Fact]
        public void WrongTypeIsReportedAsWrongType()
        {
            string k = _p + "str";
            _client.Set(k, "v");
            foreach (Action call in new Action[]
            {
                () => _client.HSet(k, "f", "v"), () => _client.HGet(k, "f"), () => _client.HGetAll(k), () => _client.HKeys(k),
                () => _client.HVals(k), () => _client.HLen(k), () => _client.HIncrBy(k, "f"), () => _client.HIncrByFloat(k, "f"),
                () => _client.HMGet(k, "f"), () => _client.HDel(k, "f"), () => _client.HExists(k, "f"), () => _client.HStrLen(k, "f"),
            })
            {
                var error = Assert.Throws<RedisResponseException>(call);
                Assert.Equal("WRONGTYPE", error.ErrorCode);
            }
        }
    }
}
