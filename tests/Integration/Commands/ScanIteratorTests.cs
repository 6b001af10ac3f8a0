using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>SSCAN/HSCAN/ZSCAN pages and their lazy iterators, over collections large enough to need many pages.</summary>
    [Collection("redis")]
    public sealed class ScanIteratorTests : IDisposable
    {
        private const int Total = 3000;
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly string _p = "it:scanit:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public ScanIteratorTests(RedisFixture fixture)
        {
            _url = fixture.Url;
            _client = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose()
        {
            string[] keys = _client.ScanIter(_p + "*", 1000).ToArray();
            if (keys.Length > 0) _client.Unlink(keys);
            _client.Dispose();
        }

        private RedisClient Client(int protocol) => RedisClient.FromUrl(_url, o => o.Protocol = protocol);

        private static string N(int i) => i.ToString(CultureInfo.InvariantCulture);

        private string PopulateSet(string name, int count)
        {
            string key = _p + name;
            var args = new List<object?> { "SADD", key };
            for (int i = 0; i < count; i++) args.Add("m" + N(i));
            Assert.Equal(count, _client.Execute(args).Integer64);
            return key;
        }

        private string PopulateHash(string name, int count)
        {
            string key = _p + name;
            var args = new List<object?> { "HSET", key };
            for (int i = 0; i < count; i++) { args.Add("f" + N(i)); args.Add("v" + N(i)); }
            Assert.Equal(count, _client.Execute(args).Integer64);
            return key;
        }

        private string PopulateSortedSet(string name, int count)
        {
            string key = _p + name;
            Assert.Equal(count, _client.ZAdd(key, Enumerable.Range(0, count).ToDictionary(i => "m" + N(i), i => i + 0.5)));
            return key;
        }

        private static long Calls(RedisClient client, string command)
        {
            RedisInfo stats = client.Info("commandstats");
            return stats.TryGetValue("cmdstat_" + command, out object? entry) ? (long)((Dictionary<string, object>)entry)["calls"] : 0;
        }

        /// <summary>Taking the first item must cost exactly one page request, not a walk of the whole collection.</summary>
        private static void AssertLazy<T>(RedisClient client, string command, IEnumerable<T> iterator)
        {
            long before = Calls(client, command);
            using IEnumerator<T> lazy = iterator.GetEnumerator();
            Assert.Equal(before, Calls(client, command)); // nothing sent before the first MoveNext
            Assert.True(lazy.MoveNext());
            Assert.Equal(before + 1, Calls(client, command));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SScanIterReturnsEveryMemberLazily(int protocol)
        {
            using RedisClient client = Client(protocol);
            string key = PopulateSet("set" + protocol, Total);
            AssertLazy(client, "sscan", client.SScanIter(key, count: 100));

            var seen = new HashSet<string>(client.SScanIter(key, count: 100));
            Assert.Equal(Enumerable.Range(0, Total).Select(i => "m" + N(i)).ToHashSet(), seen);
            var expected = Enumerable.Range(0, Total).Select(i => "m" + N(i)).Where(m => m.StartsWith("m7", StringComparison.Ordinal)).ToHashSet();
            Assert.Equal(111, expected.Count); // m7, m70-m79, m700-m799
            Assert.Equal(expected, client.SScanIter(key, "m7*", 100).ToHashSet());
            Assert.Empty(client.SScanIter(_p + "missing"));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void HScanIterReturnsEveryFieldAndValueLazily(int protocol)
        {
            using RedisClient client = Client(protocol);
            string key = PopulateHash("hash" + protocol, Total);
            AssertLazy(client, "hscan", client.HScanIter(key, count: 100));

            var seen = new Dictionary<string, string>();
            foreach (KeyValuePair<string, string> pair in client.HScanIter(key, count: 100)) seen[pair.Key] = pair.Value;
            Assert.Equal(Total, seen.Count);
            for (int i = 0; i < Total; i++) Assert.Equal("v" + N(i), seen["f" + N(i)]);
            Assert.Equal(new[] { "f2999" }, client.HScanIter(key, "f2999").Select(p => p.Key).Distinct());
            Assert.Empty(client.HScanIter(_p + "missing"));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ZScanIterReturnsEveryMemberWithItsScoreLazily(int protocol)
        {
            using RedisClient client = Client(protocol);
            string key = PopulateSortedSet("zset" + protocol, Total);
            AssertLazy(client, "zscan", client.ZScanIter(key, count: 100));

            var seen = new Dictionary<string, double>();
            foreach (SortedSetEntry entry in client.ZScanIter(key, count: 100)) seen[entry.Member] = entry.Score;
            Assert.Equal(Total, seen.Count);
            for (int i = 0; i < Total; i++) Assert.Equal(i + 0.5, seen["m" + N(i)]);
            Assert.Equal(new[] { new SortedSetEntry("m1234", 1234.5) }, client.ZScanIter(key, "m1234").Distinct());
            Assert.Empty(client.ZScanIter(_p + "missing"));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SinglePagesCarryTheCursorUntilZero(int protocol)
        {
            using RedisClient client = Client(protocol);
            string set = PopulateSet("pset" + protocol, 500);
            string hash = PopulateHash("phash" + protocol, 500);
            string zset = PopulateSortedSet("pzset" + protocol, 500);

            var members = new HashSet<string>();
            int pages = 0;
            ulong cursor = 0;
            do
            {
                SetScanPage page = client.SScan(set, cursor, count: 50);
                cursor = page.Cursor;
                members.UnionWith(page.Members);
                pages++;
            }
            while (cursor != 0);
            Assert.Equal(500, members.Count);
            Assert.True(pages > 1, "a 500-member set should take several SSCAN pages");

            var fields = new Dictionary<string, string>();
            cursor = 0;
            do
            {
                HashScanPage page = client.HScan(hash, cursor, "f1*", 50);
                cursor = page.Cursor;
                foreach (KeyValuePair<string, string> pair in page.Fields) fields[pair.Key] = pair.Value;
            }
            while (cursor != 0);
            Assert.Equal(111, fields.Count); // f1, f10-f19, f100-f199
            Assert.Equal("v123", fields["f123"]);

            var entries = new Dictionary<string, double>();
            cursor = 0;
            do
            {
                SortedSetScanPage page = client.ZScan(zset, cursor, count: 50);
                cursor = page.Cursor;
                foreach (SortedSetEntry entry in page.Entries) entries[entry.Member] = entry.Score;
            }
            while (cursor != 0);
            Assert.Equal(500, entries.Count);
            Assert.Equal(42.5, entries["m42"]);

            // Small collections are scanned in one page (compact encodings ignore COUNT).
            string small = _p + "small" + protocol;
            client.Execute(new object?[] { "HSET", small, "a", "1", "b", "2" });
            HashScanPage one = client.HScan(small);
            Assert.Equal(0UL, one.Cursor);
            Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, one.Fields);
            SortedSetScanPage none = client.ZScan(_p + "missing");
            Assert.Equal(0UL, none.Cursor);
            Assert.Empty(none.Entries);
        }

        [Fact]
        public void BadCountsAndWrongTypes()
        {
            string key = _p + "str";
            _client.Set(key, "x");
            Assert.Throws<RedisDataException>(() => _client.SScan(key, count: 0));
            Assert.Throws<RedisDataException>(() => _client.HScanIter(key, count: -1)); // checked at the call, not at the first item
            Assert.Throws<RedisDataException>(() => _client.ZScanIter(key, count: 0));
            Assert.Throws<RedisDataException>(() => _client.SScanIter(key, count: 0));
            var errors = new[]
            {
                Assert.Throws<RedisResponseException>(() => _client.SScan(key)),
                Assert.Throws<RedisResponseException>(() => _client.HScan(key)),
                Assert.Throws<RedisResponseException>(() => _client.ZScan(key)),
                Assert.Throws<RedisResponseException>(() => _client.SScanIter(key).First()),
                Assert.Throws<RedisResponseException>(() => _client.HScanIter(key).First()),
                Assert.Throws<RedisResponseException>(() => _client.ZScanIter(key).First()),
            };
            Assert.All(errors, e => Assert.Equal("WRONGTYPE", e.ErrorCode));
        }

        [Fact]
        public void ScanPagesAhead_ReturnsEveryKeyOnceAcrossPages_AndAnAbandonedScanLeavesThePoolUsable()
        {
            var args = new List<object?> { "MSET" };
            for (int i = 0; i < Total; i++) { args.Add(_p + "ahead:" + N(i)); args.Add("v"); }
            _client.Execute(args);

            var seen = new HashSet<string>();
            int pages = 0;
            foreach (ScanPage page in _client.ScanPagesAhead(_p + "ahead:*", 100))
            {
                pages++;
                foreach (string key in page.Keys) seen.Add(key);
            }
            Assert.Equal(Total, seen.Count);
            Assert.True(pages > 1, "expected several pages");

            using (IEnumerator<ScanPage> e = _client.ScanPagesAhead(_p + "ahead:*", 100).GetEnumerator())
            {
                Assert.True(e.MoveNext()); // the next page is now being fetched; dispose while it is in flight
            }
            Assert.Equal("v", _client.Get(_p + "ahead:0"));
            Assert.Throws<RedisDataException>(() => _client.ScanPagesAhead(count: 0));
        }
    }
}
