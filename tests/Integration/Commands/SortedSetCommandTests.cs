using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>The sorted-set commands against a real server, under RESP2 and (where replies differ) RESP3.</summary>
    [Collection("redis")]
    public sealed class SortedSetCommandTests : IDisposable
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly string _p = "it:zset:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public SortedSetCommandTests(RedisFixture fixture)
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

        private static Dictionary<string, double> Scores(params (string Member, double Score)[] pairs) =>
            pairs.ToDictionary(p => p.Member, p => p.Score);

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ZAddWithNxXxChGtLtAndIncr(int protocol)
        {
            using RedisClient client = Client(protocol);
            string k = _p + "add" + protocol;
            Assert.Equal(3, client.ZAdd(k, Scores(("a", 1), ("b", 2), ("c", 3))));
            Assert.Equal(0, client.ZAdd(k, Scores(("a", 10)))); // updated, not added
            Assert.Equal(10, client.ZScore(k, "a"));
            Assert.Equal(1, client.ZAdd(k, Scores(("a", 11), ("d", 4)), nx: true)); // only d
            Assert.Equal(10, client.ZScore(k, "a"));
            Assert.Equal(0, client.ZAdd(k, Scores(("b", 20), ("e", 5)), xx: true)); // b updated, e not added
            Assert.Equal(20, client.ZScore(k, "b"));
            Assert.Null(client.ZScore(k, "e"));
            Assert.Equal(2, client.ZAdd(k, Scores(("c", 30), ("f", 6)), ch: true)); // c changed + f added
            Assert.Equal(1, client.ZAdd(k, Scores(("c", 1), ("d", 40)), gt: true, ch: true)); // only d may grow
            Assert.Equal(30, client.ZScore(k, "c"));
            Assert.Equal(40, client.ZScore(k, "d"));
            Assert.Equal(1, client.ZAdd(k, Scores(("c", 100), ("d", 0.5)), lt: true, ch: true));
            Assert.Equal(0.5, client.ZScore(k, "d"));
            Assert.Equal(1, client.ZAdd(k, new[] { new SortedSetEntry("g", -1.25), new SortedSetEntry("a", 10) }));
            Assert.Equal(-1.25, client.ZScore(k, "g"));

            Assert.Equal(12.5, client.ZAddIncr(k, "a", 2.5));
            Assert.Null(client.ZAddIncr(k, "a", 1, nx: true)); // exists: NX stops it
            Assert.Null(client.ZAddIncr(k, "new", 1, xx: true)); // missing: XX stops it
            Assert.Null(client.ZAddIncr(k, "a", -1, gt: true)); // would shrink
            Assert.Equal(7, client.ZAddIncr(k, "h", 7, nx: true));
            Assert.Equal(double.PositiveInfinity, client.ZAddIncr(k, "inf", double.PositiveInfinity));
        }

        [Fact]
        public void ZAddRefusesContradictoryOptionsAndEmptyInputBeforeSending()
        {
            string k = _p + "bad";
            Assert.Throws<RedisDataException>(() => _client.ZAdd(k, Scores(("a", 1)), nx: true, xx: true));
            Assert.Throws<RedisDataException>(() => _client.ZAdd(k, Scores(("a", 1)), gt: true, lt: true));
            Assert.Throws<RedisDataException>(() => _client.ZAdd(k, Scores(("a", 1)), nx: true, gt: true));
            Assert.Throws<RedisDataException>(() => _client.ZAdd(k, new Dictionary<string, double>()));
            Assert.Throws<RedisDataException>(() => _client.ZAdd(k, Scores(("a", double.NaN))));
            Assert.Throws<RedisDataException>(() => _client.ZAddIncr(k, "a", 1, nx: true, xx: true));
            Assert.Throws<RedisDataException>(() => _client.ZRem(k));
            Assert.Equal(0, _client.Exists(k));
        }

        [Fact]
        public void IncrByCardCountScoreRankAndMissingMembers()
        {
            string k = _p + "stats";
            _client.ZAdd(k, Scores(("a", 1), ("b", 2), ("c", 3), ("d", 4)));
            Assert.Equal(4, _client.ZCard(k));
            Assert.Equal(0, _client.ZCard(_p + "missing"));
            Assert.Equal(4.5, _client.ZIncrBy(k, 2.5, "b"));
            Assert.Equal(-1, _client.ZIncrBy(k, -1, "new")); // created at 0
            Assert.Equal(5, _client.ZCard(k));

            Assert.Equal(5, _client.ZCount(k, "-inf", "+inf"));
            Assert.Equal(5, _client.ZCount(k, ScoreBound.NegativeInfinity, ScoreBound.PositiveInfinity));
            Assert.Equal(3, _client.ZCount(k, 1, 4)); // a, c, d
            Assert.Equal(2, _client.ZCount(k, "(1", 4));
            Assert.Equal(1, _client.ZCount(k, ScoreBound.Exclusive(1), ScoreBound.Exclusive(4)));
            Assert.Equal(0, _client.ZCount(_p + "missing", "-inf", "+inf"));

            Assert.Equal(3, _client.ZScore(k, "c"));
            Assert.Null(_client.ZScore(k, "zzz"));
            Assert.Null(_client.ZScore(_p + "missing", "a"));
            Assert.Equal(0, _client.ZRank(k, "new"));
            Assert.Equal(4, _client.ZRank(k, "b"));
            Assert.Equal(0, _client.ZRevRank(k, "b"));
            Assert.Null(_client.ZRank(k, "zzz"));
            Assert.Null(_client.ZRevRank(_p + "missing", "a"));
        }

        [Fact]
        public void LexCountAndLexRanges()
        {
            string k = _p + "lex";
            _client.ZAdd(k, new[] { "a", "b", "c", "d", "e", "f" }.ToDictionary(m => m, m => 0.0));
            Assert.Equal(6, _client.ZLexCount(k, "-", "+"));
            Assert.Equal(6, _client.ZLexCount(k, LexBound.Min, LexBound.Max));
            Assert.Equal(3, _client.ZLexCount(k, "[b", "[d"));
            Assert.Equal(1, _client.ZLexCount(k, LexBound.Exclusive("b"), LexBound.Exclusive("d")));
            Assert.Equal(new[] { "b", "c", "d" }, _client.ZRangeByLex(k, "[b", "[d"));
            Assert.Equal(new[] { "c", "d" }, _client.ZRangeByLex(k, "(b", "+", 0, 2));
            Assert.Equal(new[] { "f", "e", "d" }, _client.ZRevRangeByLex(k, "+", "[d"));
            Assert.Equal(new[] { "e" }, _client.ZRevRangeByLex(k, LexBound.Max, LexBound.Inclusive("a"), 1, 1));
            Assert.Empty(_client.ZRangeByLex(_p + "missing", "-", "+"));
            Assert.Throws<RedisDataException>(() => _client.ZRangeByLex(k, "b", "+")); // bare value: Redis would refuse it
            Assert.Throws<RedisDataException>(() => _client.ZRangeByLex(k, "-", "+", start: 1));
            Assert.Equal(2, _client.ZRemRangeByLex(k, "[a", "(c"));
            Assert.Equal(new[] { "c", "d", "e", "f" }, _client.ZRange(k, 0, -1));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void RangesByRankAndScoreWithAndWithoutScores(int protocol)
        {
            using RedisClient client = Client(protocol);
            string k = _p + "range" + protocol;
            client.ZAdd(k, Scores(("a", 1), ("b", 2.5), ("c", 3), ("d", -4), ("e", 1e300)));
            Assert.Equal(new[] { "d", "a", "b", "c", "e" }, client.ZRange(k, 0, -1));
            Assert.Equal(new[] { "a", "b" }, client.ZRange(k, 1, 2));
            Assert.Equal(new[] { "e", "c" }, client.ZRange(k, 0, 1, desc: true));
            Assert.Equal(new[] { "e", "c" }, client.ZRevRange(k, 0, 1));
            Assert.Empty(client.ZRange(_p + "missing", 0, -1));

            Assert.Equal(
                new[] { new SortedSetEntry("d", -4), new SortedSetEntry("a", 1), new SortedSetEntry("b", 2.5), new SortedSetEntry("c", 3), new SortedSetEntry("e", 1e300) },
                client.ZRangeWithScores(k, 0, -1));
            Assert.Equal(new[] { new SortedSetEntry("e", 1e300), new SortedSetEntry("c", 3) }, client.ZRangeWithScores(k, 0, 1, desc: true));
            Assert.Equal(new[] { new SortedSetEntry("c", 3) }, client.ZRevRangeWithScores(k, 1, 1));
            Assert.Empty(client.ZRangeWithScores(_p + "missing", 0, -1));

            Assert.Equal(new[] { "a", "b", "c" }, client.ZRangeByScore(k, 1, 3));
            Assert.Equal(new[] { "b", "c", "e" }, client.ZRangeByScore(k, "(1", "+inf"));
            Assert.Equal(new[] { "b" }, client.ZRangeByScore(k, "-inf", "+inf", start: 2, num: 1));
            Assert.Equal(new[] { "b", "c", "e" }, client.ZRangeByScore(k, "-inf", "+inf", start: 2, num: -1));
            Assert.Equal(new[] { new SortedSetEntry("a", 1), new SortedSetEntry("b", 2.5) }, client.ZRangeByScoreWithScores(k, 0, ScoreBound.Exclusive(3)));
            Assert.Equal(new[] { "c", "b", "a" }, client.ZRevRangeByScore(k, 3, 1));
            Assert.Equal(new[] { "b" }, client.ZRevRangeByScore(k, "(3", "(1"));
            Assert.Equal(new[] { new SortedSetEntry("c", 3) }, client.ZRevRangeByScoreWithScores(k, "+inf", 0, 1, 1));
            Assert.Empty(client.ZRangeByScore(k, 100, 10));
            Assert.Throws<RedisDataException>(() => client.ZRangeByScore(k, 0, 1, num: 3));
        }

        [Fact]
        public void ScoreBoundParsesRedisTextAndRefusesTheRest()
        {
            Assert.Equal("(1.5", ScoreBound.Parse("(1.5").ToString());
            Assert.Equal("-inf", ScoreBound.Parse("-inf").ToString());
            Assert.Equal("+inf", ScoreBound.Parse("inf").ToString());
            Assert.Equal("(+inf", ScoreBound.Parse("(+INF").ToString());
            Assert.Equal("2", ((ScoreBound)2).ToString());
            Assert.Equal("-0.25", ((ScoreBound)(-0.25)).ToString());
            Assert.Equal(ScoreBound.Exclusive(3), (ScoreBound)"(3");
            Assert.True(ScoreBound.Parse("(1e3").IsExclusive);
            Assert.Equal(1000, ScoreBound.Parse("(1e3").Value);
            foreach (string bad in new[] { "", "(", "abc", "1,5", "[1", " 1", "nan", "((1" })
                Assert.Throws<RedisDataException>(() => ScoreBound.Parse(bad));
            Assert.Throws<RedisDataException>(() => ScoreBound.Inclusive(double.NaN));
            Assert.Equal("[a", LexBound.Inclusive("a").ToString());
            Assert.Equal("(a", ((LexBound)"(a").ToString());
            Assert.Equal("-", default(LexBound).ToString());
            Assert.Throws<RedisDataException>(() => LexBound.Parse(""));
        }

        [Fact]
        public void RemoveMembersAndRangesByRankAndScore()
        {
            string k = _p + "rem";
            _client.ZAdd(k, Enumerable.Range(1, 10).ToDictionary(i => "m" + i, i => (double)i));
            Assert.Equal(2, _client.ZRem(k, "m1", "m2", "nope"));
            Assert.Equal(0, _client.ZRem(_p + "missing", "m1"));
            Assert.Equal(2, _client.ZRemRangeByRank(k, 0, 1)); // m3, m4
            Assert.Equal(1, _client.ZRemRangeByRank(k, -1, -1)); // m10
            Assert.Equal(2, _client.ZRemRangeByScore(k, "(5", 7)); // m6, m7
            Assert.Equal(new[] { "m5", "m8", "m9" }, _client.ZRange(k, 0, -1));
            Assert.Equal(0, _client.ZRemRangeByScore(k, 100, "+inf"));
            Assert.Equal(3, _client.ZRemRangeByScore(k, "-inf", "+inf"));
            Assert.Equal(0, _client.Exists(k)); // an emptied sorted set is deleted
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void PopMinAndMaxWithAndWithoutCount(int protocol)
        {
            using RedisClient client = Client(protocol);
            string k = _p + "pop" + protocol;
            client.ZAdd(k, Scores(("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)));
            Assert.Equal(new[] { new SortedSetEntry("a", 1) }, client.ZPopMin(k));
            Assert.Equal(new[] { new SortedSetEntry("e", 5) }, client.ZPopMax(k));
            Assert.Equal(new[] { new SortedSetEntry("b", 2) }, client.ZPopMin(k, 1));
            Assert.Equal(new[] { new SortedSetEntry("d", 4), new SortedSetEntry("c", 3) }, client.ZPopMax(k, 10));
            Assert.Empty(client.ZPopMin(k));
            Assert.Empty(client.ZPopMax(_p + "missing", 3));
            Assert.Throws<RedisDataException>(() => client.ZPopMin(k, -1));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void BlockingPopTimesOutThenIsServedByAnotherThread(int protocol)
        {
            using RedisClient client = Client(protocol);
            string empty = _p + "bempty" + protocol;
            string k = _p + "bpop" + protocol;

            var clock = Stopwatch.StartNew();
            Assert.Null(client.BZPopMin(new[] { empty, k }, TimeSpan.FromMilliseconds(300)));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(20));

            // Served at once when a set already has members; the first non-empty key wins.
            client.ZAdd(k, Scores(("low", 1), ("high", 9)));
            SortedSetPopResult? max = client.BZPopMax(new[] { empty, k }, TimeSpan.FromSeconds(5));
            Assert.NotNull(max);
            Assert.Equal(k, max!.Key);
            Assert.Equal("high", max.Member);
            Assert.Equal(9, max.Score);
            Assert.Equal("low", client.BZPopMin(k, TimeSpan.FromSeconds(5))!.Member);

            // Blocks (forever: no timeout) until another client adds a member.
            SortedSetPopResult? served = null;
            Exception? failure = null;
            var waiter = new Thread(() =>
            {
                try { served = client.BZPopMin(new[] { empty, k }); }
                catch (Exception e) { failure = e; }
            });
            waiter.Start();
            Thread.Sleep(300);
            Assert.True(waiter.IsAlive); // still blocked: nothing to pop yet
            using (RedisClient other = RedisClient.FromUrl(_url))
                other.ZAdd(k, Scores(("late", 2.5)));
            Assert.True(waiter.Join(TimeSpan.FromSeconds(20)));
            Assert.Null(failure);
            Assert.NotNull(served);
            Assert.Equal(k, served!.Key);
            Assert.Equal("late", served.Member);
            Assert.Equal(2.5, served.Score);

            Assert.Throws<RedisDataException>(() => client.BZPopMax(Array.Empty<string>(), TimeSpan.FromSeconds(1)));
            Assert.Throws<RedisDataException>(() => client.BZPopMax(k, TimeSpan.FromSeconds(-1)));
        }

        [Fact]
        public void InterAndUnionStoreWithWeightsAndAggregate()
        {
            string a = _p + "{s}a", b = _p + "{s}b", dest = _p + "{s}dest";
            _client.ZAdd(a, Scores(("x", 1), ("y", 2), ("z", 3)));
            _client.ZAdd(b, Scores(("y", 10), ("z", 20), ("w", 30)));

            Assert.Equal(2, _client.ZInterStore(dest, new[] { a, b }));
            Assert.Equal(new[] { new SortedSetEntry("y", 12), new SortedSetEntry("z", 23) }, _client.ZRangeWithScores(dest, 0, -1));
            Assert.Equal(2, _client.ZInterStore(dest, new[] { a, b }, Aggregate.Min));
            Assert.Equal(new[] { new SortedSetEntry("y", 2), new SortedSetEntry("z", 3) }, _client.ZRangeWithScores(dest, 0, -1));
            var weights = new Dictionary<string, double> { [a] = 100, [b] = 0.5 };
            Assert.Equal(2, _client.ZInterStore(dest, weights, Aggregate.Max));
            Assert.Equal(new[] { new SortedSetEntry("y", 200), new SortedSetEntry("z", 300) }, _client.ZRangeWithScores(dest, 0, -1));

            Assert.Equal(4, _client.ZUnionStore(dest, new[] { a, b }));
            Assert.Equal(new[] { "x", "y", "z", "w" }, _client.ZRange(dest, 0, -1));
            Assert.Equal(4, _client.ZUnionStore(dest, new Dictionary<string, double> { [a] = 2, [b] = -1 }, Aggregate.Sum));
            Assert.Equal(new[] { new SortedSetEntry("w", -30), new SortedSetEntry("z", -14), new SortedSetEntry("y", -6), new SortedSetEntry("x", 2) },
                _client.ZRangeWithScores(dest, 0, -1));
            Assert.Equal(4, _client.ZUnionStore(dest, new[] { a, b }, Aggregate.Max));
            Assert.Equal(30, _client.ZScore(dest, "w"));
            Assert.Equal(10, _client.ZScore(dest, "y"));

            Assert.Equal(0, _client.ZInterStore(dest, new[] { a, _p + "{s}missing" }));
            Assert.Equal(0, _client.Exists(dest)); // an empty result removes the destination
            Assert.Throws<RedisDataException>(() => _client.ZUnionStore(dest, Array.Empty<string>()));
            Assert.Throws<RedisDataException>(() => _client.ZUnionStore(dest, new Dictionary<string, double> { [a] = double.NaN }));
        }

        [Fact]
        public void CommandsOnAStringKeyFailWithWrongType()
        {
            string k = _p + "str";
            _client.Set(k, "not a zset");
            var errors = new List<RedisResponseException>
            {
                Assert.Throws<RedisResponseException>(() => _client.ZAdd(k, Scores(("a", 1)))),
                Assert.Throws<RedisResponseException>(() => _client.ZScore(k, "a")),
                Assert.Throws<RedisResponseException>(() => _client.ZRange(k, 0, -1)),
                Assert.Throws<RedisResponseException>(() => _client.ZRangeByScore(k, "-inf", "+inf")),
                Assert.Throws<RedisResponseException>(() => _client.ZPopMin(k)),
                Assert.Throws<RedisResponseException>(() => _client.BZPopMin(k, TimeSpan.FromSeconds(1))),
                Assert.Throws<RedisResponseException>(() => _client.ZCard(k)),
                Assert.Throws<RedisResponseException>(() => _client.ZUnionStore(_p + "d", new[] { k })),
            };
            Assert.All(errors, e => Assert.Equal("WRONGTYPE", e.ErrorCode));

            string z = _p + "z";
            _client.ZAdd(z, Scores(("a", 1)));
            var notFloat = Assert.Throws<RedisResponseException>(() => _client.ZAddIncr(z, "a", double.PositiveInfinity) + _client.ZIncrBy(z, double.NegativeInfinity, "a"));
            Assert.Equal("ERR", notFloat.ErrorCode); // inf + -inf is not a number
        }
    }
}
