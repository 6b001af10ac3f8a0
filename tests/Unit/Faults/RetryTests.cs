using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit.Faults
{
    /// <summary>
    /// The retry policy against a scripted server: transient failures are retried with backoff, and a command that
    /// may already have run is sent again only when running it twice is harmless; anything else is reported as in
    /// doubt, never applied twice.
    /// </summary>
    public sealed class RetryTests
    {
        /// <summary>Counts how often each command arrived; the first <paramref name="failFirst"/> arrivals of <paramref name="victim"/> get <paramref name="fault"/>.</summary>
        private sealed class Script
        {
            private readonly string _victim;
            private int _failuresLeft;
            private readonly Func<Stream, bool> _fault;
            public readonly Dictionary<string, int> Seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

            public Script(string victim, int failFirst, Func<Stream, bool> fault)
            {
                _victim = victim;
                _failuresLeft = failFirst;
                _fault = fault;
            }

            public bool Serve(IReadOnlyList<string> command, Stream stream)
            {
                lock (Seen)
                {
                    Seen[command[0]] = Seen.TryGetValue(command[0], out int n) ? n + 1 : 1;
                    if (string.Equals(command[0], _victim, StringComparison.OrdinalIgnoreCase) && _failuresLeft > 0)
                    {
                        _failuresLeft--;
                        return _fault(stream);
                    }
                }
                switch (command[0].ToUpperInvariant())
                {
                    case "INCRBY": FakeRedisServer.Write(stream, ":1\r\n"); return true;
                    case "MULTI": FakeRedisServer.Write(stream, "+OK\r\n"); return true;
                    case "EXEC": FakeRedisServer.Write(stream, "*2\r\n+OK\r\n+OK\r\n"); return true;
                    case "SET" when Queued: FakeRedisServer.Write(stream, "+QUEUED\r\n"); return true;
                    default: return FakeRedisServer.Healthy(command, stream);
                }
            }

            public bool Queued { get; set; }

            public int Count(string command) { lock (Seen) return Seen.TryGetValue(command, out int n) ? n : 0; }
        }

        private static bool CloseWithoutReply(Stream _) => false;

        private static Func<Stream, bool> Reply(string bytes) => stream =>
        {
            FakeRedisServer.Write(stream, bytes);
            return true;
        };

        private static RedisClient Client(FakeRedisServer server, Action<ConnectionOptions>? configure = null) =>
            FaultTests.ClientFor(server, o =>
            {
                o.Retry = new RetryPolicy(3, TimeSpan.FromMilliseconds(5));
                configure?.Invoke(o);
            });

        [Fact]
        public void AReadWhoseConnectionDiesAfterSendingIsSentAgain()
        {
            var script = new Script("GET", 2, CloseWithoutReply);
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = Client(server);
            Assert.Equal("value", client.Get("k"));
            Assert.Equal(3, script.Count("GET"));
        }

        [Fact]
        public void AnIncrWhoseConnectionDiesAfterSendingIsReportedInDoubtAndNotRepeated()
        {
            var script = new Script("INCRBY", 1, CloseWithoutReply);
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = Client(server);
            var ex = Assert.Throws<RedisCommandInDoubtException>(() => client.Incr("counter"));
            Assert.Equal("INCRBY", ex.Command);
            Assert.Contains("may or may not have been applied", ex.Message);
            Assert.IsAssignableFrom<RedisConnectionException>(ex.InnerException);
            Assert.DoesNotContain("counter", ex.Message); // the command's name, never its arguments
            Assert.Equal(1, script.Count("INCRBY"));
            Assert.Equal(1L, client.Incr("counter")); // the pool serves the next command on a new connection
        }

        [Fact]
        public void WithoutRetriesAnIncrThatMayHaveRunStillSaysSo()
        {
            var script = new Script("INCRBY", 1, CloseWithoutReply);
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = Client(server, o => o.Retry = RetryPolicy.None);
            Assert.Throws<RedisCommandInDoubtException>(() => client.Incr("counter"));
            var get = new Script("GET", 1, CloseWithoutReply);
            server.Behaviour = get.Serve;
            Assert.Throws<RedisConnectionException>(() => client.Get("k"));
            Assert.Equal(1, get.Count("GET"));
        }

        [Fact]
        public void TimeoutsAreRetriedOnlyWithRetryOnTimeoutAndOnlyForHarmlessCommands()
        {
            Func<Stream, bool> stall = _ => { Thread.Sleep(600); return false; };
            var script = new Script("GET", 1, stall);
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient retrying = Client(server, o => { o.RetryOnTimeout = true; o.SocketTimeout = TimeSpan.FromMilliseconds(300); });
            Assert.Equal("value", retrying.Get("k"));

            var incr = new Script("INCRBY", 1, stall);
            server.Behaviour = incr.Serve;
            var ex = Assert.Throws<RedisCommandInDoubtException>(() => retrying.Incr("n"));
            Assert.IsType<RedisTimeoutException>(ex.InnerException);
            Assert.Equal(1, incr.Count("INCRBY"));

            var plain = new Script("GET", 1, stall);
            server.Behaviour = plain.Serve;
            using RedisClient notRetrying = Client(server, o => o.SocketTimeout = TimeSpan.FromMilliseconds(300));
            Assert.Throws<RedisTimeoutException>(() => notRetrying.Get("k"));
            Assert.Equal(1, plain.Count("GET"));
        }

        [Theory]
        [InlineData("-LOADING Redis is loading the dataset in memory\r\n")]
        [InlineData("-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n")]
        [InlineData("-TRYAGAIN Multiple keys request during rehashing of slot\r\n")]
        [InlineData("-READONLY You can't write against a read only replica.\r\n")]
        public void ARefusalThatPassesIsRetriedEvenForAWrite(string refusal)
        {
            var script = new Script("INCRBY", 2, Reply(refusal));
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = Client(server);
            Assert.Equal(1L, client.Incr("n"));
            Assert.Equal(3, script.Count("INCRBY"));
        }

        [Fact]
        public void ARefusalLastingLongerThanTheRetriesIsThrown()
        {
            var script = new Script("INCRBY", 10, Reply("-LOADING Redis is loading the dataset in memory\r\n"));
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = Client(server);
            Assert.Throws<RedisBusyLoadingException>(() => client.Incr("n"));
            Assert.Equal(4, script.Count("INCRBY"));
        }

        [Fact]
        public void WrongCredentialsAreNotRetried()
        {
            var script = new Script("AUTH", 10, Reply("-WRONGPASS invalid username-password pair or user is disabled.\r\n"));
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = Client(server, o => o.Password = "nope");
            Assert.Throws<RedisAuthenticationException>(() => client.Get("k"));
            Assert.Equal(1, script.Count("AUTH"));
        }

        [Fact]
        public void APipelineOfHarmlessCommandsIsResentAfterALostConnection()
        {
            var script = new Script("GET", 1, CloseWithoutReply);
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = Client(server);
            using RedisPipeline pipe = client.Pipeline(transaction: false);
            pipe.Set("a", "1");
            pipe.Get("a");
            pipe.Ping();
            IList<object?> replies = pipe.Execute();
            Assert.Equal(new object?[] { true, "value", true }, replies);
            Assert.Equal(2, script.Count("GET"));
        }

        [Fact]
        public void APipelineWithAnIncrAfterTheFailureNamesItInDoubt()
        {
            var script = new Script("GET", 1, CloseWithoutReply);
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = Client(server);
            using RedisPipeline pipe = client.Pipeline(transaction: false);
            pipe.Get("a");
            pipe.Incr("n");
            var ex = Assert.Throws<RedisCommandInDoubtException>(() => pipe.Execute());
            Assert.Equal("INCRBY", ex.Command);
            Assert.Contains("command 2 of the batch", ex.Message);
            Assert.Equal(1, script.Count("GET"));
        }

        [Fact]
        public void ATransactionIsRepeatedWholeOnlyWhenEveryCommandIsHarmless()
        {
            var script = new Script("EXEC", 1, CloseWithoutReply) { Queued = true };
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = Client(server);
            using (RedisPipeline tx = client.Pipeline(transaction: true))
            {
                tx.Set("a", "1");
                tx.Set("b", "2");
                Assert.Equal(2, tx.Execute().Count);
            }
            Assert.Equal(2, script.Count("EXEC"));

            var again = new Script("EXEC", 1, CloseWithoutReply) { Queued = true };
            server.Behaviour = again.Serve;
            using RedisPipeline unsafeTx = client.Pipeline(transaction: true);
            unsafeTx.Set("a", "1");
            unsafeTx.Incr("n");
            var ex = Assert.Throws<RedisCommandInDoubtException>(() => unsafeTx.Execute());
            Assert.Contains("transaction of 2 commands", ex.Message);
            Assert.Equal(1, again.Count("EXEC"));
        }

        [Fact]
        public void BackoffGrowsWithJitterUpToItsCap()
        {
            var policy = new RetryPolicy(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(450));
            Assert.Equal(TimeSpan.Zero, policy.Backoff(0));
            var seen = new HashSet<long>();
            for (int i = 0; i < 200; i++)
            {
                TimeSpan first = policy.Backoff(1), third = policy.Backoff(3), tenth = policy.Backoff(10);
                Assert.InRange(first.TotalMilliseconds, 0, 100);
                Assert.InRange(third.TotalMilliseconds, 0, 400);
                Assert.InRange(tenth.TotalMilliseconds, 0, 450);
                seen.Add(tenth.Ticks);
            }
            Assert.True(seen.Count > 100, "the waits must be spread out, not all the same");
            Assert.Equal(TimeSpan.FromSeconds(2), new RetryPolicy(1, TimeSpan.FromMilliseconds(50)).BackoffCap);
            Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(-1, TimeSpan.Zero));
        }

        [Theory]
        [InlineData(true, "GET", "k")]
        [InlineData(true, "SET", "k", "v")]
        [InlineData(true, "SET", "k", "v", "EX", "10")]
        [InlineData(false, "SET", "k", "v", "NX")]
        [InlineData(false, "SET", "k", "v", "GET")]
        [InlineData(true, "set", "k", "GET")]
        [InlineData(true, "DEL", "a", "b")]
        [InlineData(true, "UNLINK", "a")]
        [InlineData(true, "EXPIREAT", "k", "1999999999")]
        [InlineData(false, "EXPIRE", "k", "10")]
        [InlineData(false, "INCR", "k")]
        [InlineData(false, "LPUSH", "l", "x")]
        [InlineData(false, "RPOP", "l")]
        [InlineData(false, "EVAL", "return 1", "0")]
        [InlineData(false, "PUBLISH", "c", "m")]
        [InlineData(true, "ZADD", "z", "1", "m")]
        [InlineData(false, "ZADD", "z", "INCR", "1", "m")]
        [InlineData(true, "CLIENT", "SETNAME", "x")]
        [InlineData(false, "CLIENT", "KILL", "ID", "1")]
        [InlineData(false, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")]
        [InlineData(false, "SOME.MODULECMD", "k")]
        public void TheTableSaysWhichCommandsAreHarmlessToRepeat(bool harmless, params string[] command)
        {
            Assert.Equal(harmless, CommandSafety.IsSafeToRepeat(command));
        }
    }
}
