using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>LRangeIter, ZRangeIter and XRangeIter: long ranges read a page at a time, lazily, in the server's order.</summary>
    [Collection("redis")]
    public sealed class RangeIteratorTests : IDisposable
    {
        private readonly RedisClient _client;
        private readonly string _p = "it:rangeit:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public RangeIteratorTests(RedisFixture fixture) => _client = RedisClient.FromUrl(fixture.Url);

        public void Dispose()
        {
            string[] keys = _client.ScanIter(_p + "*", 1000).ToArray();
            if (keys.Length > 0) _client.Unlink(keys);
            _client.Dispose();
        }

        private static string N(int i) => i.ToString(CultureInfo.InvariantCulture);

        [Fact]
        public void LRangeIterReadsChunksAndResolvesNegativeIndexesOnce()
        {
            string key = _p + "l";
            _client.RPush(key, Enumerable.Range(0, 2500).Select(i => (object)N(i)).ToArray());
            long before = ServerStats.CommandCalls(_client, "lrange");
            IEnumerable<string> all = _client.LRangeIter(key, chunkSize: 1000);
            Assert.Equal(before, ServerStats.CommandCalls(_client, "lrange")); // lazy: nothing read yet
            Assert.Equal(Enumerable.Range(0, 2500).Select(N), all.ToList());
            Assert.Equal(3, ServerStats.CommandCalls(_client, "lrange") - before);
            Assert.Equal(new[] { "2497", "2498" }, _client.LRangeIter(key, -3, -2).ToList());
            Assert.Equal(new byte[] { (byte)'1', (byte)'0' }, _client.LRangeBytesIter(key, 10, 10).Single());
            Assert.Empty(_client.LRangeIter(_p + "missing"));
            Assert.Throws<RedisDataException>(() => _client.LRangeIter(key, chunkSize: 0));
        }

        [Fact]
        public void ZRangeIterPagesForwardRangesAndReadsOthersInOneCall()
        {
            string key = _p + "z";
            _client.ZAdd(key, Enumerable.Range(0, 2100).Select(i => new KeyValuePair<string, double>("m" + N(i), i)));
            long before = ServerStats.CommandCalls(_client, "zrange");
            List<SortedSetEntry> entries = _client.ZRangeWithScoresIter(key, pageSize: 1000).ToList();
            Assert.Equal(2100, entries.Count);
            Assert.Equal(("m2099", 2099.0), (entries[^1].Member, entries[^1].Score));
            Assert.Equal(3, ServerStats.CommandCalls(_client, "zrange") - before);
            Assert.Equal(new[] { "m2099", "m2098" }, _client.ZRangeIter(key, 0, 1, desc: true).ToList());
            Assert.Equal(new[] { "m2098", "m2099" }, _client.ZRangeIter(key, -2).ToList());
        }

        [Fact]
        public void XRangeIterPagesAfterTheLastIdSeenBothWaysAndHonoursTheCount()
        {
            string key = _p + "x";
            for (int i = 1; i <= 2500; i++) _client.XAdd(key, new Dictionary<string, object> { ["i"] = N(i) }, N(i) + "-0");
            long before = ServerStats.CommandCalls(_client, "xrange");
            List<StreamEntry> all = _client.XRangeIter(key, pageSize: 1000).ToList();
            Assert.Equal(2500, all.Count);
            Assert.Equal("2500-0", all[^1].Id);
            Assert.Equal(3, ServerStats.CommandCalls(_client, "xrange") - before);
            List<StreamEntry> last = _client.XRangeIter(key, count: 1500, pageSize: 1000, descending: true).ToList();
            Assert.Equal(1500, last.Count);
            Assert.Equal(("2500-0", "1001-0"), (last[0].Id, last[^1].Id));
            Assert.Equal(new[] { "5-0", "6-0" }, _client.XRangeIter(key, "5", "6").Select(e => e.Id).ToList());
        }
    }
}
