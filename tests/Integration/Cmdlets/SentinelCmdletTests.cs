using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// A Sentinel-managed primary through the cmdlets: Connect-Redis -Sentinel/-ServiceName and a redis+sentinel:// URL,
/// and a failover in the middle of a loop that the script only notices as a Verbose line.
/// </summary>
[Collection(SentinelCollection.Name)]
public sealed class SentinelCmdletTests : IDisposable
{
    private readonly SentinelGroup _group;
    private readonly PowerShellHost _ps = new();

    public SentinelCmdletTests(SentinelFixture fixture) => _group = fixture.Group;

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void ConnectBySentinelAddressesAndServiceName()
    {
        var vars = new Dictionary<string, object?> { ["SP"] = _group.SentinelPort, ["Key"] = "sc:" + Guid.NewGuid().ToString("N") };
        PowerShellResult r = _ps.Run("""
            $c = Connect-Redis -Sentinel "127.0.0.1:$SP", '127.0.0.1:1' -ServiceName mymaster -Name sentinel-by-address -PassThru
            Set-RedisValue -Key $Key -Value 'via sentinel'
            Get-RedisValue -Key $Key
            $c.Topology; $c.ServiceName; $c.Port
            (Get-RedisConnection -Name sentinel-by-address).Url
            """, vars).ShouldSucceed();
        Assert.Equal("via sentinel", r.Output[0].BaseObject);
        Assert.Equal("Sentinel", r.Output[1].BaseObject);
        Assert.Equal("mymaster", r.Output[2].BaseObject);
        Assert.Equal(SentinelGroup.InfoField(_group.Master.Port, "role") == "master" ? _group.Master.Port : _group.Replica.Port, r.Output[3].BaseObject);
        Assert.Equal($"redis+sentinel://127.0.0.1:{_group.SentinelPort},127.0.0.1:1/mymaster", r.Output[4].BaseObject);
    }

    [Fact]
    public void ConnectByASentinelUrlWithADatabaseAndNoPasswordShown()
    {
        var vars = new Dictionary<string, object?> { ["SP"] = _group.SentinelPort, ["Key"] = "sc:" + Guid.NewGuid().ToString("N") };
        PowerShellResult r = _ps.Run("""
            $c = Connect-Redis -Url "redis+sentinel://127.0.0.1:$SP/mymaster/3?socket_timeout=5" -Name sentinel-by-url -PassThru
            Set-RedisValue -Key $Key -Value 'db three'
            $c.Database
            Invoke-RedisCommand CLIENT INFO
            """, vars).ShouldSucceed();
        Assert.Equal(3, r.Output[0].BaseObject);
        Assert.Contains(" db=3 ", (string)r.Output[1].BaseObject);

        PowerShellResult bad = _ps.Run("""
            Connect-Redis -Url "redis+sentinel://:s3cret-pw@127.0.0.1:$SP/?sentinel_password=other-s3cret" -Name bad-sentinel-url
            """, vars);
        ErrorRecord error = Assert.Single(bad.AllErrors);
        Assert.StartsWith("PSRedis.InvalidUrl", error.FullyQualifiedErrorId);
        Assert.Contains("name the service", error.Exception.Message);
        Assert.DoesNotContain("s3cret", error.ToString() + error.Exception + string.Join(" ", error.InvocationInfo.BoundParameters.Values));
    }

    [Fact]
    public void MaxConnectionsMakesCallersWaitForAFreeConnectionOfThePrimary()
    {
        var vars = new Dictionary<string, object?> { ["SP"] = _group.SentinelPort };
        PowerShellResult r = _ps.Run("""
            Connect-Redis -Sentinel "127.0.0.1:$SP" -ServiceName mymaster -MaxConnections 1 -Name sentinel-one-connection -PassThru
            """, vars).ShouldSucceed();
        var client = (RedisClient)r.Output[0].Properties["Client"].Value;
        Assert.True(((SentinelConnectionPool)client.ConnectionPool).WaitsForConnection);
        var errors = new List<Exception>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int i = 0; i < 50; i++)
            {
                try
                {
                    client.Set("sc:wait:" + t, i);
                }
                catch (Exception e)
                {
                    lock (errors) errors.Add(e);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);
        Assert.Equal(1, ((SentinelConnectionPool)client.ConnectionPool).CreatedCount);
    }

    [Fact]
    public void TestRedisConnectionTakesASentinelUrl()
    {
        var vars = new Dictionary<string, object?> { ["SP"] = _group.SentinelPort };
        PowerShellResult r = _ps.Run("""
            $ok = Test-RedisConnection -Url "redis+sentinel://127.0.0.1:$SP/mymaster" -Timeout 2
            $ok.Success; $ok.Url
            $bad = Test-RedisConnection -Url "redis+sentinel://127.0.0.1:$SP/no-such-service" -Timeout 2
            $bad.Success; $bad.Error
            """, vars).ShouldSucceed();
        Assert.Equal(true, r.Output[0].BaseObject);
        Assert.Equal($"redis+sentinel://127.0.0.1:{_group.SentinelPort}/mymaster", r.Output[1].BaseObject);
        Assert.Equal(false, r.Output[2].BaseObject);
        Assert.Contains("no-such-service", (string)r.Output[3].BaseObject);
    }

    [Fact]
    public void AFailoverInTheMiddleOfALoopIsOnlyAVerboseLine()
    {
        using SentinelGroup group = SentinelGroup.Start();
        using RedisClient sentinel = group.SentinelClient();
        int newPrimary = group.Replica.Port;
        var failover = new Thread(() =>
        {
            Thread.Sleep(1000);
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    sentinel.SentinelFailover(SentinelGroup.ServiceName);
                    return;
                }
                catch (RedisResponseException ex) when (ex.ErrorCode == "NOGOODSLAVE" && clock.Elapsed < TimeSpan.FromSeconds(15))
                {
                    Thread.Sleep(200);
                }
            }
        }) { IsBackground = true };
        failover.Start();

        var vars = new Dictionary<string, object?> { ["SP"] = group.SentinelPort, ["NewPort"] = newPrimary };
        // Core cmdlets only here (no Get-Date, Start-Sleep). The loop runs until well after the sentinel demoted the old primary (it kills its clients 8-10 s after the
        // switch), so commands meet the failover in every state: old primary still writable, READONLY, killed.
        PowerShellResult r = _ps.Run("""
            $VerbosePreference = 'Continue'
            $c = Connect-Redis -Sentinel "127.0.0.1:$SP" -ServiceName mymaster -RetryCount 10 -RetryBackoff 0.1 -Name failover -PassThru
            $end = [datetime]::UtcNow.AddSeconds(40); $movedAt = $null; $i = 0; $lostInSwitch = 0
            while ([datetime]::UtcNow -lt $end) {
                Set-RedisValue -Key "fo:$i" -Value $i
                # A write that lands on the old primary just before it is demoted is lost with it (Redis replicates
                # asynchronously): that is the server's doing, so such reads are counted, not failed.
                if ((Get-RedisValue -Key "fo:$i") -ne "$i") { $lostInSwitch++ }
                if ($c.Port -eq $NewPort -and $null -eq $movedAt) { $movedAt = [datetime]::UtcNow }
                if ($movedAt -and ([datetime]::UtcNow - $movedAt).TotalSeconds -gt 12) { break }
                $i++
                [Threading.Thread]::Sleep(20)
            }
            $i; $c.Port; $lostInSwitch
            """, vars);
        Assert.True(failover.Join(TimeSpan.FromSeconds(30)));
        r.ShouldSucceed();
        int last = Convert.ToInt32(r.Output[0].BaseObject);
        Assert.Equal(newPrimary, r.Output[1].BaseObject);
        Assert.True(last > 50, "the loop ran only " + last + " rounds");
        Assert.True(Convert.ToInt32(r.Output[2].BaseObject) <= 5, "more than a switch's worth of writes went astray: " + r.Output[2].BaseObject);
        Assert.Contains(r.Verbose, v => v.Contains("follows service mymaster to its new primary 127.0.0.1:" + newPrimary, StringComparison.Ordinal));
        using var direct = new RedisClient("127.0.0.1", newPrimary);
        Assert.Equal(last.ToString(System.Globalization.CultureInfo.InvariantCulture), direct.Get("fo:" + last));
    }
}
