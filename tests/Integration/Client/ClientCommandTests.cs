using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Client
{
    /// <summary>Every typed command of the client core against a real server.</summary>
    [Collection("redis")]
    public sealed class ClientCommandTests : IDisposable
    {
        private readonly RedisClient _client;
        private readonly string _url;
        private readonly string _p = "it:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public ClientCommandTests(RedisFixture fixture)
        {
            _url = fixture.Url;
            _client = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose() => _client.Dispose();

        [Fact]
        public void PingAndEcho()
        {
            Assert.True(_client.Ping());
            Assert.Equal("héllo wörld", _client.Echo("héllo wörld"));
        }

        [Fact]
        public void SetAndGetRoundTripUtf8AndBinary()
        {
            Assert.True(_client.Set(_p + "s", "ключ ✓"));
            Assert.Equal("ключ ✓", _client.Get(_p + "s"));
            byte[] binary = { 0, 1, 13, 10, 255, 254, 0 };
            Assert.True(_client.Set(_p + "b", binary));
            Assert.Equal(binary, _client.GetBytes(_p + "b"));
            Assert.Null(_client.Get(_p + "missing"));
            Assert.Null(_client.GetBytes(_p + "missing"));
            Assert.True(_client.Set(_p + "n", 12.5));
            Assert.Equal("12.5", _client.Get(_p + "n"));
        }

        [Fact]
        public void SetOptionsNxXxExPxKeepTtlGet()
        {
            string k = _p + "opt";
            Assert.False(_client.Set(k, "v", xx: true));
            Assert.True(_client.Set(k, "v1", nx: true));
            Assert.False(_client.Set(k, "v2", nx: true));
            Assert.Equal("v1", _client.Get(k));
            Assert.True(_client.Set(k, "v3", xx: true, ex: TimeSpan.FromSeconds(100)));
            Assert.InRange(_client.Ttl(k), 90, 100);
            Assert.True(_client.Set(k, "v4", keepTtl: true));
            Assert.InRange(_client.Ttl(k), 90, 100);
            Assert.True(_client.Set(k, "v5", px: TimeSpan.FromMilliseconds(50000)));
            Assert.InRange(_client.PTtl(k), 40000, 50000);
            Assert.Equal("v5", _client.SetAndGet(k, "v6"));
            Assert.Equal("v6", _client.Get(k));
            Assert.Equal(-1, _client.Ttl(k)); // a plain SET clears the TTL
            Assert.True(_client.Set(k, "v7", exAt: DateTimeOffset.UtcNow.AddSeconds(200)));
            Assert.InRange(_client.Ttl(k), 190, 200);
            Assert.Throws<RedisDataException>(() => _client.Set(k, "x", nx: true, xx: true));
            Assert.Throws<RedisDataException>(() => _client.Set(k, "x", ex: TimeSpan.FromSeconds(1), px: TimeSpan.FromSeconds(1)));
        }

        [Fact]
        public void ExpiredKeyDisappears()
        {
            string k = _p + "short";
            _client.Set(k, "v", px: TimeSpan.FromMilliseconds(100));
            Thread.Sleep(300);
            Assert.Null(_client.Get(k));
        }

        [Fact]
        public void MSetAndMGet()
        {
            var pairs = new Dictionary<string, object> { [_p + "a"] = "1", [_p + "b"] = new byte[] { 2 }, [_p + "c"] = 3L };
            Assert.True(_client.MSet(pairs));
            IList<string?> values = _client.MGet(_p + "a", _p + "missing", _p + "c");
            Assert.Equal(new string?[] { "1", null, "3" }, values);
            IList<byte[]?> raw = _client.MGetBytes(_p + "b");
            Assert.Equal(new byte[] { 2 }, raw[0]);
        }

        [Fact]
        public void DeleteUnlinkExistsType()
        {
            _client.Set(_p + "1", "x");
            _client.Set(_p + "2", "x");
            _client.ExecuteCommand("RPUSH", _p + "list", "a");
            Assert.Equal(3, _client.Exists(_p + "1", _p + "2", _p + "list"));
            Assert.Equal(2, _client.Exists(_p + "1", _p + "1"));
            Assert.Equal("string", _client.Type(_p + "1"));
            Assert.Equal("list", _client.Type(_p + "list"));
            Assert.Equal("none", _client.Type(_p + "nope"));
            Assert.Equal(1, _client.Delete(_p + "1", _p + "nope"));
            Assert.Equal(2, _client.Unlink(_p + "2", _p + "list"));
            Assert.Equal(0, _client.Exists(_p + "1", _p + "2", _p + "list"));
        }

        [Fact]
        public void ExpiryFamily()
        {
            string k = _p + "ttl";
            Assert.Equal(-2, _client.Ttl(k));
            Assert.False(_client.Expire(k, TimeSpan.FromSeconds(10)));
            _client.Set(k, "v");
            Assert.Equal(-1, _client.Ttl(k));
            Assert.Null(_client.TimeToLive(k));
            Assert.True(_client.Expire(k, TimeSpan.FromSeconds(100)));
            Assert.InRange(_client.Ttl(k), 95, 100);
            Assert.True(_client.PExpire(k, TimeSpan.FromMilliseconds(5000)));
            Assert.InRange(_client.PTtl(k), 1, 5000);
            Assert.True(_client.ExpireAt(k, DateTimeOffset.UtcNow.AddHours(1)));
            Assert.InRange(_client.Ttl(k), 3590, 3600);
            Assert.True(_client.PExpireAt(k, DateTimeOffset.UtcNow.AddMinutes(1)));
            Assert.InRange(_client.TimeToLive(k)!.Value.TotalSeconds, 50, 60);
            Assert.True(_client.Persist(k));
            Assert.False(_client.Persist(k));
            Assert.Equal(-1, _client.Ttl(k));
        }

        [Fact]
        public void RenameAndRenameNx()
        {
            _client.Set(_p + "from", "v");
            _client.Set(_p + "other", "o");
            Assert.True(_client.Rename(_p + "from", _p + "to"));
            Assert.Equal("v", _client.Get(_p + "to"));
            Assert.False(_client.RenameNx(_p + "to", _p + "other"));
            var error = Assert.Throws<RedisResponseException>(() => _client.Rename(_p + "absent", _p + "x"));
            Assert.Contains("no such key", error.Message);
        }

        [Fact]
        public void ScanWithMatchCountAndType()
        {
            for (int i = 0; i < 30; i++) _client.Set(_p + "scan:" + i, "v");
            _client.ExecuteCommand("SADD", _p + "scan:set", "m");
            var seen = new HashSet<string>();
            ulong cursor = 0;
            do
            {
                ScanPage page = _client.Scan(cursor, _p + "scan:*", 10);
                foreach (string key in page.Keys) seen.Add(key);
                cursor = page.Cursor;
            }
            while (cursor != 0);
            Assert.Equal(31, seen.Count);
            Assert.Equal(new[] { _p + "scan:set" }, _client.ScanIter(_p + "scan:*", 100, "set").Distinct().ToArray());
            Assert.Equal(30, _client.ScanIter(_p + "scan:*", type: "string").Distinct().Count());
        }

        [Fact]
        public void InfoIsParsedIntoSectionsAndTypedValues()
        {
            _client.Set(_p + "info", "v");
            RedisInfo all = _client.Info();
            Assert.IsType<string>(all["redis_version"]);
            Assert.IsType<long>(all["tcp_port"]);
            Assert.IsType<double>(all["mem_fragmentation_ratio"]);
            Assert.True(all.Sections.ContainsKey("Server"));
            Assert.True(all.Sections["Keyspace"].ContainsKey("db0"));
            var db0 = Assert.IsType<Dictionary<string, object>>(all["db0"]);
            Assert.True((long)db0["keys"] >= 1);
            RedisInfo server = _client.Info("server");
            Assert.Single(server.Sections);
            Assert.False(server.ContainsKey("used_memory"));
        }

        [Fact]
        public void SelectDbSizeAndFlushDbWorkOnTheChosenDatabase()
        {
            using RedisClient other = RedisClient.FromUrl(_url);
            Assert.True(other.Select(7));
            other.FlushDb();
            Assert.Equal(0, other.DbSize());
            other.Set(_p + "a", "1");
            other.Set(_p + "b", "2");
            Assert.Equal(2, other.DbSize());
            Assert.Equal(0, _client.Exists(_p + "a", _p + "b")); // database 0 does not see them
            Assert.True(other.FlushDb(asynchronous: true));
            Assert.Equal(0, other.DbSize());
            Assert.Throws<RedisResponseException>(() => other.Select(100000));
            Assert.Equal(7, other.Options.Database);
            // The db argument applies only when the URL names no database itself.
            string withoutDb = System.Text.RegularExpressions.Regex.Replace(_url, @"/\d+(?=\?|$)", string.Empty);
            using RedisClient viaUrl = RedisClient.FromUrl(withoutDb, db: 7);
            viaUrl.Set(_p + "c", "3");
            Assert.Equal("3", other.Get(_p + "c"));
            other.FlushDb();
        }

        [Fact]
        public void ExecuteCommandReturnsPlainValuesAndThrowsMappedErrors()
        {
            Assert.Equal("OK", _client.ExecuteCommand("SET", _p + "x", "1"));
            Assert.Equal(2L, _client.ExecuteCommand("INCR", _p + "x"));
            _client.ExecuteCommand("RPUSH", _p + "l", "a", "b");
            Assert.Equal(new object?[] { "a", "b" }, (object?[])_client.ExecuteCommand("LRANGE", _p + "l", 0, -1)!);
            var wrongType = Assert.Throws<RedisResponseException>(() => _client.ExecuteCommand("GET", _p + "l"));
            Assert.Equal("WRONGTYPE", wrongType.ErrorCode);
            // An unknown command is still a ResponseError (ERR), of the type that names the command and the server.
            RedisResponseException unknown = Assert.Throws<RedisUnsupportedCommandException>(() => _client.ExecuteCommand("NOSUCHCOMMAND"));
            Assert.Equal("ERR", unknown.ErrorCode);
            Assert.Throws<RedisNoScriptException>(() => _client.ExecuteCommand("EVALSHA", new string('0', 40), 0));
            Assert.Throws<RedisDataException>(() => _client.ExecuteCommand("SET", _p + "x", null));
            Assert.True(_client.Ping()); // errors left the pool healthy
        }
    }
}
