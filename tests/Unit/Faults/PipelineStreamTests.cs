using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit.Faults
{
    /// <summary>
    /// RedisPipeline.Send/Receive (the streaming side every bulk cmdlet uses) against a scripted server: replies in
    /// order with their caller state, an error reply in its own slot, a failure mid-flight, what Dispose does with
    /// replies nobody read, and a stop requested from another thread while a reply is half read.
    /// </summary>
    public sealed class PipelineStreamTests
    {
        // ECHO x answers x, ERR x answers an error, anything else +OK.
        private static bool Echo(IReadOnlyList<string> c, System.IO.Stream s)
        {
            switch (c[0].ToUpperInvariant())
            {
                case "ECHO": FakeRedisServer.Write(s, "$" + c[1].Length.ToString(CultureInfo.InvariantCulture) + "\r\n" + c[1] + "\r\n"); return true;
                case "ERR": FakeRedisServer.Write(s, "-ERR refused " + c[1] + "\r\n"); return true;
                default: return FakeRedisServer.Healthy(c, s);
            }
        }

        [Fact]
        public void RepliesArriveInOrderWithTheirStateAndAnErrorStaysInItsSlot()
        {
            using var server = new FakeRedisServer(Echo);
            using RedisClient client = FaultTests.ClientFor(server);
            var pool = (ConnectionPool)client.ConnectionPool;
            var seen = new List<string>();
            using (RedisPipeline pipe = client.Pipeline(transaction: false))
            {
                for (int i = 0; i < 10; i++)
                {
                    string word = "w" + i.ToString(CultureInfo.InvariantCulture);
                    pipe.Queue(word, c => c.ExecuteCommand(i == 4 ? "ERR" : "ECHO", word));
                }
                Assert.Equal(10, pipe.Send());
                Assert.Equal(10, pipe.Outstanding);
                Assert.Equal(1, pool.InUseCount); // the outstanding replies keep the connection

                pipe.Receive(6, r => seen.Add(r.State + "=" + (r.Error?.Message ?? r.Value)));
                Assert.Equal(6, pipe.Outstanding);
                for (int i = 10; i < 12; i++)
                {
                    string word = "w" + i.ToString(CultureInfo.InvariantCulture);
                    pipe.Queue(word, c => c.ExecuteCommand("ECHO", word));
                }
                Assert.Equal(2, pipe.Send());
                pipe.Receive(0, r => seen.Add(r.State + "=" + (r.Error?.Message ?? r.Value)));
                Assert.Equal(0, pool.InUseCount); // nothing outstanding: back in the pool
            }
            Assert.Equal(12, seen.Count);
            for (int i = 0; i < 12; i++)
            {
                string word = "w" + i.ToString(CultureInfo.InvariantCulture);
                Assert.Equal(i == 4 ? word + "=ERR refused " + word : word + "=" + word, seen[i]);
            }
            Assert.Equal("value", client.Get("k"));
            Assert.Equal(1, pool.CreatedCount);
        }

        [Fact]
        public void DisposeReadsAndDropsOutstandingRepliesSoTheConnectionIsPooledInStep()
        {
            using var server = new FakeRedisServer(Echo);
            using RedisClient client = FaultTests.ClientFor(server);
            var pool = (ConnectionPool)client.ConnectionPool;
            using (RedisPipeline pipe = client.Pipeline(transaction: false))
            {
                for (int i = 0; i < 50; i++) pipe.ExecuteCommand("ECHO", "x" + i.ToString(CultureInfo.InvariantCulture));
                pipe.Send();
            }
            Assert.Equal(0, pool.InUseCount);
            Assert.Equal(1, pool.IdleCount); // drained, so it is in step and kept
            Assert.Equal("next", client.Echo("next"));
            Assert.Equal(1, pool.CreatedCount);
        }

        [Fact]
        public void AFailureMidFlightIsThrownAndTheConnectionIsNeverPooled()
        {
            int echoes = 0;
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] == "ECHO" && Interlocked.Increment(ref echoes) == 3) return false; // close mid-stream
                return Echo(c, s);
            });
            // Without retries: the unanswered ECHOs are harmless to repeat, so the default policy would re-send them.
            using RedisClient client = FaultTests.ClientFor(server, o => o.Retry = RetryPolicy.None);
            var pool = (ConnectionPool)client.ConnectionPool;
            var seen = new List<object?>();
            using (RedisPipeline pipe = client.Pipeline(transaction: false))
            {
                for (int i = 0; i < 5; i++) pipe.Queue(i, c => c.ExecuteCommand("ECHO", "e" + i.ToString(CultureInfo.InvariantCulture)));
                pipe.Send();
                Assert.Throws<RedisConnectionException>(() => pipe.Receive(0, r => seen.Add(r.State)));
            }
            Assert.Equal(new object?[] { 0, 1 }, seen);
            Assert.Equal(0, pool.InUseCount);
            Assert.Equal(0, pool.CreatedCount); // closed and dropped, not returned
            Assert.Equal("after", client.Echo("after")); // a fresh connection works
        }

        [Fact]
        public void AStopFromAnotherThreadWhileAReplyIsHalfReadClosesTheConnection()
        {
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] == "ECHO" && c[1] == "slow")
                {
                    FakeRedisServer.Write(s, "$10\r\nabc"); // half a reply, then silence
                    Thread.Sleep(10000);
                    return false;
                }
                return Echo(c, s);
            });
            using RedisClient client = FaultTests.ClientFor(server, o => o.SocketTimeout = TimeSpan.FromSeconds(20));
            var pool = (ConnectionPool)client.ConnectionPool;
            var seen = new List<object?>();
            var clock = Stopwatch.StartNew();
            using (RedisPipeline pipe = client.Pipeline(transaction: false))
            {
                pipe.Queue("fast", c => c.Echo("fast"));
                pipe.Queue("slow", c => c.Echo("slow"));
                pipe.Queue("never", c => c.Echo("never"));
                pipe.Send();
                using var stopper = new Timer(_ => pipe.RequestStop(), null, 300, Timeout.Infinite);
                Assert.Throws<OperationCanceledException>(() => pipe.Receive(0, r => seen.Add(r.State)));
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), "took " + clock.Elapsed);
            }
            Assert.Equal(new object?[] { "fast" }, seen);
            Assert.Equal(0, pool.InUseCount);
            Assert.Equal(0, pool.CreatedCount); // stopped mid-reply: closed, never handed out again
            Assert.Equal("value", client.Get("k"));
        }

        [Fact]
        public void AStopWhileWaitingForAReplyEndsWithinAFractionOfASecond()
        {
            using var server = new FakeRedisServer((c, s) => c[0] == "ECHO" && c[1] == "silent" || Echo(c, s));
            using RedisClient client = FaultTests.ClientFor(server, o => o.SocketTimeout = TimeSpan.FromSeconds(30));
            var pool = (ConnectionPool)client.ConnectionPool;
            using (RedisPipeline pipe = client.Pipeline(transaction: false))
            {
                pipe.Echo("silent");
                pipe.Send();
                var clock = Stopwatch.StartNew();
                using var stopper = new Timer(_ => pipe.RequestStop(), null, 200, Timeout.Infinite);
                Assert.Throws<OperationCanceledException>(() => pipe.Receive(0, null));
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), "took " + clock.Elapsed);
            }
            Assert.Equal(0, pool.InUseCount);
            Assert.Equal(0, pool.CreatedCount);
        }

        [Fact]
        public void ATimeoutIsRetriedOnceOnAFreshConnectionWithRetryOnTimeout()
        {
            int connections = 0;
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] == "PING" && c.Count == 1) { Interlocked.Increment(ref connections); }
                // The first ECHO ever is never answered; the re-sent one is.
                if (c[0] == "ECHO" && c[1] == "once" && Interlocked.Increment(ref s_onceCount) == 1)
                {
                    Thread.Sleep(3000); // stalls this connection past the client's timeout
                    return false;
                }
                return Echo(c, s);
            });
            s_onceCount = 0;
            using RedisClient client = FaultTests.ClientFor(server, o =>
            {
                o.SocketTimeout = TimeSpan.FromMilliseconds(500);
                o.RetryOnTimeout = true;
            });
            var seen = new List<object?>();
            using (RedisPipeline pipe = client.Pipeline(transaction: false))
            {
                pipe.Queue(1, c => c.Echo("a"));
                pipe.Queue(2, c => c.Echo("once"));
                pipe.Queue(3, c => c.Echo("b"));
                pipe.Send();
                pipe.Receive(0, r => seen.Add(r.Value));
            }
            Assert.Equal(new object?[] { "a", "once", "b" }, seen);
            Assert.Equal(2, server.AcceptedConnections);
        }

        private static int s_onceCount;

        [Fact]
        public void ErrorDataNamesTheCommandAndKeyButNeverTheArgumentsOfAuthOrConfigSet()
        {
            using var server = new FakeRedisServer((c, s) =>
            {
                FakeRedisServer.Write(s, c[0] == "PING" ? "+PONG\r\n" : "-ERR no\r\n");
                return true;
            });
            using RedisClient client = FaultTests.ClientFor(server);
            using RedisPipeline pipe = client.Pipeline(transaction: false);
            pipe.ExecuteCommand("AUTH", "alice", "s3cret-pw");
            pipe.ExecuteCommand("CONFIG", "SET", "requirepass", "s3cret-pw");
            pipe.ExecuteCommand("HELLO", "3", "AUTH", "alice", "s3cret-pw");
            pipe.Incr("counter:1");
            IList<object?> results = pipe.Execute(raiseOnError: false);
            string[] described = new string[4];
            for (int i = 0; i < 4; i++)
            {
                var error = Assert.IsAssignableFrom<RedisException>(results[i]);
                described[i] = (string)error.Data["PipelineCommand"]!;
                foreach (object? value in error.Data.Values) Assert.DoesNotContain("s3cret", Convert.ToString(value, CultureInfo.InvariantCulture));
                Assert.DoesNotContain("s3cret", error.Message);
            }
            Assert.Equal(new[] { "AUTH", "CONFIG SET", "HELLO", "INCRBY counter:1" }, described);
        }
    }
}
