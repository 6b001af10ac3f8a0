using System;
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
    /// <summary>
    /// A redis-server of the scripting tests' own: SCRIPT FLUSH and SCRIPT KILL act on the whole server, so they must
    /// not reach the shared one. A short busy-script threshold lets SCRIPT KILL be served quickly.
    /// </summary>
    public sealed class ScriptServerFixture : IDisposable
    {
        public ScriptServerFixture()
        {
            Server = RedisServerProcess.Start(new RedisServerOptions { ExtraArgs = new[] { "--lua-time-limit", "100" } });
        }

        public RedisServerProcess Server { get; }

        public void Dispose() => Server.Dispose();
    }

    /// <summary>EVAL/EVALSHA/SCRIPT * and RegisterScript, on a private server (see <see cref="ScriptServerFixture"/>).</summary>
    [Collection("redis")]
    public sealed class ScriptingTests : IDisposable, IClassFixture<ScriptServerFixture>
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly RedisClient _other;
        private readonly string _p = "sc:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public ScriptingTests(ScriptServerFixture server)
        {
            _url = server.Server.Url;
            _client = RedisClient.FromUrl(_url);
            _other = RedisClient.FromUrl(_url);
        }

        public void Dispose()
        {
            _client.Dispose();
            _other.Dispose();
        }

        [Fact]
        public void EvalConvertsLuaValuesAsRedisDoes()
        {
            Assert.Equal(42L, _client.Eval("return 42"));
            Assert.Equal(3L, _client.Eval("return 3.99")); // Lua numbers become integers, truncated
            Assert.Equal("hé", _client.Eval("return 'hé'"));
            Assert.Null(_client.Eval("return nil"));
            Assert.Null(_client.Eval("return false"));
            Assert.Equal(1L, _client.Eval("return true"));
            Assert.Equal("FINE", _client.Eval("return redis.status_reply('FINE')"));
            Assert.Equal("YES", _client.Eval("return {ok='YES'}"));
            Assert.Equal(new object?[] { 1L, "a", new object?[] { 2L, "b" } },
                Assert.IsType<object?[]>(_client.Eval("return {1, 'a', {2, 'b'}}")));
            Assert.Equal(new object?[] { 1L, 2L }, _client.Eval("return {1, 2, nil, 4}")); // a table ends at its first nil
            Assert.Empty(Assert.IsType<object?[]>(_client.Eval("return {}")));

            var error = Assert.Throws<RedisResponseException>(() => _client.Eval("return redis.error_reply('MYERR custom failure')"));
            Assert.Equal("MYERR", error.ErrorCode);
            Assert.Contains("custom failure", error.Message);
            var nested = Assert.IsType<object?[]>(_client.Eval("return {1, redis.error_reply('INNER bad')}"));
            Assert.Equal("INNER", Assert.IsType<RedisResponseException>(nested[1]).ErrorCode);
        }

        [Fact]
        public void EvalPassesKeysAndArguments()
        {
            string k = _p + "k";
            object? result = _client.Eval("redis.call('set', KEYS[1], ARGV[1]); return {KEYS[1], redis.call('get', KEYS[1]), ARGV[2], #KEYS, #ARGV}",
                new[] { k }, new object[] { "value", 2.5 });
            Assert.Equal(new object?[] { k, "value", "2.5", 1L, 2L }, result);
            Assert.Equal("value", _client.Get(k));
            Assert.Equal(0L, _client.Eval("return #KEYS + #ARGV"));

            var wrongType = Assert.Throws<RedisResponseException>(() => _client.Eval("return redis.call('lpush', KEYS[1], 'x')", new[] { k }));
            Assert.Contains("WRONGTYPE", wrongType.Message);
            Assert.Throws<RedisDataException>(() => _client.Eval("return 1", new string[] { null! }));
            Assert.Throws<RedisResponseException>(() => _client.Eval("this is not lua"));
        }

        [Fact]
        public void EvalUnderResp3KeepsRicherTypes()
        {
            using var client = RedisClient.FromUrl(_url, o => o.Protocol = 3);
            Assert.Equal(1L, client.Eval("return true")); // scripts answer RESP2 unless they ask for RESP3
            Assert.Equal(true, client.Eval("redis.setresp(3); return true"));
            Assert.Equal(new object?[] { 1L, "x" }, client.Eval("return {1, 'x'}"));
            Assert.Equal(3.5, client.Eval("redis.setresp(3); return {double=3.5}"));
            var map = Assert.IsType<Dictionary<object, object?>>(client.Eval("redis.setresp(3); return {map={a=1}}"));
            Assert.Equal(1L, map["a"]);
            Assert.Null(client.Eval("return nil"));
        }

        [Fact]
        public void ScriptLoadEvalShaAndExists()
        {
            string source = "return 'loaded " + _p + "'";
            RedisScript script = _client.RegisterScript(source);
            Assert.Equal(Sha1Hex(source), script.Sha);
            Assert.Equal(script.Sha, _client.ScriptLoad(source));
            string missing = new string('0', 40);
            Assert.Equal(new[] { true, false }, _client.ScriptExists(script.Sha, missing));
            Assert.Equal("loaded " + _p, _client.EvalSha(script.Sha));
            var ex = Assert.Throws<RedisNoScriptException>(() => _client.EvalSha(missing));
            Assert.Equal("NOSCRIPT", ex.ErrorCode);
            Assert.Throws<RedisDataException>(() => _client.ScriptExists());
        }

        [Fact]
        public void ScriptFlushEmptiesTheCache()
        {
            string sha = _client.ScriptLoad("return 'flush me " + _p + "'");
            Assert.True(_client.ScriptFlush());
            Assert.Equal(new[] { false }, _client.ScriptExists(sha));
            _client.ScriptLoad("return 'flush me " + _p + "'");
            Assert.True(_client.ScriptFlush(ScriptFlushMode.Sync));
            Assert.False(_client.ScriptExists(sha)[0]);
            _client.ScriptLoad("return 'flush me " + _p + "'");
            Assert.True(_client.ScriptFlush(ScriptFlushMode.Async));
            Assert.False(_client.ScriptExists(sha)[0]);
        }

        [Fact]
        public void RegisteredScriptSurvivesAFlushFromAnotherClient()
        {
            string k = _p + "counter";
            RedisScript incr = _client.RegisterScript("return redis.call('incrby', KEYS[1], ARGV[1])");
            Assert.Equal(5L, incr.Invoke(new[] { k }, new object[] { 5 }));
            Assert.True(_client.ScriptExists(incr.Sha)[0]);
            _other.ScriptFlush();
            Assert.False(_client.ScriptExists(incr.Sha)[0]);
            Assert.Equal(7L, incr.Invoke(new[] { k }, new object[] { 2 })); // NOSCRIPT -> SCRIPT LOAD -> EVALSHA
            Assert.True(_client.ScriptExists(incr.Sha)[0]);
            Assert.Equal(10L, incr.Invoke(new[] { k }, new object[] { 3 }, _other)); // on another client
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void RegisteredScriptInAPipelineIsLoadedBeforeItRuns(bool transaction)
        {
            string k = _p + "k";
            RedisScript echo = _client.RegisterScript("return {KEYS[1], ARGV[1], '" + _p + transaction + "'}");
            RedisScript other = _client.RegisterScript("return 'second " + _p + transaction + "'");
            _other.ScriptFlush();
            using RedisPipeline pipe = _client.Pipeline(transaction);
            Assert.Null(echo.Invoke(pipe, new[] { k }, new object[] { "a" })); // queued
            pipe.Set(k, "v");
            Assert.Null(other.Invoke(keys: null, args: null, client: pipe)); // a pipeline passed as plain RedisCommands
            echo.Invoke(pipe, new[] { k }, new object[] { "b" });
            Assert.False(_client.ScriptExists(echo.Sha)[0]); // nothing sent yet

            IList<object?> results = pipe.Execute();

            Assert.Equal(new object?[] { k, "a", _p + transaction }, results[0]);
            Assert.Equal(true, results[1]);
            Assert.Equal("second " + _p + transaction, results[2]);
            Assert.Equal(new object?[] { k, "b", _p + transaction }, results[3]);
            Assert.Equal(new[] { true, true }, _client.ScriptExists(echo.Sha, other.Sha));
        }

        [Fact]
        public void RegisteredScriptRunsAtOnceInAWatchingPipeline()
        {
            string k = _p + "k";
            _client.Set(k, "3");
            RedisScript read = _client.RegisterScript("return redis.call('get', KEYS[1]) .. '" + _p + "'");
            _other.ScriptFlush();
            using RedisPipeline pipe = _client.Pipeline();
            pipe.Watch(k);
            Assert.Equal("3" + _p, read.Invoke(pipe, new[] { k }));
            pipe.Multi();
            read.Invoke(pipe, new[] { k });
            Assert.Equal(new object?[] { "3" + _p }, pipe.Execute().ToArray());
        }

        [Fact]
        public void ScriptKillStopsABusyScript()
        {
            var notBusy = Assert.Throws<RedisResponseException>(() => _client.ScriptKill());
            Assert.Equal("NOTBUSY", notBusy.ErrorCode);

            Task<object?> busy = Task.Run(() => _other.Eval("while true do end"));
            var clock = Stopwatch.StartNew();
            bool killed = false;
            while (!killed && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                try
                {
                    killed = _client.ScriptKill();
                }
                catch (RedisResponseException pending) when (pending.ErrorCode == "NOTBUSY")
                {
                    Thread.Sleep(20); // the script has not started yet
                }
            }
            Assert.True(killed);
            var aggregate = Assert.Throws<AggregateException>(() => busy.Wait(TimeSpan.FromSeconds(20)));
            var ex = Assert.IsAssignableFrom<RedisResponseException>(aggregate.InnerException);
            Assert.Contains("kill", ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.True(_client.Ping());
        }

        private static string Sha1Hex(string text)
        {
            byte[] hash = System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(text));
            return string.Concat(hash.Select(b => b.ToString("x2")));
        }
    }
}
