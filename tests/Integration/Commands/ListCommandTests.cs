using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>List commands, including blocking pops and their interplay with socket timeouts and pools.</summary>
    [Collection("redis")]
    public sealed class ListCommandTests : IDisposable
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly string _p = "it:list:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public ListCommandTests(RedisFixture fixture)
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
        public void PushRangeLengthAndIndex(int protocol)
        {
            using RedisClient c = Client(protocol);
            string k = _p + "basic" + protocol;
            Assert.Equal(0, c.LLen(k));
            Assert.Empty(c.LRange(k, 0, -1));
            Assert.Equal(3, c.RPush(k, "b", "c", 42));
            Assert.Equal(5, c.LPush(k, "a", "ключ"));
            Assert.Equal(new[] { "ключ", "a", "b", "c", "42" }, c.LRange(k, 0, -1));
            Assert.Equal(new[] { "a", "b" }, c.LRange(k, 1, 2));
            Assert.Equal(new[] { "c", "42" }, c.LRange(k, -2, -1));
            Assert.Empty(c.LRange(k, 10, 20));
            Assert.Equal(5, c.LLen(k));
            Assert.Equal("ключ", c.LIndex(k, 0));
            Assert.Equal("42", c.LIndex(k, -1));
            Assert.Null(c.LIndex(k, 99));
            Assert.Null(c.LIndex(_p + "missing", 0));
        }

        [Fact]
        public void PushXOnlyPushesOntoExistingLists()
        {
            string k = _p + "px";
            Assert.Equal(0, _client.LPushX(k, "a"));
            Assert.Equal(0, _client.RPushX(k, "a", "b"));
            Assert.Equal(0, _client.Exists(k));
            _client.RPush(k, "m");
            Assert.Equal(3, _client.LPushX(k, "l2", "l1"));
            Assert.Equal(5, _client.RPushX(k, "r1", "r2"));
            Assert.Equal(new[] { "l1", "l2", "m", "r1", "r2" }, _client.LRange(k, 0, -1));
            Assert.Throws<RedisDataException>(() => _client.LPush(k));
            Assert.Throws<RedisDataException>(() => _client.RPushX(k));
        }

        [Fact]
        public void BinaryValuesArePushedUnchanged()
        {
            string k = _p + "bin";
            byte[] value = { 0, 13, 10, 255 };
            _client.RPush(k, value);
            using RedisClient raw = RedisClient.FromUrl(_url);
            raw.DecodeResponses = false;
            Assert.Equal(value, (byte[])raw.ExecuteCommand("LINDEX", k, 0)!);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void PopsWithAndWithoutCount(int protocol)
        {
            using RedisClient c = Client(protocol);
            string k = _p + "pop" + protocol;
            c.RPush(k, "1", "2", "3", "4", "5", "6");
            Assert.Equal("1", c.LPop(k));
            Assert.Equal("6", c.RPop(k));
            Assert.Equal(new[] { "2", "3" }, c.LPop(k, 2));
            Assert.Equal(new[] { "5", "4" }, c.RPop(k, 5)); // more than there are: all of them, last first
            Assert.Equal(0, c.Exists(k));
            Assert.Null(c.LPop(k));
            Assert.Null(c.RPop(k));
            Assert.Empty(c.LPop(k, 3));
            Assert.Empty(c.RPop(k, 3));
            Assert.Throws<RedisDataException>(() => c.LPop(k, -1));
            Assert.Throws<RedisDataException>(() => c.RPop(k, -1));
        }

        [Fact]
        public void InsertBeforeAndAfterThePivot()
        {
            string k = _p + "ins";
            Assert.Equal(0, _client.LInsert(k, InsertPosition.Before, "x", "y"));
            _client.RPush(k, "a", "c", "a");
            Assert.Equal(4, _client.LInsert(k, InsertPosition.After, "a", "b"));
            Assert.Equal(5, _client.LInsert(k, InsertPosition.Before, "c", "b2"));
            Assert.Equal(-1, _client.LInsert(k, InsertPosition.Before, "zz", "q"));
            Assert.Equal(new[] { "a", "b", "b2", "c", "a" }, _client.LRange(k, 0, -1));
            Assert.Throws<RedisDataException>(() => _client.LInsert(k, (InsertPosition)7, "a", "q"));
        }

        [Fact]
        public void RemSetAndTrim()
        {
            string k = _p + "rst";
            _client.RPush(k, "x", "a", "x", "b", "x", "c", "x");
            Assert.Equal(2, _client.LRem(k, 2, "x"));
            Assert.Equal(new[] { "a", "b", "x", "c", "x" }, _client.LRange(k, 0, -1));
            Assert.Equal(1, _client.LRem(k, -1, "x"));
            Assert.Equal(new[] { "a", "b", "x", "c" }, _client.LRange(k, 0, -1));
            Assert.Equal(1, _client.LRem(k, 0, "x"));
            Assert.Equal(0, _client.LRem(k, 0, "nope"));

            Assert.True(_client.LSet(k, -1, "C"));
            Assert.True(_client.LSet(k, 0, 1.5));
            Assert.Equal(new[] { "1.5", "b", "C" }, _client.LRange(k, 0, -1));
            var range = Assert.Throws<RedisResponseException>(() => _client.LSet(k, 10, "v"));
            Assert.Contains("out of range", range.Message);
            var noKey = Assert.Throws<RedisResponseException>(() => _client.LSet(_p + "missing", 0, "v"));
            Assert.Contains("no such key", noKey.Message);

            Assert.True(_client.LTrim(k, 1, -1));
            Assert.Equal(new[] { "b", "C" }, _client.LRange(k, 0, -1));
            Assert.True(_client.LTrim(k, 5, 10));
            Assert.Equal(0, _client.Exists(k));
            Assert.True(_client.LTrim(_p + "missing", 0, 1));
        }

        [Fact]
        public void RPopLPushMovesBetweenLists()
        {
            string src = _p + "src", dst = _p + "dst";
            Assert.Null(_client.RPopLPush(src, dst));
            _client.RPush(src, "1", "2", "3");
            _client.RPush(dst, "x");
            Assert.Equal("3", _client.RPopLPush(src, dst));
            Assert.Equal(new[] { "3", "x" }, _client.LRange(dst, 0, -1));
            Assert.Equal("2", _client.RPopLPush(src, src)); // rotation
            Assert.Equal(new[] { "2", "1" }, _client.LRange(src, 0, -1));
        }

        [Fact]
        public void WrongTypeIsReportedAsWrongType()
        {
            string k = _p + "str";
            _client.Set(k, "v");
            foreach (Action call in new Action[]
            {
                () => _client.LPush(k, "a"), () => _client.RPush(k, "a"), () => _client.LLen(k), () => _client.LRange(k, 0, -1),
                () => _client.LPop(k), () => _client.RPop(k, 2), () => _client.LIndex(k, 0), () => _client.BLPop(k, TimeSpan.FromSeconds(1)),
                () => _client.BRPopLPush(k, _p + "d", TimeSpan.FromSeconds(1)), () => _client.LRem(k, 0, "a"),
            })
            {
                var error = Assert.Throws<RedisResponseException>(call);
                Assert.Equal("WRONGTYPE", error.ErrorCode);
            }
            Assert.Equal("v", _client.Get(k));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void BlockingPopsReturnAtOnceWhenAListHasElements(int protocol)
        {
            using RedisClient c = Client(protocol);
            string a = _p + "ba" + protocol, b = _p + "bb" + protocol, d = _p + "bd" + protocol;
            c.RPush(b, "b1", "b2", "b3");
            ListPopResult? left = c.BLPop(new[] { a, b }, TimeSpan.FromSeconds(5));
            Assert.NotNull(left);
            Assert.Equal(b, left!.Key);
            Assert.Equal("b1", left.Value);
            ListPopResult? right = c.BRPop(new[] { a, b }, TimeSpan.FromSeconds(5));
            Assert.Equal(b, right!.Key);
            Assert.Equal("b3", right.Value);
            Assert.Equal("b2", c.BRPopLPush(b, d, TimeSpan.FromSeconds(5)));
            Assert.Equal(new[] { "b2" }, c.LRange(d, 0, -1));
            Assert.Equal("b2", c.BRPop(d)!.Value); // no timeout: waits forever, but the list has an element
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void BlockingPopTimesOutWithNullAndTheConnectionStaysUsable(int protocol)
        {
            using RedisClient c = Client(protocol);
            string k = _p + "empty" + protocol;
            var clock = Stopwatch.StartNew();
            Assert.Null(c.BLPop(k, TimeSpan.FromSeconds(1)));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(10));
            clock.Restart();
            Assert.Null(c.BRPop(new[] { k, k + "2" }, TimeSpan.FromMilliseconds(300))); // fractional seconds (Redis 6+)
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
            Assert.Null(c.BRPopLPush(k, k + "d", TimeSpan.FromMilliseconds(200)));
            Assert.Null(c.BLPop(k, TimeSpan.FromTicks(1))); // rounded up to 1 ms, not 0 = forever

            Assert.True(c.Ping());
            c.RPush(k, "after");
            Assert.Equal("after", c.LPop(k));
            Assert.Equal(1, ((ConnectionPool)c.ConnectionPool).CreatedCount); // a timed-out BLPOP is no broken connection
        }

        [Fact]
        public void NegativeTimeoutIsRefusedBeforeSending()
        {
            Assert.Throws<RedisDataException>(() => _client.BLPop(_p + "k", TimeSpan.FromSeconds(-1)));
            Assert.Throws<RedisDataException>(() => _client.BRPopLPush(_p + "k", _p + "d", TimeSpan.FromSeconds(-2)));
            Assert.Throws<RedisDataException>(() => _client.BRPop(Array.Empty<string>(), TimeSpan.FromSeconds(1)));
        }

        [Fact]
        public async Task BlockingPopIsServedByAPushFromAnotherThread()
        {
            string k = _p + "served";
            string d = _p + "served-dst";
            using RedisClient pusher = RedisClient.FromUrl(_url);
            Task<ListPopResult?> pop = Task.Run(() => _client.BLPop(k)); // no timeout: forever
            Task<string?> move = Task.Run(() => _client.BRPopLPush(k + "2", d, TimeSpan.Zero));
            await Task.Delay(300);
            Assert.False(pop.IsCompleted);
            pusher.RPush(k, "hello");
            pusher.RPush(k + "2", "moved");
            Task both = Task.WhenAll(pop, move);
            bool done = await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(10))) == both;
            if (!done)
            {
                pusher.RPush(k, "unblock"); // let a stuck thread go before failing
                pusher.RPush(k + "2", "unblock");
            }
            Assert.True(done, "the blocking pops were not served by the pushes");
            ListPopResult? popped = await pop;
            Assert.Equal(k, popped!.Key);
            Assert.Equal("hello", popped.Value);
            Assert.Equal("moved", await move);
            Assert.Equal(new[] { "moved" }, _client.LRange(d, 0, -1));
        }

        [Fact]
        public async Task BlockingPopLongerThanTheSocketTimeoutDoesNotTimeOut()
        {
            using RedisClient c = RedisClient.FromUrl(_url, o => o.SocketTimeout = TimeSpan.FromSeconds(0.5));
            string k = _p + "long";
            var clock = Stopwatch.StartNew();
            Assert.Null(c.BLPop(k, TimeSpan.FromSeconds(1.5)));
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(10));
            Assert.Null(c.BRPopLPush(k, k + "d", TimeSpan.FromSeconds(1.2)));

            // Waiting forever with a short socket timeout: served 1.5 s later, still no timeout error.
            using RedisClient pusher = RedisClient.FromUrl(_url);
            Task<ListPopResult?> pop = Task.Run(() => c.BRPop(k));
            await Task.Delay(1500);
            pusher.RPush(k, "late");
            bool done = await Task.WhenAny(pop, Task.Delay(TimeSpan.FromSeconds(10))) == pop;
            if (!done) pusher.RPush(k, "unblock");
            Assert.True(done, "the forever-blocking BRPOP was not served");
            Assert.Equal("late", (await pop)!.Value);

            // The ordinary socket timeout still holds for a command that is not blocking.
            Assert.True(c.Ping());
        }

        [Fact]
        public void BlockingPopsThroughAPoolSharedByThreads()
        {
            const int consumers = 4, perConsumer = 5;
            string k = _p + "queue";
            // A short socket timeout as well: each BLPOP may wait longer than it without being cut off.
            ConnectionOptions options = RedisUrl.Parse(_url, o => o.SocketTimeout = TimeSpan.FromSeconds(1));
            using var pool = new BlockingConnectionPool(options, consumers, TimeSpan.FromSeconds(10), o => new Connection(o));
            using var shared = new RedisClient(pool);
            using RedisClient producer = RedisClient.FromUrl(_url);
            var received = new ConcurrentBag<string>();
            var errors = new ConcurrentBag<Exception>();
            var threads = Enumerable.Range(0, consumers).Select(_ => new Thread(() =>
            {
                try
                {
                    for (int i = 0; i < perConsumer; i++)
                    {
                        ListPopResult? item = shared.BLPop(k, TimeSpan.FromSeconds(10));
                        if (item == null) throw new TimeoutException("nothing popped within 10 s");
                        received.Add(item.Value);
                    }
                }
                catch (Exception ex)
                {
                    errors.Add(ex);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            Thread.Sleep(1500); // longer than the pool's socket timeout: the waiting consumers must not time out
            for (int i = 0; i < consumers * perConsumer; i++)
            {
                producer.RPush(k, "item" + i);
                if (i % 3 == 0) Thread.Sleep(20);
            }
            foreach (Thread t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(30)), "a consumer did not finish");
            Assert.Empty(errors);
            Assert.Equal(Enumerable.Range(0, consumers * perConsumer).Select(i => "item" + i).OrderBy(s => s), received.OrderBy(s => s));
            Assert.Equal(0, pool.InUseCount);
            Assert.InRange(pool.CreatedCount, 1, consumers);
            Assert.Null(shared.BLPop(k, TimeSpan.FromMilliseconds(100)));
        }
    }
}
