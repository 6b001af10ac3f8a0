using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cluster;

/// <summary>
/// Pub/sub on a real 3-primary, 3-replica cluster: shard channels (SSUBSCRIBE/SPUBLISH) routed to their slot's owner,
/// classic channels received once although every node carries them, keyspace notifications from every primary, through
/// Register-RedisEvent / Publish-RedisMessage in a hosted engine and through the client's RedisClusterPubSub.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterPubSubTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly ClusterGroup _group;
    private readonly PowerShellHost _ps = new();
    private readonly string _prefix = "cps:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public ClusterPubSubTests(ClusterFixture fixture)
    {
        _group = fixture.Group;
        _ps.Run("Connect-Redis -Url $Url", new() { ["Url"] = _group.SeedUrl }).ShouldSucceed();
    }

    public void Dispose() => _ps.Dispose();

    /// <summary>One channel name per primary, each in a slot that primary owns (so three slots, three nodes).</summary>
    internal static IReadOnlyList<string> OnePerPrimary(ClusterGroup group, string prefix)
    {
        var owners = new Dictionary<int, string>();
        for (int i = 0; owners.Count < group.Primaries.Count; i++)
        {
            string name = prefix + "ch" + i;
            int port = group.SlotOwnerPort(ClusterSlot.Of(name));
            if (!owners.ContainsKey(port)) owners[port] = name;
        }
        return owners.Values.ToList();
    }

    private List<(string Type, string Channel, string? Pattern, string Message)> Events(string id) =>
        _ps.Run("@($ExecutionContext.Events.ReceivedEvents).Where({ $_.SourceIdentifier -eq $Id }) | ForEach-Object { ,@($_.SourceEventArgs.Type, $_.SourceEventArgs.Channel, $_.SourceEventArgs.Pattern, $_.SourceEventArgs.Message) }",
                new() { ["Id"] = id })
            .ShouldSucceed().Output
            .Select(o => (object[])o.BaseObject)
            .Select(a => ((string)a[0], (string)a[1], (string?)a[2], (string)a[3]))
            .ToList();

    private List<(string Type, string Channel, string? Pattern, string Message)> WaitForEvents(string id, int count)
    {
        DateTime deadline = DateTime.UtcNow + Wait;
        List<(string, string, string?, string)> seen;
        do
        {
            seen = Events(id);
            if (seen.Count >= count) return seen;
            Thread.Sleep(50);
        } while (DateTime.UtcNow < deadline);
        return seen;
    }

    private void Unregister(string id) =>
        _ps.Run("@($ExecutionContext.Events.GetEventSubscribers($Id)) | ForEach-Object { $ExecutionContext.Events.UnsubscribeEvent($_) }", new() { ["Id"] = id }).ShouldSucceed();

    [Fact]
    public void ShardChannelsInThreeSlotsOnThreeNodesAllDeliverInOrder()
    {
        IReadOnlyList<string> channels = OnePerPrimary(_group, _prefix);
        Assert.Equal(3, channels.Select(c => _group.SlotOwnerPort(ClusterSlot.Of(c))).Distinct().Count());
        PowerShellResult r = _ps.Run("""
            Register-RedisEvent -ShardChannel $Channels -SourceIdentifier shard
            $sub = @($ExecutionContext.Events.GetEventSubscribers('shard'))[0].SourceObject
            $sub.PubSub.GetType().Name
            $sub.PubSub.Nodes.Count
            foreach ($i in 1..50) { foreach ($c in $Channels) { Publish-RedisMessage -Channel $c -Message "$c#$i" -Sharded -PassThru } }
            """, new() { ["Channels"] = channels.ToArray() }).ShouldSucceed();
        Assert.Equal("RedisClusterPubSub", r.Output[0].BaseObject);
        Assert.Equal(3, r.Output[1].BaseObject);
        // Each SPUBLISH reached exactly our one subscriber, on the channel's own node.
        Assert.All(r.Output.Skip(2), o => Assert.Equal(1L, o.BaseObject));

        var events = WaitForEvents("shard", 150);
        Assert.Equal(150, events.Count);
        Assert.All(events, e => Assert.Equal("smessage", e.Type));
        Assert.All(events, e => Assert.Null(e.Pattern));
        foreach (string channel in channels)
        {
            Assert.Equal(Enumerable.Range(1, 50).Select(i => channel + "#" + i), events.Where(e => e.Channel == channel).Select(e => e.Message));
        }
        Unregister("shard");
    }

    [Fact]
    public void ClassicChannelOnAClusterArrivesOnceFromWhicheverNodePublished()
    {
        string channel = _prefix + "news";
        _ps.Run("Register-RedisEvent -Channel $Channel -SourceIdentifier classic", new() { ["Channel"] = channel }).ShouldSucceed();
        // Published on each primary in turn: the cluster bus carries it to the node we listen on, once.
        int n = 0;
        foreach (RedisServerProcess primary in _group.Primaries)
        {
            using RedisClient node = _group.Client(primary.Port);
            node.Publish(channel, "via " + primary.Port);
            n++;
        }
        _ps.Run("Publish-RedisMessage -Channel $Channel -Message 'via cmdlet'", new() { ["Channel"] = channel }).ShouldSucceed();
        var events = WaitForEvents("classic", n + 1);
        Thread.Sleep(300); // any duplicate would have arrived by now
        events = Events("classic");
        // Each exactly once; not in publishing order: a message published on another node travels over the cluster bus.
        Assert.Equal(_group.Primaries.Select(p => "via " + p.Port).Append("via cmdlet").OrderBy(m => m, StringComparer.Ordinal),
            events.Select(e => e.Message).OrderBy(m => m, StringComparer.Ordinal));
        Assert.All(events, e => Assert.Equal("message", e.Type));
        Unregister("classic");
    }

    [Fact]
    public void KeyspaceNotificationsComeFromEveryPrimary()
    {
        SetNotifications(_group, "KEA");
        try
        {
            string pattern = "__keyspace@0__:" + _prefix + "*";
            PowerShellResult r = _ps.Run("""
                Register-RedisEvent -Pattern $Pattern -SourceIdentifier keyspace
                @(@($ExecutionContext.Events.GetEventSubscribers('keyspace'))[0].SourceObject.PubSub.Nodes).Count
                """, new() { ["Pattern"] = pattern }).ShouldSucceed();
            Assert.Equal(_group.Primaries.Count, r.Single());
            IReadOnlyList<string> keys = OnePerPrimary(_group, _prefix);
            _ps.Run("foreach ($k in $Keys) { Set-RedisValue -Key $k -Value 1 }; Remove-RedisKey -Key $Keys -Confirm:$false",
                new() { ["Keys"] = keys.ToArray() }).ShouldSucceed();
            var events = WaitForEvents("keyspace", keys.Count * 2);
            Thread.Sleep(300); // a duplicate (a node subscribed twice) would have arrived by now
            events = Events("keyspace");
            Assert.Equal(keys.Count * 2, events.Count);
            foreach (string key in keys)
            {
                Assert.Equal(new[] { "set", "del" }, events.Where(e => e.Channel == "__keyspace@0__:" + key).Select(e => e.Message));
            }
            Assert.All(events, e => Assert.Equal(pattern, e.Pattern));
            Unregister("keyspace");
        }
        finally
        {
            SetNotifications(_group, "");
        }
    }

    [Fact]
    public void KeyEventWithEnableNotificationsSetsEveryPrimaryAndHearsEachOne()
    {
        SetNotifications(_group, "");
        try
        {
            PowerShellResult r = _ps.Run("""
                Register-RedisEvent -KeyEvent set, del -Match $Match -EnableNotifications -SourceIdentifier keyevents
                @(@($ExecutionContext.Events.GetEventSubscribers('keyevents'))[0].SourceObject.PubSub.Nodes).Count
                """, new() { ["Match"] = _prefix + "*" }).ShouldSucceed();
            Assert.Equal(_group.Primaries.Count, r.Output.Last().BaseObject);
            Assert.Equal(_group.Primaries.Count, r.Warnings.Count(w => w.Contains("Enabled keyspace notifications", StringComparison.Ordinal)));
            foreach (RedisServerProcess primary in _group.Primaries)
            {
                using RedisClient client = _group.Client(primary.Port);
                string flags = client.ConfigGet("notify-keyspace-events")["notify-keyspace-events"]!;
                Assert.True(flags.Contains('E') && flags.Contains('$') && flags.Contains('g'), primary.Url + ": " + flags);
            }
            IReadOnlyList<string> keys = OnePerPrimary(_group, _prefix);
            _ps.Run("foreach ($k in $Keys) { Set-RedisValue -Key $k -Value 1 }; Remove-RedisKey -Key $Keys -Confirm:$false",
                new() { ["Keys"] = keys.ToArray() }).ShouldSucceed();
            WaitForEvents("keyevents", keys.Count * 2);
            Thread.Sleep(300);
            PowerShellResult typed = _ps.Run("@($ExecutionContext.Events.ReceivedEvents).Where({ $_.SourceIdentifier -eq 'keyevents' }) | ForEach-Object { $_.SourceEventArgs.Event + ' ' + $_.SourceEventArgs.Key + ' ' + $_.SourceEventArgs.Database }")
                .ShouldSucceed();
            var seen = typed.Output.Select(o => (string)o.BaseObject).ToList();
            Assert.Equal(keys.Count * 2, seen.Count);
            foreach (string key in keys)
            {
                Assert.Equal(new[] { "set " + key + " 0", "del " + key + " 0" }, seen.Where(e => e.Split(' ')[1] == key));
            }
            Unregister("keyevents");
        }
        finally
        {
            SetNotifications(_group, "");
        }
    }

    [Fact]
    public void WatchRedisCommandWatchesTheNodeNodeNames()
    {
        RedisServerProcess second = _group.Primaries[1];
        string node = second.Host + ":" + second.Port;
        var sender = new Thread(() =>
        {
            using RedisClient client = _group.Client(second.Port);
            Thread.Sleep(500);
            client.ExecuteToObject(new object?[] { "ECHO", _prefix + "on-second" });
        }) { IsBackground = true };
        sender.Start();
        PowerShellResult r = _ps.Run("Watch-RedisCommand -Node $Node -Match echo -Count 1 -Duration 10", new() { ["Node"] = node }).ShouldSucceed();
        Assert.True(sender.Join(TimeSpan.FromSeconds(5)));
        dynamic entry = r.Single()!;
        Assert.Equal(node, entry.Node);
        Assert.Equal("ECHO", entry.Command);
        Assert.Equal(new[] { _prefix + "on-second" }, (string[])entry.Arguments);

        r = _ps.Run("Watch-RedisCommand -Node '127.0.0.1:*' -Duration 1");
        Assert.Contains(r.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.NodeNotFound", StringComparison.Ordinal));
    }

    [Fact]
    public void ClusterPubSubConfirmsAKeyspaceChannelOnceForAllPrimaries()
    {
        using RedisCluster cluster = RedisCluster.FromUrl(_group.SeedUrl);
        using RedisClusterPubSub pubsub = cluster.ClusterPubSub();
        var received = new ConcurrentQueue<PubSubMessage>();
        pubsub.MessageReceived += (_, e) => received.Enqueue(e.Message);
        pubsub.Start();
        string channel = "__keyevent@0__:" + _prefix + "none";
        pubsub.Subscribe(channel, _prefix + "plain");
        Assert.True(SpinWait.SpinUntil(() => received.Count >= 2, Wait));
        Thread.Sleep(200);
        Assert.Equal(new[] { "subscribe", "subscribe" }, received.Select(m => m.Type));
        Assert.Equal(new[] { channel, _prefix + "plain" }.OrderBy(c => c, StringComparer.Ordinal), received.Select(m => m.Channel).OrderBy(c => c, StringComparer.Ordinal));
        Assert.Equal(_group.Primaries.Count, pubsub.Nodes.Count);
        Assert.True(RedisClusterPubSub.IsKeyspaceName("__key*__:*", pattern: true));
        Assert.False(RedisClusterPubSub.IsKeyspaceName("__key*__:*", pattern: false));
        Assert.False(RedisClusterPubSub.IsKeyspaceName("orders.*", pattern: true));
    }

    /// <summary>CONFIG SET notify-keyspace-events on every node (replicas too: one may become a primary).</summary>
    internal static void SetNotifications(ClusterGroup group, string flags)
    {
        foreach (RedisServerProcess node in group.Nodes)
        {
            using RedisClient client = group.Client(node.Port);
            client.ExecuteCommand("CONFIG", "SET", "notify-keyspace-events", flags);
        }
    }
}

/// <summary>A failover on a cluster of its own: shard channels and keyspace notifications follow the new primary.</summary>
public sealed class ClusterPubSubFailoverTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public void AShardChannelAndKeyspaceNotificationsKeepArrivingAfterTheOwnerFailsOver()
    {
        using ClusterGroup group = ClusterGroup.Start();
        ClusterPubSubTests.SetNotifications(group, "KEA");
        using RedisCluster cluster = RedisCluster.FromUrl(group.SeedUrl);
        using RedisClusterPubSub pubsub = cluster.ClusterPubSub(ignoreSubscribeMessages: true);
        var received = new ConcurrentQueue<PubSubMessage>();
        var errors = new ConcurrentQueue<Exception>();
        pubsub.MessageReceived += (_, e) => received.Enqueue(e.Message);
        pubsub.Error += (_, e) => errors.Enqueue(e.Exception);
        pubsub.Start();

        IReadOnlyList<string> channels = ClusterPubSubTests.OnePerPrimary(group, "fo:");
        string channel = channels[0];
        string key = "{" + channel + "}:k"; // the channel as hash tag: a key on the channel's primary
        int oldOwner = group.SlotOwnerPort(ClusterSlot.Of(channel));
        pubsub.SSubscribe(channels.ToArray());
        pubsub.PSubscribe("__keyspace@0__:{fo:*");
        Assert.Equal(group.Primaries.Count, pubsub.Nodes.Count);
        Assert.True(SpinWait.SpinUntil(() => cluster.SPublish(channel, "before") == 1, Wait));
        Assert.True(SpinWait.SpinUntil(() => received.Any(m => m.Data == "before"), Wait));

        int newOwner = group.FailoverReplicaOf(oldOwner);
        Assert.NotEqual(oldOwner, newOwner);
        // The publishing client is not under test: a demoted primary accepts SPUBLISH (it relays it to its shard) without a
        // MOVED, so a stale map would send the probes there and count the old node's receivers.
        cluster.RefreshSlotMap();

        // The old owner dropped the channel (sunsubscribe); the subscriber resubscribes on the new owner. Until then a
        // message may still reach us through the old primary (a replica now: every node of a shard delivers its shard
        // messages), so wait until the new owner itself counts us (SPUBLISH returns the owner's local receivers), then
        // a numbered run must arrive whole and in order.
        int probes = 0;
        Assert.True(SpinWait.SpinUntil(() =>
        {
            long receivers = cluster.SPublish(channel, "probe" + probes++);
            Thread.Sleep(50);
            return receivers == 1 && received.Any(m => m.Data != null && m.Data.StartsWith("probe", StringComparison.Ordinal));
        }, Wait), "no message on the shard channel after the failover; errors: " + string.Join("; ", errors.Select(e => e.Message))
            + "; subscribed on " + pubsub.ShardChannelNodes[channel] + ", new owner " + newOwner + ", old " + oldOwner + "; per node: "
            + string.Join(", ", group.Nodes.Select(n => { using RedisClient c = group.Client(n.Port); return n.Port + "=" + string.Join("/", ((object?[])c.ExecuteCommand("PUBSUB", "SHARDNUMSUB", channel)!).Select(x => x?.ToString())); })));
        for (int i = 1; i <= 20; i++) Assert.Equal(1, cluster.SPublish(channel, "after" + i));
        Assert.True(SpinWait.SpinUntil(() => received.Count(m => m.Data != null && m.Data.StartsWith("after", StringComparison.Ordinal)) == 20, Wait));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => "after" + i),
            received.Where(m => m.Channel == channel && m.Data!.StartsWith("after", StringComparison.Ordinal)).Select(m => m.Data));
        Assert.All(received.Where(m => m.Channel == channel), m => Assert.Equal("smessage", m.Type));
        Assert.Equal(ClusterSlotMap.EndpointOf(RedisServerProcess.LoopbackHost, newOwner), pubsub.ShardChannelNodes[channel]);

        // Keyspace notifications of the failed-over shard now come from its new primary, once.
        Assert.True(SpinWait.SpinUntil(() =>
        {
            cluster.Set(key, "v");
            Thread.Sleep(100);
            return received.Any(m => m.Type == "pmessage" && m.Channel == "__keyspace@0__:" + key);
        }, Wait), "no keyspace notification from the new primary; errors: " + string.Join("; ", errors.Select(e => e.Message)));

        // The other shard channels never moved and still deliver.
        foreach (string other in channels.Skip(1)) Assert.Equal(1, cluster.SPublish(other, "still " + other));
        Assert.True(SpinWait.SpinUntil(() => channels.Skip(1).All(c => received.Any(m => m.Data == "still " + c)), Wait));
        Assert.Empty(errors);
    }
}
