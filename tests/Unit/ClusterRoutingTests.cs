using System;
using System.Collections.Generic;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using Xunit;

namespace PSRedis.Tests.Unit
{
    /// <summary>Cluster routing decided locally: key slots, key positions, cross-slot errors, slot maps, redirects, seed lists.</summary>
    public sealed class ClusterRoutingTests
    {
        // Slots as CLUSTER KEYSLOT reports them (Redis 7.0.15); the integration tests compare many more with a live node.
        [Theory]
        [InlineData("foo", 12182)]
        [InlineData("bar", 5061)]
        [InlineData("123456789", 12739)]
        [InlineData("", 0)]
        [InlineData("{user1000}.following", 3443)]
        [InlineData("{user1000}.followers", 3443)]
        [InlineData("user1000", 3443)]
        [InlineData("foo{}{bar}", 8363)]
        [InlineData("foo{{bar}}zap", 4015)]
        [InlineData("foo{bar}{zap}", 5061)]
        public void KeySlotsMatchTheServer(string key, int slot)
        {
            Assert.Equal(slot, ClusterSlot.Of(key));
        }

        [Fact]
        public void Crc16IsXmodem()
        {
            // The check value of CRC-16/XMODEM.
            Assert.Equal(0x31C3, ClusterSlot.Crc16(System.Text.Encoding.ASCII.GetBytes("123456789"), 0, 9));
        }

        [Fact]
        public void BinaryKeysAndTextKeysOfTheSameBytesShareASlot()
        {
            Assert.Equal(ClusterSlot.Of("héllo"), ClusterSlot.Of(System.Text.Encoding.UTF8.GetBytes("héllo")));
            Assert.Equal(ClusterSlot.Of("12"), ClusterSlot.OfArgument(12L));
        }

        [Theory]
        [InlineData("GET k", "1")]
        [InlineData("MSET a 1 b 2", "1 3")]
        [InlineData("BLPOP a b 0", "1 2")]
        [InlineData("EVAL return 2 x y arg", "3 4")]
        [InlineData("ZUNIONSTORE dest 2 a b WEIGHTS 1 2", "1 3 4")]
        [InlineData("XREAD COUNT 2 STREAMS s1 s2 0 0", "4 5")]
        [InlineData("XINFO STREAM s", "2")]
        [InlineData("OBJECT ENCODING k", "2")]
        [InlineData("RENAME a b", "1 2")]
        [InlineData("PING", "")]
        [InlineData("SCRIPT LOAD x", "")]
        public void KeyPositionsFollowTheCommandTable(string command, string positions)
        {
            object?[] args = command.Split(' ');
            Assert.Equal(positions, string.Join(" ", ClusterKeys.KeyIndexes(args)));
        }

        [Fact]
        public void RoutesAreDecidedFromTheArguments()
        {
            Assert.Equal(ClusterRouteKind.Slot, ClusterKeys.Route(new object?[] { "GET", "foo" }).Kind);
            Assert.Equal(12182, ClusterKeys.Route(new object?[] { "GET", "foo" }).Slot);
            Assert.Equal(ClusterRouteKind.Slot, ClusterKeys.Route(new object?[] { "MGET", "{t}a", "{t}b" }).Kind);
            Assert.Equal(ClusterRouteKind.Split, ClusterKeys.Route(new object?[] { "MGET", "a", "b" }).Kind);
            Assert.Equal(ClusterRouteKind.Split, ClusterKeys.Route(new object?[] { "UNLINK", "a", "b" }).Kind);
            Assert.Equal(ClusterRouteKind.AllPrimaries, ClusterKeys.Route(new object?[] { "DBSIZE" }).Kind);
            Assert.Equal(ClusterCombine.Sum, ClusterKeys.Route(new object?[] { "DBSIZE" }).Combine);
            Assert.Equal(ClusterRouteKind.AllPrimaries, ClusterKeys.Route(new object?[] { "flushdb" }).Kind);
            Assert.Equal(ClusterRouteKind.AnyPrimary, ClusterKeys.Route(new object?[] { "PING" }).Kind);
        }

        [Fact]
        public void CommandsThatMustStayInOneSlotFailBeforeSendingAndSuggestAHashTag()
        {
            var error = Assert.Throws<RedisClusterCrossSlotException>(() => ClusterKeys.Route(new object?[] { "RENAME", "a", "b" }));
            Assert.Contains("RENAME", error.Message);
            Assert.Contains("'a' (slot 15495)", error.Message);
            Assert.Contains("'b' (slot 3300)", error.Message);
            Assert.Contains("hash tag", error.Message);
            Assert.IsAssignableFrom<RedisDataException>(error);
            Assert.Throws<RedisClusterCrossSlotException>(() => ClusterKeys.Route(new object?[] { "EVAL", "return 1", "2", "a", "b" }));
            Assert.Throws<RedisClusterCrossSlotException>(() => ClusterKeys.Route(new object?[] { "MSETNX", "a", "1", "b", "2" }));
        }

        [Fact]
        public void SplitRepliesArePutBackInTheCallersOrder()
        {
            RespValue first = RespValue.Aggregate(RespType.Array, new[] { RespValue.BulkString("A"), RespValue.Null });
            RespValue second = RespValue.Aggregate(RespType.Array, new[] { RespValue.BulkString("B") });
            RespValue merged = ClusterReplies.Combine(ClusterCombine.Concatenate, new[] { first, second },
                new[] { (IReadOnlyList<int>)new[] { 0, 2 }, new[] { 1 } }, 3);
            Assert.Equal(new[] { "A", "B", null }, merged.Items.Select(i => i.AsString()).ToArray());
            Assert.Equal(5, ClusterReplies.Combine(ClusterCombine.Sum, new[] { RespValue.Integer(2), RespValue.Integer(3) }, null, 0).Integer64);
            RespValue error = RespValue.Error("ERR boom");
            Assert.Same(error, ClusterReplies.Combine(ClusterCombine.Sum, new[] { RespValue.Integer(2), error }, null, 0));
        }

        [Fact]
        public void ShardsReplyBecomesASlotMap()
        {
            RespValue reply = Array(
                Shard(new[] { 0L, 5460L }, Node("id1", "10.0.0.1", 7000, "master", "online"), Node("id4", "10.0.0.4", 7003, "replica", "online")),
                Shard(new[] { 5461L, 10922L }, Node("id2", "?", 7001, "master", "online"), Node("id5", "10.0.0.5", 7004, "replica", "loading")),
                Shard(new[] { 10923L, 16000L, 16001L, 16383L }, Node("id3", "10.0.0.3", 7002, "master", "online")));
            ClusterSlotMap map = ClusterSlotMap.FromShards(reply, "seed.example", useTls: false);
            Assert.Equal(0, map.UncoveredSlots);
            Assert.Equal(3, map.Primaries.Count);
            Assert.Equal("10.0.0.1:7000", map.ShardFor(0)!.Primary.Endpoint);
            Assert.Equal("seed.example:7001", map.ShardFor(5461)!.Primary.Endpoint);
            Assert.Empty(map.ShardFor(5461)!.Replicas);
            Assert.Equal("10.0.0.4:7003", map.ShardFor(100)!.Replicas.Single().Endpoint);
            Assert.Equal("10.0.0.3:7002", map.ShardFor(16383)!.Primary.Endpoint);
            Assert.Equal(5461, map.ShardFor(10923)!.SlotCount);

            ClusterSlotMap moved = map.WithOwner(0, new ClusterNode("10.0.0.3", 7002));
            Assert.Equal("10.0.0.3:7002", moved.ShardFor(0)!.Primary.Endpoint);
            Assert.Equal("10.0.0.1:7000", map.ShardFor(0)!.Primary.Endpoint);
        }

        [Fact]
        public void SlotsReplyBecomesASlotMap()
        {
            RespValue reply = Array(
                Array(RespValue.Integer(0), RespValue.Integer(8191), Array(RespValue.BulkString("10.0.0.1"), RespValue.Integer(7000), RespValue.BulkString("id1")),
                    Array(RespValue.BulkString("10.0.0.2"), RespValue.Integer(7001), RespValue.BulkString("id2"))),
                Array(RespValue.Integer(8192), RespValue.Integer(16383), Array(RespValue.BulkString(""), RespValue.Integer(7002), RespValue.BulkString("id3"))));
            ClusterSlotMap map = ClusterSlotMap.FromSlots(reply, "seed");
            Assert.Equal(0, map.UncoveredSlots);
            Assert.Equal("10.0.0.1:7000", map.ShardFor(8191)!.Primary.Endpoint);
            Assert.Equal("10.0.0.2:7001", map.ShardFor(1)!.Replicas.Single().Endpoint);
            Assert.Equal("seed:7002", map.ShardFor(8192)!.Primary.Endpoint);
        }

        [Theory]
        [InlineData("MOVED 3999 127.0.0.1:6381", true, 3999, "127.0.0.1", 6381)]
        [InlineData("ASK 3999 10.1.1.1:7000", false, 3999, "10.1.1.1", 7000)]
        [InlineData("MOVED 1 :7001", true, 1, "answering", 7001)]
        [InlineData("MOVED 1 [::1]:7001", true, 1, "::1", 7001)]
        public void RedirectsAreRead(string message, bool moved, int slot, string host, int port)
        {
            Assert.True(ClusterRedirect.TryParse(message, "answering", out ClusterRedirect redirect));
            Assert.Equal(moved, redirect.IsMoved);
            Assert.Equal(slot, redirect.Slot);
            Assert.Equal(host, redirect.Host);
            Assert.Equal(port, redirect.Port);
            Assert.False(ClusterRedirect.TryParse("ERR MOVED", "x", out _));
            Assert.False(ClusterRedirect.TryParse("MOVED x y", "x", out _));
        }

        [Fact]
        public void SeedListsInOneUrl()
        {
            string first = ClusterUrl.SplitHosts("rediss://user:p%40ss@h1:7000,h2:7001,[::1]:7002,h4/0?ssl_cert_reqs=none", out var others);
            Assert.Equal("rediss://user:p%40ss@h1:7000/0?ssl_cert_reqs=none", first);
            Assert.Equal(new[] { ("h2", 7001), ("::1", 7002), ("h4", 6379) }, others.ToArray());
            Assert.Equal("redis://h1:7000", ClusterUrl.SplitHosts("redis://h1:7000", out var none));
            Assert.Empty(none);
            Assert.Throws<ArgumentException>(() => ClusterUrl.ParseHostPort("h1:notaport"));
        }

        [Fact]
        public void NodesAnnouncedByIpKeepTheHostNameTheUserConnectedWithForTls()
        {
            var byName = new ConnectionOptions { Host = "mycache.westeurope.redis.azure.net", UseTls = true };
            Assert.Equal("mycache.westeurope.redis.azure.net", RedisCluster.TlsNameFor(byName, "10.0.0.7"));
            Assert.Null(RedisCluster.TlsNameFor(byName, "node7.internal"));
            Assert.Null(RedisCluster.TlsNameFor(new ConnectionOptions { Host = "mycache", UseTls = false }, "10.0.0.7"));
            Assert.Null(RedisCluster.TlsNameFor(new ConnectionOptions { Host = "10.0.0.1", UseTls = true }, "10.0.0.7"));
            Assert.Equal("pinned", RedisCluster.TlsNameFor(new ConnectionOptions { Host = "mycache", UseTls = true, TlsServerName = "pinned" }, "10.0.0.7"));
        }

        private static RespValue Array(params RespValue[] items) => RespValue.Aggregate(RespType.Array, items);

        private static RespValue Shard(long[] slots, params RespValue[] nodes) =>
            Array(RespValue.BulkString("slots"), Array(slots.Select(RespValue.Integer).ToArray()), RespValue.BulkString("nodes"), Array(nodes));

        private static RespValue Node(string id, string endpoint, int port, string role, string health) =>
            Array(RespValue.BulkString("id"), RespValue.BulkString(id), RespValue.BulkString("port"), RespValue.Integer(port),
                RespValue.BulkString("ip"), RespValue.BulkString(endpoint == "?" ? "10.0.0.9" : endpoint), RespValue.BulkString("endpoint"), RespValue.BulkString(endpoint),
                RespValue.BulkString("role"), RespValue.BulkString(role), RespValue.BulkString("health"), RespValue.BulkString(health));
    }
}
