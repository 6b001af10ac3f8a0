using System;
using System.Collections.Generic;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cluster;

/// <summary>
/// Copy-RedisKey and Measure-RedisKey on a real cluster: COPY within a slot, DUMP/RESTORE across slots, and a
/// measurement that counts the keys of every primary.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterCopyMeasureCmdletTests : IDisposable
{
    private readonly ClusterGroup _group;
    private readonly PowerShellHost _ps = new();
    private readonly string _prefix = "ccm" + Guid.NewGuid().ToString("N")[..8];

    public ClusterCopyMeasureCmdletTests(ClusterFixture fixture)
    {
        _group = fixture.Group;
        _ps.Run("Connect-Redis -Url $Url -Name cluster-copy", new() { ["Url"] = _group.SeedUrl }).ShouldSucceed();
    }

    public void Dispose() => _ps.Dispose();

    private PowerShellResult Run(string script) => _ps.Run(script, new() { ["P"] = _prefix });

    [Fact]
    public void CopyUsesCopyWithinASlotAndDumpRestoreAcrossSlots()
    {
        string a = _prefix + ":a", sameSlot = "{" + _prefix + ":a}x", other = _prefix + ":other";
        // Names whose slots differ (the test would prove nothing otherwise).
        Assert.NotEqual(ClusterSlot.Of(a), ClusterSlot.Of(other));
        Run("Set-RedisValue -Key ($P + ':a') -Value hello -Expiry 300").ShouldSucceed();
        // A hash tag covering the whole key name puts {a}x in a's slot.
        Run("Set-RedisValue -Key '{" + _prefix + ":a}' -Value tagged").ShouldSucceed();

        dynamic copy = Run("Copy-RedisKey '{" + _prefix + ":a}' '" + sameSlot + "' -PassThru").ShouldSucceed().Single()!;
        Assert.Equal("COPY", copy.Method);
        Assert.Equal(1L, copy.Copied);

        dynamic moved = Run("Copy-RedisKey ($P + ':a') ($P + ':other') -PassThru").ShouldSucceed().Single()!;
        Assert.Equal("DUMP/RESTORE", moved.Method);
        Assert.Equal(1L, moved.Copied);

        PowerShellResult values = Run("Get-RedisValue -Key '" + sameSlot + "', ($P + ':other'); (Get-RedisKey -Match ($P + ':other') -Detailed).TimeToLive").ShouldSucceed();
        Assert.Equal("tagged", values.Output[0].BaseObject);
        Assert.Equal("hello", values.Output[1].BaseObject);
        Assert.InRange(Convert.ToDouble(values.Output[2].BaseObject), 200, 300);

        Run("Remove-RedisKey -Key ($P + ':a'), ($P + ':other'), '{" + _prefix + ":a}', '" + sameSlot + "' -Force").ShouldSucceed();
    }

    [Fact]
    public void MeasureCountsTheKeysOfEveryPrimary()
    {
        Run("foreach ($i in 1..30) { Set-RedisHash -Key ($P + ':user:' + $i) -Value @{ n = $i } }; foreach ($i in 1..12) { Set-RedisValue -Key ($P + ':s:' + $i) -Value x -Expiry 300 }").ShouldSucceed();
        PowerShellResult r = Run("Measure-RedisKey -Match ($P + ':*') -Depth 2").ShouldSucceed();
        Dictionary<string, dynamic> rows = r.Output.Select(o => (dynamic)o.BaseObject).ToDictionary(x => (string)x.Prefix);
        Assert.Equal(2, rows.Count);
        Assert.Equal(30L, rows[_prefix + ":user"].Count);
        Assert.Equal(30L, rows[_prefix + ":user"].Hash);
        Assert.Equal(12L, rows[_prefix + ":s"].WithTtl);
        Run("Get-RedisKey -Match ($P + ':*') | Remove-RedisKey -Force").ShouldSucceed();
    }
}
