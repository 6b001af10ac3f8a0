using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>
    /// Server and connection commands. Anything global or destructive (CONFIG SET, FLUSHALL, CLIENT PAUSE, SAVE, SHUTDOWN,
    /// SLAVEOF, SLOWLOG, kills by type/laddr) runs on a redis-server this test starts; SWAPDB uses databases 13 and 14 of
    /// the shared server; the rest reads the shared server or touches only keys under a per-test prefix.
    /// </summary>
    [Collection("redis")]
    public sealed class ServerCommandTests : IDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
        private readonly RedisFixture _fixture;
        private readonly RedisClient _client;
        private readonly string _p = "it:srv:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public ServerCommandTests(RedisFixture fixture)
        {
            _fixture = fixture;
            _client = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose() => _client.Dispose();

        private static void WaitUntil(Func<bool> condition, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > Patience) throw new TimeoutException("Gave up waiting: " + what);
                Thread.Sleep(20);
            }
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void PingEchoTime(int protocol)
        {
            using RedisClient c = RedisClient.FromUrl(_fixture.Url, o => o.Protocol = protocol);
            Assert.True(c.Ping());
            Assert.Equal("ünïcode ✓", c.Echo("ünïcode ✓"));
            Assert.Equal("42", c.Echo(42));
            DateTimeOffset serverTime = c.Time();
            Assert.InRange(serverTime, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.NotEqual(0, serverTime.Ticks % TimeSpan.TicksPerSecond); // the microseconds are kept (fails 1 time in 10^6)
        }

        [Fact]
        public void DbSizeInfoFlushDbFlushAllOnOwnServer()
        {
            using RedisServerProcess server = RedisServerProcess.Start();
            using RedisClient db0 = RedisClient.FromUrl(server.Url);
            using RedisClient db1 = RedisClient.FromUrl(server.Url);
            db1.Select(1); // the URL's /0 outranks FromUrl's db argument
            db0.Set("a", 1);
            db0.Set("b", 2);
            db1.Set("c", 3);
            Assert.Equal(2, db0.DbSize());
            Assert.Equal(1, db1.DbSize());
            Assert.True(db0.Info("keyspace").ContainsKey("db1"));
            Assert.True(db0.FlushDb());
            Assert.Equal(0, db0.DbSize());
            Assert.Equal(1, db1.DbSize());
            db0.Set("a", 1);
            Assert.True(db0.FlushAll(asynchronous: true));
            Assert.Equal(0, db0.DbSize());
            Assert.Equal(0, db1.DbSize());
            Assert.True(db1.FlushDb(asynchronous: true));
        }

        [Fact]
        public void ClientNameIdAndList()
        {
            // Sequential calls on an idle pool reuse one connection, so the name set is the name read back.
            using RedisClient c = RedisClient.FromUrl(_fixture.Url);
            Assert.Null(c.ClientGetName());
            string name = "it-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            Assert.True(c.ClientSetName(name));
            Assert.Equal(name, c.ClientGetName());
            long id = c.ClientId();
            Assert.True(id > 0);

            IDictionary<string, string> me = c.ClientList().Single(x => x["id"] == id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(name, me["name"]);
            Assert.Equal("client|list", me["cmd"]);
            Assert.Contains(":", me["addr"]);
            Assert.Contains(c.ClientList(ClientType.Normal), x => x["name"] == name);
            Assert.DoesNotContain(c.ClientList(ClientType.PubSub), x => x["name"] == name);
            Assert.Equal(name, Assert.Single(c.ClientList(clientIds: id))["name"]);
            Assert.Throws<RedisDataException>(() => c.ClientList(ClientType.Normal, id));

            using RedisClient resp3 = RedisClient.FromUrl(_fixture.Url, o => o.Protocol = 3);
            Assert.Contains(resp3.ClientList(), x => x["name"] == name);
            Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => c.ClientSetName("has space")).ErrorCode);
        }

        [Fact]
        public void ClientKillByAddressAndById()
        {
            using RedisClient victim = RedisClient.FromUrl(_fixture.Url);
            long victimId = victim.ClientId();
            string addr = _client.ClientList(clientIds: victimId).Single()["addr"];
            Assert.True(_client.ClientKill(addr));
            WaitUntil(() => _client.ClientList(clientIds: victimId).Count == 0, "killed client to disappear");
            Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => _client.ClientKill(addr)).ErrorCode);

            using RedisClient victim2 = RedisClient.FromUrl(_fixture.Url);
            long victim2Id = victim2.ClientId();
            Assert.Equal(1, _client.ClientKillFilter(id: victim2Id));
            Assert.Equal(0, _client.ClientKillFilter(id: victim2Id));
            long myId = _client.ClientId();
            Assert.Equal(0, _client.ClientKillFilter(id: myId)); // SKIPME defaults to yes
            Assert.Throws<RedisDataException>(() => _client.ClientKillFilter());
            Assert.Throws<RedisDataException>(() => _client.ClientKill(""));
        }

        [Fact]
        public void ClientKillFilterByTypeAddrLaddrUserOnOwnServer()
        {
            using RedisServerProcess server = RedisServerProcess.Start();
            using RedisClient admin = RedisClient.FromUrl(server.Url);
            using RedisClient a = RedisClient.FromUrl(server.Url);
            using RedisClient b = RedisClient.FromUrl(server.Url);
            using RedisClient d = RedisClient.FromUrl(server.Url);
            long aId = a.ClientId(), bId = b.ClientId(), dId = d.ClientId(), adminId = admin.ClientId();
            IDictionary<string, string> aInfo = admin.ClientList(clientIds: aId).Single();

            Assert.Equal(1, admin.ClientKillFilter(addr: aInfo["addr"], type: ClientType.Normal));
            Assert.Equal(0, admin.ClientKillFilter(type: ClientType.PubSub));
            Assert.Equal(1, admin.ClientKillFilter(id: bId, laddr: aInfo["laddr"], user: "default"));
            Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => admin.ClientKillFilter(user: "nosuchuser")).ErrorCode);
            // skipMe: false lets the caller go too: every normal client, this one included.
            Assert.Equal(2, admin.ClientKillFilter(type: ClientType.Normal, skipMe: false));
            using RedisClient observer = RedisClient.FromUrl(server.Url);
            IList<IDictionary<string, string>> left = observer.ClientList();
            Assert.DoesNotContain(left, x => x["id"] == dId.ToString(System.Globalization.CultureInfo.InvariantCulture)
                || x["id"] == adminId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        [Fact]
        public void ClientPauseHoldsOtherClientsOnOwnServer()
        {
            using RedisServerProcess server = RedisServerProcess.Start();
            using RedisClient admin = RedisClient.FromUrl(server.Url);
            using RedisClient other = RedisClient.FromUrl(server.Url);
            other.Ping();
            var clock = Stopwatch.StartNew();
            Assert.True(admin.ClientPause(TimeSpan.FromMilliseconds(700)));
            other.Set("k", "v");
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(400), "SET ran after " + clock.Elapsed);

            Assert.True(admin.ClientPause(TimeSpan.FromSeconds(60), writeOnly: true));
            Assert.Equal("v", other.Get("k")); // reads go on during a WRITE pause
            Assert.True(admin.ClientUnpause());
            clock.Restart();
            other.Set("k", "w");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
            Assert.Throws<RedisDataException>(() => admin.ClientPause(TimeSpan.Zero));
        }

        [Fact]
        public void ClientUnblockWakesABlockedReader()
        {
            using RedisClient blocked = RedisClient.FromUrl(_fixture.Url);
            long blockedId = blocked.ClientId();
            string stream = _p + "unblock";
            var streams = new Dictionary<string, string> { [stream] = "$" };

            IDictionary<string, IList<StreamEntry>>? result = null;
            var reader = new Thread(() => result = blocked.XRead(streams, block: TimeSpan.FromSeconds(30)));
            reader.Start();
            WaitUntil(() => IsBlocked(blockedId), "the reader to block");
            Assert.True(_client.ClientUnblock(blockedId));
            Assert.True(reader.Join(Patience));
            Assert.NotNull(result);
            Assert.Empty(result!);

            Exception? error = null;
            reader = new Thread(() =>
            {
                try { blocked.XRead(streams, block: TimeSpan.FromSeconds(30)); }
                catch (Exception ex) { error = ex; }
            });
            reader.Start();
            WaitUntil(() => IsBlocked(blockedId), "the reader to block again");
            Assert.True(_client.ClientUnblock(blockedId, error: true));
            Assert.True(reader.Join(Patience));
            Assert.Equal("UNBLOCKED", Assert.IsType<RedisResponseException>(error).ErrorCode);
            Assert.False(_client.ClientUnblock(blockedId)); // not blocked now
        }

        private bool IsBlocked(long id)
        {
            IList<IDictionary<string, string>> list = _client.ClientList(clientIds: id);
            return list.Count == 1 && list[0]["flags"].Contains('b');
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ConfigGetSetResetStatRewriteOnOwnServer(int protocol)
        {
            using RedisServerProcess server = RedisServerProcess.Start();
            using RedisClient c = RedisClient.FromUrl(server.Url, o => o.Protocol = protocol);
            Assert.Equal(new Dictionary<string, string?> { ["maxmemory"] = "0" }, c.ConfigGet("maxmemory"));
            Assert.True(c.ConfigSet("maxmemory", "10mb"));
            Assert.Equal("10485760", c.ConfigGet("maxmemory")["maxmemory"]);
            Assert.True(c.ConfigSet("maxmemory-samples", 7));
            Assert.Equal("7", c.ConfigGet("maxmemory-samples")["maxmemory-samples"]);
            IDictionary<string, string?> some = c.ConfigGet("maxmemory*");
            Assert.True(some.Count >= 3, "maxmemory* matched " + some.Count);
            Assert.True(c.ConfigGet().Count > 100);
            Assert.Empty(c.ConfigGet("no-such-setting"));
            Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => c.ConfigSet("no-such-setting", "1")).ErrorCode);

            for (int i = 0; i < 20; i++) c.Ping();
            Assert.True(Convert.ToInt64(c.Info("stats")["total_commands_processed"], System.Globalization.CultureInfo.InvariantCulture) > 20);
            Assert.True(c.ConfigResetStat());
            Assert.True(Convert.ToInt64(c.Info("stats")["total_commands_processed"], System.Globalization.CultureInfo.InvariantCulture) < 5);

            // RedisServerProcess starts without a config file, so there is nothing to rewrite.
            RedisResponseException rewrite = Assert.Throws<RedisResponseException>(() => c.ConfigRewrite());
            Assert.Contains("config file", rewrite.Message);
        }

        [Fact]
        public void SaveBgSaveBgRewriteAofLastSaveOnOwnServer()
        {
            using RedisServerProcess server = RedisServerProcess.Start();
            using RedisClient c = RedisClient.FromUrl(server.Url);
            c.Set("k", "v");
            DateTimeOffset before = c.LastSave();
            Assert.InRange(before, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
            Thread.Sleep(1100); // LASTSAVE has whole seconds
            Assert.True(c.Save());
            string rdb = Path.Combine(server.WorkingDirectory, "dump.rdb");
            Assert.True(File.Exists(rdb));
            DateTimeOffset saved = c.LastSave();
            Assert.True(saved > before, $"LASTSAVE {saved} not after {before}");

            File.Delete(rdb);
            Assert.True(c.BgSave());
            WaitUntil(() => File.Exists(rdb) && Equals(c.Info("persistence")["rdb_bgsave_in_progress"], 0L) , "BGSAVE to write dump.rdb");

            Assert.True(c.BgRewriteAof());
            WaitUntil(() => Equals(c.Info("persistence")["aof_rewrite_in_progress"], 0L) && Directory.Exists(Path.Combine(server.WorkingDirectory, "appendonlydir")),
                "BGREWRITEAOF to finish");
            Assert.True(c.BgSave(schedule: true));
            WaitUntil(() => Equals(c.Info("persistence")["rdb_bgsave_in_progress"], 0L), "scheduled BGSAVE to finish");
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SlowlogGetLenResetOnOwnServer(int protocol)
        {
            using RedisServerProcess server = RedisServerProcess.Start();
            using RedisClient c = RedisClient.FromUrl(server.Url, o => o.Protocol = protocol);
            c.ConfigSet("slowlog-log-slower-than", 0);
            Assert.True(c.SlowlogReset());
            c.ClientSetName("slowpoke");
            c.Set("slow-key", "slow value");
            IList<SlowlogEntry> entries = c.SlowlogGet();
            SlowlogEntry set = entries.First(e => e.Command.Count > 0 && e.Command[0] == "SET");
            Assert.Equal(new[] { "SET", "slow-key", "slow value" }, set.Command);
            Assert.Equal("SET slow-key slow value", set.ToString());
            Assert.InRange(set.StartTime, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.InRange(set.Duration, TimeSpan.Zero, TimeSpan.FromSeconds(10));
            Assert.Equal("slowpoke", set.ClientName);
            Assert.StartsWith("127.0.0.1:", set.ClientAddress);
            Assert.True(entries.Select(e => e.Id).SequenceEqual(entries.Select(e => e.Id).OrderByDescending(x => x)));
            Assert.Single(c.SlowlogGet(1));
            long len = c.SlowlogLen();
            Assert.True(c.SlowlogGet(-1).Count >= len); // the LEN call itself may be logged meanwhile
            Assert.True(c.SlowlogLen() >= 3);
            Assert.True(c.SlowlogReset());
            Assert.InRange(c.SlowlogLen(), 0, 1); // the RESET may log itself
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void MemoryUsageStatsPurge(int protocol)
        {
            using RedisClient c = RedisClient.FromUrl(_fixture.Url, o => o.Protocol = protocol);
            string k = _p + "mem";
            c.Set(k, new string('x', 1000));
            long? usage = c.MemoryUsage(k);
            Assert.NotNull(usage);
            Assert.True(usage > 1000, "usage " + usage);
            Assert.True(c.MemoryUsage(k, samples: 0) > 1000);
            Assert.Null(c.MemoryUsage(_p + "missing"));
            Assert.Throws<RedisDataException>(() => c.MemoryUsage(k, -1));

            IDictionary<string, object?> stats = c.MemoryStats();
            Assert.IsType<long>(stats["peak.allocated"]);
            Assert.IsType<long>(stats["keys.count"]);
            Assert.IsType<double>(stats["dataset.percentage"]);
            var db0 = Assert.IsAssignableFrom<IDictionary<string, object?>>(stats["db.0"]);
            Assert.IsType<long>(db0["overhead.hashtable.main"]);
            Assert.True(c.MemoryPurge());
        }

        [Fact]
        public void DebugObjectParsesLikeRedisPy()
        {
            using RedisClient c = RedisClient.FromUrl(_fixture.DebugServer.Url);
            string k = _p + "dbg";
            c.Set(k, "hello");
            IDictionary<string, object> info = c.DebugObject(k);
            Assert.Equal("Value", info["type"]);
            Assert.Equal("embstr", info["encoding"]);
            Assert.StartsWith("0x", (string)info["at"]);
            Assert.Equal(1L, info["refcount"]);
            Assert.IsType<long>(info["serializedlength"]);
            Assert.IsType<long>(info["lru_seconds_idle"]);
            Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => c.DebugObject(_p + "missing")).ErrorCode);
        }

        [Fact]
        public void ShutdownReturnsWhenTheServerGoesAway()
        {
            using RedisServerProcess server = RedisServerProcess.Start();
            using RedisClient c = RedisClient.FromUrl(server.Url);
            c.Set("k", "v");
            Assert.Throws<RedisDataException>(() => c.Shutdown(save: true, noSave: true));
            Assert.Throws<RedisDataException>(() => c.Shutdown(abort: true, now: true));
            Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => c.Shutdown(abort: true)).ErrorCode); // none in progress
            c.Shutdown(save: true);
            WaitUntil(() => server.HasExited, "redis-server to exit");
            Assert.True(File.Exists(Path.Combine(server.WorkingDirectory, "dump.rdb")), "SHUTDOWN SAVE wrote no dump.rdb");
            Assert.Throws<RedisConnectionException>(() => c.Ping());

            using RedisServerProcess second = RedisServerProcess.Start();
            using RedisClient c2 = RedisClient.FromUrl(second.Url);
            c2.Set("k", "v");
            c2.Shutdown(noSave: true, now: true, force: true);
            WaitUntil(() => second.HasExited, "second redis-server to exit");
            Assert.False(File.Exists(Path.Combine(second.WorkingDirectory, "dump.rdb")));
        }

        [Fact]
        public void SlaveOfAndWaitOnOwnServers()
        {
            using RedisServerProcess master = RedisServerProcess.Start();
            using RedisServerProcess replica = RedisServerProcess.Start();
            using RedisClient m = RedisClient.FromUrl(master.Url);
            using RedisClient r = RedisClient.FromUrl(replica.Url);
            Assert.Throws<RedisDataException>(() => r.SlaveOf(master.Host));

            Assert.True(r.SlaveOf(master.Host, master.Port));
            WaitUntil(() => Equals(r.Info("replication")["master_link_status"], "up"), "the replica to sync");
            m.Set("k", "v");
            Assert.Equal(1, m.Wait(1, TimeSpan.FromSeconds(10)));
            Assert.Equal("v", r.Get("k"));
            Assert.Throws<RedisReadOnlyException>(() => r.Set("k", "w"));
            Assert.Equal(1, m.Wait(0, TimeSpan.Zero)); // nothing to wait for: returns at once with the count

            Assert.True(r.SlaveOf());
            Assert.Equal("master", r.Info("replication")["role"]);
            Assert.True(r.Set("k", "w"));
            WaitUntil(() => Equals(m.Info("replication")["connected_slaves"], 0L), "the master to see the replica leave");
            var clock = Stopwatch.StartNew();
            Assert.Equal(0, m.Wait(1, TimeSpan.FromMilliseconds(300)));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), "WAIT returned after " + clock.Elapsed);
            Assert.Throws<RedisDataException>(() => m.Wait(-1, TimeSpan.FromSeconds(1)));
        }

        [Fact]
        public void SwapDbExchangesDatabases13And14()
        {
            using RedisClient db13 = RedisClient.FromUrl(_fixture.Url);
            using RedisClient db14 = RedisClient.FromUrl(_fixture.Url);
            db13.Select(13);
            db14.Select(14);
            string k = _p + "swap";
            db13.Set(k, "from13");
            db14.Delete(k);
            try
            {
                Assert.True(db13.SwapDb(13, 14));
                Assert.Null(db13.Get(k));
                Assert.Equal("from13", db14.Get(k));
                Assert.True(db13.SwapDb(14, 13));
                Assert.Equal("from13", db13.Get(k));
                Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => db13.SwapDb(13, 100000)).ErrorCode);
            }
            finally
            {
                db13.Delete(k);
                db14.Delete(k);
            }
        }

        [Fact]
        public void ReadOnlyAndReadWriteNeedACluster()
        {
            RedisResponseException ro = Assert.Throws<RedisResponseException>(() => _client.ReadOnly());
            Assert.Contains("cluster support disabled", ro.Message);
            RedisResponseException rw = Assert.Throws<RedisResponseException>(() => _client.ReadWrite());
            Assert.Contains("cluster support disabled", rw.Message);
        }
    }
}
