using System;
using System.Collections.Generic;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>
    /// The key commands against a real server. Tests needing a database of known contents use database 11 (flushed
    /// by these tests only); MOVE moves into database 12; MIGRATE and the LFU-only OBJECT FREQ use servers of their own.
    /// </summary>
    [Collection("redis")]
    public sealed class KeyCommandTests : IDisposable
    {
        private const int EmptyDb = 11;
        private const int MoveTargetDb = 12;

        private readonly RedisFixture _fixture;
        private readonly RedisClient _client;
        private readonly List<IDisposable> _cleanup = new List<IDisposable>();
        private readonly string _p = "key:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public KeyCommandTests(RedisFixture fixture)
        {
            _fixture = fixture;
            _client = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose()
        {
            _client.Dispose();
            for (int i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i].Dispose();
        }

        private RedisClient Client(int protocol, int? db = null, string? url = null)
        {
            if (protocol == 2 && db == null && url == null) return _client;
            // A URL's path names its database and would win over FromUrl's db argument, so set it afterwards.
            ConnectionOptions options = ConnectionOptions.FromUrl(url ?? _fixture.Url, o => o.Protocol = protocol);
            if (db.HasValue) options.Database = db.Value;
            var c = new RedisClient(options);
            _cleanup.Add(c);
            return c;
        }

        private RedisServerProcess OwnServer(params string[] extraArgs)
        {
            RedisServerProcess server = RedisServerProcess.Start(new RedisServerOptions { ExtraArgs = extraArgs });
            _cleanup.Add(server);
            return server;
        }

        /// <summary>
        /// A client of a server that can reach loopback targets: MIGRATE makes the source server connect to the
        /// target itself, which a container or remote REDIS_TEST_URL server could not do.
        /// </summary>
        private RedisClient LocalSource() => _fixture.IsLocalProcess ? _client : Client(2, url: OwnServer().Url);

        private static void AssertError(string code, Action action)
        {
            var ex = Assert.Throws<RedisResponseException>(action);
            Assert.Equal(code, ex.ErrorCode);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void DeleteExistsTypeTouch(int protocol)
        {
            RedisClient c = Client(protocol);
            string a = _p + "a", b = _p + "b", l = _p + "l";
            c.Set(a, "1");
            c.Set(b, "2");
            c.ExecuteCommand("RPUSH", l, "x");
            Assert.Equal("string", c.Type(a));
            Assert.Equal("list", c.Type(l));
            Assert.Equal("none", c.Type(_p + "missing"));
            Assert.Equal(3, c.Exists(a, b, a));
            Assert.Equal(2, c.Touch(a, b, _p + "missing"));
            Assert.Equal(2, c.Delete(a, _p + "missing", l));
            Assert.Equal(0, c.Exists(a, l));
            Assert.Equal(1, c.Unlink(b));
            Assert.Equal(0, c.Touch(b));
            Assert.Throws<RedisDataException>(() => c.Delete());
            Assert.Throws<RedisDataException>(() => c.Touch());
        }

        [Fact]
        public void ExpiryCommands()
        {
            string k = _p + "exp";
            Assert.False(_client.Expire(k, TimeSpan.FromSeconds(10)));
            Assert.Equal(-2, _client.Ttl(k));
            Assert.Equal(-2, _client.PTtl(k));
            Assert.Null(_client.TimeToLive(k));
            _client.Set(k, "v");
            Assert.Equal(-1, _client.Ttl(k));
            Assert.False(_client.Persist(k));
            Assert.True(_client.Expire(k, TimeSpan.FromSeconds(100)));
            Assert.InRange(_client.Ttl(k), 90, 100);
            Assert.True(_client.PExpire(k, TimeSpan.FromMilliseconds(50500)));
            Assert.InRange(_client.PTtl(k), 40000, 50500);
            Assert.InRange(_client.TimeToLive(k)!.Value, TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(50.5));
            Assert.True(_client.ExpireAt(k, DateTimeOffset.UtcNow.AddSeconds(200)));
            Assert.InRange(_client.Ttl(k), 190, 200);
            Assert.True(_client.PExpireAt(k, DateTimeOffset.UtcNow.AddSeconds(300)));
            Assert.InRange(_client.PTtl(k), 290000, 300000);
            Assert.True(_client.Persist(k));
            Assert.Equal(-1, _client.Ttl(k));
            // An instant in the past deletes the key.
            Assert.True(_client.ExpireAt(k, DateTimeOffset.UtcNow.AddSeconds(-10)));
            Assert.Equal(0, _client.Exists(k));
            Assert.Throws<RedisDataException>(() => _client.Expire(k, TimeSpan.FromMilliseconds(10)));
            Assert.Throws<RedisDataException>(() => _client.PExpire(k, TimeSpan.Zero));
        }

        [Fact]
        public void RenameAndRenameNx()
        {
            string a = _p + "a", b = _p + "b", c = _p + "c";
            _client.Set(a, "1");
            _client.Set(c, "3");
            Assert.True(_client.Rename(a, b));
            Assert.Equal("1", _client.Get(b));
            Assert.Equal(0, _client.Exists(a));
            Assert.False(_client.RenameNx(b, c));
            Assert.Equal("3", _client.Get(c));
            Assert.True(_client.RenameNx(b, a));
            Assert.Equal("1", _client.Get(a));
            var ex = Assert.Throws<RedisResponseException>(() => _client.Rename(_p + "missing", b));
            Assert.Contains("no such key", ex.Message);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void KeysAndRandomKeyInAnEmptyDatabase(int protocol)
        {
            RedisClient c = Client(protocol, EmptyDb);
            Assert.Equal(EmptyDb, c.Options.Database); // never flush a database others use
            c.FlushDb();
            Assert.Null(c.RandomKey());
            Assert.Empty(c.Keys());
            var names = new[] { _p + "one", _p + "two", _p + "three", _p + "ünï" };
            foreach (string n in names) c.Set(n, "v");
            c.Set("other", "v");
            Assert.Equal(new HashSet<string>(names), new HashSet<string>(c.Keys(_p + "*")));
            Assert.Equal(new[] { _p + "two" }, c.Keys(_p + "t?o"));
            Assert.Equal(5, c.Keys().Count);
            Assert.Empty(c.Keys(_p + "nothing*"));
            string? random = c.RandomKey();
            Assert.True(random == "other" || Array.IndexOf(names, random) >= 0, "RANDOMKEY gave " + random);
            c.FlushDb();
        }

        [Fact]
        public void MoveToAnotherDatabase()
        {
            RedisClient target = Client(2, MoveTargetDb);
            string k = _p + "mv";
            try
            {
                Assert.False(_client.Move(k, MoveTargetDb));
                _client.Set(k, "here");
                Assert.True(_client.Move(k, MoveTargetDb));
                Assert.Equal(0, _client.Exists(k));
                Assert.Equal("here", target.Get(k));
                // The key already exists in the target: nothing moves.
                _client.Set(k, "again");
                Assert.False(_client.Move(k, MoveTargetDb));
                Assert.Equal("again", _client.Get(k));
                Assert.Equal("here", target.Get(k));
                Assert.Throws<RedisDataException>(() => _client.Move(k, -1));
                Assert.Throws<RedisResponseException>(() => _client.Move(k, 100000));
            }
            finally
            {
                target.Delete(k);
            }
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void DumpAndRestore(int protocol)
        {
            RedisClient c = Client(protocol);
            string src = _p + "src", copy = _p + "copy";
            Assert.Null(c.Dump(_p + "missing"));
            c.ExecuteCommand("RPUSH", src, "a", "b", "c");
            byte[]? payload = c.Dump(src);
            Assert.NotNull(payload);

            Assert.True(c.Restore(copy, TimeSpan.Zero, payload!));
            Assert.Equal("list", c.Type(copy));
            Assert.Equal(new object[] { "a", "b", "c" }, (object[])c.ExecuteCommand("LRANGE", copy, 0, -1)!);
            Assert.Equal(-1, c.Ttl(copy));

            AssertError("BUSYKEY", () => c.Restore(copy, TimeSpan.Zero, payload!));
            Assert.True(c.Restore(copy, TimeSpan.FromSeconds(100), payload!, replace: true));
            Assert.InRange(c.Ttl(copy), 90, 100);

            TimeSpan at = TimeSpan.FromMilliseconds(DateTimeOffset.UtcNow.AddSeconds(200).ToUnixTimeMilliseconds());
            Assert.True(c.Restore(copy, at, payload!, replace: true, absTtl: true));
            Assert.InRange(c.Ttl(copy), 190, 200);

            Assert.True(c.Restore(copy, TimeSpan.Zero, payload!, replace: true, idleTime: TimeSpan.FromSeconds(1000)));
            Assert.InRange((long)c.Object(ObjectInfo.IdleTime, copy)!, 1000, 1100);

            var bad = Assert.Throws<RedisResponseException>(() => c.Restore(_p + "bad", TimeSpan.Zero, new byte[] { 1, 2, 3 }));
            Assert.Contains("payload", bad.Message);
            Assert.Throws<RedisDataException>(() => c.Restore(copy, TimeSpan.FromSeconds(-1), payload!));
            Assert.Throws<RedisDataException>(() => c.Restore(copy, TimeSpan.Zero, payload!, idleTime: TimeSpan.FromSeconds(1), frequency: 1));
            Assert.Throws<RedisDataException>(() => c.Restore(copy, TimeSpan.Zero, payload!, frequency: 256));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ObjectReportsEncodingRefCountAndIdleTime(int protocol)
        {
            RedisClient c = Client(protocol);
            c.Set(_p + "int", 12345);
            c.Set(_p + "short", "abc");
            c.Set(_p + "long", new string('x', 100));
            Assert.Equal("int", c.Object(ObjectInfo.Encoding, _p + "int"));
            Assert.Equal("embstr", c.Object(ObjectInfo.Encoding, _p + "short"));
            Assert.Equal("raw", c.Object(ObjectInfo.Encoding, _p + "long"));
            Assert.IsType<long>(c.Object(ObjectInfo.RefCount, _p + "long"));
            Assert.Equal(1L, c.Object(ObjectInfo.RefCount, _p + "long"));
            object? idle = c.Object(ObjectInfo.IdleTime, _p + "long");
            Assert.IsType<long>(idle);
            Assert.InRange((long)idle!, 0, 5);
            Assert.Null(c.Object(ObjectInfo.Encoding, _p + "missing"));
            Assert.Null(c.Object(ObjectInfo.RefCount, _p + "missing"));
            // FREQ needs an LFU maxmemory policy, which the shared server does not have.
            var ex = Assert.Throws<RedisResponseException>(() => c.Object(ObjectInfo.Freq, _p + "long"));
            Assert.Contains("LFU", ex.Message);
        }

        [Fact]
        public void ObjectFreqAndRestoreFrequencyUnderLfu()
        {
            RedisServerProcess lfu = OwnServer("--maxmemory-policy", "allkeys-lfu");
            RedisClient c = Client(2, url: lfu.Url);
            c.Set("k", "v");
            Assert.IsType<long>(c.Object(ObjectInfo.Freq, "k"));
            Assert.True(c.Restore("r", TimeSpan.Zero, c.Dump("k")!, frequency: 200));
            Assert.InRange((long)c.Object(ObjectInfo.Freq, "r")!, 150, 200);
            Assert.Null(c.Object(ObjectInfo.Freq, "missing"));
            Assert.Throws<RedisResponseException>(() => c.Object(ObjectInfo.IdleTime, "k"));
        }

        [Fact]
        public void MigrateMovesCopiesAndReplaces()
        {
            RedisClient source = LocalSource();
            RedisServerProcess targetServer = OwnServer();
            RedisClient target = Client(2, 3, targetServer.Url);
            string a = _p + "a", b = _p + "b", c = _p + "c";
            TimeSpan timeout = TimeSpan.FromSeconds(5);

            source.Set(a, "1");
            Assert.True(source.Migrate(targetServer.Host, targetServer.Port, new[] { a }, 3, timeout));
            Assert.Equal(0, source.Exists(a));
            Assert.Equal("1", target.Get(a));

            source.Set(b, "2");
            source.Set(c, "3");
            Assert.True(source.Migrate(targetServer.Host, targetServer.Port, new[] { b, c, _p + "missing" }, 3, timeout, copy: true));
            Assert.Equal(2, source.Exists(b, c));
            Assert.Equal(new string?[] { "2", "3" }, target.MGet(b, c));

            source.Set(b, "two");
            var busy = Assert.Throws<RedisResponseException>(() => source.Migrate(targetServer.Host, targetServer.Port, new[] { b }, 3, timeout, copy: true));
            Assert.Contains("BUSYKEY", busy.Message);
            Assert.True(source.Migrate(targetServer.Host, targetServer.Port, new[] { b }, 3, timeout, replace: true));
            Assert.Equal("two", target.Get(b));
            Assert.Equal(0, source.Exists(b));

            Assert.False(source.Migrate(targetServer.Host, targetServer.Port, new[] { _p + "missing" }, 3, timeout));
            Assert.Throws<RedisDataException>(() => source.Migrate(targetServer.Host, targetServer.Port, new string[0], 3, timeout));
            Assert.Throws<RedisDataException>(() => source.Migrate(targetServer.Host, targetServer.Port, new[] { c }, 3, TimeSpan.Zero));
            Assert.Throws<RedisDataException>(() => source.Migrate(targetServer.Host, targetServer.Port, new[] { c }, 3, timeout, authUsername: "u"));
        }

        [Fact]
        public void MigrateAuthenticatesWithPasswordOrAclUser()
        {
            RedisClient source = LocalSource();
            RedisServerProcess secured = _fixture.PasswordServer;
            RedisClient target = Client(2, 4, $"redis://:{RedisFixture.DefaultUserPassword}@{secured.Host}:{secured.Port}/4");
            string a = _p + "a", b = _p + "b";
            TimeSpan timeout = TimeSpan.FromSeconds(5);
            source.Set(a, "1");
            source.Set(b, "2");
            try
            {
                var denied = Assert.Throws<RedisResponseException>(() => source.Migrate(secured.Host, secured.Port, new[] { a }, 4, timeout, copy: true));
                Assert.Contains("NOAUTH", denied.Message);
                Assert.True(source.Migrate(secured.Host, secured.Port, new[] { a }, 4, timeout, auth: RedisFixture.DefaultUserPassword));
                Assert.True(source.Migrate(secured.Host, secured.Port, new[] { b }, 4, timeout,
                    auth: RedisFixture.AclUserPassword, authUsername: RedisFixture.AclUserName));
                Assert.Equal(new string?[] { "1", "2" }, target.MGet(a, b));
                Assert.Equal(0, source.Exists(a, b));
            }
            finally
            {
                target.Delete(a, b);
            }
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SortWithEveryOption(int protocol)
        {
            RedisClient c = Client(protocol);
            string l = _p + "l";
            c.ExecuteCommand("RPUSH", l, "3", "1", "10", "2");
            Assert.Equal(new string?[] { "1", "2", "3", "10" }, c.Sort(l));
            Assert.Equal(new string?[] { "10", "3", "2", "1" }, c.Sort(l, desc: true));
            Assert.Equal(new string?[] { "1", "10", "2", "3" }, c.Sort(l, alpha: true));
            Assert.Equal(new string?[] { "3", "2", "10", "1" }, c.Sort(l, alpha: true, desc: true));
            Assert.Equal(new string?[] { "2", "3" }, c.Sort(l, start: 1, num: 2));

            // BY weights: 1 -> 40, 2 -> 30, 3 -> 20, 10 -> 10.
            c.MSet(new Dictionary<string, object>
            {
                [_p + "w_1"] = 40, [_p + "w_2"] = 30, [_p + "w_3"] = 20, [_p + "w_10"] = 10,
                [_p + "name_1"] = "one", [_p + "name_2"] = "two", [_p + "name_3"] = "three",
            });
            Assert.Equal(new string?[] { "10", "3", "2", "1" }, c.Sort(l, by: _p + "w_*"));
            Assert.Equal(new string?[] { "3", "1", "10", "2" }, c.Sort(l, by: "nosort"));
            Assert.Equal(new string?[] { "one", "two", "three", null }, c.Sort(l, get: new[] { _p + "name_*" }));
            Assert.Equal(new string?[] { "two", "2", "three", "3" },
                c.Sort(l, by: _p + "w_*", get: new[] { _p + "name_*", "#" }, start: 1, num: 2, desc: true));

            IList<IList<string?>> groups = c.SortGroups(l, new[] { "#", _p + "name_*", _p + "w_*" });
            Assert.Equal(4, groups.Count);
            Assert.Equal(new string?[] { "1", "one", "40" }, groups[0]);
            Assert.Equal(new string?[] { "10", null, "10" }, groups[3]);
            IList<IList<string?>> paged = c.SortGroups(l, new[] { "#", _p + "name_*" }, start: 0, num: 1, by: _p + "w_*", desc: true);
            Assert.Equal(new string?[] { "1", "one" }, Assert.Single(paged));
            Assert.Empty(c.SortGroups(_p + "missing", new[] { "#", "x" }));

            string dest = _p + "sorted";
            Assert.Equal(4, c.SortStore(l, dest, desc: true));
            Assert.Equal(new object[] { "10", "3", "2", "1" }, (object[])c.ExecuteCommand("LRANGE", dest, 0, -1)!);
            Assert.Equal(3, c.SortStore(l, dest, get: new[] { _p + "name_*" }, start: 0, num: 3));
            Assert.Equal(new object[] { "one", "two", "three" }, (object[])c.ExecuteCommand("LRANGE", dest, 0, -1)!);

            c.ExecuteCommand("SADD", _p + "set", "b", "a", "c");
            Assert.Equal(new string?[] { "a", "b", "c" }, c.Sort(_p + "set", alpha: true));
            Assert.Empty(c.Sort(_p + "missing"));

            var notNumeric = Assert.Throws<RedisResponseException>(() => c.Sort(_p + "set"));
            Assert.Contains("double", notNumeric.Message);
            c.Set(_p + "str", "x");
            AssertError("WRONGTYPE", () => c.Sort(_p + "str"));
            Assert.Throws<RedisDataException>(() => c.Sort(l, start: 1));
            Assert.Throws<RedisDataException>(() => c.SortGroups(l, new[] { "#" }));
            Assert.Throws<RedisDataException>(() => c.SortStore(l, ""));
        }
    }
}
