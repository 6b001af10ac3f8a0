using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>
    /// The commands Redis 6.2 and 7.0 added beyond the redis-py reference, against the real 7.0 server, under RESP2
    /// and RESP3 (their replies differ in shape: maps, doubles and pairs in RESP3 where RESP2 has flat arrays and text).
    /// </summary>
    [Collection("redis")]
    public sealed class NewerCommandTests : IDisposable
    {
        private const int CopyTargetDb = 13;

        private readonly RedisFixture _fixture;
        private readonly RedisClient _client;
        private readonly List<IDisposable> _cleanup = new List<IDisposable>();
        private readonly string _p = "{new" + Guid.NewGuid().ToString("N").Substring(0, 8) + "}:";

        public NewerCommandTests(RedisFixture fixture)
        {
            _fixture = fixture;
            _client = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose()
        {
            string[] keys = _client.ScanIter(_p + "*", 1000).ToArray();
            if (keys.Length > 0) _client.Unlink(keys);
            using (RedisClient other = Client(2, CopyTargetDb))
            {
                string[] copied = other.ScanIter(_p + "*", 1000).ToArray();
                if (copied.Length > 0) other.Unlink(copied);
            }
            _client.Dispose();
            for (int i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i].Dispose();
        }

        private RedisClient Client(int protocol, int? db = null)
        {
            ConnectionOptions options = ConnectionOptions.FromUrl(_fixture.Url, o => o.Protocol = protocol);
            if (db.HasValue) options.Database = db.Value;
            var c = new RedisClient(options);
            _cleanup.Add(c);
            return c;
        }

        // ---- Redis 6.2 ----

        [Fact]
        public void GetDelReturnsTheValueAndTheKeyIsGone()
        {
            string k = _p + "getdel";
            _client.Set(k, "v");
            Assert.Equal("v", _client.GetDel(k));
            Assert.Equal(0, _client.Exists(k));
            Assert.Null(_client.GetDel(k));
        }

        [Fact]
        public void GetExSetsOrRemovesTheExpiryWhileReading()
        {
            string k = _p + "getex";
            _client.Set(k, "v");
            Assert.Equal("v", _client.GetEx(k));
            Assert.Equal(-1, _client.Ttl(k));
            Assert.Equal("v", _client.GetEx(k, ex: TimeSpan.FromSeconds(100)));
            Assert.InRange(_client.Ttl(k), 95, 100);
            Assert.Equal("v", _client.GetEx(k, px: TimeSpan.FromMilliseconds(50_000)));
            Assert.InRange(_client.PTtl(k), 45_000, 50_000);
            Assert.Equal("v", _client.GetEx(k, exAt: DateTimeOffset.UtcNow.AddSeconds(200)));
            Assert.InRange(_client.Ttl(k), 190, 200);
            Assert.Equal("v", _client.GetEx(k, pxAt: DateTimeOffset.UtcNow.AddSeconds(300)));
            Assert.InRange(_client.Ttl(k), 290, 300);
            Assert.Equal("v", _client.GetEx(k, persist: true));
            Assert.Equal(-1, _client.Ttl(k));
            Assert.Null(_client.GetEx(_p + "missing", persist: true));
            Assert.Throws<RedisDataException>(() => _client.GetEx(k, ex: TimeSpan.FromSeconds(1), persist: true));
        }

        [Fact]
        public void CopyWithinAndAcrossDatabasesAndReplace()
        {
            string src = _p + "copy:src", dst = _p + "copy:dst";
            _client.RPush(src, "a", "b");
            Assert.True(_client.Copy(src, dst));
            Assert.Equal(new[] { "a", "b" }, _client.LRange(dst, 0, -1));
            Assert.False(_client.Copy(src, dst)); // exists, no REPLACE
            _client.RPush(src, "c");
            Assert.True(_client.Copy(src, dst, replace: true));
            Assert.Equal(new[] { "a", "b", "c" }, _client.LRange(dst, 0, -1));
            Assert.False(_client.Copy(_p + "copy:none", dst, replace: true));

            Assert.True(_client.Copy(src, src, destinationDb: CopyTargetDb));
            using RedisClient other = Client(2, CopyTargetDb);
            Assert.Equal(new[] { "a", "b", "c" }, other.LRange(src, 0, -1));
            Assert.Equal(3, _client.LLen(src)); // the source stays
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public async Task LMoveAndBLMoveMoveBetweenTheChosenEnds(int protocol)
        {
            RedisClient c = Client(protocol);
            string a = _p + "lmove:a" + protocol, b = _p + "lmove:b" + protocol;
            c.RPush(a, "1", "2", "3");
            Assert.Equal("1", c.LMove(a, b)); // LEFT -> RIGHT
            Assert.Equal("3", c.LMove(a, b, ListSide.Right, ListSide.Left));
            Assert.Equal(new[] { "3", "1" }, c.LRange(b, 0, -1));
            Assert.Equal("2", c.BLMove(a, b, TimeSpan.FromSeconds(1), ListSide.Right, ListSide.Right));
            Assert.Equal(new[] { "3", "1", "2" }, c.LRange(b, 0, -1));
            Assert.Null(c.LMove(a, b));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Null(c.BLMove(a, b, TimeSpan.FromMilliseconds(200)));
            Assert.InRange(clock.ElapsedMilliseconds, 150, 5000);

            // Served while it waits.
            Task<string?> waiting = Task.Run(() => Client(protocol).BLMove(a, b, TimeSpan.FromSeconds(20), ListSide.Left, ListSide.Left));
            await Task.Delay(200);
            c.RPush(a, "late");
            Assert.Equal("late", await waiting);
            Assert.Equal("late", c.LIndex(b, 0));
        }

        [Fact]
        public void LPosWithRankCountAndMaxLen()
        {
            string k = _p + "lpos";
            _client.RPush(k, "a", "b", "c", "b", "d", "b");
            Assert.Equal(1, _client.LPos(k, "b"));
            Assert.Equal(3, _client.LPos(k, "b", rank: 2));
            Assert.Equal(5, _client.LPos(k, "b", rank: -1));
            Assert.Null(_client.LPos(k, "zz"));
            Assert.Null(_client.LPos(k, "d", maxLen: 3));
            Assert.Equal(new long[] { 1, 3 }, _client.LPos(k, "b", count: 2));
            Assert.Equal(new long[] { 1, 3, 5 }, _client.LPos(k, "b", count: 0));
            Assert.Equal(new long[] { 5, 3 }, _client.LPos(k, "b", count: 2, rank: -1));
            Assert.Equal(new long[] { 1 }, _client.LPos(k, "b", count: 0, maxLen: 3));
            Assert.Empty(_client.LPos(k, "zz", count: 0));
            Assert.Empty(_client.LPos(_p + "lpos:none", "b", count: 1));
            Assert.Throws<RedisDataException>(() => _client.LPos(k, "b", rank: 0));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SMIsMemberAnswersPerMemberInOrder(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = _p + "smis" + protocol;
            c.SAdd(k, "a", "c");
            Assert.Equal(new[] { true, false, true }, c.SMIsMember(k, "a", "b", "c"));
            Assert.Equal(new[] { false }, c.SMIsMember(_p + "none", "a"));
        }

        private string Scores(RedisClient c, string name, params (string Member, double Score)[] pairs)
        {
            string k = _p + name;
            c.ZAdd(k, pairs.Select(p => new KeyValuePair<string, double>(p.Member, p.Score)));
            return k;
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ZRangeByScoreLexRevLimitAndZRangeStore(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = Scores(c, "zr" + protocol, ("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5));
            Assert.Equal(new[] { "b", "c", "d" }, c.ZRange(k, "(1", "4", ZRangeBy.Score));
            // REV: start is the high end; LIMIT 1 2 skips the first match (e).
            Assert.Equal(new[] { "d", "c" }, c.ZRange(k, "+inf", "-inf", ZRangeBy.Score, desc: true, offset: 1, num: 2));
            Assert.Equal(new[] { new SortedSetEntry("d", 4), new SortedSetEntry("c", 3) },
                c.ZRangeWithScores(k, "5", "1", ZRangeBy.Score, desc: true, offset: 1, num: 2));
            Assert.Equal(new[] { "e", "d" }, c.ZRange(k, "0", "1", ZRangeBy.Rank, desc: true));
            string lex = Scores(c, "zlex" + protocol, ("a", 0), ("b", 0), ("c", 0), ("d", 0));
            Assert.Equal(new[] { "b", "c" }, c.ZRange(lex, "[b", "(d", ZRangeBy.Lex));
            Assert.Equal(new[] { "c", "b" }, c.ZRange(lex, "(d", "-", ZRangeBy.Lex, desc: true, offset: 0, num: 2));

            string dst = _p + "zrstore" + protocol;
            Assert.Equal(2, c.ZRangeStore(dst, k, "2", "+inf", ZRangeBy.Score, offset: 1, num: 2));
            Assert.Equal(new[] { new SortedSetEntry("c", 3), new SortedSetEntry("d", 4) }, c.ZRangeWithScores(dst, 0, -1));
            Assert.Equal(2, c.ZRangeStore(dst, k, "0", "1", desc: true));
            Assert.Equal(new[] { "d", "e" }, c.ZRange(dst, 0, -1));
            Assert.Equal(2, c.ZRangeStore(dst, lex, "[c", "+", ZRangeBy.Lex));
            Assert.Equal(new[] { "c", "d" }, c.ZRange(dst, 0, -1));
            Assert.Throws<RedisDataException>(() => c.ZRange(k, "0", "1", ZRangeBy.Rank, offset: 0, num: 1));
            Assert.Throws<RedisDataException>(() => c.ZRange(k, "x", "1", ZRangeBy.Score));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ZDiffZInterZUnionWithScoresWeightsAndAggregate(int protocol)
        {
            RedisClient c = Client(protocol);
            string a = Scores(c, "za" + protocol, ("x", 1), ("y", 2), ("z", 3));
            string b = Scores(c, "zb" + protocol, ("y", 10), ("w", 20));
            Assert.Equal(new[] { "x", "z" }, c.ZDiff(a, b));
            Assert.Equal(new[] { new SortedSetEntry("x", 1), new SortedSetEntry("z", 3) }, c.ZDiffWithScores(a, b));
            string d = _p + "zdiffstore" + protocol;
            Assert.Equal(2, c.ZDiffStore(d, a, b));
            Assert.Equal(new[] { "x", "z" }, c.ZRange(d, 0, -1));

            Assert.Equal(new[] { "y" }, c.ZInter(new[] { a, b }));
            Assert.Equal(new[] { new SortedSetEntry("y", 12) }, c.ZInterWithScores(new[] { a, b }));
            Assert.Equal(new[] { new SortedSetEntry("y", 2) }, c.ZInterWithScores(new[] { a, b }, Aggregate.Min));
            var weights = new[] { new KeyValuePair<string, double>(a, 3), new KeyValuePair<string, double>(b, 0.5) };
            Assert.Equal(new[] { new SortedSetEntry("y", 11) }, c.ZInterWithScores(weights));
            Assert.Equal(new[] { "y" }, c.ZInter(weights, Aggregate.Max));

            Assert.Equal(new[] { "x", "z", "y", "w" }, c.ZUnion(new[] { a, b }));
            Assert.Equal(new[] { new SortedSetEntry("x", 1), new SortedSetEntry("z", 3), new SortedSetEntry("y", 10), new SortedSetEntry("w", 20) },
                c.ZUnionWithScores(new[] { a, b }, Aggregate.Max));
            Assert.Equal(new[] { new SortedSetEntry("x", 3), new SortedSetEntry("z", 9), new SortedSetEntry("w", 10), new SortedSetEntry("y", 11) },
                c.ZUnionWithScores(weights));
            Assert.Equal(new[] { "x", "y", "z", "w" }, c.ZUnion(weights, Aggregate.Min)); // y: min(2*3, 10*0.5) = 5
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ZRandMemberAndZMScore(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = Scores(c, "zrand" + protocol, ("a", 1), ("b", 2.5), ("c", 3));
            Assert.Contains(c.ZRandMember(k), new[] { "a", "b", "c" });
            Assert.Null(c.ZRandMember(_p + "none"));
            IList<string> two = c.ZRandMember(k, 2);
            Assert.Equal(2, two.Distinct().Count());
            Assert.Equal(5, c.ZRandMember(k, -5).Count); // may repeat
            IList<SortedSetEntry> all = c.ZRandMemberWithScores(k, 10);
            Assert.Equal(new[] { ("a", 1.0), ("b", 2.5), ("c", 3.0) }, all.Select(e => (e.Member, e.Score)).OrderBy(e => e.Member));
            Assert.Equal(new double?[] { 2.5, null, 1 }, c.ZMScore(k, "b", "nope", "a"));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void HRandFieldWithAndWithoutValues(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = _p + "hrand" + protocol;
            c.HSet(k, new Dictionary<string, object> { ["f1"] = "v1", ["f2"] = "v2", ["f3"] = "v3" });
            Assert.Contains(c.HRandField(k), new[] { "f1", "f2", "f3" });
            Assert.Null(c.HRandField(_p + "none"));
            Assert.Equal(new[] { "f1", "f2", "f3" }, c.HRandField(k, 5).OrderBy(f => f));
            Assert.Equal(4, c.HRandField(k, -4).Count);
            IList<KeyValuePair<string, string>> pairs = c.HRandFieldWithValues(k, 3);
            Assert.Equal(new[] { ("f1", "v1"), ("f2", "v2"), ("f3", "v3") }, pairs.Select(p => (p.Key, p.Value)).OrderBy(p => p.Key));
            IList<KeyValuePair<string, string>> repeated = c.HRandFieldWithValues(k, -6);
            Assert.Equal(6, repeated.Count);
            Assert.All(repeated, p => Assert.Equal("v" + p.Key.Substring(1), p.Value));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void GeoSearchByRadiusAndBoxFromMemberOrPointAndStore(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = _p + "geo" + protocol;
            c.GeoAdd(k, new GeoEntry(13.361389, 38.115556, "Palermo"), new GeoEntry(15.087269, 37.502669, "Catania"),
                new GeoEntry(12.758489, 38.788135, "edge1"), new GeoEntry(17.241510, 38.788135, "edge2"));
            IList<GeoRadiusResult> near = c.GeoSearch(k, longitude: 15, latitude: 37, radius: 200, unit: GeoUnit.Kilometers,
                sort: GeoSort.Ascending, withDist: true, withCoord: true, withHash: true);
            Assert.Equal(new[] { "Catania", "Palermo" }, near.Select(r => r.Member));
            Assert.InRange(near[0].Distance!.Value, 56.4, 56.5);
            Assert.NotNull(near[0].Hash);
            Assert.InRange(near[0].Position!.Longitude, 15.08, 15.09);
            IList<GeoRadiusResult> box = c.GeoSearch(k, longitude: 15, latitude: 37, width: 400, height: 400, unit: GeoUnit.Kilometers, sort: GeoSort.Descending);
            // The two edges are (about) equally far: DESC puts them first in either order, then Palermo, then Catania.
            Assert.Equal(new[] { "edge1", "edge2" }, box.Take(2).Select(r => r.Member).OrderBy(m => m));
            Assert.Equal(new[] { "Palermo", "Catania" }, box.Skip(2).Select(r => r.Member));
            // Palermo is about 145 km west: outside a box 200 km wide, though within the 200 km radius above.
            Assert.Equal(new[] { "Catania" },
                c.GeoSearch(k, longitude: 15, latitude: 37, width: 200, height: 400, unit: GeoUnit.Kilometers, sort: GeoSort.Ascending).Select(r => r.Member));
            Assert.Single(c.GeoSearch(k, fromMember: "Palermo", radius: 200, unit: GeoUnit.Kilometers, sort: GeoSort.Ascending, count: 1));
            Assert.Equal("Palermo", c.GeoSearch(k, fromMember: "Palermo", radius: 200, unit: GeoUnit.Kilometers, sort: GeoSort.Ascending, count: 1)[0].Member);
            Assert.Single(c.GeoSearch(k, fromMember: "Palermo", radius: 500, unit: GeoUnit.Kilometers, count: 1, any: true));

            string dst = _p + "geostore" + protocol;
            Assert.Equal(2, c.GeoSearchStore(dst, k, longitude: 15, latitude: 37, radius: 200, unit: GeoUnit.Kilometers));
            Assert.Equal(new[] { "Palermo", "Catania" }, c.ZRange(dst, 0, -1)); // scored by geohash
            Assert.Equal(2, c.GeoSearchStore(dst, k, longitude: 15, latitude: 37, radius: 200, unit: GeoUnit.Kilometers, storeDist: true));
            IList<SortedSetEntry> byDistance = c.ZRangeWithScores(dst, 0, -1);
            Assert.Equal("Catania", byDistance[0].Member);
            Assert.InRange(byDistance[0].Score, 56.4, 56.5);
            Assert.Throws<RedisDataException>(() => c.GeoSearch(k, fromMember: "Palermo", longitude: 1, latitude: 2, radius: 1));
            Assert.Throws<RedisDataException>(() => c.GeoSearch(k, fromMember: "Palermo", radius: 1, width: 2, height: 2));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void XAutoClaimTransfersIdleMessagesAndReportsDeletedOnes(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = _p + "xauto" + protocol;
            Assert.True(c.XGroupCreate(k, "g", "$", mkStream: true));
            var ids = new List<string>();
            for (int i = 0; i < 4; i++) ids.Add(c.XAdd(k, new Dictionary<string, object> { ["n"] = i })!);
            c.XReadGroup("g", "alice", new Dictionary<string, string> { [k] = ">" });
            c.XDel(k, ids[1]);
            Thread.Sleep(20);

            StreamAutoClaimResult first = c.XAutoClaim(k, "g", "bob", TimeSpan.FromMilliseconds(10), count: 2);
            Assert.Equal(new[] { ids[0] }, first.Entries.Select(e => e.Id));
            Assert.Equal("0", first.Entries[0].Fields["n"]);
            Assert.Equal(new[] { ids[1] }, first.DeletedIds);
            Assert.Equal(ids[2], first.NextId);

            StreamAutoClaimIdsResult rest = c.XAutoClaimJustId(k, "g", "bob", TimeSpan.FromMilliseconds(10), first.NextId);
            Assert.Equal(new[] { ids[2], ids[3] }, rest.Ids);
            Assert.Empty(rest.DeletedIds);
            Assert.Equal("0-0", rest.NextId);
            Assert.Equal(3, c.XPending(k, "g").Consumers.Single(x => x.Name == "bob").Pending);
            Assert.Empty(c.XAutoClaim(k, "g", "carol", TimeSpan.FromHours(1)).Entries);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ClientInfoDescribesThisConnection(int protocol)
        {
            RedisClient c = Client(protocol);
            c.ClientSetName("newer-info-" + protocol);
            IDictionary<string, string> info = c.ClientInfo();
            Assert.Equal(c.ClientId().ToString(System.Globalization.CultureInfo.InvariantCulture), info["id"]);
            Assert.Equal("newer-info-" + protocol, info["name"]);
            Assert.Equal(protocol.ToString(System.Globalization.CultureInfo.InvariantCulture), info["resp"]);
            Assert.Equal("client|info", info["cmd"]);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void APipelineParsesTheNewerRepliesAsTheClientDoes(int protocol)
        {
            RedisClient c = Client(protocol);
            string z = Scores(c, "pipe:z" + protocol, ("a", 1), ("b", 2));
            string l = _p + "pipe:l" + protocol;
            c.RPush(l, "x", "y", "x");
            using RedisPipeline pipe = c.Pipeline(transaction: protocol == 3);
            pipe.ZMScore(z, "b", "nope");
            pipe.LPos(l, "x", count: 0);
            pipe.ZMPop(new[] { z }, SortedSetPopOrder.Max);
            pipe.LMove(l, l + ":2");
            pipe.GetDel(l + ":none");
            IList<object?> results = pipe.Execute();
            Assert.Equal(new double?[] { 2, null }, (IList<double?>)results[0]!);
            Assert.Equal(new long[] { 0, 2 }, (IList<long>)results[1]!);
            Assert.Equal(new[] { new SortedSetEntry("b", 2) }, ((SortedSetMPopResult)results[2]!).Entries);
            Assert.Equal("x", results[3]);
            Assert.Null(results[4]);
        }

        // ---- Redis 7.0 ----

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void LMPopAndBLMPopTakeFromTheFirstNonEmptyList(int protocol)
        {
            RedisClient c = Client(protocol);
            string a = _p + "lmpop:a" + protocol, b = _p + "lmpop:b" + protocol;
            c.RPush(b, "1", "2", "3");
            ListMPopResult? left = c.LMPop(new[] { a, b }, ListSide.Left);
            Assert.Equal(b, left!.Key);
            Assert.Equal(new[] { "1" }, left.Elements);
            ListMPopResult? right = c.LMPop(new[] { a, b }, ListSide.Right, count: 5);
            Assert.Equal(new[] { "3", "2" }, right!.Elements);
            Assert.Null(c.LMPop(new[] { a, b }, ListSide.Left));
            Assert.Null(c.BLMPop(TimeSpan.FromMilliseconds(100), new[] { a, b }, ListSide.Left));
            c.RPush(a, "x", "y");
            ListMPopResult? blocked = c.BLMPop(TimeSpan.FromSeconds(1), new[] { a, b }, ListSide.Left, count: 2);
            Assert.Equal(a, blocked!.Key);
            Assert.Equal(new[] { "x", "y" }, blocked.Elements);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ZMPopAndBZMPopGiveMembersWithScores(int protocol)
        {
            RedisClient c = Client(protocol);
            string a = _p + "zmpop:a" + protocol;
            string b = Scores(c, "zmpop:b" + protocol, ("x", 1), ("y", 2.5), ("z", 3));
            SortedSetMPopResult? min = c.ZMPop(new[] { a, b }, SortedSetPopOrder.Min);
            Assert.Equal(b, min!.Key);
            Assert.Equal(new[] { new SortedSetEntry("x", 1) }, min.Entries);
            SortedSetMPopResult? max = c.ZMPop(new[] { a, b }, SortedSetPopOrder.Max, count: 10);
            Assert.Equal(new[] { new SortedSetEntry("z", 3), new SortedSetEntry("y", 2.5) }, max!.Entries);
            Assert.Null(c.ZMPop(new[] { a, b }, SortedSetPopOrder.Min));
            Assert.Null(c.BZMPop(TimeSpan.FromMilliseconds(100), new[] { a, b }, SortedSetPopOrder.Max));
            Scores(c, "zmpop:a" + protocol, ("q", 7));
            SortedSetMPopResult? blocked = c.BZMPop(TimeSpan.FromSeconds(1), new[] { a, b }, SortedSetPopOrder.Max);
            Assert.Equal(a, blocked!.Key);
            Assert.Equal(new[] { new SortedSetEntry("q", 7) }, blocked.Entries);
        }

        [Fact]
        public void SInterCardAndZInterCardCountUpToTheLimit()
        {
            string a = _p + "card:a", b = _p + "card:b";
            _client.SAdd(a, "1", "2", "3", "4");
            _client.SAdd(b, "2", "3", "4", "5");
            Assert.Equal(3, _client.SInterCard(new[] { a, b }));
            Assert.Equal(2, _client.SInterCard(new[] { a, b }, limit: 2));
            Assert.Equal(3, _client.SInterCard(new[] { a, b }, limit: 0));
            Assert.Equal(0, _client.SInterCard(new[] { a, _p + "none" }));
            string za = Scores(_client, "card:za", ("1", 1), ("2", 2), ("3", 3));
            string zb = Scores(_client, "card:zb", ("2", 1), ("3", 1));
            Assert.Equal(2, _client.ZInterCard(new[] { za, zb }));
            Assert.Equal(1, _client.ZInterCard(new[] { za, zb }, limit: 1));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void LcsStringLengthAndIdxPositions(int protocol)
        {
            RedisClient c = Client(protocol);
            string k1 = _p + "lcs1" + protocol, k2 = _p + "lcs2" + protocol;
            c.Set(k1, "ohmytext");
            c.Set(k2, "mynewtext");
            Assert.Equal("mytext", c.Lcs(k1, k2));
            Assert.Equal(6, c.LcsLen(k1, k2));
            LcsResult idx = c.LcsIdx(k1, k2);
            Assert.Equal(6, idx.Length);
            Assert.Equal(2, idx.Matches.Count);
            Assert.Equal((4L, 7L, 5L, 8L), (idx.Matches[0].First.Start, idx.Matches[0].First.End, idx.Matches[0].Second.Start, idx.Matches[0].Second.End));
            Assert.Equal((2L, 3L, 0L, 1L), (idx.Matches[1].First.Start, idx.Matches[1].First.End, idx.Matches[1].Second.Start, idx.Matches[1].Second.End));
            Assert.Null(idx.Matches[0].Length);
            LcsResult longOnes = c.LcsIdx(k1, k2, minMatchLen: 4, withMatchLen: true);
            Assert.Equal(6, longOnes.Length);
            LcsMatch only = Assert.Single(longOnes.Matches);
            Assert.Equal(4, only.Length);
            Assert.Equal(string.Empty, c.Lcs(k1, _p + "none"));
        }

        private const string Library = "#!lua name={0}\n"
            + "redis.register_function('{0}_get', function(keys, args) return redis.call('GET', keys[1]) end)\n"
            + "redis.register_function{{function_name='{0}_ro', callback=function(keys, args) return #args end, flags={{'no-writes'}}, description='counts'}}\n";

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void FunctionLoadListCallDumpRestoreStatsAndDelete(int protocol)
        {
            RedisClient c = Client(protocol);
            string lib = "lib" + Guid.NewGuid().ToString("N").Substring(0, 8) + "p" + protocol;
            string code = string.Format(System.Globalization.CultureInfo.InvariantCulture, Library, lib);
            try
            {
                Assert.Equal(lib, c.FunctionLoad(code));
                Assert.Throws<RedisResponseException>(() => c.FunctionLoad(code));
                Assert.Equal(lib, c.FunctionLoad(code, replace: true));

                string k = _p + "fcall" + protocol;
                c.Set(k, "hello");
                Assert.Equal("hello", c.FCall(lib + "_get", new[] { k }));
                Assert.Equal(3L, c.FCallRo(lib + "_ro", args: new object[] { "a", "b", "c" }));
                Assert.Throws<RedisResponseException>(() => c.FCallRo(lib + "_get", new[] { k })); // not declared no-writes

                IDictionary<string, object?> listed = Assert.Single(c.FunctionList(lib));
                Assert.Equal(lib, listed["library_name"]);
                Assert.Equal("LUA", listed["engine"]);
                Assert.False(listed.ContainsKey("library_code"));
                var functions = (IList<IDictionary<string, object?>>)listed["functions"]!;
                IDictionary<string, object?> ro = functions.Single(f => (string?)f["name"] == lib + "_ro");
                Assert.Equal("counts", ro["description"]);
                Assert.Equal(new[] { "no-writes" }, (IList<string>)ro["flags"]!);
                Assert.Equal(code, Assert.Single(c.FunctionList(lib, withCode: true))["library_code"]);
                Assert.Empty(c.FunctionList(lib + "nomatch"));

                IDictionary<string, object?> stats = c.FunctionStats();
                Assert.Null(stats["running_script"]);
                var engines = (IDictionary<string, object?>)stats["engines"]!;
                var lua = (IDictionary<string, object?>)engines["LUA"]!;
                Assert.True((long)lua["libraries_count"]! >= 1);

                byte[] dump = c.FunctionDump();
                Assert.NotEmpty(dump);
                Assert.True(c.FunctionDelete(lib));
                Assert.Empty(c.FunctionList(lib));
                Assert.True(c.FunctionRestore(dump, FunctionRestorePolicy.Replace));
                Assert.Equal("hello", c.FCall(lib + "_get", new[] { k }));
                Assert.Throws<RedisResponseException>(() => c.FunctionRestore(dump)); // APPEND: the name is taken
            }
            finally
            {
                try { c.FunctionDelete(lib); } catch (RedisResponseException) { }
            }
        }

        [Fact]
        public void FunctionFlushEmptiesTheLibrariesOfAnOwnServer()
        {
            using RedisServerProcess server = RedisServerProcess.Start(new RedisServerOptions());
            using RedisClient c = RedisClient.FromUrl(server.Url);
            c.FunctionLoad(string.Format(System.Globalization.CultureInfo.InvariantCulture, Library, "flushme"));
            Assert.Single(c.FunctionList());
            Assert.True(c.FunctionFlush(ScriptFlushMode.Sync));
            Assert.Empty(c.FunctionList());
            c.FunctionLoad(string.Format(System.Globalization.CultureInfo.InvariantCulture, Library, "flushme"));
            Assert.True(c.FunctionFlush());
            Assert.Empty(c.FunctionList());
        }

        [Fact]
        public void EvalRoAndEvalShaRoRunReadOnlyScripts()
        {
            string k = _p + "evalro";
            _client.Set(k, "v");
            Assert.Equal("v", _client.EvalRo("return redis.call('GET', KEYS[1])", new[] { k }));
            Assert.Throws<RedisResponseException>(() => _client.EvalRo("return redis.call('SET', KEYS[1], 'x')", new[] { k }));
            string sha = _client.ScriptLoad("return ARGV[1] .. redis.call('GET', KEYS[1])");
            Assert.Equal("av", _client.EvalShaRo(sha, new[] { k }, new object[] { "a" }));
            Assert.Equal("v", _client.Get(k));
        }

        [Fact]
        public void SortRoSortsWithTheSortOptions()
        {
            string k = _p + "sortro";
            _client.RPush(k, "3", "1", "2");
            Assert.Equal(new[] { "1", "2", "3" }, _client.SortRo(k));
            Assert.Equal(new[] { "3", "2" }, _client.SortRo(k, start: 0, num: 2, desc: true));
        }

        [Fact]
        public void ExpireTimeAndExpireConditions()
        {
            string k = _p + "exp";
            Assert.Equal(-2, _client.ExpireTime(k));
            _client.Set(k, "v");
            Assert.Equal(-1, _client.ExpireTime(k));
            Assert.Equal(-1, _client.PExpireTime(k));
            Assert.False(_client.Expire(k, TimeSpan.FromSeconds(100), xx: true)); // no TTL yet
            Assert.True(_client.Expire(k, TimeSpan.FromSeconds(100), nx: true));
            Assert.False(_client.Expire(k, TimeSpan.FromSeconds(200), nx: true)); // has a TTL now
            long at = _client.ExpireTime(k);
            Assert.InRange(at - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 95, 101);
            Assert.InRange(_client.PExpireTime(k) - at * 1000, -500, 500); // EXPIRETIME rounds to the nearest second
            Assert.False(_client.Expire(k, TimeSpan.FromSeconds(50), gt: true));
            Assert.True(_client.Expire(k, TimeSpan.FromSeconds(200), gt: true));
            Assert.False(_client.PExpire(k, TimeSpan.FromSeconds(300), lt: true));
            Assert.True(_client.PExpire(k, TimeSpan.FromSeconds(150), xx: true, lt: true));
            Assert.InRange(_client.Ttl(k), 140, 150);
            DateTimeOffset later = DateTimeOffset.UtcNow.AddSeconds(500);
            Assert.False(_client.ExpireAt(k, later, lt: true));
            Assert.True(_client.ExpireAt(k, later, gt: true));
            Assert.Equal(later.ToUnixTimeSeconds(), _client.ExpireTime(k));
            Assert.True(_client.PExpireAt(k, later.AddSeconds(-100), xx: true));
            Assert.Equal(later.AddSeconds(-100).ToUnixTimeMilliseconds(), _client.PExpireTime(k));
            Assert.Throws<RedisDataException>(() => _client.Expire(k, TimeSpan.FromSeconds(1), nx: true, gt: true));
            Assert.Throws<RedisDataException>(() => _client.Expire(k, TimeSpan.FromSeconds(1), gt: true, lt: true));
        }

        [Fact]
        public void XGroupCreateConsumerAddsItOnce()
        {
            string k = _p + "xcc";
            _client.XGroupCreate(k, "g", "$", mkStream: true);
            Assert.True(_client.XGroupCreateConsumer(k, "g", "alice"));
            Assert.False(_client.XGroupCreateConsumer(k, "g", "alice"));
            Assert.Equal("alice", Assert.Single(_client.XInfoConsumers(k, "g")).Name);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void XInfoStreamFullNestsEntriesGroupsAndConsumers(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = _p + "xfull" + protocol;
            c.XGroupCreate(k, "g", "$", mkStream: true);
            for (int i = 0; i < 3; i++) c.XAdd(k, new Dictionary<string, object> { ["n"] = i });
            c.XReadGroup("g", "alice", new Dictionary<string, string> { [k] = ">" }, count: 2);
            IDictionary<string, object?> full = c.XInfoStreamFull(k);
            Assert.Equal(3L, full["length"]);
            var entries = (IList<StreamEntry>)full["entries"]!;
            Assert.Equal(new[] { "0", "1", "2" }, entries.Select(e => e.Fields["n"]));
            var group = Assert.Single((IList<IDictionary<string, object?>>)full["groups"]!);
            Assert.Equal("g", group["name"]);
            Assert.Equal(2L, group["pel-count"]);
            var consumer = Assert.Single((IList<IDictionary<string, object?>>)group["consumers"]!);
            Assert.Equal("alice", consumer["name"]);
            Assert.Equal(2L, consumer["pel-count"]);
            Assert.Single((IList<StreamEntry>)c.XInfoStreamFull(k, count: 1)["entries"]!);
        }

        [Fact]
        public void LatencyLatestAndHistoryReportRecordedEvents()
        {
            using RedisServerProcess server = RedisServerProcess.Start(new RedisServerOptions { EnableDebugCommand = true, ExtraArgs = new[] { "--latency-monitor-threshold", "1" } });
            using RedisClient c = RedisClient.FromUrl(server.Url);
            Assert.Empty(c.LatencyLatest());
            c.ExecuteCommand("DEBUG", "SLEEP", "0.05");
            LatencyLatestEntry latest = c.LatencyLatest().Single(e => e.Event == "command");
            Assert.InRange(latest.LatestMilliseconds, 45, 5000);
            Assert.True(latest.MaxMilliseconds >= latest.LatestMilliseconds);
            Assert.InRange(latest.Time, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
            LatencySample sample = Assert.Single(c.LatencyHistory("command"));
            Assert.Equal(latest.LatestMilliseconds, sample.Milliseconds);
            Assert.Empty(c.LatencyHistory("no-such-event"));
        }

        // ---- Redis 7.2 and later: skipped, with the reason, on an older server (see RedisVersionFact) ----

        [Fact]
        public void ConnectingToAServerWithoutSetInfoIgnoresItsError()
        {
            // Every new connection sends CLIENT SETINFO LIB-NAME/LIB-VER in its handshake; Redis before 7.2 answers
            // "unknown subcommand", which must neither fail nor slow the connect, under either protocol.
            long Errors()
            {
                RedisInfo stats = _client.Info("stats");
                return Convert.ToInt64(stats["total_error_replies"], System.Globalization.CultureInfo.InvariantCulture);
            }
            foreach (int protocol in new[] { 2, 3 })
            {
                long before = Errors();
                RedisClient c = Client(protocol, db: 1);
                Assert.True(c.Ping());
                Assert.Equal("1", c.ClientInfo()["db"]);
                if (TestServerVersion.Current != null && TestServerVersion.Current < new Version(7, 2))
                    Assert.True(Errors() - before >= 2, "the two refused CLIENT SETINFO show in total_error_replies");
                else
                    Assert.Equal("PSRedis", c.ClientInfo()["lib-name"]);
            }
            ConnectionOptions off = ConnectionOptions.FromUrl(_fixture.Url, o => o.SendLibraryInfo = false);
            using (var quiet = new RedisClient(off)) Assert.True(quiet.Ping());
        }

        [RedisVersionFact("7.2")]
        public void ClientSetInfoNamesTheLibraryInClientInfo()
        {
            foreach (int protocol in new[] { 2, 3 })
            {
                RedisClient c = Client(protocol);
                IDictionary<string, string> info = c.ClientInfo();
                Assert.Equal("PSRedis", info["lib-name"]);
                Assert.Equal(typeof(RedisClient).Assembly.GetName().Version!.ToString(3), info["lib-ver"]);
                Assert.True(c.ClientSetInfo("LIB-NAME", "PSRedis-test"));
                Assert.Equal("PSRedis-test", c.ClientInfo()["lib-name"]);
            }
            ConnectionOptions off = ConnectionOptions.FromUrl(_fixture.Url, o => o.SendLibraryInfo = false);
            using (var quiet = new RedisClient(off)) Assert.Equal(string.Empty, quiet.ClientInfo()["lib-name"]);
        }

        [RedisVersionFact("7.2")]
        public void ClientNoTouchSetsTheConnectionFlag()
        {
            RedisClient c = Client(2); // one connection in its pool: the flag and CLIENT INFO meet on it
            Assert.True(c.ClientNoTouch(true));
            Assert.Contains("T", c.ClientInfo()["flags"], StringComparison.Ordinal);
            Assert.True(c.ClientNoTouch(false));
            Assert.DoesNotContain("T", c.ClientInfo()["flags"], StringComparison.Ordinal);
        }

        [RedisVersionFact("7.2")]
        public void WaitAofReportsLocalAndReplicaCounts()
        {
            _client.Set(_p + "waitaof", "v");
            WaitAofResult result = _client.WaitAof(0, 0, TimeSpan.FromMilliseconds(100));
            Assert.InRange(result.Local, 0, 1);
            Assert.Equal(0, result.Replicas);
        }

        [RedisVersionFact("7.2")]
        public void ZRankWithScoreGivesRankAndScore()
        {
            foreach (int protocol in new[] { 2, 3 })
            {
                RedisClient c = Client(protocol);
                string k = _p + "zrankscore" + protocol;
                c.ZAdd(k, new Dictionary<string, double> { ["a"] = 1, ["b"] = 2.5, ["c"] = 3 });
                SortedSetRank? rank = c.ZRankWithScore(k, "b");
                Assert.Equal((1L, 2.5), (rank!.Rank, rank.Score));
                SortedSetRank? rev = c.ZRevRankWithScore(k, "a");
                Assert.Equal((2L, 1.0), (rev!.Rank, rev.Score));
                Assert.Null(c.ZRankWithScore(k, "zz"));
                Assert.Null(c.ZRevRankWithScore(_p + "nokey", "a"));
            }
        }

        [RedisVersionFact("7.4")]
        public void HashFieldExpirySetsReadsAndRemovesPerFieldTimes()
        {
            foreach (int protocol in new[] { 2, 3 })
            {
                RedisClient c = Client(protocol);
                string k = _p + "hfe" + protocol;
                c.HSet(k, new Dictionary<string, object> { ["a"] = "1", ["b"] = "2", ["c"] = "3" });
                Assert.Equal(new long[] { 1, 1, -2 }, c.HExpire(k, TimeSpan.FromSeconds(100), new[] { "a", "b", "nope" }));
                Assert.Equal(new long[] { 0 }, c.HExpire(k, TimeSpan.FromSeconds(50), new[] { "a" }, nx: true));
                Assert.Equal(new long[] { 1 }, c.HPExpire(k, TimeSpan.FromSeconds(200), new[] { "a" }, gt: true));
                Assert.Equal(new long[] { 0 }, c.HExpire(k, TimeSpan.FromSeconds(300), new[] { "c" }, xx: true));
                IList<long> ttl = c.HTtl(k, "a", "b", "c", "nope");
                Assert.InRange(ttl[0], 150, 200);
                Assert.InRange(ttl[1], 50, 100);
                Assert.Equal(new long[] { -1, -2 }, ttl.Skip(2));
                Assert.InRange(c.HPTtl(k, "a")[0], 150_000, 200_000);
                DateTimeOffset at = DateTimeOffset.UtcNow.AddHours(1);
                Assert.Equal(new long[] { 1 }, c.HExpireAt(k, at, new[] { "c" }));
                Assert.Equal(at.ToUnixTimeSeconds(), c.HExpireTime(k, "c")[0]);
                Assert.Equal(new long[] { 1 }, c.HPExpireAt(k, at, new[] { "c" }, lt: false));
                Assert.Equal(at.ToUnixTimeMilliseconds(), c.HPExpireTime(k, "c")[0]);
                Assert.Equal(new long[] { 1, -2 }, c.HPersist(k, "c", "nope"));
                Assert.Equal(new long[] { -1 }, c.HPersist(k, "c"));
                Assert.Equal(new long[] { 2 }, c.HExpireAt(k, DateTimeOffset.UtcNow.AddDays(-1), new[] { "b" })); // past: deleted
                Assert.False(c.HExists(k, "b"));
                Assert.Equal(new long[] { -2, -2 }, c.HTtl(_p + "nokey", "a", "b"));
            }
        }

        [RedisVersionFact("8.0")]
        public void HGetDelAndHGetExReadWhileDeletingOrExpiring()
        {
            foreach (int protocol in new[] { 2, 3 })
            {
                RedisClient c = Client(protocol);
                string k = _p + "hgetex" + protocol;
                c.HSet(k, new Dictionary<string, object> { ["a"] = "1", ["b"] = "2", ["c"] = "3" });
                Assert.Equal(new[] { "1", null }, c.HGetEx(k, new[] { "a", "nope" }, ex: TimeSpan.FromSeconds(100)));
                Assert.InRange(c.HTtl(k, "a")[0], 1, 100);
                Assert.Equal(new[] { "1" }, c.HGetEx(k, new[] { "a" }, persist: true));
                Assert.Equal(new long[] { -1 }, c.HTtl(k, "a"));
                c.HGetEx(k, new[] { "b" }, pxAt: DateTimeOffset.UtcNow.AddMinutes(5));
                Assert.InRange(c.HPTtl(k, "b")[0], 1, 300_000);
                Assert.Equal(new[] { "1", "2", null }, c.HGetDel(k, "a", "b", "nope"));
                Assert.False(c.HExists(k, "a"));
                Assert.Equal(new[] { "3" }, c.HGetDel(k, "c"));
                Assert.Equal(0, c.Exists(k)); // the key goes with its last field
            }
        }

        [RedisVersionFact("8.0")]
        public void HSetExSetsAllOrNoneWithTheirExpiry()
        {
            foreach (int protocol in new[] { 2, 3 })
            {
                RedisClient c = Client(protocol);
                string k = _p + "hsetex" + protocol;
                Assert.True(c.HSetEx(k, new Dictionary<string, object> { ["a"] = "1", ["b"] = 2 }, fnx: true, ex: TimeSpan.FromSeconds(100)));
                Assert.InRange(c.HTtl(k, "b")[0], 1, 100);
                Assert.False(c.HSetEx(k, new Dictionary<string, object> { ["a"] = "x", ["new"] = "y" }, fnx: true)); // a exists: none set
                Assert.False(c.HSetEx(k, new Dictionary<string, object> { ["a"] = "x", ["new"] = "y" }, fxx: true)); // new is missing
                Assert.Equal("1", c.HGet(k, "a"));
                Assert.True(c.HSetEx(k, new Dictionary<string, object> { ["a"] = "x" }, fxx: true, keepTtl: true));
                Assert.Equal("x", c.HGet(k, "a"));
                Assert.InRange(c.HTtl(k, "a")[0], 1, 100);
                Assert.True(c.HSetEx(k, new Dictionary<string, object> { ["a"] = "y" }));
                Assert.Equal(new long[] { -1 }, c.HTtl(k, "a")); // no expiry option: the field's expiry is cleared
            }
        }
    }
}
