using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using PSRedis.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>The shared cluster of <see cref="ClusterFixture"/>, checked with raw per-node clients (no cluster support needed).</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterFixtureTests
{
    private readonly ClusterGroup _cluster;
    private readonly ITestOutputHelper _output;

    public ClusterFixtureTests(ClusterFixture fixture, ITestOutputHelper output)
    {
        _cluster = fixture.Group;
        _output = output;
    }

    [Fact]
    public void SharedCluster_HasThreePrimariesAndThreeReplicas_AndEveryNodeSeesAllSlotsCovered()
    {
        _output.WriteLine($"cluster ready in {_cluster.StartupTime.TotalMilliseconds:0} ms ({_cluster.StartupPhases}): {string.Join(", ", _cluster.SeedUrls)}");
        Assert.Equal(6, _cluster.Nodes.Count);
        Assert.Equal(3, _cluster.Primaries.Count);
        Assert.Equal(3, _cluster.Replicas.Count);
        Assert.Equal($"redis://127.0.0.1:{_cluster.Nodes[0].Port}/0", _cluster.SeedUrl);
        Assert.Equal(_cluster.Nodes.Select(n => $"127.0.0.1:{n.Port}"), _cluster.SeedUrls);
        Assert.All(_cluster.Nodes, n => Assert.InRange(n.Port, ClusterGroup.MinPort, ClusterGroup.MaxPort));

        IReadOnlyList<ClusterSlotRange> map = _cluster.SlotMap();
        Assert.Equal(ClusterGroup.SlotCount, map.Sum(r => r.End - r.Start + 1));
        Assert.Equal(_cluster.Primaries.Select(p => p.Port).Order(), map.Select(r => r.PrimaryPort).Distinct().Order());
        Assert.All(map, r => Assert.Single(r.ReplicaPorts));

        foreach (RedisServerProcess node in _cluster.Nodes)
        {
            using RedisClient client = _cluster.Client(node.Port);
            Assert.Contains("cluster_state:ok", (string)client.ExecuteCommand("CLUSTER", "INFO")!, StringComparison.Ordinal);
            Assert.Equal(string.Join(" ", map), string.Join(" ", _cluster.SlotMap(node.Port)));
        }

        foreach (RedisServerProcess replica in _cluster.Replicas)
        {
            Assert.Equal("up", SentinelGroup.InfoField(replica.Port, "master_link_status"));
        }
    }

    [Fact]
    public void KeySlot_IsTheServersAnswer_WithHashTags()
    {
        Assert.Equal(12739, _cluster.KeySlot("123456789")); // CRC16/XMODEM check value 0x31C3
        Assert.Equal(12182, _cluster.KeySlot("foo"));
        Assert.Equal(_cluster.KeySlot("user1000"), _cluster.KeySlot("{user1000}.following"));
        Assert.Equal(_cluster.KeySlot("{user1000}.followers"), _cluster.KeySlot("{user1000}.following"));
        Assert.Equal(_cluster.KeySlot("bar"), _cluster.KeySlot("foo{bar}{zap}"));   // the first {...} counts
        Assert.NotEqual(_cluster.KeySlot("foo"), _cluster.KeySlot("foo{}{bar}")); // an empty tag hashes the whole key
    }

    [Fact]
    public void SlotOwner_ServesTheKey_AndAnotherPrimaryAnswersMoved()
    {
        string key = "cf:owner:" + Guid.NewGuid().ToString("N");
        int slot = _cluster.KeySlot(key);
        int owner = _cluster.SlotOwnerPort(slot);
        int other = _cluster.Primaries.First(p => p.Port != owner).Port;

        using (RedisClient client = _cluster.Client(owner))
        {
            client.ExecuteCommand("SET", key, "v");
            Assert.Equal("v", client.ExecuteCommand("GET", key));
            client.ExecuteCommand("DEL", key);
        }

        using RedisClient wrong = _cluster.Client(other);
        var moved = Assert.ThrowsAny<RedisResponseException>(() => wrong.ExecuteCommand("GET", key));
        Assert.Equal($"MOVED {slot} 127.0.0.1:{owner}", moved.Message);
    }
}

/// <summary>Helpers that change a cluster's shape, each on a cluster of its own; and the group's own lifecycle.</summary>
public sealed class ClusterGroupLifecycleTests
{
    private readonly ITestOutputHelper _output;

    public ClusterGroupLifecycleTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void FailoverReplicaOf_SwapsRoles_AndEveryNodeAgrees_TwiceOver()
    {
        using ClusterGroup cluster = ClusterGroup.Start();
        _output.WriteLine($"started in {cluster.StartupTime.TotalMilliseconds:0} ms ({cluster.StartupPhases})");
        const string Key = "cf:failover";
        int slot = cluster.KeySlot(Key);
        int oldPrimary = cluster.SlotOwnerPort(slot);
        using (RedisClient client = cluster.Client(oldPrimary))
        {
            client.ExecuteCommand("SET", Key, "before");
            Assert.Equal(1L, client.ExecuteCommand("WAIT", 1, 5000)); // on the replica before it takes over
        }

        var clock = Stopwatch.StartNew();
        int newPrimary = cluster.FailoverReplicaOf(oldPrimary);
        _output.WriteLine($"failover {oldPrimary} -> {newPrimary} in {clock.ElapsedMilliseconds} ms");

        Assert.NotEqual(oldPrimary, newPrimary);
        Assert.Contains(newPrimary, cluster.Primaries.Select(p => p.Port));
        Assert.Contains(oldPrimary, cluster.Replicas.Select(p => p.Port));
        Assert.Equal(new[] { oldPrimary }, cluster.ReplicasOf(newPrimary).Select(r => r.Port));
        Assert.Equal(3, cluster.Primaries.Count);
        foreach (RedisServerProcess node in cluster.Nodes)
        {
            Assert.Equal(newPrimary, cluster.SlotMap(node.Port).First(r => r.Contains(slot)).PrimaryPort);
        }

        using (RedisClient promoted = cluster.Client(newPrimary))
        {
            Assert.Equal("before", promoted.ExecuteCommand("GET", Key));
        }

        using (RedisClient demoted = cluster.Client(oldPrimary))
        {
            var moved = Assert.ThrowsAny<RedisResponseException>(() => demoted.ExecuteCommand("GET", Key));
            Assert.Equal($"MOVED {slot} 127.0.0.1:{newPrimary}", moved.Message);
        }

        // And back: the demoted primary is a healthy replica again.
        clock.Restart();
        Assert.Equal(oldPrimary, cluster.FailoverReplicaOf(newPrimary));
        _output.WriteLine($"failover back in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(oldPrimary, cluster.SlotOwnerPort(slot));
    }

    [Fact]
    public void SlotMigration_HalfWay_SplitsKeysWithAsk_ThenComplete_And_MigrateSlot_MovesEverything()
    {
        using ClusterGroup cluster = ClusterGroup.Start();

        // Half-way: some keys of the slot on the target, the rest still on the source.
        string[] keys = Enumerable.Range(0, 10).Select(i => "{cf:ask}" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        int slot = cluster.KeySlot(keys[0]);
        int source = cluster.SlotOwnerPort(slot);
        int target = cluster.Primaries.First(p => p.Port != source).Port;
        using (RedisClient client = cluster.Client(source))
        {
            foreach (string key in keys) client.ExecuteCommand("SET", key, "v" + key);
        }

        ClusterSlotMigration migration = cluster.BeginSlotMigration(slot, target);
        Assert.Equal((source, target), (migration.SourcePort, migration.TargetPort));
        migration.MoveKeys(keys.Take(4).ToArray());
        Assert.Equal(keys.Skip(4).Order(), migration.KeysOnSource().Order());

        using (RedisClient sourceClient = cluster.Client(source))
        {
            Assert.Equal("v" + keys[9], sourceClient.ExecuteCommand("GET", keys[9])); // not moved: the source serves it
            var ask = Assert.ThrowsAny<RedisResponseException>(() => sourceClient.ExecuteCommand("GET", keys[0]));
            Assert.Equal($"ASK {slot} 127.0.0.1:{target}", ask.Message);
        }

        using (Socket socket = RespProbe.ConnectTcp("127.0.0.1", target, TimeSpan.FromSeconds(5)))
        using (var stream = new NetworkStream(socket))
        {
            Assert.Equal($"-MOVED {slot} 127.0.0.1:{source}", RespProbe.Send(stream, "GET", keys[0])); // not without ASKING
            Assert.Equal("+OK", RespProbe.Send(stream, "ASKING"));
            Assert.Equal("$v" + keys[0], RespProbe.Send(stream, "GET", keys[0]));
        }

        Assert.Equal(source, cluster.SlotOwnerPort(slot)); // the slot has not changed hands yet
        migration.Complete();
        AssertMoved(cluster, slot, source, target, keys);

        // In one go, on another slot and a third primary.
        string[] more = Enumerable.Range(0, 25).Select(i => "{cf:move}" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        int slot2 = cluster.KeySlot(more[0]);
        int from2 = cluster.SlotOwnerPort(slot2);
        int to2 = cluster.Primaries.First(p => p.Port != from2).Port;
        using (RedisClient client = cluster.Client(from2))
        {
            foreach (string key in more) client.ExecuteCommand("SET", key, "v" + key);
        }

        var clock = Stopwatch.StartNew();
        cluster.MigrateSlot(slot2, to2);
        _output.WriteLine($"slot {slot2} {from2} -> {to2} with {more.Length} keys in {clock.ElapsedMilliseconds} ms");
        AssertMoved(cluster, slot2, from2, to2, more);

        cluster.FlushAll();
        foreach (RedisServerProcess node in cluster.Nodes)
        {
            using RedisClient client = cluster.Client(node.Port);
            Assert.Equal(0L, client.ExecuteCommand("DBSIZE")); // replicas too: FlushAll waits for them
        }
    }

    [Fact]
    public void Dispose_KillsEveryNode_AndDeletesTheirFolders()
    {
        ClusterGroup cluster = ClusterGroup.Start();
        int[] pids = cluster.Nodes.Select(n => n.Pid).ToArray();
        string[] folders = cluster.Nodes.Select(n => n.WorkingDirectory).ToArray();
        Assert.Equal(6, pids.Length);
        Assert.All(folders, f => Assert.True(File.Exists(Path.Combine(f, "nodes.conf")), $"no nodes.conf in {f}"));
        Assert.Equal(6, folders.Distinct().Count());

        var clock = Stopwatch.StartNew();
        cluster.Dispose();
        _output.WriteLine($"started in {cluster.StartupTime.TotalMilliseconds:0} ms ({cluster.StartupPhases}), disposed in {clock.ElapsedMilliseconds} ms");

        Assert.All(pids, pid => Assert.True(IsGone(pid), $"redis-server pid {pid} still runs"));
        Assert.All(folders, f => Assert.False(Directory.Exists(f), $"{f} still exists"));
        cluster.Dispose(); // twice is harmless
    }

    [Fact]
    public void FailedStart_StopsTheNodesItStarted_AndSaysWhy()
    {
        // The nodes start, but as plain servers (the last --cluster-enabled wins), so redis-cli --cluster create fails.
        var error = Assert.Throws<InvalidOperationException>(() => ClusterGroup.Start(3, 1, "--cluster-enabled", "no"));
        _output.WriteLine(error.Message);
        Assert.Contains("redis-cli --cluster create exited with", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not configured as a cluster node", error.Message, StringComparison.Ordinal);
        int[] pids = Regex.Matches(error.Message, @"\(pid (\d+)\)").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().ToArray();
        Assert.Equal(6, pids.Length);
        Assert.All(pids, pid => Assert.True(IsGone(pid), $"redis-server pid {pid} still runs"));
    }

    [Fact]
    public void Start_WithRequirePass_AuthenticatesRedisCliReplicasAndTheFixturesClients()
    {
        const string Password = "cluster-pw";
        using ClusterGroup cluster = ClusterGroup.Start(3, 1, "--requirepass", Password);
        Assert.Equal(Password, cluster.Password);
        Assert.Equal(3, cluster.Replicas.Count); // their links are up: --masterauth came with the password
        using (RedisClient client = cluster.Client(cluster.Nodes[0].Port))
        {
            Assert.Equal("PONG", client.ExecuteCommand("PING"));
        }

        using RedisClient anonymous = new(new ConnectionOptions { Host = "127.0.0.1", Port = cluster.Nodes[0].Port, Retry = RetryPolicy.None });
        var refused = Assert.ThrowsAny<RedisException>(() => anonymous.ExecuteCommand("GET", "k"));
        Assert.Contains("NOAUTH", refused.Message, StringComparison.Ordinal);
    }

    private static void AssertMoved(ClusterGroup cluster, int slot, int source, int target, string[] keys)
    {
        foreach (RedisServerProcess node in cluster.Nodes)
        {
            Assert.Equal(target, cluster.SlotMap(node.Port).First(r => r.Contains(slot)).PrimaryPort);
        }

        using (RedisClient targetClient = cluster.Client(target))
        {
            foreach (string key in keys) Assert.Equal("v" + key, targetClient.ExecuteCommand("GET", key));
        }

        using RedisClient sourceClient = cluster.Client(source);
        Assert.Empty((object?[])sourceClient.ExecuteCommand("CLUSTER", "GETKEYSINSLOT", slot, 100)!);
        var moved = Assert.ThrowsAny<RedisResponseException>(() => sourceClient.ExecuteCommand("GET", keys[0]));
        Assert.StartsWith("MOVED ", moved.Message, StringComparison.Ordinal);
        Assert.Equal($"MOVED {slot} 127.0.0.1:{target}", moved.Message);
    }

    private static bool IsGone(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no process with that id
        }
    }
}
