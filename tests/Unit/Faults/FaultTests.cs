using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit.Faults
{
    /// <summary>
    /// Faults a real server rarely shows: each must end in the right exception within the configured
    /// timeout, and the pool must serve the next command on a fresh connection.
    /// </summary>
    public sealed class FaultTests
    {
        // Short, for the tests about timeouts; the others get a generous one so a loaded machine cannot fail them.
        private static readonly TimeSpan SocketTimeout = TimeSpan.FromMilliseconds(400);
        private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

        internal static RedisClient ClientFor(FakeRedisServer server, Action<ConnectionOptions>? configure = null)
        {
            var options = new ConnectionOptions
            {
                Host = "127.0.0.1",
                Port = server.Port,
                SocketTimeout = Generous,
                ConnectTimeout = Generous,
                MaxConnections = 2,
            };
            configure?.Invoke(options);
            return new RedisClient(options);
        }

        private static bool ReplyToGet(string bytes, System.Collections.Generic.IReadOnlyList<string> command, Stream stream)
        {
            if (command[0] == "GET")
            {
                FakeRedisServer.Write(stream, bytes);
                return true;
            }
            return FakeRedisServer.Healthy(command, stream);
        }

        private static void AssertPoolRecovers(FakeRedisServer server, RedisClient client)
        {
            server.Behaviour = FakeRedisServer.Healthy;
            Assert.Equal("value", client.Get("k"));
            Assert.True(client.Ping());
            var pool = (ConnectionPool)client.ConnectionPool;
            Assert.Equal(1, pool.CreatedCount); // the broken connection was dropped, not reused
        }

        [Theory]
        [InlineData("?what\r\n")]           // unknown type byte
        [InlineData(":12x\r\n")]            // bad integer
        [InlineData("$3\r\nabcde\r\n")]     // bulk longer than its header says
        [InlineData("+OK\rX\n")]            // CR without LF
        [InlineData("*2\r\n:1\r\n@\r\n")]   // bad item inside an array
        public void MalformedReplyRaisesInvalidResponseAndPoolRecovers(string reply)
        {
            using var server = new FakeRedisServer((c, s) => ReplyToGet(reply, c, s));
            using RedisClient client = ClientFor(server);
            Assert.Throws<RedisInvalidResponseException>(() => client.Get("k"));
            AssertPoolRecovers(server, client);
        }

        [Fact]
        public void ServerClosingMidReplyRaisesConnectionError()
        {
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] != "GET") return FakeRedisServer.Healthy(c, s);
                FakeRedisServer.Write(s, "$10\r\nabc");
                return false; // close with 7 bytes of the value missing
            });
            using RedisClient client = ClientFor(server);
            var error = Assert.Throws<RedisConnectionException>(() => client.Get("k"));
            Assert.Contains("closed", error.Message, StringComparison.OrdinalIgnoreCase);
            AssertPoolRecovers(server, client);
        }

        [Fact]
        public void ServerThatNeverAnswersTimesOutWithinTheSocketTimeout()
        {
            using var server = new FakeRedisServer((c, s) => c[0] != "GET" && FakeRedisServer.Healthy(c, s) || c[0] == "GET");
            using RedisClient client = ClientFor(server, o => o.SocketTimeout = SocketTimeout);
            var clock = Stopwatch.StartNew();
            var error = Assert.Throws<RedisTimeoutException>(() => client.Get("k"));
            clock.Stop();
            Assert.InRange(clock.Elapsed, SocketTimeout - TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5));
            Assert.Contains("127.0.0.1:" + server.Port, error.Message);
            AssertPoolRecovers(server, client);
        }

        [Fact]
        public void RetryOnTimeoutSendsTheCommandOnceMoreOnAFreshConnection()
        {
            int gets = 0;
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] == "GET" && Interlocked.Increment(ref gets) == 1) return true; // swallow the first GET
                return FakeRedisServer.Healthy(c, s);
            });
            using RedisClient client = ClientFor(server, o => { o.RetryOnTimeout = true; o.SocketTimeout = SocketTimeout; });
            Assert.Equal("value", client.Get("k"));
            Assert.Equal(2, Volatile.Read(ref gets));
            Assert.Equal(2, server.AcceptedConnections);
        }

        [Fact]
        public void WithoutRetryOnTimeoutTheCommandIsSentOnce()
        {
            int gets = 0;
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] == "GET") { Interlocked.Increment(ref gets); return true; }
                return FakeRedisServer.Healthy(c, s);
            });
            using RedisClient client = ClientFor(server, o => o.SocketTimeout = SocketTimeout);
            Assert.Throws<RedisTimeoutException>(() => client.Get("k"));
            Assert.Equal(1, Volatile.Read(ref gets));
        }

        [Theory]
        [InlineData("$999999999999\r\n")]
        [InlineData("$536870913\r\n")] // 512 MB + 1
        [InlineData("*-5\r\n")]
        public void OversizeOrNegativeHeaderIsInvalidResponseWithoutAllocating(string header)
        {
            using var server = new FakeRedisServer((c, s) => ReplyToGet(header, c, s));
            using RedisClient client = ClientFor(server);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            Assert.Throws<RedisInvalidResponseException>(() => client.Get("k"));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "must fail at the header, not wait for the body");
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 * 1024 * 1024, "the bulk must not be allocated");
            AssertPoolRecovers(server, client);
        }

        [Fact]
        public void HandshakeThatNeverAnswersTimesOutWithinTheConnectTimeout()
        {
            using var server = new FakeRedisServer((c, s) => c[0] != "AUTH" && FakeRedisServer.Healthy(c, s) || c[0] == "AUTH");
            using RedisClient client = ClientFor(server, o => { o.Password = "s3cret-token"; o.ConnectTimeout = SocketTimeout; });
            var clock = Stopwatch.StartNew();
            var error = Assert.Throws<RedisTimeoutException>(() => client.Ping());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
            Assert.DoesNotContain("s3cret-token", error.ToString());
            Assert.Equal(0, ((ConnectionPool)client.ConnectionPool).CreatedCount);
        }

        [Fact]
        public void ErrorReplyLeavesTheConnectionUsable()
        {
            using var server = new FakeRedisServer((c, s) =>
                c[0] == "GET" ? Reply(s, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n") : FakeRedisServer.Healthy(c, s));
            using RedisClient client = ClientFor(server);
            var error = Assert.Throws<RedisResponseException>(() => client.Get("k"));
            Assert.Equal("WRONGTYPE", error.ErrorCode);
            Assert.True(client.Ping());
            Assert.Equal(1, server.AcceptedConnections); // an error reply is a complete reply: no reconnect
        }

        [Fact]
        public void RefusedConnectionIsAConnectionErrorNamingTheEndpoint()
        {
            int port;
            using (var probe = new FakeRedisServer(FakeRedisServer.Healthy)) port = probe.Port;
            using var client = new RedisClient(new ConnectionOptions { Host = "127.0.0.1", Port = port, ConnectTimeout = TimeSpan.FromSeconds(2) });
            var error = Assert.Throws<RedisConnectionException>(() => client.Ping());
            Assert.Contains("127.0.0.1:" + port, error.Message);
        }

        private static bool Reply(Stream stream, string text)
        {
            FakeRedisServer.Write(stream, text);
            return true;
        }

        [Fact]
        public void AReplyOfTheWrongShapeNamesTheCommandAndTheConnectionIsNotReused()
        {
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] == "MGET") { FakeRedisServer.Write(s, ":1\r\n"); return true; }
                return FakeRedisServer.Healthy(c, s);
            });
            using RedisClient client = ClientFor(server);
            var ex = Assert.Throws<RedisInvalidResponseException>(() => client.MGet("a", "b", "c"));
            Assert.Contains("Unexpected reply to MGET", ex.Message);
            Assert.Contains("integer", ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Index was out of range", ex.Message);
            Assert.Equal("value", client.Get("k"));
            Assert.Equal(2, server.AcceptedConnections); // the connection that gave it was closed, not pooled

            using RedisPipeline pipe = client.Pipeline(transaction: false);
            pipe.MGet("a", "b");
            pipe.Get("k");
            IList<object?> replies = pipe.Execute(raiseOnError: false);
            Assert.Contains("Unexpected reply to MGET", Assert.IsType<RedisInvalidResponseException>(replies[0]).Message);
            Assert.Equal("value", replies[1]);
        }
    }
}
