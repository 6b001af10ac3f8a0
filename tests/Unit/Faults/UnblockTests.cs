using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit.Faults
{
    /// <summary>
    /// A stopped blocking command is ended in the server with CLIENT UNBLOCK from another connection (Garnet keeps a
    /// disconnected client's wait, which would take the next element pushed), learning the id with CLIENT ID once per
    /// connection; a refusal of either falls back to closing the connection only, and the stop stays quick.
    /// </summary>
    public sealed class UnblockTests
    {
        private sealed class Script
        {
            public readonly ConcurrentQueue<string> Seen = new ConcurrentQueue<string>();
            public string ClientIdReply = ":42\r\n";
            public string UnblockReply = ":1\r\n";

            public bool Serve(IReadOnlyList<string> c, System.IO.Stream s)
            {
                string name = c[0].ToUpperInvariant();
                if (name == "CLIENT" && c.Count > 1 && c[1].ToUpperInvariant() != "SETINFO") Seen.Enqueue(string.Join(" ", c));
                if (name == "BLPOP")
                {
                    Seen.Enqueue("BLPOP");
                    return true; // blocks: never answers
                }
                if (name == "CLIENT" && c[1].ToUpperInvariant() == "ID")
                {
                    FakeRedisServer.Write(s, ClientIdReply);
                    return true;
                }
                if (name == "CLIENT" && c[1].ToUpperInvariant() == "UNBLOCK")
                {
                    FakeRedisServer.Write(s, UnblockReply);
                    return true;
                }
                return FakeRedisServer.Healthy(c, s);
            }
        }

        private static RedisPipeline StopBlockedPop(RedisClient client, out TimeSpan took)
        {
            RedisPipeline pipe = client.Pipeline(transaction: false);
            pipe.BLPop("k", TimeSpan.Zero);
            pipe.Send();
            var clock = Stopwatch.StartNew();
            using (new Timer(_ => pipe.RequestStop(), null, 200, Timeout.Infinite))
            {
                Assert.Throws<OperationCanceledException>(() => pipe.Receive(0, null));
            }
            took = clock.Elapsed;
            return pipe;
        }

        [Fact]
        public void AStoppedBlockingCommandIsUnblockedByItsClientIdFromAnotherConnection()
        {
            var script = new Script();
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = FaultTests.ClientFor(server);
            using (RedisPipeline pipe = StopBlockedPop(client, out TimeSpan took))
            {
                Assert.Null(pipe.UnblockFailure);
                Assert.True(took < TimeSpan.FromSeconds(2), "took " + took);
            }
            Assert.Equal(new[] { "CLIENT ID", "BLPOP", "CLIENT UNBLOCK 42" }, script.Seen.ToArray());
            Assert.Equal(2, server.AcceptedConnections);
        }

        [Fact]
        public void ARefusedClientIdMeansNoUnblockAndTheStopOnlyClosesTheConnection()
        {
            var script = new Script { ClientIdReply = "-NOPERM User has no permissions to run the 'client|id' command\r\n" };
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = FaultTests.ClientFor(server);
            using (RedisPipeline pipe = StopBlockedPop(client, out TimeSpan took))
            {
                Assert.Null(pipe.UnblockFailure);
                Assert.True(took < TimeSpan.FromSeconds(2), "took " + took);
            }
            Assert.Equal(new[] { "CLIENT ID", "BLPOP" }, script.Seen.ToArray());
        }

        [Fact]
        public void ARefusedUnblockIsReportedAndTheStopStillEndsQuickly()
        {
            var script = new Script { UnblockReply = "-NOPERM User has no permissions to run the 'client|unblock' command\r\n" };
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = FaultTests.ClientFor(server);
            using (RedisPipeline pipe = StopBlockedPop(client, out TimeSpan took))
            {
                Assert.Contains("refused", pipe.UnblockFailure);
                Assert.True(took < TimeSpan.FromSeconds(2), "took " + took);
            }
        }

        [Fact]
        public void AnUnansweredUnblockGivesUpAfterItsDeadline()
        {
            var script = new Script { UnblockReply = string.Empty };
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = FaultTests.ClientFor(server);
            using (RedisPipeline pipe = StopBlockedPop(client, out TimeSpan took))
            {
                // "did not complete" as a rule; the unblock's own read has the same deadline, so it may fail first.
                Assert.NotNull(pipe.UnblockFailure);
                Assert.True(took < TimeSpan.FromSeconds(2.5), "took " + took);
            }
        }

        [Fact]
        public void TheClientIdIsAskedOncePerConnection()
        {
            var script = new Script();
            using var server = new FakeRedisServer(script.Serve);
            using RedisClient client = FaultTests.ClientFor(server);
            server.Behaviour = (c, s) =>
            {
                if (c[0].ToUpperInvariant() != "BLPOP") return script.Serve(c, s);
                FakeRedisServer.Write(s, "*-1\r\n"); // timed out: nil
                return true;
            };
            Assert.Null(client.BLPop("k", TimeSpan.FromMilliseconds(10)));
            using (RedisPipeline pipe = client.Pipeline(transaction: false))
            {
                for (int i = 0; i < 2; i++)
                {
                    pipe.BLPop("k", TimeSpan.FromMilliseconds(10));
                    pipe.Send();
                    pipe.Receive(0, null);
                }
            }
            Assert.Equal(new[] { "CLIENT ID" }, script.Seen.ToArray());
        }
    }
}
