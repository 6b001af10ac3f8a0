using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>MULTI/EXEC pipelines, WATCH/UNWATCH, EXECABORT and RedisClient.Transaction's retries.</summary>
    [Collection("redis")]
    public sealed class TransactionTests : IDisposable
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly RedisClient _other;
        private readonly string _p = "tx:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public TransactionTests(RedisFixture fixture)
        {
            _url = fixture.Url;
            _client = RedisClient.FromUrl(fixture.Url);
            _other = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose()
        {
            _client.Dispose();
            _other.Dispose();
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void WatchConflictFromAnotherConnectionRaisesWatchException(int protocol)
        {
            using var client = RedisClient.FromUrl(_url, o => o.Protocol = protocol);
            string k = _p + "balance";
            client.Set(k, "100");
            using RedisPipeline pipe = client.Pipeline();
            Assert.True(pipe.Watch(k));
            Assert.True(pipe.IsImmediate);
            Assert.Equal("100", pipe.Get(k)); // immediate mode: the real value, at once
            _other.Set(k, "50");
            pipe.Multi();
            Assert.False(pipe.IsImmediate);
            pipe.Set(k, "90");

            Assert.Throws<RedisWatchException>(() => pipe.Execute());
            Assert.Equal("50", client.Get(k)); // nothing of the transaction ran
            Assert.False(pipe.IsWatching);
            Assert.Equal(0, ((ConnectionPool)client.ConnectionPool).InUseCount);
        }

        [Fact]
        public void WatchWithoutConflictCommits()
        {
            string k = _p + "counter";
            _client.Set(k, "1");
            using RedisPipeline pipe = _client.Pipeline();
            pipe.Watch(k);
            long current = long.Parse(pipe.Get(k)!);
            pipe.Multi();
            pipe.Set(k, current + 1);
            pipe.Get(k);
            Assert.Equal(new object?[] { true, "2" }, pipe.Execute().ToArray());
        }

        [Fact]
        public void WatchWithNothingQueuedStillChecksTheWatch()
        {
            string k = _p + "k";
            using RedisPipeline pipe = _client.Pipeline();
            pipe.Watch(k);
            _other.Set(k, "changed");
            Assert.Throws<RedisWatchException>(() => pipe.Execute());
        }

        [Fact]
        public void TransactionRetriesAfterAConflictThenSucceeds()
        {
            string k = _p + "k";
            _client.Set(k, "start");
            int attempts = 0;
            IList<object?> results = _client.Transaction(pipe =>
            {
                attempts++;
                string? seen = pipe.Get(k);
                if (attempts == 1) _other.Set(k, "changed"); // a concurrent writer, on the first attempt only
                pipe.Multi();
                pipe.Set(k, seen + "+1");
                pipe.Get(k);
            }, k);

            Assert.Equal(2, attempts);
            Assert.Equal(new object?[] { true, "changed+1" }, results.ToArray());
            Assert.Equal("changed+1", _client.Get(k));
            Assert.Equal(0, ((ConnectionPool)_client.ConnectionPool).InUseCount);
        }

        [Fact]
        public void TransactionValueReturnsWhatTheCallableReturned()
        {
            string k = _p + "k";
            _client.Set(k, "7");
            int attempts = 0;
            long seen = _client.TransactionValue(pipe =>
            {
                attempts++;
                long value = long.Parse(pipe.Get(k)!);
                if (attempts == 1) _other.Set(k, "8");
                pipe.Multi();
                pipe.Set(k, value * 10);
                return value;
            }, k);
            Assert.Equal(8, seen);
            Assert.Equal("80", _client.Get(k));
        }

        [Fact]
        public void TransactionWaitsWatchDelayBeforeRetrying()
        {
            string k = _p + "k";
            int attempts = 0;
            var clock = Stopwatch.StartNew();
            _client.Transaction(pipe =>
            {
                attempts++;
                if (attempts == 1) _other.Set(k, "x");
                pipe.Multi();
                pipe.Set(k, "y");
            }, TimeSpan.FromMilliseconds(300), k);
            Assert.Equal(2, attempts);
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), "elapsed " + clock.Elapsed);
            Assert.Equal("y", _client.Get(k));
            Assert.Throws<RedisDataException>(() => _client.Transaction(_ => { }, TimeSpan.FromSeconds(-1), k));
        }

        [Fact]
        public void TransactionWithoutWatchesJustExecutes()
        {
            string k = _p + "k";
            IList<object?> results = _client.Transaction(pipe =>
            {
                pipe.Set(k, "v");
                pipe.ExecuteCommand("APPEND", k, "w");
            });
            Assert.Equal(new object?[] { true, 2L }, results.ToArray());
        }

        [Fact]
        public void SyntaxErrorQueuedInATransactionAbortsItWithExecAbort()
        {
            using var client = RedisClient.FromUrl(_url, o => o.MaxConnections = 1);
            string a = _p + "a", b = _p + "b";
            using (RedisPipeline pipe = client.Pipeline())
            {
                pipe.Set(a, "1");
                pipe.ExecuteCommand("SET", a); // wrong number of arguments: refused when queued
                pipe.ExecuteCommand("NOSUCHCOMMAND", b);
                pipe.Set(b, "2");
                var ex = Assert.Throws<RedisExecAbortException>(() => pipe.Execute());
                Assert.Equal("EXECABORT", ex.ErrorCode);
                Assert.Equal(2, ex.Errors.Count);
                Assert.Contains("wrong number of arguments", ex.Errors[0].Message);
                Assert.Equal(1, ex.Errors[0].Data["PipelineCommandIndex"]);
                Assert.Contains("unknown command", ex.Errors[1].Message);
                Assert.Contains("wrong number of arguments", ex.Message);
            }
            Assert.Equal(0, client.Exists(a, b)); // nothing ran
            using (RedisPipeline next = client.Pipeline())
            {
                next.Set(a, "ok");
                Assert.Equal(new object?[] { true }, next.Execute().ToArray());
            }
        }

        [Fact]
        public void MultiAndWatchMisuseIsRejected()
        {
            using RedisPipeline pipe = _client.Pipeline();
            pipe.Multi();
            Assert.Throws<RedisException>(() => pipe.Multi());
            Assert.Throws<RedisException>(() => pipe.Watch(_p + "k"));
            pipe.Reset();
            pipe.Set(_p + "k", "v");
            Assert.Throws<RedisException>(() => pipe.Multi());
            Assert.Throws<RedisDataException>(() => pipe.Watch());
        }

        [Fact]
        public void UnwatchForgetsTheWatchAndReturnsTheConnection()
        {
            string k = _p + "k";
            var pool = (ConnectionPool)_client.ConnectionPool;
            using RedisPipeline pipe = _client.Pipeline();
            Assert.True(pipe.Unwatch()); // nothing watched: nothing to do
            pipe.Watch(k);
            Assert.Equal(1, pool.InUseCount);
            Assert.True(pipe.Unwatch());
            Assert.False(pipe.IsWatching);
            Assert.Equal(0, pool.InUseCount);
            _other.Set(k, "changed");
            pipe.Set(k, "mine");
            Assert.Equal(new object?[] { true }, pipe.Execute().ToArray());
            Assert.Equal("mine", _client.Get(k));
        }

        [Fact]
        public void DisposingAWatchingPipelineUnwatchesItsConnection()
        {
            // One connection: the second pipeline gets the first one's connection, where a stale WATCH would fail EXEC.
            using var client = RedisClient.FromUrl(_url, o => o.MaxConnections = 1);
            string k = _p + "k";
            using (RedisPipeline first = client.Pipeline())
            {
                first.Watch(k);
            }
            Assert.Equal(0, ((ConnectionPool)client.ConnectionPool).InUseCount);
            _other.Set(k, "changed");
            using RedisPipeline second = client.Pipeline();
            second.Set(k, "after");
            Assert.Equal(new object?[] { true }, second.Execute().ToArray());
            Assert.Equal(1, ((ConnectionPool)client.ConnectionPool).CreatedCount);
        }

        [Fact]
        public void ConnectionLostWhileWatchingRaisesWatchExceptionAndIsDiscarded()
        {
            using var client = RedisClient.FromUrl(_url);
            var pool = (ConnectionPool)client.ConnectionPool;
            string k = _p + "k";
            using RedisPipeline pipe = client.Pipeline();
            pipe.Watch(k);
            long id = Assert.IsType<long>(pipe.ExecuteCommand("CLIENT", "ID"));
            _other.ExecuteCommand("CLIENT", "KILL", "ID", id);
            pipe.Multi();
            pipe.Set(k, "v");

            var ex = Assert.Throws<RedisWatchException>(() => pipe.Execute());
            Assert.IsAssignableFrom<RedisConnectionException>(ex.InnerException);
            Assert.Equal(0, pool.InUseCount);
            Assert.Equal(0, pool.CreatedCount); // the broken connection was discarded, not pooled
            Assert.Null(client.Get(k));
        }
    }
}
