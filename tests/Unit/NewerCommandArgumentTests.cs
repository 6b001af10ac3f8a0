using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using Xunit;

namespace PSRedis.Tests.Unit
{
    /// <summary>
    /// The Redis 6.2/7.0 commands beyond the redis-py reference: the arguments each option becomes (in the order the
    /// server wants), where the cluster client finds their keys, and their replies parsed in the RESP2 and RESP3 shapes.
    /// </summary>
    public sealed class NewerCommandArgumentTests
    {
        /// <summary>Records each command instead of sending it, and answers with a scripted reply.</summary>
        private sealed class Recorder : RedisCommands
        {
            public List<IReadOnlyList<object?>> Sent { get; } = new List<IReadOnlyList<object?>>();
            public TimeSpan? LastBlockFor { get; private set; }
            /// <summary>The reply to parse; null: none, the method returns its type's default (as a pipeline's methods do).</summary>
            public RespValue? Reply { get; set; }

            internal override T Run<T>(IReadOnlyList<object?> args, Func<RespValue, T> parse, TimeSpan? blockFor = null)
            {
                Sent.Add(args.ToArray());
                LastBlockFor = blockFor;
                return Reply == null ? default! : parse(Reply);
            }

            internal override object? ConvertReply(string? command, RespValue reply) => reply.ToObject();

            /// <summary>The last command as words, numbers in invariant culture.</summary>
            public string Last => string.Join(" ", Sent[Sent.Count - 1].Select(a => a is byte[] b ? "<" + b.Length + " bytes>" : Convert.ToString(a, CultureInfo.InvariantCulture)));

            /// <summary>The positions of the last command's keys, as the cluster routing table sees them.</summary>
            public string KeyPositions => string.Join(" ", ClusterKeys.KeyIndexes(Sent[Sent.Count - 1]));
        }

        private static RespValue Bulk(string text) => RespValue.BulkString(text);
        private static RespValue Int(long n) => RespValue.Integer(n);
        private static RespValue Array(params RespValue[] items) => RespValue.Aggregate(RespType.Array, items);
        private static RespValue Map(params RespValue[] items) => RespValue.Aggregate(RespType.Map, items);

        [Fact]
        public void GetExTakesOneExpiryOption()
        {
            var r = new Recorder();
            r.GetEx("k");
            Assert.Equal("GETEX k", r.Last);
            r.GetEx("k", ex: TimeSpan.FromSeconds(5));
            Assert.Equal("GETEX k EX 5", r.Last);
            r.GetEx("k", px: TimeSpan.FromMilliseconds(1500));
            Assert.Equal("GETEX k PX 1500", r.Last);
            r.GetEx("k", exAt: DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
            Assert.Equal("GETEX k EXAT 1700000000", r.Last);
            r.GetEx("k", pxAt: DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123));
            Assert.Equal("GETEX k PXAT 1700000000123", r.Last);
            r.GetEx("k", persist: true);
            Assert.Equal("GETEX k PERSIST", r.Last);
            Assert.Equal("1", r.KeyPositions);
            Assert.Throws<RedisDataException>(() => r.GetEx("k", ex: TimeSpan.FromSeconds(1), px: TimeSpan.FromSeconds(1)));
            Assert.Throws<RedisDataException>(() => r.GetEx("k", ex: TimeSpan.FromMilliseconds(1500))); // whole seconds only
            Assert.Equal(6, r.Sent.Count); // nothing sent for the refused ones
        }

        [Fact]
        public void CopyAndExpireConditions()
        {
            var r = new Recorder();
            r.Copy("a", "b", destinationDb: 3, replace: true);
            Assert.Equal("COPY a b DB 3 REPLACE", r.Last);
            Assert.Equal("1 2", r.KeyPositions);
            r.Expire("k", TimeSpan.FromSeconds(10), xx: true, gt: true);
            Assert.Equal("EXPIRE k 10 XX GT", r.Last);
            r.PExpireAt("k", DateTimeOffset.FromUnixTimeMilliseconds(42), lt: true);
            Assert.Equal("PEXPIREAT k 42 LT", r.Last);
            r.ExpireAt("k", DateTimeOffset.FromUnixTimeSeconds(42), nx: true);
            Assert.Equal("EXPIREAT k 42 NX", r.Last);
            r.Expire("k", TimeSpan.FromSeconds(10));
            Assert.Equal("EXPIRE k 10", r.Last);
            Assert.Throws<RedisDataException>(() => r.PExpire("k", TimeSpan.FromSeconds(1), nx: true, xx: true));
            r.SortRo("k", start: 0, num: 2, by: "w_*", get: new[] { "#" }, desc: true, alpha: true);
            Assert.Equal("SORT_RO k BY w_* LIMIT 0 2 GET # DESC ALPHA", r.Last);
            Assert.Equal("1", r.KeyPositions);
        }

        [Fact]
        public void ListMovesPositionsAndMultiPops()
        {
            var r = new Recorder();
            r.LMove("a", "b");
            Assert.Equal("LMOVE a b LEFT RIGHT", r.Last);
            Assert.Equal("1 2", r.KeyPositions);
            r.BLMove("a", "b", TimeSpan.FromMilliseconds(1500), ListSide.Right, ListSide.Left);
            Assert.Equal("BLMOVE a b RIGHT LEFT 1.5", r.Last);
            Assert.Equal(TimeSpan.FromMilliseconds(1500), r.LastBlockFor);
            Assert.Equal("1 2", r.KeyPositions);
            r.LPos("k", "v", count: 0, rank: -2, maxLen: 100);
            Assert.Equal("LPOS k v RANK -2 COUNT 0 MAXLEN 100", r.Last);
            r.LMPop(new[] { "a", "b" }, ListSide.Right, count: 3);
            Assert.Equal("LMPOP 2 a b RIGHT COUNT 3", r.Last);
            Assert.Equal("2 3", r.KeyPositions);
            r.BLMPop(TimeSpan.FromSeconds(2), new[] { "a", "b" }, ListSide.Left);
            Assert.Equal("BLMPOP 2 2 a b LEFT", r.Last);
            Assert.Equal("3 4", r.KeyPositions);
            Assert.Throws<RedisDataException>(() => r.LMPop(new string[0], ListSide.Left));
            Assert.Throws<RedisDataException>(() => r.LMPop(new[] { "a" }, ListSide.Left, count: 0));

            r.Reply = Array(Bulk("b"), Array(Bulk("x"), Bulk("y")));
            ListMPopResult? popped = r.LMPop(new[] { "a", "b" }, ListSide.Left, 2);
            Assert.Equal("b", popped!.Key);
            Assert.Equal(new[] { "x", "y" }, popped.Elements);
            r.Reply = RespValue.Null;
            Assert.Null(r.LMPop(new[] { "a" }, ListSide.Left));
        }

        [Fact]
        public void ZRangeFormsAndStore()
        {
            var r = new Recorder();
            r.ZRange("k", "+inf", "(1", ZRangeBy.Score, desc: true, offset: 2, num: 3);
            Assert.Equal("ZRANGE k +inf (1 BYSCORE REV LIMIT 2 3", r.Last);
            r.ZRangeWithScores("k", "1", "2.5", ZRangeBy.Score);
            Assert.Equal("ZRANGE k 1 2.5 BYSCORE WITHSCORES", r.Last);
            r.ZRange("k", "[a", "-", ZRangeBy.Lex, desc: true);
            Assert.Equal("ZRANGE k [a - BYLEX REV", r.Last);
            r.ZRangeStore("dst", "src", "0", "-1");
            Assert.Equal("ZRANGESTORE dst src 0 -1", r.Last);
            Assert.Equal("1 2", r.KeyPositions);
            Assert.Throws<RedisDataException>(() => r.ZRange("k", "a", "b", ZRangeBy.Lex)); // lex bounds need [ ( - +
            Assert.Throws<RedisDataException>(() => r.ZRangeWithScores("k", "-", "+", ZRangeBy.Lex));
            Assert.Throws<RedisDataException>(() => r.ZRange("k", "0", "1", ZRangeBy.Score, offset: 1));
        }

        [Fact]
        public void SortedSetAlgebraCountsKeysAndPutsOptionsAfterThem()
        {
            var r = new Recorder();
            r.ZDiffWithScores("a", "b");
            Assert.Equal("ZDIFF 2 a b WITHSCORES", r.Last);
            Assert.Equal("2 3", r.KeyPositions);
            r.ZDiffStore("d", "a", "b");
            Assert.Equal("ZDIFFSTORE d 2 a b", r.Last);
            Assert.Equal("1 3 4", r.KeyPositions);
            r.ZInterWithScores(new[] { new KeyValuePair<string, double>("a", 2), new KeyValuePair<string, double>("b", 0.5) }, Aggregate.Max);
            Assert.Equal("ZINTER 2 a b WEIGHTS 2 0.5 AGGREGATE MAX WITHSCORES", r.Last);
            r.ZUnion(new[] { "a", "b", "c" }, Aggregate.Min);
            Assert.Equal("ZUNION 3 a b c AGGREGATE MIN", r.Last);
            Assert.Equal("2 3 4", r.KeyPositions);
            r.ZInterCard(new[] { "a", "b" }, limit: 5);
            Assert.Equal("ZINTERCARD 2 a b LIMIT 5", r.Last);
            Assert.Equal("2 3", r.KeyPositions);
            r.SInterCard(new[] { "a" });
            Assert.Equal("SINTERCARD 1 a", r.Last);
            Assert.Equal("2", r.KeyPositions);
            r.ZMPop(new[] { "a", "b" }, SortedSetPopOrder.Max, count: 2);
            Assert.Equal("ZMPOP 2 a b MAX COUNT 2", r.Last);
            r.BZMPop(null, new[] { "a" }, SortedSetPopOrder.Min);
            Assert.Equal("BZMPOP 0 1 a MIN", r.Last);
            Assert.Equal(System.Threading.Timeout.InfiniteTimeSpan, r.LastBlockFor);
            Assert.Equal("3", r.KeyPositions);
        }

        [Fact]
        public void GeoSearchOptionsInTheServersOrder()
        {
            var r = new Recorder();
            r.GeoSearch("k", fromMember: "m", width: 10, height: 20.5, unit: GeoUnit.Kilometers, sort: GeoSort.Descending, count: 3, any: true,
                withCoord: true, withDist: true, withHash: true);
            Assert.Equal("GEOSEARCH k FROMMEMBER m BYBOX 10 20.5 km DESC COUNT 3 ANY WITHCOORD WITHDIST WITHHASH", r.Last);
            r.GeoSearch("k", longitude: 1.5, latitude: -2, radius: 100);
            Assert.Equal("GEOSEARCH k FROMLONLAT 1.5 -2 BYRADIUS 100 m", r.Last);
            r.GeoSearchStore("d", "k", fromMember: "m", radius: 5, unit: GeoUnit.Miles, storeDist: true);
            Assert.Equal("GEOSEARCHSTORE d k FROMMEMBER m BYRADIUS 5 mi STOREDIST", r.Last);
            Assert.Equal("1 2", r.KeyPositions);
            Assert.Throws<RedisDataException>(() => r.GeoSearch("k", radius: 1)); // no centre
            Assert.Throws<RedisDataException>(() => r.GeoSearch("k", fromMember: "m")); // no shape
            Assert.Throws<RedisDataException>(() => r.GeoSearch("k", longitude: 1, radius: 1)); // half a point
            Assert.Throws<RedisDataException>(() => r.GeoSearch("k", fromMember: "m", width: 1, radius: 1));
            Assert.Throws<RedisDataException>(() => r.GeoSearch("k", fromMember: "m", radius: 1, any: true));
        }

        [Fact]
        public void XAutoClaimArgumentsAndBothReplyVersions()
        {
            var r = new Recorder();
            r.Reply = Array(Bulk("0-0"), Array(Bulk("1-0"), Bulk("2-0")), Array(Bulk("3-0")));
            StreamAutoClaimIdsResult ids = r.XAutoClaimJustId("s", "g", "c", TimeSpan.FromSeconds(1), "5-0", count: 10);
            Assert.Equal("XAUTOCLAIM s g c 1000 5-0 COUNT 10 JUSTID", r.Last);
            Assert.Equal("1", r.KeyPositions);
            Assert.Equal(new[] { "1-0", "2-0" }, ids.Ids);
            Assert.Equal(new[] { "3-0" }, ids.DeletedIds);

            // Redis 6.2 replies without the deleted ids.
            r.Reply = Array(Bulk("7-0"), Array(Array(Bulk("1-0"), Array(Bulk("f"), Bulk("v")))));
            StreamAutoClaimResult entries = r.XAutoClaim("s", "g", "c", TimeSpan.Zero);
            Assert.Equal("XAUTOCLAIM s g c 0 0-0", r.Last);
            Assert.Equal("7-0", entries.NextId);
            Assert.Equal("v", Assert.Single(entries.Entries).Fields["f"]);
            Assert.Empty(entries.DeletedIds);
        }

        [Fact]
        public void LcsIdxReadsTheMapOfEitherProtocol()
        {
            var r = new Recorder();
            RespValue matches = Array(
                Array(Array(Int(4), Int(7)), Array(Int(5), Int(8)), Int(4)),
                Array(Array(Int(2), Int(3)), Array(Int(0), Int(1)), Int(2)));
            foreach (RespValue reply in new[] { Array(Bulk("matches"), matches, Bulk("len"), Int(6)), Map(Bulk("matches"), matches, Bulk("len"), Int(6)) })
            {
                r.Reply = reply;
                LcsResult result = r.LcsIdx("a", "b", minMatchLen: 2, withMatchLen: true);
                Assert.Equal("LCS a b IDX MINMATCHLEN 2 WITHMATCHLEN", r.Last);
                Assert.Equal("1 2", r.KeyPositions);
                Assert.Equal(6, result.Length);
                Assert.Equal(2, result.Matches.Count);
                Assert.Equal((4L, 7L, 5L, 8L, (long?)4), (result.Matches[0].First.Start, result.Matches[0].First.End,
                    result.Matches[0].Second.Start, result.Matches[0].Second.End, result.Matches[0].Length));
            }
        }

        [Fact]
        public void PairRepliesOfEitherProtocol()
        {
            var r = new Recorder();
            r.Reply = Array(Bulk("f1"), Bulk("v1"), Bulk("f1"), Bulk("v1"));
            Assert.Equal(new[] { ("f1", "v1"), ("f1", "v1") }, r.HRandFieldWithValues("h", -2).Select(p => (p.Key, p.Value)));
            Assert.Equal("HRANDFIELD h -2 WITHVALUES", r.Last);
            r.Reply = Array(Array(Bulk("f1"), Bulk("v1")), Array(Bulk("f2"), Bulk("v2")));
            Assert.Equal(new[] { ("f1", "v1"), ("f2", "v2") }, r.HRandFieldWithValues("h", 2).Select(p => (p.Key, p.Value)));

            r.Reply = Array(Bulk("m"), Bulk("1.5"));
            Assert.Equal(new[] { new SortedSetEntry("m", 1.5) }, r.ZRandMemberWithScores("z", 1));
            r.Reply = Array(Array(Bulk("m"), RespValue.Double(1.5)));
            Assert.Equal(new[] { new SortedSetEntry("m", 1.5) }, r.ZRandMemberWithScores("z", 1));

            r.Reply = Array(Bulk("z"), Array(Array(Bulk("m"), Bulk("2"))));
            SortedSetMPopResult? resp2 = r.ZMPop(new[] { "z" }, SortedSetPopOrder.Min);
            r.Reply = Array(Bulk("z"), Array(Array(Bulk("m"), RespValue.Double(2))));
            SortedSetMPopResult? resp3 = r.ZMPop(new[] { "z" }, SortedSetPopOrder.Min);
            Assert.Equal(resp2!.Entries, resp3!.Entries);

            r.Reply = Array(Bulk("2.5"), RespValue.Null);
            Assert.Equal(new double?[] { 2.5, null }, r.ZMScore("z", "a", "b"));
            r.Reply = Array(RespValue.Double(2.5), RespValue.Null);
            Assert.Equal(new double?[] { 2.5, null }, r.ZMScore("z", "a", "b"));
        }

        [Fact]
        public void FunctionsAndReadOnlyScripts()
        {
            var r = new Recorder();
            r.FCall("f", new[] { "k1", "k2" }, new object[] { 1 });
            Assert.Equal("FCALL f 2 k1 k2 1", r.Last);
            Assert.Equal("3 4", r.KeyPositions);
            r.FCallRo("f");
            Assert.Equal("FCALL_RO f 0", r.Last);
            r.EvalRo("return 1", new[] { "k" });
            Assert.Equal("EVAL_RO return 1 1 k", r.Last);
            Assert.Equal("3", r.KeyPositions);
            r.EvalShaRo("abc", null, new object[] { "x" });
            Assert.Equal("EVALSHA_RO abc 0 x", r.Last);
            r.FunctionRestore(new byte[] { 1, 2, 3 }, FunctionRestorePolicy.Flush);
            Assert.Equal("FUNCTION RESTORE <3 bytes> FLUSH", r.Last);
            r.FunctionFlush(ScriptFlushMode.Async);
            Assert.Equal("FUNCTION FLUSH ASYNC", r.Last);
            r.FunctionLoad("#!lua name=lib\n", replace: true);
            Assert.Equal("FUNCTION LOAD REPLACE #!lua name=lib\n", r.Last);
            r.FunctionList("li*", withCode: true);
            Assert.Equal("FUNCTION LIST LIBRARYNAME li* WITHCODE", r.Last);
        }

        [Fact]
        public void LatencyRepliesBecomeTypedEntries()
        {
            var r = new Recorder();
            r.Reply = Array(Array(Bulk("command"), Int(1_700_000_000), Int(250), Int(1000)));
            LatencyLatestEntry latest = Assert.Single(r.LatencyLatest());
            Assert.Equal(("command", 250L, 1000L), (latest.Event, latest.LatestMilliseconds, latest.MaxMilliseconds));
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), latest.Time);
            r.Reply = Array(Array(Int(1_700_000_000), Int(12)), Array(Int(1_700_000_005), Int(30)));
            Assert.Equal(new long[] { 12, 30 }, r.LatencyHistory("command").Select(s => s.Milliseconds));
            Assert.Equal("LATENCY HISTORY command", r.Last);
        }

        // ---- Redis 7.2 ----

        [Fact]
        public void WaitAofNoTouchAndSetInfo()
        {
            var r = new Recorder();
            r.Reply = Array(Int(1), Int(2));
            WaitAofResult waited = r.WaitAof(1, 2, TimeSpan.FromMilliseconds(1500));
            Assert.Equal("WAITAOF 1 2 1500", r.Last);
            Assert.Equal(TimeSpan.FromMilliseconds(1500), r.LastBlockFor);
            Assert.Equal((1L, 2L), (waited.Local, waited.Replicas));
            r.WaitAof(0, 1, TimeSpan.Zero);
            Assert.Equal("WAITAOF 0 1 0", r.Last);
            Assert.Equal(System.Threading.Timeout.InfiniteTimeSpan, r.LastBlockFor);
            Assert.Equal("", r.KeyPositions);
            Assert.Equal(ClusterRouteKind.AllPrimaries, ClusterKeys.Route(r.Sent[r.Sent.Count - 1]).Kind);
            Assert.Throws<RedisDataException>(() => r.WaitAof(2, 0, TimeSpan.Zero));
            Assert.Throws<RedisDataException>(() => r.WaitAof(1, -1, TimeSpan.Zero));
            r.Reply = Int(1);
            Assert.Throws<RedisInvalidResponseException>(() => r.WaitAof(1, 0, TimeSpan.Zero));

            r.Reply = RespValue.SimpleString("OK");
            Assert.True(r.ClientNoTouch(true));
            Assert.Equal("CLIENT NO-TOUCH ON", r.Last);
            r.ClientNoTouch(false);
            Assert.Equal("CLIENT NO-TOUCH OFF", r.Last);
            Assert.Equal(ClusterRouteKind.AnyPrimary, ClusterKeys.Route(r.Sent[r.Sent.Count - 1]).Kind);
            Assert.True(r.ClientSetInfo("lib-name", "mylib"));
            Assert.Equal("CLIENT SETINFO LIB-NAME mylib", r.Last);
            r.ClientSetInfo("LIB-VER", "1.2.3");
            Assert.Equal("CLIENT SETINFO LIB-VER 1.2.3", r.Last);
            Assert.Equal("", r.KeyPositions);
            Assert.Throws<RedisDataException>(() => r.ClientSetInfo("NAME", "x"));
        }

        [Fact]
        public void ZRankWithScoreInEitherProtocol()
        {
            var r = new Recorder();
            r.Reply = Array(Int(2), Bulk("1.5"));
            SortedSetRank? resp2 = r.ZRankWithScore("z", "m");
            Assert.Equal("ZRANK z m WITHSCORE", r.Last);
            Assert.Equal("1", r.KeyPositions);
            r.Reply = Array(Int(2), RespValue.Double(1.5));
            SortedSetRank? resp3 = r.ZRevRankWithScore("z", "m");
            Assert.Equal("ZREVRANK z m WITHSCORE", r.Last);
            Assert.Equal("1", r.KeyPositions);
            Assert.Equal((2L, 1.5), (resp2!.Rank, resp2.Score));
            Assert.Equal((2L, 1.5), (resp3!.Rank, resp3.Score));
            r.Reply = Array(Int(0), Bulk("-inf"));
            Assert.Equal(double.NegativeInfinity, r.ZRankWithScore("z", "m")!.Score);
            r.Reply = RespValue.Null;
            Assert.Null(r.ZRankWithScore("z", "gone"));
            Assert.Null(r.ZRevRankWithScore("z", "gone"));
        }

        // ---- Redis 7.4: hash-field expiry ----

        [Fact]
        public void HashFieldExpiryCountsFieldsAndTakesOneCondition()
        {
            var r = new Recorder();
            r.HExpire("h", TimeSpan.FromSeconds(10), new[] { "a", "b" });
            Assert.Equal("HEXPIRE h 10 FIELDS 2 a b", r.Last);
            Assert.Equal("1", r.KeyPositions);
            r.HExpire("h", TimeSpan.FromSeconds(10), new[] { "a" }, nx: true);
            Assert.Equal("HEXPIRE h 10 NX FIELDS 1 a", r.Last);
            r.HPExpire("h", TimeSpan.FromMilliseconds(1500), new[] { "a" }, xx: true);
            Assert.Equal("HPEXPIRE h 1500 XX FIELDS 1 a", r.Last);
            r.HExpireAt("h", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), new[] { "a", "b", "c" }, gt: true);
            Assert.Equal("HEXPIREAT h 1700000000 GT FIELDS 3 a b c", r.Last);
            r.HPExpireAt("h", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), new[] { "a" }, lt: true);
            Assert.Equal("HPEXPIREAT h 1700000000123 LT FIELDS 1 a", r.Last);
            Assert.Equal("1", r.KeyPositions);
            int sent = r.Sent.Count;
            Assert.Throws<RedisDataException>(() => r.HExpire("h", TimeSpan.FromSeconds(1), new[] { "a" }, xx: true, gt: true)); // 7.4 takes one
            Assert.Throws<RedisDataException>(() => r.HExpire("h", TimeSpan.FromSeconds(1), new string[0]));
            Assert.Throws<RedisDataException>(() => r.HExpire("h", TimeSpan.FromMilliseconds(1500), new[] { "a" })); // whole seconds
            Assert.Throws<RedisDataException>(() => r.HTtl("h", "a", null!));
            Assert.Throws<RedisDataException>(() => r.HPersist("h"));
            Assert.Equal(sent, r.Sent.Count);

            r.HTtl("h", "a", "b");
            Assert.Equal("HTTL h FIELDS 2 a b", r.Last);
            r.HPTtl("h", "a");
            Assert.Equal("HPTTL h FIELDS 1 a", r.Last);
            r.HExpireTime("h", "a");
            Assert.Equal("HEXPIRETIME h FIELDS 1 a", r.Last);
            r.HPExpireTime("h", "a");
            Assert.Equal("HPEXPIRETIME h FIELDS 1 a", r.Last);
            r.HPersist("h", "a", "b");
            Assert.Equal("HPERSIST h FIELDS 2 a b", r.Last);
            Assert.Equal("1", r.KeyPositions);
        }

        [Fact]
        public void HashFieldExpiryRepliesOneIntegerPerField()
        {
            var r = new Recorder();
            // RESP2 and RESP3 both send an array of integers; a missing key is -2 per field (null on early 7.4 builds).
            r.Reply = Array(Int(1), Int(0), Int(2), Int(-2));
            Assert.Equal(new long[] { 1, 0, 2, -2 }, r.HExpire("h", TimeSpan.FromSeconds(5), new[] { "a", "b", "c", "d" }));
            r.Reply = Array(Int(42), Int(-1), Int(-2));
            Assert.Equal(new long[] { 42, -1, -2 }, r.HTtl("h", "a", "b", "c"));
            r.Reply = Array(Int(1_700_000_000_123));
            Assert.Equal(new long[] { 1_700_000_000_123 }, r.HPExpireTime("h", "a"));
            r.Reply = Array(Int(1), Int(-1));
            Assert.Equal(new long[] { 1, -1 }, r.HPersist("h", "a", "b"));
            r.Reply = RespValue.Null;
            Assert.Empty(r.HTtl("h", "a"));
            r.Reply = Int(1);
            Assert.Throws<RedisInvalidResponseException>(() => r.HPTtl("h", "a"));
        }

        // ---- Redis 8.0 ----

        [Fact]
        public void HGetDelAndHGetExOptions()
        {
            var r = new Recorder();
            r.Reply = Array(Bulk("v1"), RespValue.Null);
            Assert.Equal(new[] { "v1", null }, r.HGetDel("h", "a", "b"));
            Assert.Equal("HGETDEL h FIELDS 2 a b", r.Last);
            Assert.Equal("1", r.KeyPositions);

            Assert.Equal(new[] { "v1", null }, r.HGetEx("h", new[] { "a", "b" }));
            Assert.Equal("HGETEX h FIELDS 2 a b", r.Last);
            r.HGetEx("h", new[] { "a" }, ex: TimeSpan.FromSeconds(5));
            Assert.Equal("HGETEX h EX 5 FIELDS 1 a", r.Last);
            r.HGetEx("h", new[] { "a" }, px: TimeSpan.FromMilliseconds(1500));
            Assert.Equal("HGETEX h PX 1500 FIELDS 1 a", r.Last);
            r.HGetEx("h", new[] { "a" }, exAt: DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
            Assert.Equal("HGETEX h EXAT 1700000000 FIELDS 1 a", r.Last);
            r.HGetEx("h", new[] { "a" }, pxAt: DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123));
            Assert.Equal("HGETEX h PXAT 1700000000123 FIELDS 1 a", r.Last);
            r.HGetEx("h", new[] { "a", "b" }, persist: true);
            Assert.Equal("HGETEX h PERSIST FIELDS 2 a b", r.Last);
            Assert.Equal("1", r.KeyPositions);
            int sent = r.Sent.Count;
            Assert.Throws<RedisDataException>(() => r.HGetEx("h", new[] { "a" }, ex: TimeSpan.FromSeconds(1), persist: true));
            Assert.Throws<RedisDataException>(() => r.HGetEx("h", new string[0]));
            Assert.Throws<RedisDataException>(() => r.HGetDel("h"));
            Assert.Equal(sent, r.Sent.Count);
        }

        [Fact]
        public void HSetExConditionsExpiryAndFields()
        {
            var r = new Recorder();
            var mapping = new System.Collections.Specialized.OrderedDictionary { ["a"] = "1", ["b"] = 2 };
            r.Reply = Int(1);
            Assert.True(r.HSetEx("h", mapping));
            Assert.Equal("HSETEX h FIELDS 2 a 1 b 2", r.Last);
            Assert.Equal("1", r.KeyPositions);
            r.Reply = Int(0);
            Assert.False(r.HSetEx("h", mapping, fnx: true, ex: TimeSpan.FromSeconds(10)));
            Assert.Equal("HSETEX h FNX EX 10 FIELDS 2 a 1 b 2", r.Last);
            r.HSetEx("h", mapping, fxx: true, px: TimeSpan.FromMilliseconds(250));
            Assert.Equal("HSETEX h FXX PX 250 FIELDS 2 a 1 b 2", r.Last);
            r.HSetEx("h", mapping, exAt: DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
            Assert.Equal("HSETEX h EXAT 1700000000 FIELDS 2 a 1 b 2", r.Last);
            r.HSetEx("h", mapping, pxAt: DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123));
            Assert.Equal("HSETEX h PXAT 1700000000123 FIELDS 2 a 1 b 2", r.Last);
            r.HSetEx("h", mapping, fxx: true, keepTtl: true);
            Assert.Equal("HSETEX h FXX KEEPTTL FIELDS 2 a 1 b 2", r.Last);
            Assert.Equal("1", r.KeyPositions);
            int sent = r.Sent.Count;
            Assert.Throws<RedisDataException>(() => r.HSetEx("h", mapping, fnx: true, fxx: true));
            Assert.Throws<RedisDataException>(() => r.HSetEx("h", mapping, ex: TimeSpan.FromSeconds(1), keepTtl: true));
            Assert.Throws<RedisDataException>(() => r.HSetEx("h", new Dictionary<string, object>()));
            Assert.Throws<RedisDataException>(() => r.HSetEx("h", new Dictionary<string, object?> { ["a"] = null }));
            Assert.Equal(sent, r.Sent.Count);
        }
    }
}
