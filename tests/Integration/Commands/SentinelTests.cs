using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>SENTINEL commands, RedisSentinel discovery and sentinel-managed clients, against a real master/replica/sentinel group.</summary>
    [Collection(SentinelCollection.Name)]
    public sealed class SentinelTests
    {
        private const string Service = SentinelFixture.ServiceName;
        private readonly SentinelGroup _group;
        private readonly string _p = "sn:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public SentinelTests(SentinelFixture fixture)
        {
            _group = fixture.Group;
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void GetMasterAddrByNameGivesHostAndPortOrNull(int protocol)
        {
            using RedisClient sentinel = _group.SentinelClient(protocol);
            SentinelAddress? address = sentinel.SentinelGetMasterAddrByName(Service);
            Assert.Equal(new SentinelAddress("127.0.0.1", _group.Master.Port), address);
            Assert.Null(sentinel.SentinelGetMasterAddrByName("no-such-" + _p));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SentinelMasterParsesNumbersAndFlags(int protocol)
        {
            using RedisClient sentinel = _group.SentinelClient(protocol);
            IDictionary<string, object?> master = sentinel.SentinelMaster(Service);
            Assert.Equal(Service, master["name"]);
            Assert.Equal("127.0.0.1", master["ip"]);
            Assert.Equal((long)_group.Master.Port, master["port"]);
            Assert.Equal(1L, master["quorum"]);
            Assert.Equal(1000L, master["down-after-milliseconds"]);
            Assert.Equal(5000L, master["failover-timeout"]);
            Assert.Equal(1L, master["num-slaves"]);
            Assert.Equal(0L, master["num-other-sentinels"]);
            Assert.Equal("master", master["flags"]);
            Assert.Equal(true, master["is_master"]);
            foreach (string flag in new[] { "is_slave", "is_sdown", "is_odown", "is_sentinel", "is_disconnected", "is_master_down" })
            {
                Assert.Equal(false, master[flag]);
            }
            Assert.IsType<string>(master["runid"]);

            var error = Assert.Throws<RedisResponseException>(() => sentinel.SentinelMaster("no-such-" + _p));
            Assert.Contains("No such master", error.Message);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SentinelMastersIsKeyedByName(int protocol)
        {
            using RedisClient sentinel = _group.SentinelClient(protocol);
            IDictionary<string, IDictionary<string, object?>> masters = sentinel.SentinelMasters();
            Assert.True(masters.ContainsKey(Service));
            Assert.Equal((long)_group.Master.Port, masters[Service]["port"]);
            Assert.Equal(true, masters[Service]["is_master"]);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SentinelSlavesListsTheReplica(int protocol)
        {
            using RedisClient sentinel = _group.SentinelClient(protocol);
            IDictionary<string, object?> replica = Assert.Single(sentinel.SentinelSlaves(Service));
            Assert.Equal((long)_group.Replica.Port, replica["port"]);
            Assert.Equal((long)_group.Master.Port, replica["master-port"]);
            Assert.Equal(true, replica["is_slave"]);
            Assert.Equal(false, replica["is_master"]);
            Assert.Equal(false, replica["is_sdown"]);
            Assert.IsType<long>(replica["slave-repl-offset"]);
            Assert.Throws<RedisResponseException>(() => sentinel.SentinelSlaves("no-such-" + _p));
        }

        [Fact]
        public void SentinelSentinelsIsEmptyWithOneSentinel()
        {
            using RedisClient sentinel = _group.SentinelClient();
            Assert.Empty(sentinel.SentinelSentinels(Service));
            Assert.Throws<RedisResponseException>(() => sentinel.SentinelSentinels("no-such-" + _p));
        }

        [Fact]
        public void MonitorSetResetAndRemoveAMaster()
        {
            string name = "t-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            using RedisClient sentinel = _group.SentinelClient();
            Assert.True(sentinel.SentinelMonitor(name, "127.0.0.1", _group.Master.Port, 2));
            try
            {
                IDictionary<string, object?> state = sentinel.SentinelMaster(name);
                Assert.Equal(2L, state["quorum"]);
                Assert.Equal((long)_group.Master.Port, state["port"]);

                Assert.True(sentinel.SentinelSet(name, "quorum", 3));
                Assert.True(sentinel.SentinelSet(name, "down-after-milliseconds", "2500"));
                state = sentinel.SentinelMaster(name);
                Assert.Equal(3L, state["quorum"]);
                Assert.Equal(2500L, state["down-after-milliseconds"]);
                Assert.Throws<RedisResponseException>(() => sentinel.SentinelSet(name, "no-such-option", 1));

                Assert.Equal(1L, sentinel.SentinelReset(name));
                Assert.Equal(0L, sentinel.SentinelReset("no-such-" + Guid.NewGuid().ToString("N")));
                Assert.True(sentinel.SentinelFlushConfig());

                // Quorum 3 with one sentinel cannot be reached.
                var noQuorum = Assert.Throws<RedisResponseException>(() => sentinel.SentinelCkQuorum(name));
                Assert.Equal("NOQUORUM", noQuorum.ErrorCode);
            }
            finally
            {
                Assert.True(sentinel.SentinelRemove(name));
            }
            Assert.Throws<RedisResponseException>(() => sentinel.SentinelMaster(name));
            Assert.Throws<RedisResponseException>(() => sentinel.SentinelRemove(name));
            Assert.True(sentinel.SentinelCkQuorum(Service));
        }

        [Fact]
        public void BadArgumentsFailBeforeSending()
        {
            using RedisClient sentinel = _group.SentinelClient();
            Assert.Throws<RedisDataException>(() => sentinel.SentinelMonitor("x", "127.0.0.1", 6379, 0));
            Assert.Throws<RedisDataException>(() => sentinel.SentinelMonitor("x", "127.0.0.1", 0, 1));
            Assert.Throws<RedisDataException>(() => sentinel.SentinelMonitor("", "127.0.0.1", 6379, 1));
            Assert.Throws<RedisDataException>(() => sentinel.SentinelSet("x", "", 1));
            Assert.Throws<RedisDataException>(() => sentinel.SentinelMaster(""));
            Assert.Throws<RedisDataException>(() => sentinel.Sentinel());
        }

        [Fact]
        public void GenericSentinelReturnsPlainValues()
        {
            using RedisClient sentinel = _group.SentinelClient();
            var items = Assert.IsAssignableFrom<System.Collections.IList>(sentinel.Sentinel("GET-MASTER-ADDR-BY-NAME", Service));
            Assert.Equal("127.0.0.1", items[0]);
            Assert.Equal(_group.Master.Port.ToString(CultureInfo.InvariantCulture), items[1]);
            Assert.Equal(40, Assert.IsType<string>(sentinel.Sentinel("MYID")).Length);
        }

        [Fact]
        public void DiscoverMasterAndSlaves()
        {
            using var manager = new RedisSentinel(new[] { _group.SentinelAddress });
            Assert.Equal(new SentinelAddress("127.0.0.1", _group.Master.Port), manager.DiscoverMaster(Service));
            Assert.Equal(new[] { new SentinelAddress("127.0.0.1", _group.Replica.Port) }, manager.DiscoverSlaves(Service));
            Assert.Empty(manager.DiscoverSlaves("no-such-" + _p));
        }

        [Fact]
        public void DiscoverMasterSkipsDeadSentinelsAndMovesTheAnsweringOneFirst()
        {
            var dead = new SentinelAddress("127.0.0.1", RedisServerProcess.GetFreeLoopbackPort());
            using var manager = new RedisSentinel(new[] { (dead.Host, dead.Port), (_group.SentinelAddress.Host, _group.SentinelAddress.Port) });
            Assert.Equal(dead.Port, manager.Sentinels[0].Options.Port);
            Assert.Equal(new SentinelAddress("127.0.0.1", _group.Master.Port), manager.DiscoverMaster(Service));
            Assert.Equal(_group.SentinelPort, manager.Sentinels[0].Options.Port);
            Assert.Equal(dead.Port, manager.Sentinels[1].Options.Port);
        }

        [Fact]
        public void MasterNotFoundForUnknownServiceDeadSentinelsOrTooFewOtherSentinels()
        {
            using (var manager = new RedisSentinel(new[] { _group.SentinelAddress }))
            {
                var unknown = Assert.Throws<RedisMasterNotFoundException>(() => manager.DiscoverMaster("no-such-" + _p));
                Assert.Contains("no-such-" + _p, unknown.Message);
                using RedisClient client = manager.MasterFor("no-such-" + _p);
                // A connection error, as in redis-py, so code that handles those handles this too.
                RedisMasterNotFoundException fromClient = Assert.Throws<RedisMasterNotFoundException>(() => client.Ping());
                Assert.IsAssignableFrom<RedisConnectionException>(fromClient);
            }

            var dead = new SentinelAddress("127.0.0.1", RedisServerProcess.GetFreeLoopbackPort());
            using (var manager = new RedisSentinel(new[] { dead }))
            {
                var error = Assert.Throws<RedisMasterNotFoundException>(() => manager.DiscoverMaster(Service));
                Assert.Contains(dead.ToString(), error.Message);
                Assert.Empty(manager.DiscoverSlaves(Service));
                using RedisClient replicaClient = manager.SlaveFor(Service);
                Assert.Throws<RedisSlaveNotFoundException>(() => replicaClient.Ping());
            }

            // Our only sentinel sees no other sentinel, so it is not trusted when one is required.
            using (var manager = new RedisSentinel(new[] { _group.SentinelAddress }, minOtherSentinels: 1))
            {
                Assert.Throws<RedisMasterNotFoundException>(() => manager.DiscoverMaster(Service));
            }
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void MasterForWritesAndSlaveForReadsFromTheReplica(int protocol)
        {
            using var manager = new RedisSentinel(new[] { _group.SentinelAddress }, connectionOptions: new ConnectionOptions { Protocol = protocol });
            using RedisClient master = manager.MasterFor(Service);
            using RedisClient replica = manager.SlaveFor(Service);

            Assert.True(master.Set(_p + "k", "v1"));
            Assert.Equal(_group.Master.Port, ((SentinelConnectionPool)master.ConnectionPool).MasterAddress!.Port);
            Assert.Equal(1L, Convert.ToInt64(master.ExecuteCommand("WAIT", 1, 5000), CultureInfo.InvariantCulture));

            Assert.Equal("v1", replica.Get(_p + "k"));
            Assert.Equal("slave", ((System.Collections.IList)replica.ExecuteCommand("ROLE")!)[0]);
            var readOnly = Assert.Throws<RedisReadOnlyException>(() => replica.Set(_p + "k", "v2"));
            Assert.Equal("READONLY", readOnly.ErrorCode);
            Assert.Equal(1L, master.Delete(_p + "k"));
        }

        [Fact]
        public void MasterForFollowsSelect()
        {
            using var manager = new RedisSentinel(new[] { _group.SentinelAddress });
            using RedisClient master = manager.MasterFor(Service, o => o.Database = 5);
            Assert.True(master.Set(_p + "db", "five"));
            Assert.True(master.Select(6));
            Assert.Null(master.Get(_p + "db"));
            Assert.True(master.Select(5));
            Assert.Equal("five", master.Get(_p + "db"));
            Assert.Equal(1L, master.Delete(_p + "db"));
        }

        [Fact]
        public void BlockingCommandThroughMasterForMayOutlastTheSocketTimeout()
        {
            using var manager = new RedisSentinel(new[] { _group.SentinelAddress });
            using RedisClient master = manager.MasterFor(Service, o => o.SocketTimeout = TimeSpan.FromMilliseconds(400));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Null(master.BLPop(_p + "never", TimeSpan.FromSeconds(1.2)));
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), "BLPOP returned before its own timeout");
            Assert.True(master.Ping()); // and the normal timeout is back for ordinary commands
        }

        /// <summary>
        /// redis-py behaviour after a failover: connections stay on the old master until it is demoted; then the first
        /// command fails (READONLY becomes ConnectionError "The previous master is now a slave") and the next one
        /// reconnects to the master the sentinels name now. The sentinel demotes the old master about 8-10 s after the
        /// switch; this test demotes it at once with REPLICAOF, as the sentinel would, to keep the test short.
        /// </summary>
        [Fact]
        public void MasterForClientSurvivesFailover()
        {
            using SentinelGroup group = SentinelGroup.Start();
            using var manager = new RedisSentinel(new[] { group.SentinelAddress });
            using RedisClient client = manager.MasterFor(Service);
            using RedisClient sentinel = group.SentinelClient();
            var oldMaster = new SentinelAddress("127.0.0.1", group.Master.Port);
            var newMaster = new SentinelAddress("127.0.0.1", group.Replica.Port);

            Assert.True(client.Set(_p + "before", "1"));
            Assert.Equal(1L, Convert.ToInt64(client.ExecuteCommand("WAIT", 1, 5000), CultureInfo.InvariantCulture));
            Assert.Equal(oldMaster, ((SentinelConnectionPool)client.ConnectionPool).MasterAddress);

            FailOver(sentinel);
            // GET-MASTER-ADDR-BY-NAME names the promoted replica while the failover is still running; SENTINEL MASTERS,
            // which discovery reads (as in redis-py), switches only when it has finished.
            group.WaitUntil(() => newMaster.Equals(sentinel.SentinelGetMasterAddrByName(Service)), "the sentinel to name the new master");
            group.WaitUntil(() => newMaster.Equals(manager.DiscoverMaster(Service)), "the failover to finish");
            group.WaitUntil(() => SentinelGroup.InfoField(newMaster.Port, "role") == "master", "the replica to be promoted");

            using (var old = new RedisClient("127.0.0.1", oldMaster.Port))
            {
                old.ExecuteCommand("REPLICAOF", newMaster.Host, newMaster.Port);
            }

            // The old master answers READONLY ("previous master is now a slave"): SET is harmless to repeat, so the
            // retry policy sends it again through a new lookup and the caller sees no error.
            Assert.True(client.Set(_p + "after", "2"));
            Assert.Equal(newMaster, ((SentinelConnectionPool)client.ConnectionPool).MasterAddress);
            using (var direct = new RedisClient("127.0.0.1", newMaster.Port))
            {
                Assert.Equal("2", direct.Get(_p + "after"));
                Assert.Equal("1", direct.Get(_p + "before"));
            }
            Assert.Equal("2", client.Get(_p + "after"));
        }

        /// <summary>
        /// The whole real sequence: the sentinel itself demotes the old master (REPLICAOF plus CLIENT KILL of its clients,
        /// about 8-10 s after the switch). Until then redis-py and this client still write to the old master; afterwards
        /// the killed idle connection is noticed before use and replaced through a new lookup, so at most one command
        /// fails (redis-py: exactly one ConnectionError) and the write lands on the new master.
        /// </summary>
        [Fact]
        public void MasterForClientFollowsSentinelDemotingTheOldMaster()
        {
            using SentinelGroup group = SentinelGroup.Start();
            using var manager = new RedisSentinel(new[] { group.SentinelAddress });
            using RedisClient client = manager.MasterFor(Service);
            using RedisClient sentinel = group.SentinelClient();
            var newMaster = new SentinelAddress("127.0.0.1", group.Replica.Port);
            Assert.True(client.Set(_p + "before", "1"));

            FailOver(sentinel);
            var clock = Stopwatch.StartNew();
            while (SentinelGroup.InfoField(group.Master.Port, "role") != "slave")
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), "the sentinel did not demote the old master within 25 s");
                Thread.Sleep(100);
            }
            Assert.Equal(newMaster, sentinel.SentinelGetMasterAddrByName(Service));

            int failures = 0;
            while (true)
            {
                try
                {
                    Assert.True(client.Set(_p + "after", "2"));
                    break;
                }
                catch (RedisConnectionException) when (failures == 0)
                {
                    failures++;
                }
            }
            Assert.Equal(newMaster, ((SentinelConnectionPool)client.ConnectionPool).MasterAddress);
            using var direct = new RedisClient("127.0.0.1", newMaster.Port);
            Assert.Equal("2", direct.Get(_p + "after"));
        }

        // SENTINEL FAILOVER answers NOGOODSLAVE until the sentinel has seen the replica's INFO; retry for a while.
        private static void FailOver(RedisClient sentinel)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    Assert.True(sentinel.SentinelFailover(Service));
                    return;
                }
                catch (RedisResponseException ex) when (ex.ErrorCode == "NOGOODSLAVE" && clock.Elapsed < TimeSpan.FromSeconds(15))
                {
                    Thread.Sleep(200);
                }
            }
        }
    }
}
