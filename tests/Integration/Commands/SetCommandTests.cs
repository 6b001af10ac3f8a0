using System;
using System.Collections.Generic;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>Set commands against a real server, under RESP2 and RESP3.</summary>
    [Collection("redis")]
    public sealed class SetCommandTests : IDisposable
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly string _p = "it:set:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public SetCommandTests(RedisFixture fixture)
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
        public void AddRemoveMembersAndCount(int protocol)
        {
            using RedisClient c = Client(protocol);
            string k = _p + "s" + protocol;
            Assert.Empty(c.SMembers(k));
            Assert.Equal(0, c.SCard(k));
            Assert.Equal(3, c.SAdd(k, "a", "b", "ключ"));
            Assert.Equal(1, c.SAdd(k, "a", 7));
            Assert.Equal(4, c.SCard(k));
            ISet<string> members = c.SMembers(k);
            Assert.IsType<HashSet<string>>(members);
            Assert.True(members.SetEquals(new[] { "a", "b", "ключ", "7" }));
            Assert.True(c.SIsMember(k, "ключ"));
            Assert.True(c.SIsMember(k, 7));
            Assert.False(c.SIsMember(k, "z"));
            Assert.False(c.SIsMember(_p + "missing", "a"));
            Assert.Equal(2, c.SRem(k, "a", "b", "not-there"));
            Assert.Equal(0, c.SRem(_p + "missing", "a"));
            Assert.True(c.SMembers(k).SetEquals(new[] { "ключ", "7" }));
            Assert.Throws<RedisDataException>(() => c.SAdd(k));
            Assert.Throws<RedisDataException>(() => c.SRem(k));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void DiffInterUnionAndTheirStoreForms(int protocol)
        {
            using RedisClient c = Client(protocol);
            string a = _p + "a" + protocol, b = _p + "b" + protocol, missing = _p + "none" + protocol, dst = _p + "dst" + protocol;
            c.SAdd(a, "1", "2", "3", "4");
            c.SAdd(b, "3", "4", "5");
            Assert.True(c.SDiff(a, b).SetEquals(new[] { "1", "2" }));
            Assert.True(c.SDiff(a).SetEquals(new[] { "1", "2", "3", "4" }));
            Assert.Empty(c.SDiff(missing, a));
            Assert.True(c.SInter(a, b).SetEquals(new[] { "3", "4" }));
            Assert.Empty(c.SInter(a, missing));
            Assert.True(c.SUnion(a, b, missing).SetEquals(new[] { "1", "2", "3", "4", "5" }));

            Assert.Equal(2, c.SDiffStore(dst, a, b));
            Assert.True(c.SMembers(dst).SetEquals(new[] { "1", "2" }));
            Assert.Equal(2, c.SInterStore(dst, a, b)); // replaces dst
            Assert.True(c.SMembers(dst).SetEquals(new[] { "3", "4" }));
            Assert.Equal(5, c.SUnionStore(dst, a, b));
            Assert.Equal(5, c.SCard(dst));
            Assert.Equal(0, c.SInterStore(dst, a, missing)); // an empty result deletes dst
            Assert.Equal(0, c.Exists(dst));

            Assert.Throws<RedisDataException>(() => c.SUnion());
            Assert.Throws<RedisDataException>(() => c.SInterStore(dst));
        }

        [Fact]
        public void MoveBetweenSets()
        {
            string src = _p + "src", dst = _p + "dst";
            _client.SAdd(src, "x", "y");
            Assert.True(_client.SMove(src, dst, "x"));
            Assert.False(_client.SMove(src, dst, "x"));
            Assert.False(_client.SMove(_p + "missing", dst, "y"));
            Assert.True(_client.SMembers(src).SetEquals(new[] { "y" }));
            Assert.True(_client.SMembers(dst).SetEquals(new[] { "x" }));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void PopAndRandomMember(int protocol)
        {
            using RedisClient c = Client(protocol);
            string k = _p + "r" + protocol;
            string[] all = { "a", "b", "c", "d", "e" };
            c.SAdd(k, all);

            string? one = c.SRandMember(k);
            Assert.Contains(one, all);
            IList<string> three = c.SRandMember(k, 3);
            Assert.Equal(3, three.Count);
            Assert.Equal(3, three.Distinct().Count());
            Assert.All(three, m => Assert.Contains(m, all));
            Assert.Equal(5, c.SRandMember(k, 50).Count); // positive: at most the whole set
            IList<string> repeats = c.SRandMember(k, -20); // negative: exactly that many, repeats allowed
            Assert.Equal(20, repeats.Count);
            Assert.All(repeats, m => Assert.Contains(m, all));
            Assert.Equal(5, c.SCard(k)); // SRANDMEMBER removes nothing

            string? popped = c.SPop(k);
            Assert.Contains(popped, all);
            Assert.False(c.SIsMember(k, popped!));
            IList<string> two = c.SPop(k, 2);
            Assert.Equal(2, two.Distinct().Count());
            Assert.Equal(2, c.SCard(k));
            Assert.Equal(2, c.SPop(k, 10).Count);
            Assert.Equal(0, c.Exists(k));

            Assert.Null(c.SPop(k));
            Assert.Empty(c.SPop(k, 3));
            Assert.Null(c.SRandMember(k));
            Assert.Empty(c.SRandMember(k, 3));
            Assert.Empty(c.SRandMember(k, -3));
            Assert.Throws<RedisDataException>(() => c.SPop(k, -1));
        }

        [Fact]
        public void WrongTypeIsReportedAsWrongType()
        {
            string k = _p + "list";
            _client.RPush(k, "v");
            foreach (Action call in new Action[]
            {
                () => _client.SAdd(k, "a"), () => _client.SMembers(k), () => _client.SCard(k), () => _client.SIsMember(k, "a"),
                () => _client.SPop(k), () => _client.SRandMember(k, 2), () => _client.SInter(k), () => _client.SUnionStore(_p + "d", k),
                () => _client.SMove(k, _p + "d", "v"),
            })
            {
                var error = Assert.Throws<RedisResponseException>(call);
                Assert.Equal("WRONGTYPE", error.ErrorCode);
            }
        }
    }
}
