using System;
using System.Collections.Generic;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>RedisPipeline batching: results in order, per-slot errors, huge batches, RESP3, connection handling.</summary>
    [Collection("redis")]
    public sealed class PipelineTests : IDisposable
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly string _p = "pl:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public PipelineTests(RedisFixture fixture)
        {
            _url = fixture.Url;
            _client = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose() => _client.Dispose();

        [Theory]
        [InlineData(false, 2)]
        [InlineData(true, 2)]
        [InlineData(false, 3)]
        [InlineData(true, 3)]
        public void ResultsComeBackParsedAndInOrder(bool transaction, int protocol)
        {
            using var client = RedisClient.FromUrl(_url, o => o.Protocol = protocol);
            string k = _p + "k", n = _p + "n", h = _p + "h";
            using RedisPipeline pipe = client.Pipeline(transaction);
            Assert.False(pipe.Set(k, "v")); // queued: the type's default, the real result comes from Execute
            Assert.Null(pipe.Get(k));
            pipe.Get(_p + "missing");
            pipe.Exists(k, _p + "missing");
            pipe.ExecuteCommand("INCRBY", n, 5);
            pipe.ExecuteCommand("HSET", h, "f", "1", "g", "2");
            pipe.ExecuteCommand("HGETALL", h);
            pipe.Ping();
            Assert.Equal(8, pipe.Count);

            IList<object?> results = pipe.Execute();

            Assert.Equal(8, results.Count);
            Assert.Equal(true, results[0]);
            Assert.Equal("v", results[1]);
            Assert.Null(results[2]);
            Assert.Equal(1L, results[3]);
            Assert.Equal(5L, results[4]);
            Assert.Equal(2L, results[5]);
            if (protocol == 3)
            {
                var map = Assert.IsType<Dictionary<object, object?>>(results[6]);
                Assert.Equal("1", map["f"]);
                Assert.Equal("2", map["g"]);
            }
            else
            {
                Assert.Equal(new object?[] { "f", "1", "g", "2" }, Assert.IsType<object?[]>(results[6]));
            }
            Assert.Equal(true, results[7]);
            Assert.Equal(0, pipe.Count); // executing resets the queue
            Assert.Equal("v", client.Get(k));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ThousandsOfCommandsKeepTheirResultsAndAnErrorItsIndexPastTheFirstThousands(bool transaction)
        {
            // The queue is kept in chunks of 1,024 and results are parsed as replies arrive: positions must survive both.
            string list = _p + "many:list", counter = _p + "many:n";
            _client.Execute(new object?[] { "RPUSH", list, "x" });
            using RedisPipeline pipe = _client.Pipeline(transaction);
            const int count = 2600, failing = 2049;
            for (int i = 0; i < count; i++)
            {
                if (i == failing) pipe.Incr(list); // WRONGTYPE
                else if (i % 3 == 0) pipe.Set(_p + "many:" + i, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                else if (i % 3 == 1) pipe.Incr(counter);
                else pipe.Exists(_p + "many:" + (i - 2));
            }
            IList<object?> results = pipe.Execute(raiseOnError: false);

            Assert.Equal(count, results.Count);
            long expectedCounter = 0;
            for (int i = 0; i < count; i++)
            {
                if (i == failing)
                {
                    var error = Assert.IsType<RedisResponseException>(results[i]);
                    Assert.Equal("WRONGTYPE", error.ErrorCode);
                    Assert.Equal(failing, error.Data["PipelineCommandIndex"]);
                    Assert.StartsWith("INCRBY " + list, (string)error.Data["PipelineCommand"]!);
                }
                else if (i % 3 == 0) Assert.Equal(true, results[i]);
                else if (i % 3 == 1) Assert.Equal(++expectedCounter, results[i]);
                else Assert.Equal(i - 2 == failing ? 0L : 1L, results[i]); // the key SET two commands earlier (not where INCR failed)
            }
        }

        [Theory]
        [InlineData(false, 2)]
        [InlineData(true, 2)]
        [InlineData(false, 3)]
        [InlineData(true, 3)]
        public void ErrorInTheMiddleStaysInItsSlot(bool transaction, int protocol)
        {
            using var client = RedisClient.FromUrl(_url, o => o.Protocol = protocol);
            string s = _p + "s", a = _p + "a", b = _p + "b";
            client.Set(s, "text");
            using RedisPipeline pipe = client.Pipeline(transaction);
            pipe.Set(a, "1");
            pipe.ExecuteCommand("LPUSH", s, "x");
            pipe.Set(b, "2");
            pipe.Get(a);

            IList<object?> results = pipe.Execute(raiseOnError: false);

            Assert.Equal(4, results.Count);
            Assert.Equal(true, results[0]);
            var error = Assert.IsType<RedisResponseException>(results[1]);
            Assert.Equal("WRONGTYPE", error.ErrorCode);
            Assert.Equal(1, error.Data["PipelineCommandIndex"]);
            Assert.Equal(true, results[2]);
            Assert.Equal("1", results[3]);
            Assert.Equal("2", client.Get(b));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void RaiseOnErrorThrowsAfterReadingEveryReply(bool transaction)
        {
            // One connection only: the next pipeline must get the very connection the failed one used.
            using var client = RedisClient.FromUrl(_url, o => o.MaxConnections = 1);
            string s = _p + "s", after = _p + "after";
            client.Set(s, "text");
            using (RedisPipeline pipe = client.Pipeline(transaction))
            {
                pipe.ExecuteCommand("LPUSH", s, "x");
                pipe.Set(after, "written");
                pipe.Get(after);
                var ex = Assert.Throws<RedisResponseException>(() => pipe.Execute());
                Assert.Equal("WRONGTYPE", ex.ErrorCode);
                Assert.Equal(0, pipe.Count);
            }
            Assert.Equal("written", client.Get(after)); // the commands after the failing one ran
            var pool = (ConnectionPool)client.ConnectionPool;
            Assert.Equal(0, pool.InUseCount);

            using (RedisPipeline next = client.Pipeline(transaction))
            {
                next.Get(after);
                next.Echo("in sync");
                Assert.Equal(new object?[] { "written", "in sync" }, next.Execute().ToArray());
            }
            Assert.Equal(1, pool.CreatedCount); // the same connection served it: nothing was left unread on it
        }

        [Fact]
        public void EmptyPipelineReturnsEmptyListWithoutTouchingTheServer()
        {
            // Nothing listens on this port, so any connection attempt would fail.
            int port = RedisServerProcess.GetFreeLoopbackPort();
            using var nowhere = new RedisClient("127.0.0.1", port);
            using RedisPipeline pipe = nowhere.Pipeline();
            Assert.Empty(pipe.Execute());
            using RedisPipeline plain = nowhere.Pipeline(transaction: false);
            Assert.Empty(plain.Execute());
            Assert.Throws<RedisConnectionException>(() => nowhere.Ping());
        }

        [Fact]
        public void HundredThousandCommandsInOneBatchAllReachTheServer()
        {
            const int N = 100_000;
            string[] keys = Enumerable.Range(0, N).Select(i => _p + "bulk:" + i).ToArray();
            string value = new string('v', 100); // ~10 MB on the wire: far more than one write buffer
            try
            {
                using (RedisPipeline pipe = _client.Pipeline(transaction: false))
                {
                    foreach (string key in keys) pipe.Set(key, value);
                    IList<object?> results = pipe.Execute();
                    Assert.Equal(N, results.Count);
                    Assert.All(results, r => Assert.Equal(true, r));
                }
                Assert.Equal(N, _client.Exists(keys));
                Assert.Equal(value, _client.Get(keys[N - 1]));
            }
            finally
            {
                for (int i = 0; i < N; i += 10_000) _client.Unlink(keys.Skip(i).Take(10_000).ToArray());
            }
        }

        [Fact]
        public void ExecuteCommandUsesTheClientsDecodingAndResponseCallbacks()
        {
            using var client = RedisClient.FromUrl(_url);
            string k = _p + "k";
            client.Set(k, "abc");
            client.SetResponseCallback("STRLEN", r => "len=" + r.Integer64);
            client.DecodeResponses = false;
            using RedisPipeline pipe = client.Pipeline(transaction: false);
            pipe.ExecuteCommand("GET", k);
            pipe.ExecuteCommand("STRLEN", k);
            pipe.Get(k); // typed methods keep their own parsers
            IList<object?> results = pipe.Execute();
            Assert.Equal(new byte[] { (byte)'a', (byte)'b', (byte)'c' }, Assert.IsType<byte[]>(results[0]));
            Assert.Equal("len=3", results[1]);
            Assert.Equal("abc", results[2]);
        }

        [Fact]
        public void PipelineHoldsNoConnectionUntilItExecutes()
        {
            using var client = RedisClient.FromUrl(_url);
            var pool = (ConnectionPool)client.ConnectionPool;
            using RedisPipeline pipe = client.Pipeline();
            pipe.Set(_p + "a", "1");
            Assert.Equal(0, pool.InUseCount);
            pipe.Execute();
            Assert.Equal(0, pool.InUseCount);
        }

        [Fact]
        public void BadArgumentIsRejectedWhenQueued()
        {
            using RedisPipeline pipe = _client.Pipeline();
            Assert.Throws<RedisDataException>(() => pipe.Set(_p + "a", "v", nx: true, xx: true));
            Assert.Throws<RedisDataException>(() => pipe.ExecuteCommand());
            Assert.Equal(0, pipe.Count);
        }

        [Fact]
        public void PipelineUsesTheClientsDatabase()
        {
            // Database 9 is this test's alone; only its own keys are written there.
            using var client = RedisClient.FromUrl(_url);
            client.Select(9);
            string k = _p + "db9";
            using (RedisPipeline pipe = client.Pipeline())
            {
                pipe.Set(k, "nine");
                pipe.Execute();
            }
            Assert.Null(_client.Get(k));
            Assert.Equal("nine", client.Get(k));
            client.Delete(k);
        }

        [Fact]
        public void TimedOutPipelineDiscardsItsConnection()
        {
            // A server of this test's own: DEBUG SLEEP stalls the whole server.
            using RedisServerProcess server = RedisServerProcess.Start(new RedisServerOptions { EnableDebugCommand = true });
            using var client = RedisClient.FromUrl(server.Url, o => o.SocketTimeout = TimeSpan.FromMilliseconds(200));
            var pool = (ConnectionPool)client.ConnectionPool;
            string k = _p + "k";
            using (RedisPipeline pipe = client.Pipeline(transaction: false))
            {
                pipe.Set(k, "v");
                pipe.ExecuteCommand("DEBUG", "SLEEP", "0.6");
                pipe.Get(k);
                Assert.Throws<RedisTimeoutException>(() => pipe.Execute());
            }
            Assert.Equal(0, pool.InUseCount);
            Assert.Equal(0, pool.CreatedCount); // broken: closed, never handed out again with replies pending on it
            System.Threading.Thread.Sleep(800);
            Assert.Equal("v", client.Get(k));
        }

        [Fact]
        public void BlockingCommandInAPipelineMayOutwaitTheSocketTimeout()
        {
            using var client = RedisClient.FromUrl(_url, o => o.SocketTimeout = TimeSpan.FromMilliseconds(300));
            using RedisPipeline pipe = client.Pipeline(transaction: false);
            // BLPOP on an empty list waits its full second; the read allows that on top of the socket timeout.
            pipe.Run(new object?[] { "BLPOP", _p + "empty", 1 }, r => r.IsNull, TimeSpan.FromSeconds(1));
            pipe.Ping();
            Assert.Equal(new object?[] { true, true }, pipe.Execute().ToArray());
        }
    }
}
