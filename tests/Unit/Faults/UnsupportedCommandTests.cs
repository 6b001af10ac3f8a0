using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit.Faults
{
    /// <summary>
    /// A server that lacks a command (Garnet, an older Redis) answers "unknown command": the client's error must name the
    /// command and the server, asking INFO only then and once per connection, and never repeat the arguments.
    /// </summary>
    public sealed class UnsupportedCommandTests
    {
        private const string GarnetInfo = "# Server\r\ngarnet_version:2.2.8\r\nserver_name:garnet\r\nredis_version:7.4.3\r\n";
        private const string RedisInfo = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n";

        /// <summary>A fake that knows GET, PING and INFO; NOSUCH and OBJECT FREQ are refused as Garnet or Redis would.</summary>
        private static FakeRedisServer Server(string info, Func<IReadOnlyList<string>, string> refusal, Action? onInfo = null) =>
            new FakeRedisServer((c, s) =>
            {
                string name = c[0].ToUpperInvariant();
                if (name == "INFO")
                {
                    onInfo?.Invoke();
                    FakeRedisServer.Write(s, "$" + info.Length + "\r\n" + info + "\r\n");
                    return true;
                }
                if (name == "NOSUCH" || name == "OBJECT")
                {
                    FakeRedisServer.Write(s, "-" + refusal(c) + "\r\n");
                    return true;
                }
                return FakeRedisServer.Healthy(c, s);
            });

        [Fact]
        public void GarnetsBareUnknownCommandNamesTheCommandAndTheServer()
        {
            int infos = 0;
            using var server = Server(GarnetInfo, _ => "ERR unknown command", () => Interlocked.Increment(ref infos));
            using RedisClient client = FaultTests.ClientFor(server);
            var ex = Assert.Throws<RedisUnsupportedCommandException>(() => client.ExecuteCommand("nosuch", "secret-pw"));
            Assert.Equal("The server garnet 2.2.8 at 127.0.0.1:" + server.Port + " does not support NOSUCH (ERR unknown command).", ex.Message);
            Assert.Equal("NOSUCH", ex.Command);
            Assert.Equal("garnet", ex.Server!.Name);
            Assert.Equal("ERR", ex.ErrorCode);
            // Asked once for this connection, not at every refusal; and the connection is still good.
            Assert.Throws<RedisUnsupportedCommandException>(() => client.ExecuteCommand("nosuch"));
            Assert.Equal(1, Volatile.Read(ref infos));
            Assert.Equal("value", client.Get("k"));
        }

        [Fact]
        public void RedisQuotedArgumentsNeverReachTheMessage()
        {
            using var server = Server(RedisInfo, c => "ERR unknown command '" + c[0] + "', with args beginning with: '" + (c.Count > 1 ? c[1] : "") + "' ");
            using RedisClient client = FaultTests.ClientFor(server);
            var ex = Assert.Throws<RedisUnsupportedCommandException>(() => client.ExecuteCommand("NOSUCH", "hunter2"));
            Assert.DoesNotContain("hunter2", ex.Message);
            Assert.DoesNotContain("hunter2", ex.ServerError);
            Assert.Contains("The server redis 7.0.15 at 127.0.0.1:", ex.Message); // no server_name: Redis
            Assert.Contains("does not support NOSUCH (ERR unknown command 'NOSUCH').", ex.Message);
        }

        [Fact]
        public void AnUnknownSubcommandIsNamedWithItsCommand()
        {
            using var server = Server(RedisInfo, c => "ERR unknown subcommand '" + c[1] + "'. Try OBJECT HELP.");
            using RedisClient client = FaultTests.ClientFor(server);
            var ex = Assert.Throws<RedisUnsupportedCommandException>(() => client.ExecuteCommand("object", "freq", "key-secret"));
            Assert.Equal("OBJECT FREQ", ex.Command);
            Assert.DoesNotContain("key-secret", ex.Message);
            Assert.EndsWith("does not support OBJECT FREQ (ERR unknown subcommand 'freq'. Try OBJECT HELP).", ex.Message);
        }

        [Fact]
        public void WhenInfoFailsTheErrorStillNamesTheCommandAndTheEndpoint()
        {
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] == "INFO") { FakeRedisServer.Write(s, "-NOPERM this user has no permissions to run the 'info' command\r\n"); return true; }
                if (c[0] == "NOSUCH") { FakeRedisServer.Write(s, "-ERR unknown command\r\n"); return true; }
                return FakeRedisServer.Healthy(c, s);
            });
            using RedisClient client = FaultTests.ClientFor(server);
            var ex = Assert.Throws<RedisUnsupportedCommandException>(() => client.ExecuteCommand("NOSUCH"));
            Assert.Equal("The server at 127.0.0.1:" + server.Port + " does not support NOSUCH (ERR unknown command).", ex.Message);
            Assert.Equal("value", client.Get("k"));
        }

        [Theory]
        [InlineData("ERR OBJECT FREQ is not supported: Garnet does not track access frequency (no LFU maxmemory policy).", true)]
        [InlineData("ERR OBJECT is not supported here", true)]
        [InlineData("ERR encoding 'x' is not supported", false)]
        [InlineData("ERR unknown subcommand 'FREQ'. Try OBJECT HELP.", true)]
        [InlineData("ERR wrong number of arguments for 'object|freq' command", false)]
        [InlineData("WRONGTYPE unknown command", false)]
        public void WhatCountsAsUnsupported(string message, bool unsupported) =>
            Assert.Equal(unsupported, UnsupportedCommand.IsUnknown(message, new object?[] { "object", "freq", "k" }));

        [Fact]
        public void OtherErrorsAreNotTakenForUnsupportedCommands()
        {
            using var server = Server(RedisInfo, _ => "ERR wrong number of arguments for 'object|freq' command");
            using RedisClient client = FaultTests.ClientFor(server);
            var ex = Assert.Throws<RedisResponseException>(() => client.ExecuteCommand("OBJECT", "FREQ"));
            Assert.IsNotType<RedisUnsupportedCommandException>(ex);
        }

        [Fact]
        public void InAPipelineEachRefusalIsItsCommandsResultAndNamesTheServer()
        {
            using var server = Server(GarnetInfo, _ => "ERR unknown command");
            using RedisClient client = FaultTests.ClientFor(server);
            using RedisPipeline pipe = client.Pipeline(transaction: false);
            pipe.ExecuteCommand("NOSUCH", "a");
            pipe.Get("k");
            pipe.ExecuteCommand("OBJECT", "FREQ", "k");
            IList<object?> replies = pipe.Execute(raiseOnError: false);
            var first = Assert.IsType<RedisUnsupportedCommandException>(replies[0]);
            Assert.Equal("value", replies[1]);
            var third = Assert.IsType<RedisUnsupportedCommandException>(replies[2]);
            // The first was read while others were due; it is named once the stream was in step again.
            Assert.StartsWith("The server garnet 2.2.8 at 127.0.0.1:", first.Message);
            Assert.Contains("does not support NOSUCH", first.Message);
            Assert.Contains("does not support OBJECT FREQ", third.Message);
            Assert.Equal("value", client.Get("k"));
        }

        [Fact]
        public void WhileWatchingACommandRunsAtOnceAndItsRefusalNamesTheServer()
        {
            using var server = Server(GarnetInfo, _ => "ERR unknown command");
            using RedisClient client = FaultTests.ClientFor(server);
            using RedisPipeline pipe = client.Pipeline(transaction: true);
            pipe.Watch("k");
            var ex = Assert.Throws<RedisUnsupportedCommandException>(() => pipe.ExecuteCommand("NOSUCH", "k"));
            Assert.StartsWith("The server garnet 2.2.8 at 127.0.0.1:", ex.Message);
            Assert.Equal("value", pipe.Get("k")); // the watch and its connection go on
        }

        [Fact]
        public void InATransactionTheQueueingRefusalIsAmongTheAbortsErrors()
        {
            using var server = new FakeRedisServer((c, s) =>
            {
                switch (c[0])
                {
                    case "MULTI": FakeRedisServer.Write(s, "+OK\r\n"); return true;
                    case "SET": FakeRedisServer.Write(s, "+QUEUED\r\n"); return true;
                    case "NOSUCH": FakeRedisServer.Write(s, "-ERR unknown command 'NOSUCH', with args beginning with: 'pw' \r\n"); return true;
                    case "EXEC": FakeRedisServer.Write(s, "-EXECABORT Transaction discarded because of previous errors.\r\n"); return true;
                    case "INFO": FakeRedisServer.Write(s, "$" + RedisInfo.Length + "\r\n" + RedisInfo + "\r\n"); return true;
                }
                return FakeRedisServer.Healthy(c, s);
            });
            using RedisClient client = FaultTests.ClientFor(server);
            using RedisPipeline pipe = client.Pipeline(transaction: true);
            pipe.Set("a", "1");
            pipe.ExecuteCommand("NOSUCH", "pw");
            var abort = Assert.Throws<RedisExecAbortException>(() => pipe.Execute());
            var refusal = Assert.IsType<RedisUnsupportedCommandException>(Assert.Single(abort.Errors));
            Assert.Contains("The server redis 7.0.15 at 127.0.0.1:", refusal.Message);
            Assert.DoesNotContain("'pw'", abort.Message);
            Assert.DoesNotContain("..", abort.Message);
        }

        [Fact]
        public void AReplyOfTheWrongShapeSaysWhatWasExpectedAndWhatCame()
        {
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] == "GET") { FakeRedisServer.Write(s, "*1\r\n:1\r\n"); return true; }
                if (c[0] == "MGET") { FakeRedisServer.Write(s, ":1\r\n"); return true; }
                return FakeRedisServer.Healthy(c, s);
            });
            using RedisClient client = FaultTests.ClientFor(server);
            var get = Assert.Throws<RedisInvalidResponseException>(() => client.Get("k"));
            Assert.StartsWith("Unexpected reply to GET: expected a string reply, got Array of 1.", get.Message);
            var mget = Assert.Throws<RedisInvalidResponseException>(() => client.MGet("a", "b"));
            Assert.StartsWith("Unexpected reply to MGET: expected an array reply, got integer 1.", mget.Message);
        }

        [Theory]
        [InlineData("# Server\r\nvalkey_version:8.1.0\r\nserver_name:valkey\r\nredis_version:7.2.4\r\n", "valkey 8.1.0 at h:1")]
        [InlineData("# Server\r\ngarnet_version:2.2.8\r\nserver_name:garnet\r\nredis_version:7.4.3\r\n", "garnet 2.2.8 at h:1")]
        [InlineData("# Server\r\nredis_version:7.0.15\r\n", "redis 7.0.15 at h:1")]
        [InlineData("", "redis at h:1")]
        public void InfoNamesTheProductAndItsOwnVersion(string info, string expected) =>
            Assert.Equal(expected, ServerIdentity.FromInfo(info, "h:1").Describe());
    }
}
