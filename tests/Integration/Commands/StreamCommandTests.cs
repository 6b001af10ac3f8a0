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
    /// <summary>The stream family against the shared server (every key under a per-test prefix), in RESP2 and RESP3.</summary>
    [Collection("redis")]
    public sealed class StreamCommandTests : IDisposable
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly string _p = "it:xs:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public StreamCommandTests(RedisFixture fixture)
        {
            _url = fixture.Url;
            _client = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose() => _client.Dispose();

        private RedisClient Client(int protocol) => RedisClient.FromUrl(_url, o => o.Protocol = protocol);

        private static Dictionary<string, object> F(params object[] pairs)
        {
            var d = new Dictionary<string, object>();
            for (int i = 0; i < pairs.Length; i += 2) d[(string)pairs[i]] = pairs[i + 1];
            return d;
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void XAddXRangeXRevRangeXLen(int protocol)
        {
            using RedisClient c = Client(protocol);
            string k = _p + "s";
            string? id1 = c.XAdd(k, F("name", "ада", "n", 1));
            string? id2 = c.XAdd(k, F("name", "b", "n", 2.5));
            string? id3 = c.XAdd(k, F("name", "c"), id: "99999999999999-5");
            Assert.NotNull(id1);
            Assert.Matches(@"^\d+-\d+$", id1!);
            Assert.Equal("99999999999999-5", id3);
            Assert.Equal(3, c.XLen(k));

            IList<StreamEntry> all = c.XRange(k);
            Assert.Equal(new[] { id1, id2, id3 }, all.Select(e => e.Id));
            Assert.Equal("ада", all[0].Fields["name"]);
            Assert.Equal("1", all[0].Fields["n"]);
            Assert.Equal("2.5", all[1].Fields["n"]);
            Assert.Equal(new[] { "name", "n" }, all[0].Fields.Keys);

            Assert.Equal(new[] { id1 }, c.XRange(k, count: 1).Select(e => e.Id));
            Assert.Equal(new[] { id2, id3 }, c.XRange(k, "(" + id1).Select(e => e.Id));
            Assert.Equal(new[] { id3, id2, id1 }, c.XRevRange(k).Select(e => e.Id));
            Assert.Equal(new[] { id3 }, c.XRevRange(k, count: 1).Select(e => e.Id));
            Assert.Equal(new[] { id2, id1 }, c.XRevRange(k, "(" + id3, "-").Select(e => e.Id));
            Assert.Empty(c.XRange(_p + "missing"));
            Assert.Equal(0, c.XLen(_p + "missing"));

            // An id not above the last one is the server's error, not ours.
            var smaller = Assert.Throws<RedisResponseException>(() => c.XAdd(k, F("a", 1), id: "1-1"));
            Assert.Equal("ERR", smaller.ErrorCode);
        }

        [Fact]
        public void XAddOptionsTrimAndNoMkStream()
        {
            string k = _p + "t";
            for (int i = 0; i < 5; i++) _client.XAdd(k, F("i", i));
            _client.XAdd(k, F("i", 5), maxLen: 3, approximate: false);
            Assert.Equal(new[] { "3", "4", "5" }, _client.XRange(k).Select(e => e.Fields["i"]));

            Assert.Null(_client.XAdd(_p + "nostream", F("a", 1), noMkStream: true));
            Assert.Equal(0, _client.Exists(_p + "nostream"));
            Assert.NotNull(_client.XAdd(k, F("i", 6), noMkStream: true));

            IList<StreamEntry> entries = _client.XRange(k);
            _client.XAdd(k, F("i", 7), minId: entries[2].Id, approximate: false);
            Assert.Equal(new[] { "5", "6", "7" }, _client.XRange(k).Select(e => e.Fields["i"]));

            Assert.Throws<RedisDataException>(() => _client.XAdd(k, new Dictionary<string, object>()));
            Assert.Throws<RedisDataException>(() => _client.XAdd(k, F("a", 1), maxLen: 1, minId: "0-1"));
            Assert.Throws<RedisDataException>(() => _client.XAdd(k, F("a", 1), maxLen: 1, approximate: false, limit: 10));
            _client.Set(_p + "str", "x");
            Assert.Equal("WRONGTYPE", Assert.Throws<RedisResponseException>(() => _client.XAdd(_p + "str", F("a", 1))).ErrorCode);
            Assert.Equal("WRONGTYPE", Assert.Throws<RedisResponseException>(() => _client.XRange(_p + "str")).ErrorCode);
        }

        [Fact]
        public void XTrimAndXDel()
        {
            string k = _p + "trim";
            var ids = new List<string>();
            for (int i = 0; i < 10; i++) ids.Add(_client.XAdd(k, F("i", i))!);
            Assert.Equal(4, _client.XTrim(k, maxLen: 6, approximate: false));
            Assert.Equal(6, _client.XLen(k));
            Assert.Equal(2, _client.XTrim(k, minId: ids[6], approximate: false));
            Assert.Equal(ids.Skip(6), _client.XRange(k).Select(e => e.Id));
            // Approximate trimming works on whole nodes (100 entries by default): a small stream stays as it is.
            Assert.Equal(0, _client.XTrim(k, maxLen: 1));
            Assert.Equal(4, _client.XLen(k));

            Assert.Equal(2, _client.XDel(k, ids[6], ids[7], "1-999"));
            Assert.Equal(new[] { ids[8], ids[9] }, _client.XRange(k).Select(e => e.Id));
            Assert.Equal(0, _client.XDel(_p + "missing", "1-1"));
            Assert.Throws<RedisDataException>(() => _client.XTrim(k));
            Assert.Throws<RedisDataException>(() => _client.XDel(k));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void XReadReturnsEntriesPerStream(int protocol)
        {
            using RedisClient c = Client(protocol);
            string a = _p + "ra", b = _p + "rb";
            string idA1 = c.XAdd(a, F("f", "a1"))!;
            string idA2 = c.XAdd(a, F("f", "a2"))!;
            string idB1 = c.XAdd(b, F("f", "b1"))!;

            IDictionary<string, IList<StreamEntry>> result = c.XRead(new Dictionary<string, string> { [a] = "0", [b] = "0" });
            Assert.Equal(2, result.Count);
            Assert.Equal(new[] { idA1, idA2 }, result[a].Select(e => e.Id));
            Assert.Equal("b1", result[b].Single().Fields["f"]);

            result = c.XRead(new Dictionary<string, string> { [a] = idA1, [b] = idB1 }, count: 5);
            Assert.Equal(new[] { a }, result.Keys);
            Assert.Equal("a2", result[a].Single().Fields["f"]);

            result = c.XRead(new Dictionary<string, string> { [a] = "0" }, count: 1);
            Assert.Equal(new[] { idA1 }, result[a].Select(e => e.Id));

            Assert.Empty(c.XRead(new Dictionary<string, string> { [a] = idA2 }));
            Assert.Throws<RedisDataException>(() => c.XRead(new Dictionary<string, string>()));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void XReadBlockTimesOutEmpty(int protocol)
        {
            using RedisClient c = RedisClient.FromUrl(_url, o => { o.Protocol = protocol; o.SocketTimeout = TimeSpan.FromSeconds(2); });
            string k = _p + "block";
            var clock = Stopwatch.StartNew();
            // Blocking longer than the socket timeout works because blockFor extends the read.
            IDictionary<string, IList<StreamEntry>> result = c.XRead(new Dictionary<string, string> { [k] = "$" }, block: TimeSpan.FromMilliseconds(2500));
            Assert.Empty(result);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), "XREAD BLOCK returned after " + clock.Elapsed);
            Assert.True(c.Ping());
        }

        [Fact]
        public void XReadBlockIsServedByXAddFromAnotherThread()
        {
            string k = _p + "served";
            _client.XAdd(k, F("old", 1));
            using RedisClient writer = RedisClient.FromUrl(_url);
            string? added = null;
            var add = new Thread(() =>
            {
                Thread.Sleep(300);
                added = writer.XAdd(k, F("new", "yes"));
            });
            add.Start();
            IDictionary<string, IList<StreamEntry>> result = _client.XRead(new Dictionary<string, string> { [k] = "$" }, block: TimeSpan.FromSeconds(20));
            Assert.True(add.Join(TimeSpan.FromSeconds(20)));
            StreamEntry entry = Assert.Single(result[k]);
            Assert.Equal(added, entry.Id);
            Assert.Equal("yes", entry.Fields["new"]);
        }

        [Fact]
        public void XReadGroupBlockTimesOutAndIsServed()
        {
            string k = _p + "gblock";
            Assert.True(_client.XGroupCreate(k, "g", "$", mkStream: true));
            var streams = new Dictionary<string, string> { [k] = ">" };
            Assert.Empty(_client.XReadGroup("g", "c1", streams, block: TimeSpan.FromMilliseconds(300)));

            using RedisClient writer = RedisClient.FromUrl(_url);
            string? added = null;
            var add = new Thread(() =>
            {
                Thread.Sleep(300);
                added = writer.XAdd(k, F("job", "1"));
            });
            add.Start();
            IDictionary<string, IList<StreamEntry>> got = _client.XReadGroup("g", "c1", streams, count: 1, block: TimeSpan.FromSeconds(20));
            Assert.True(add.Join(TimeSpan.FromSeconds(20)));
            Assert.Equal(added, Assert.Single(got[k]).Id);
            Assert.Equal(1, _client.XPending(k, "g").Pending);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void PendingAndClaimsBetweenTwoConsumers(int protocol)
        {
            using RedisClient c = Client(protocol);
            string k = _p + "pel" + protocol;
            string id1 = c.XAdd(k, F("n", 1))!, id2 = c.XAdd(k, F("n", 2))!, id3 = c.XAdd(k, F("n", 3))!;
            Assert.True(c.XGroupCreate(k, "g", "0"));
            Assert.Equal("BUSYGROUP", Assert.Throws<RedisResponseException>(() => c.XGroupCreate(k, "g", "0")).ErrorCode);

            var newOnes = new Dictionary<string, string> { [k] = ">" };
            Assert.Equal(new[] { id1, id2 }, c.XReadGroup("g", "alice", newOnes, count: 2)[k].Select(e => e.Id));
            Assert.Equal(new[] { id3 }, c.XReadGroup("g", "bob", newOnes)[k].Select(e => e.Id));
            Assert.Empty(c.XReadGroup("g", "bob", newOnes));

            StreamPendingSummary summary = c.XPending(k, "g");
            Assert.Equal(3, summary.Pending);
            Assert.Equal(id1, summary.Min);
            Assert.Equal(id3, summary.Max);
            Assert.Equal(new[] { ("alice", 2L), ("bob", 1L) }, summary.Consumers.Select(x => (x.Name, x.Pending)).OrderBy(x => x.Name));

            IList<StreamPendingMessage> pending = c.XPendingRange(k, "g", "-", "+", 10);
            Assert.Equal(new[] { id1, id2, id3 }, pending.Select(m => m.MessageId));
            Assert.Equal(new[] { "alice", "alice", "bob" }, pending.Select(m => m.Consumer));
            Assert.All(pending, m => Assert.Equal(1, m.TimesDelivered));
            Assert.All(pending, m => Assert.InRange(m.TimeSinceDelivered, TimeSpan.Zero, TimeSpan.FromMinutes(1)));
            Assert.Equal(new[] { id3 }, c.XPendingRange(k, "g", "-", "+", 10, consumerName: "bob").Select(m => m.MessageId));
            Assert.Single(c.XPendingRange(k, "g", "-", "+", 1));
            Assert.Empty(c.XPendingRange(k, "g", "-", "+", 10, idle: TimeSpan.FromHours(1)));

            // bob takes id1 from alice; a min idle time nobody has reached claims nothing.
            Assert.Empty(c.XClaim(k, "g", "bob", TimeSpan.FromHours(1), new[] { id1 }));
            StreamEntry claimed = Assert.Single(c.XClaim(k, "g", "bob", TimeSpan.Zero, new[] { id1 }));
            Assert.Equal(id1, claimed.Id);
            Assert.Equal("1", claimed.Fields["n"]);
            StreamPendingMessage afterClaim = c.XPendingRange(k, "g", id1, id1, 1).Single();
            Assert.Equal("bob", afterClaim.Consumer);
            Assert.Equal(2, afterClaim.TimesDelivered);

            // JUSTID with IDLE and RETRYCOUNT: ids only, counter set as given.
            Assert.Equal(new[] { id2 }, c.XClaimJustId(k, "g", "bob", TimeSpan.Zero, new[] { id2 }, idle: TimeSpan.FromSeconds(30), retryCount: 7));
            StreamPendingMessage m2 = c.XPendingRange(k, "g", id2, id2, 1).Single();
            Assert.Equal(7, m2.TimesDelivered);
            Assert.True(m2.TimeSinceDelivered >= TimeSpan.FromSeconds(29), "idle " + m2.TimeSinceDelivered);
            Assert.Equal(new[] { id2 }, c.XPendingRange(k, "g", "-", "+", 10, idle: TimeSpan.FromSeconds(20)).Select(m => m.MessageId));

            // TIME sets the last delivery to an instant.
            c.XClaimJustId(k, "g", "alice", TimeSpan.Zero, new[] { id3 }, time: DateTimeOffset.UtcNow.AddMinutes(-10));
            StreamPendingMessage m3 = c.XPendingRange(k, "g", id3, id3, 1).Single();
            Assert.Equal("alice", m3.Consumer);
            Assert.InRange(m3.TimeSinceDelivered, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(11));

            // Acknowledged messages are not pending: claiming needs FORCE.
            Assert.Equal(1, c.XAck(k, "g", id3));
            Assert.Equal(0, c.XAck(k, "g", id3));
            Assert.Empty(c.XClaimJustId(k, "g", "alice", TimeSpan.Zero, new[] { id3 }));
            Assert.Equal(new[] { id3 }, c.XClaimJustId(k, "g", "alice", TimeSpan.Zero, new[] { id3 }, force: true));

            IList<StreamConsumerInfo> consumers = c.XInfoConsumers(k, "g");
            Assert.Equal(new[] { ("alice", 1L), ("bob", 2L) }, consumers.Select(x => (x.Name, x.Pending)).OrderBy(x => x.Name));
            Assert.All(consumers, x => Assert.InRange(x.Idle, TimeSpan.Zero, TimeSpan.FromMinutes(1)));

            Assert.Equal(2, c.XGroupDelConsumer(k, "g", "bob"));
            Assert.Equal(1, c.XPending(k, "g").Pending);
            Assert.Throws<RedisDataException>(() => c.XClaim(k, "g", "x", TimeSpan.Zero, Array.Empty<string>()));
            Assert.Throws<RedisDataException>(() => c.XClaim(k, "g", "x", TimeSpan.Zero, new[] { id1 }, idle: TimeSpan.Zero, time: DateTimeOffset.UtcNow));
            Assert.Throws<RedisDataException>(() => c.XAck(k, "g"));
        }

        [Fact]
        public void EmptyPendingSummaryAndDeletedPendingEntry()
        {
            string k = _p + "empty";
            Assert.True(_client.XGroupCreate(k, "g", "$", mkStream: true));
            StreamPendingSummary summary = _client.XPending(k, "g");
            Assert.Equal(0, summary.Pending);
            Assert.Null(summary.Min);
            Assert.Null(summary.Max);
            Assert.Empty(summary.Consumers);
            Assert.Empty(_client.XPendingRange(k, "g", "-", "+", 10));

            string id = _client.XAdd(k, F("a", 1))!;
            _client.XReadGroup("g", "c", new Dictionary<string, string> { [k] = ">" });
            _client.XDel(k, id);
            // Re-reading this consumer's history shows a pending entry that was deleted: the id with no fields.
            StreamEntry gone = Assert.Single(_client.XReadGroup("g", "c", new Dictionary<string, string> { [k] = "0" })[k]);
            Assert.Equal(id, gone.Id);
            Assert.Empty(gone.Fields);
        }

        [Fact]
        public void GroupLifecycleSetIdAndNoAck()
        {
            string k = _p + "grp";
            Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => _client.XGroupCreate(k, "g")).ErrorCode);
            string id1 = _client.XAdd(k, F("a", 1))!;
            string id2 = _client.XAdd(k, F("a", 2))!;
            Assert.True(_client.XGroupCreate(k, "g"));
            var newOnes = new Dictionary<string, string> { [k] = ">" };
            Assert.Empty(_client.XReadGroup("g", "c", newOnes)); // "$": only entries added later

            Assert.True(_client.XGroupSetId(k, "g", "0"));
            Assert.Equal(new[] { id1, id2 }, _client.XReadGroup("g", "c", newOnes, noAck: true)[k].Select(e => e.Id));
            Assert.Equal(0, _client.XPending(k, "g").Pending);

            Assert.True(_client.XGroupSetId(k, "g", id1, entriesRead: 1));
            StreamGroupInfo group = Assert.Single(_client.XInfoGroups(k));
            Assert.Equal("g", group.Name);
            Assert.Equal(id1, group.LastDeliveredId);
            Assert.Equal(1, group.Consumers);
            Assert.Equal(0, group.Pending);
            Assert.Equal(1, group.EntriesRead);
            Assert.Equal(1, group.Lag);

            Assert.True(_client.XGroupDestroy(k, "g"));
            Assert.False(_client.XGroupDestroy(k, "g"));
            Assert.Empty(_client.XInfoGroups(k));
            Assert.True(_client.XGroupCreate(k, "g2", "0", entriesRead: 0));
            Assert.Equal(0, _client.XGroupDelConsumer(k, "g2", "nobody"));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void XInfoStreamGroupsConsumers(int protocol)
        {
            using RedisClient c = Client(protocol);
            string k = _p + "info" + protocol;
            string id1 = c.XAdd(k, F("a", "1", "b", "x"))!;
            string id2 = c.XAdd(k, F("a", "2"))!;
            c.XGroupCreate(k, "g", "0");
            c.XReadGroup("g", "c", new Dictionary<string, string> { [k] = ">" }, count: 1);

            StreamInfo info = c.XInfoStream(k);
            Assert.Equal(2, info.Length);
            Assert.Equal(1, info.Groups);
            Assert.Equal(id2, info.LastGeneratedId);
            Assert.Equal(id1, info.FirstEntry!.Id);
            Assert.Equal("x", info.FirstEntry.Fields["b"]);
            Assert.Equal(id2, info.LastEntry!.Id);
            Assert.True(info.RadixTreeKeys >= 1);
            Assert.True(info.RadixTreeNodes >= 1);
            Assert.Equal(2, info.EntriesAdded);
            Assert.Equal(id1, info.RecordedFirstEntryId);
            Assert.Equal("0-0", info.MaxDeletedEntryId);
            Assert.Equal(2L, info.Raw["length"]);

            StreamGroupInfo group = Assert.Single(c.XInfoGroups(k));
            Assert.Equal(("g", 1L, 1L, id1), (group.Name, group.Consumers, group.Pending, group.LastDeliveredId));
            Assert.Equal(1, group.Lag);
            StreamConsumerInfo consumer = Assert.Single(c.XInfoConsumers(k, "g"));
            Assert.Equal(("c", 1L), (consumer.Name, consumer.Pending));

            c.XTrim(k, maxLen: 0, approximate: false);
            StreamInfo empty = c.XInfoStream(k);
            Assert.Equal(0, empty.Length);
            Assert.Null(empty.FirstEntry);
            Assert.Null(empty.LastEntry);

            Assert.Throws<RedisResponseException>(() => c.XInfoStream(_p + "missing"));
            Assert.Throws<RedisResponseException>(() => c.XInfoConsumers(k, "nogroup"));
        }
    }
}
