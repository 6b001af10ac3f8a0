using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cluster;

/// <summary>
/// RedisCluster against a real 3-primary, 3-replica cluster: slots agree with the server, keys spread over every
/// shard, multi-key commands split and reassembled, pipelines across nodes, single-slot transactions, and clear
/// cross-slot errors. Tests that move slots or fail over start a cluster of their own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterClientTests
{
    private readonly ClusterGroup _group;

    public ClusterClientTests(ClusterFixture fixture) => _group = fixture.Group;

    private RedisCluster Connect() => RedisCluster.FromUrl(_group.SeedUrl);

    private static string Prefix() => "cc:" + Guid.NewGuid().ToString("N")[..8] + ":";

    [Fact]
    public void TheSlotMapNamesThreePrimariesAndCoversEverySlot()
    {
        using RedisCluster cluster = Connect();
        Assert.Equal(3, cluster.Primaries.Count);
        Assert.Equal(0, cluster.SlotMap.UncoveredSlots);
        Assert.All(cluster.SlotMap.Shards, s => Assert.Single(s.Replicas));
        foreach (int slot in new[] { 0, 5000, 10000, 16383 })
            Assert.Equal(_group.SlotOwnerPort(slot), cluster.SlotMap.ShardFor(slot)!.Primary.Port);
    }

    [Fact]
    public void KeySlotsAgreeWithTheServer()
    {
        var random = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            string key = i % 3 == 0 ? "{tag" + random.Next(1000) + "}:" + i : "key:" + random.Next() + ":" + i;
            Assert.Equal(_group.KeySlot(key), ClusterSlot.Of(key));
        }
    }

    [Fact]
    public void TenThousandKeysAreWrittenCountedReadAndDeletedAcrossEveryShard()
    {
        using RedisCluster cluster = Connect();
        string prefix = Prefix();
        string[] keys = Enumerable.Range(0, 10_000).Select(i => prefix + i).ToArray();
        using (RedisPipeline pipe = cluster.Pipeline(transaction: false))
        {
            foreach (string key in keys) pipe.Set(key, "v-" + key);
            IList<object?> results = pipe.Execute();
            Assert.Equal(keys.Length, results.Count);
            Assert.All(results, r => Assert.Equal(true, r));
        }
        // Every primary holds a share.
        foreach (ClusterNode primary in cluster.Primaries)
            Assert.InRange(cluster.NodeClient(primary).DbSize(), 2_000, 10_000);
        Assert.Equal(keys.Length, cluster.ScanIter(prefix + "*", count: 500).Distinct().Count());

        IList<string?> values = cluster.MGet(keys.Concat(new[] { prefix + "missing" }).ToArray());
        Assert.Equal(keys.Length + 1, values.Count);
        for (int i = 0; i < keys.Length; i++) Assert.Equal("v-" + keys[i], values[i]);
        Assert.Null(values[^1]);
        Assert.Equal(keys.Length, cluster.Exists(keys));

        Assert.Equal(keys.Length, cluster.Unlink(keys));
        Assert.Equal(0, cluster.Exists(keys));
        Assert.Empty(cluster.ScanIter(prefix + "*"));
    }

    [Fact]
    public void MsetAndDelSplitBySlot()
    {
        using RedisCluster cluster = Connect();
        string p = Prefix();
        var pairs = Enumerable.Range(0, 50).ToDictionary(i => p + i, i => (object)("x" + i));
        Assert.True(cluster.MSet(pairs));
        Assert.Equal(pairs.Values.Cast<string>().ToArray(), cluster.MGet(pairs.Keys.ToArray()).ToArray());
        Assert.Equal(50, cluster.Delete(pairs.Keys.ToArray()));
    }

    [Fact]
    public void CommandsThatMustShareASlotFailBeforeSendingAndWorkWithAHashTag()
    {
        using RedisCluster cluster = Connect();
        string p = Prefix();
        cluster.Set(p + "a", "1");
        var error = Assert.Throws<RedisClusterCrossSlotException>(() => cluster.Rename(p + "a", p + "b"));
        Assert.Contains("hash tag", error.Message);
        Assert.Equal("1", cluster.Get(p + "a"));

        string tagged = "{" + p + "}";
        cluster.Set(tagged + "a", "1");
        Assert.True(cluster.Rename(tagged + "a", tagged + "b"));
        Assert.Equal("1", cluster.Get(tagged + "b"));
    }

    [Fact]
    public void APipelineOfMixedKeysAnswersInTheOrderQueued()
    {
        using RedisCluster cluster = Connect();
        string p = Prefix();
        using RedisPipeline pipe = cluster.Pipeline(transaction: false);
        for (int i = 0; i < 300; i++)
        {
            pipe.Set(p + i, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            pipe.Incr(p + "n" + i);
            pipe.Get(p + i);
        }
        pipe.LPush(p + "0", "x"); // WRONGTYPE in its own slot, the batch goes on
        pipe.Get(p + "299");
        IList<object?> results = pipe.Execute(raiseOnError: false);
        for (int i = 0; i < 300; i++)
        {
            Assert.Equal(true, results[3 * i]);
            Assert.Equal(1L, results[3 * i + 1]);
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), results[3 * i + 2]);
        }
        Assert.IsAssignableFrom<RedisResponseException>(results[900]);
        Assert.Equal("299", results[901]);
    }

    [Fact]
    public void ATransactionRunsWhenItsKeysShareASlotAndIsRefusedWhenTheyDoNot()
    {
        using RedisCluster cluster = Connect();
        string tag = "{" + Prefix() + "}";
        using (RedisPipeline tx = cluster.Pipeline(transaction: true))
        {
            tx.Set(tag + "a", "1");
            tx.Incr(tag + "n");
            tx.Get(tag + "a");
            Assert.Equal(new object?[] { true, 1L, "1" }, tx.Execute().ToArray());
        }
        Assert.Equal(1, cluster.TransactionValue(pipe =>
        {
            long n = pipe.Get(tag + "n") is string s ? long.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 0;
            pipe.Multi();
            pipe.Set(tag + "n", n + 1);
            return 1;
        }, tag + "n"));
        Assert.Equal("2", cluster.Get(tag + "n"));

        string p = Prefix();
        using RedisPipeline cross = cluster.Pipeline(transaction: true);
        cross.Set(p + "a", "1");
        cross.Set(p + "b", "2");
        var error = Assert.Throws<RedisClusterCrossSlotException>(() => cross.Execute());
        Assert.Contains("transaction", error.Message);
        Assert.Equal(0, cluster.Exists(p + "a", p + "b"));
    }

    [Fact]
    public void ReadsGoToReplicasOnlyWhenAskedAndWritesStayOnPrimaries()
    {
        string key = Prefix() + "replicated";
        int slot = ClusterSlot.Of(key);
        int primary = _group.SlotOwnerPort(slot);
        int replica = _group.ReplicasOf(primary).Single().Port;
        using RedisCluster writer = Connect();
        writer.Set(key, "v");
        using (RedisClient direct = _group.Client(replica))
        {
            direct.ExecuteCommand("READONLY");
            var clock = Stopwatch.StartNew();
            while (direct.Get(key) != "v" && clock.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(20);
        }
        long primaryGets = GetCalls(primary);
        long replicaGets = GetCalls(replica);
        using (RedisCluster reader = RedisCluster.FromUrl(_group.SeedUrl))
        {
            for (int i = 0; i < 10; i++) Assert.Equal("v", reader.Get(key));
        }
        Assert.Equal(primaryGets + 10, GetCalls(primary));
        Assert.Equal(replicaGets, GetCalls(replica));

        using (var replicaReader = new RedisCluster(new ConnectionOptions { Host = "127.0.0.1", Port = _group.Nodes[0].Port }, null, readFromReplicas: true))
        {
            for (int i = 0; i < 10; i++) Assert.Equal("v", replicaReader.Get(key));
            using RedisPipeline pipe = replicaReader.Pipeline(transaction: false);
            for (int i = 0; i < 10; i++) pipe.Get(key);
            Assert.All(pipe.Execute(), v => Assert.Equal("v", v));
            Assert.True(replicaReader.Set(key, "w")); // a write still goes to the primary
        }
        Assert.Equal(primaryGets + 10, GetCalls(primary));
        Assert.Equal(replicaGets + 20, GetCalls(replica));
    }

    private long GetCalls(int port)
    {
        using RedisClient client = _group.Client(port);
        string stats = (string)client.ExecuteCommand("INFO", "commandstats")!;
        foreach (string line in stats.Split('\n'))
        {
            if (!line.StartsWith("cmdstat_get:", StringComparison.Ordinal)) continue;
            string calls = line.Split(',')[0].Split('=')[1];
            return long.Parse(calls, System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    [Fact]
    public void NewerMultiKeyCommandsRouteByTheirKeysAndRefuseCrossSlotOnes()
    {
        using RedisCluster cluster = Connect();
        string p = Prefix();
        string t = "{" + p + "}";
        cluster.RPush(t + "l1", "a", "b");
        Assert.Equal("a", cluster.LMove(t + "l1", t + "l2"));
        Assert.True(cluster.Copy(t + "l2", t + "l3"));
        Assert.Equal(new[] { "a" }, cluster.LRange(t + "l3", 0, -1));
        ListMPopResult? popped = cluster.LMPop(new[] { t + "none", t + "l1" }, ListSide.Right);
        Assert.Equal(t + "l1", popped!.Key);
        cluster.ZAdd(t + "z1", new Dictionary<string, double> { ["x"] = 1, ["y"] = 2 });
        cluster.ZAdd(t + "z2", new Dictionary<string, double> { ["y"] = 5 });
        Assert.Equal(1, cluster.ZDiffStore(t + "z3", t + "z1", t + "z2"));
        Assert.Equal(1, cluster.ZRangeStore(t + "z4", t + "z1", "(1", "+inf", ZRangeBy.Score));
        Assert.Equal(1, cluster.ZInterCard(new[] { t + "z1", t + "z2" }));
        cluster.Set(t + "s1", "ohmytext");
        cluster.Set(t + "s2", "mynewtext");
        Assert.Equal("mytext", cluster.Lcs(t + "s1", t + "s2"));

        Assert.Throws<RedisClusterCrossSlotException>(() => cluster.LMove(p + "a", p + "b"));
        Assert.Throws<RedisClusterCrossSlotException>(() => cluster.ZDiffStore(p + "d", p + "a", p + "b"));
        Assert.Throws<RedisClusterCrossSlotException>(() => cluster.LMPop(new[] { p + "a", p + "b" }, ListSide.Left));

        // Single-key newer commands reach whichever shard holds each key.
        for (int i = 0; i < 30; i++) cluster.Set(p + i, "v" + i);
        for (int i = 0; i < 30; i++) Assert.Equal("v" + i, cluster.GetDel(p + i));
        Assert.Equal(0, cluster.Exists(Enumerable.Range(0, 30).Select(i => p + i).ToArray()));
    }

    [Fact]
    public void AFunctionLibraryIsLoadedOnEveryPrimaryAndCalledWhereItsKeyIs()
    {
        using RedisCluster cluster = Connect();
        string p = Prefix();
        string lib = "cl" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(lib, cluster.FunctionLoad("#!lua name=" + lib + "\nredis.register_function('" + lib + "_get', function(keys) return redis.call('GET', keys[1]) end)"));
        try
        {
            Assert.All(cluster.Primaries, n => Assert.Single(cluster.NodeClient(n).FunctionList(lib)));
            for (int i = 0; i < 20; i++)
            {
                cluster.Set(p + i, "v" + i);
                Assert.Equal("v" + i, cluster.FCall(lib + "_get", new[] { p + i }));
            }
        }
        finally
        {
            Assert.True(cluster.FunctionDelete(lib));
        }
        Assert.All(cluster.Primaries, n => Assert.Empty(cluster.NodeClient(n).FunctionList(lib)));
    }

    [Fact]
    public void KeylessCommandsGoToEveryPrimaryWhereTheyMust()
    {
        using RedisCluster cluster = Connect();
        long total = cluster.Primaries.Sum(n => cluster.NodeClient(n).DbSize());
        Assert.Equal(total, cluster.DbSize());
        string sha = cluster.ScriptLoad("return 'loaded'");
        Assert.All(cluster.Primaries, n => Assert.True(cluster.NodeClient(n).ScriptExists(sha)[0]));
        Assert.True(cluster.Ping());
    }
}

/// <summary>Slots that move and primaries that fail over while a client works: each test has a cluster of its own.</summary>
public sealed class ClusterTopologyChangeTests
{
    [Fact]
    public void AMovedSlotIsFollowedAndTheMapUpdated()
    {
        using ClusterGroup group = ClusterGroup.Start();
        using RedisCluster cluster = RedisCluster.FromUrl(group.SeedUrl);
        const string key = "moving:key";
        cluster.Set(key, "before");
        int slot = ClusterSlot.Of(key);
        int from = group.SlotOwnerPort(slot);
        int to = group.Primaries.First(p => p.Port != from).Port;
        group.MigrateSlot(slot, to);

        Assert.Equal("before", cluster.Get(key)); // MOVED from the old owner, followed
        Assert.Equal(to, cluster.SlotMap.ShardFor(slot)!.Primary.Port);
        cluster.Set(key, "after");
        using RedisClient direct = group.Client(to);
        Assert.Equal("after", direct.Get(key));
    }

    [Fact]
    public void APipelineWithAStaleSlotMapFollowsMovedForEachCommand()
    {
        using ClusterGroup group = ClusterGroup.Start();
        using RedisCluster cluster = RedisCluster.FromUrl(group.SeedUrl);
        string[] keys = Enumerable.Range(0, 50).Select(i => "{pipe}:" + i).ToArray();
        foreach (string key in keys) cluster.Set(key, "v");
        int slot = ClusterSlot.Of("{pipe}");
        int from = group.SlotOwnerPort(slot);
        int to = group.Primaries.First(p => p.Port != from).Port;
        group.MigrateSlot(slot, to); // the client's map still names the old owner

        using RedisPipeline pipe = cluster.Pipeline(transaction: false);
        foreach (string key in keys) pipe.Incr(key + ":n");
        foreach (string key in keys) pipe.Get(key);
        IList<object?> results = pipe.Execute();
        Assert.All(results.Take(keys.Length), r => Assert.Equal(1L, r)); // each INCR ran exactly once, on the new owner
        Assert.All(results.Skip(keys.Length), r => Assert.Equal("v", r));
        Assert.Equal(to, cluster.SlotMap.ShardFor(slot)!.Primary.Port);
    }

    [Fact]
    public void KeysOfASlotHalfWayThroughAMigrationAreReachedWithAsk()
    {
        using ClusterGroup group = ClusterGroup.Start();
        using RedisCluster cluster = RedisCluster.FromUrl(group.SeedUrl);
        string tag = "{mig}";
        int slot = ClusterSlot.Of(tag);
        cluster.Set(tag + "moved", "m");
        cluster.Set(tag + "stays", "s");
        int from = group.SlotOwnerPort(slot);
        int to = group.Primaries.First(p => p.Port != from).Port;
        ClusterSlotMigration migration = group.BeginSlotMigration(slot, to);
        migration.MoveKeys(tag + "moved");

        Assert.Equal("m", cluster.Get(tag + "moved")); // ASK to the importing node
        Assert.Equal("s", cluster.Get(tag + "stays"));
        migration.Complete();
        Assert.Equal(new[] { "m", "s" }, cluster.MGet(tag + "moved", tag + "stays").ToArray());
    }

    [Fact]
    public void APipelineWhosePrimaryDiedWaitsForTheReplicaToTakeOver()
    {
        using ClusterGroup group = ClusterGroup.Start();
        using RedisCluster cluster = RedisCluster.FromUrl(group.SeedUrl, o => o.SocketTimeout = TimeSpan.FromSeconds(20));
        string[] keys = Enumerable.Range(0, 600).Select(i => "crash:" + i).ToArray();
        foreach (string key in keys.Take(3)) cluster.Set(key, "warm"); // connections to every node exist before the crash
        int victim = group.SlotOwnerPort(ClusterSlot.Of(keys[0]));
        group.Node(victim).Dispose(); // kill -9: no failover handshake, the cluster must notice and promote the replica

        using RedisPipeline pipe = cluster.Pipeline(transaction: false);
        foreach (string key in keys) pipe.Set(key, "after");
        foreach (string key in keys) pipe.Get(key);
        IList<object?> results = pipe.Execute();
        Assert.All(results.Take(keys.Length), r => Assert.Equal(true, r));
        Assert.All(results.Skip(keys.Length), r => Assert.Equal("after", r));
        Assert.NotEqual(victim, cluster.NodeForKey(keys[0]).Port);
    }

    [Fact]
    public void AFailoverInTheMiddleOfALoopReachesTheCallerAsNothing()
    {
        using ClusterGroup group = ClusterGroup.Start();
        using RedisCluster cluster = RedisCluster.FromUrl(group.SeedUrl, o => o.SocketTimeout = TimeSpan.FromSeconds(10));
        const string key = "failover:counter";
        int primary = group.SlotOwnerPort(ClusterSlot.Of(key));
        var errors = new List<Exception>();
        int writes = 0;
        using var stop = new CancellationTokenSource();
        var loop = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    cluster.Set(key, writes.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    Assert.Equal(writes.ToString(System.Globalization.CultureInfo.InvariantCulture), cluster.Get(key));
                    writes++;
                }
                catch (Exception e)
                {
                    lock (errors) errors.Add(e);
                }
                Thread.Sleep(5);
            }
        });
        loop.Start();
        Thread.Sleep(500);
        int newPrimary = group.FailoverReplicaOf(primary);
        int before = writes;
        var clock = Stopwatch.StartNew();
        while (writes < before + 50 && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(20);
        stop.Cancel();
        loop.Join();
        Assert.Empty(errors);
        Assert.True(writes >= before + 50, "the loop went on after the failover");
        Assert.Equal(newPrimary, cluster.NodeForKey(key).Port);
    }
}
