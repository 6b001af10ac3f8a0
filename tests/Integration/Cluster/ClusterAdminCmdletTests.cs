using System;
using System.Collections.Generic;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cluster;

/// <summary>
/// The ops cmdlets on a real cluster: per node, each object naming its Node as Get-RedisServerInfo's do; Set-RedisConfig
/// and Save-RedisDatabase on every primary. Settings changed here are put back.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterAdminCmdletTests : IDisposable
{
    private readonly ClusterGroup _group;
    private readonly PowerShellHost _ps = new();

    public ClusterAdminCmdletTests(ClusterFixture fixture)
    {
        _group = fixture.Group;
        _ps.Run("Connect-Redis -Url $Url -Name cluster-admin", new() { ["Url"] = _group.SeedUrl }).ShouldSucceed();
    }

    public void Dispose() => _ps.Dispose();

    private static string Endpoint(RedisServerProcess node) => node.Host + ":" + node.Port;

    private IEnumerable<string> All => _group.Nodes.Select(Endpoint).OrderBy(n => n, StringComparer.Ordinal);

    private IEnumerable<string> Primaries => _group.Primaries.Select(Endpoint).OrderBy(n => n, StringComparer.Ordinal);

    /// <summary>The distinct strings of the output, sorted (the hosted engine has no Sort-Object).</summary>
    private static string[] Strings(PowerShellResult r) => r.Output.Select(o => (string)o.BaseObject).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();

    [Fact]
    public void LatencyClientsSlowLogAndSettingsComePerNode()
    {
        PowerShellResult latency = _ps.Run("(Measure-RedisLatency -Count 3 -Interval 0).Node").ShouldSucceed();
        Assert.Equal(_group.Nodes.Count, latency.Output.Count);
        Assert.Equal(All, Strings(latency));
        Assert.Equal(All, Strings(_ps.Run("Get-RedisClient | ForEach-Object Node").ShouldSucceed()));
        Assert.Equal(All, Strings(_ps.Run("(Get-RedisConfig -Name maxmemory).Node").ShouldSucceed()));
        // Every node answers SLOWLOG GET (an empty log is no error).
        _ps.Run("Get-RedisSlowLog -Count 1 | Out-Null; Clear-RedisSlowLog").ShouldSucceed();
    }

    [Fact]
    public void SetRedisConfigChangesEveryPrimaryAndSaveRedisDatabaseSavesEach()
    {
        using RedisClient first = RedisClient.FromUrl(_group.Primaries[0].Url);
        string before = first.ConfigGet("slowlog-max-len")["slowlog-max-len"]!;
        try
        {
            _ps.Run("Set-RedisConfig -Name slowlog-max-len -Value 345").ShouldSucceed();
            foreach (RedisServerProcess primary in _group.Primaries)
            {
                using RedisClient client = RedisClient.FromUrl(primary.Url);
                Assert.Equal("345", client.ConfigGet("slowlog-max-len")["slowlog-max-len"]);
            }
        }
        finally
        {
            _ps.Run("Set-RedisConfig -Name slowlog-max-len -Value $V", new() { ["V"] = before }).ShouldSucceed();
        }
        PowerShellResult saved = _ps.Run("(Save-RedisDatabase -Wait -Timeout 30).Node").ShouldSucceed();
        Assert.Equal(_group.Primaries.Count, saved.Output.Count);
        Assert.Equal(Primaries, Strings(saved));
    }
}
