using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cluster;

/// <summary>On a cluster, a command no node has names the node that refused it, directly and in a cross-node pipeline.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterUnsupportedCommandTests
{
    private static readonly Regex s_redisNode = new(@"^The server redis \d+\.\d+\.\d+ at [^ ]+:\d+ does not support ");

    private readonly ClusterGroup _group;

    public ClusterUnsupportedCommandTests(ClusterFixture fixture) => _group = fixture.Group;

    [Fact]
    public void TheRefusingNodeIsNamedDirectlyAndInAPipeline()
    {
        using RedisCluster cluster = RedisCluster.FromUrl(_group.SeedUrl);
        var direct = Assert.Throws<RedisUnsupportedCommandException>(() => cluster.ExecuteCommand("NOSUCHCMD", "secret-arg"));
        Assert.Matches(s_redisNode, direct.Message);
        Assert.DoesNotContain("secret-arg", direct.Message);
        var sub = Assert.Throws<RedisUnsupportedCommandException>(() => cluster.ExecuteCommand("OBJECT", "NOSUCHSUB", "k"));
        Assert.Equal("OBJECT NOSUCHSUB", sub.Command);

        string prefix = "cu:" + Guid.NewGuid().ToString("N")[..8] + ":";
        using RedisPipeline pipe = cluster.Pipeline(transaction: false);
        for (int i = 0; i < 6; i++) pipe.Set(prefix + i, "v");
        pipe.ExecuteCommand("NOSUCHCMD", "secret-arg");
        pipe.Get(prefix + "0");
        IList<object?> replies = pipe.Execute(raiseOnError: false);
        var piped = Assert.IsType<RedisUnsupportedCommandException>(replies[6]);
        Assert.Equal("v", replies[7]);
        Assert.Matches(s_redisNode, piped.Message);
        Assert.DoesNotContain("secret-arg", piped.Message);
    }
}
