using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cluster;

/// <summary>
/// The cmdlets against a real cluster, as a script written for one server uses them: Connect-Redis finds the cluster,
/// every data cmdlet works, the whole-keyspace cmdlets fan out to every primary, batches split by node.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterCmdletTests : IDisposable
{
    private readonly ClusterGroup _group;
    private readonly PowerShellHost _ps = new();

    public ClusterCmdletTests(ClusterFixture fixture) => _group = fixture.Group;

    public void Dispose() => _ps.Dispose();

    private Dictionary<string, object?> Vars() => new()
    {
        ["Url"] = _group.SeedUrl,
        ["Seeds"] = string.Join(",", _group.SeedUrls),
        ["P"] = "cm:" + Guid.NewGuid().ToString("N")[..8] + ":",
    };

    [Fact]
    public void ConnectRedisFindsTheClusterFromAnyNodeOrASeedList()
    {
        var vars = Vars();
        vars["Second"] = _group.Nodes[1].Url;
        PowerShellResult r = _ps.Run("""
            $a = Connect-Redis -Url $Second -Name by-one-node -PassThru
            $a.Topology; $a.Primaries
            $b = Connect-Redis -Url "redis://127.0.0.1:1,$($Seeds -replace '^redis://','')" -Name by-seeds -PassThru
            $b.Topology
            $c = Connect-Redis -Url 'redis://127.0.0.1:1', $Url -Name by-list -PassThru
            $c.Topology; $c.Client.GetType().Name
            """, vars).ShouldSucceed();
        Assert.Equal("Cluster", r.Output[0].BaseObject);
        Assert.Equal(3, r.Output[1].BaseObject);
        Assert.Equal("Cluster", r.Output[2].BaseObject);
        Assert.Equal("Cluster", r.Output[3].BaseObject);
        Assert.Equal("RedisCluster", r.Output[4].BaseObject);
    }

    [Fact]
    public void TestRedisConnectionTakesASeedListAndSucceedsWhenAnyNodeAnswers()
    {
        var vars = Vars();
        vars["Port"] = _group.Nodes[1].Port;
        PowerShellResult r = _ps.Run("""
            $ok = Test-RedisConnection -Url "redis://127.0.0.1:1,127.0.0.1:$Port" -Timeout 2
            $ok.Success; $ok.Url; $null -eq $ok.Error
            $down = Test-RedisConnection -Url 'redis://127.0.0.1:1,127.0.0.1:2' -Timeout 1
            $down.Success; $down.Url; $down.Error
            """, vars).ShouldSucceed();
        Assert.Equal(true, r.Output[0].BaseObject);
        Assert.Equal($"redis://127.0.0.1:{_group.Nodes[1].Port}/0", r.Output[1].BaseObject);
        Assert.Equal(true, r.Output[2].BaseObject);
        Assert.Equal(false, r.Output[3].BaseObject);
        Assert.Equal("redis://127.0.0.1:1/0", r.Output[4].BaseObject);
        Assert.Contains("127.0.0.1:2", (string)r.Output[5].BaseObject);
    }

    [Fact]
    public void EveryDataCmdletWorksAgainstTheCluster()
    {
        PowerShellResult r = _ps.Run("""
            Connect-Redis -Url $Url -Name data | Out-Null
            foreach ($k in "${P}s1", "${P}s2", "${P}s3") { Set-RedisValue -Key $k -Value 'v' }
            (Get-RedisValue -Key "${P}s1", "${P}s2", "${P}s3", "${P}none") -join ","
            (Test-RedisKey -Key "${P}s1", "${P}none") -join ','
            Step-RedisCounter -Key "${P}n" -By 5
            Set-RedisHash -Key "${P}h" -Value @{ a = 1; b = 2 }
            (Get-RedisHash -Key "${P}h").b
            Push-RedisList -Key "${P}l" -Value 1, 2, 3
            (Get-RedisList -Key "${P}l") -join ','
            Add-RedisSetMember -Key "${P}set" -Member x, y
            (@(Get-RedisSetMember -Key "${P}set") -contains 'x') -and (@(Get-RedisSetMember -Key "${P}set") -contains 'y')
            Add-RedisSortedSetMember -Key "${P}z" -Member a -Score 1
            (Get-RedisSortedSetMember -Key "${P}z" -WithScores).Score
            Add-RedisStreamEntry -Key "${P}x" -Fields @{ f = 'v' } | Out-Null
            (Read-RedisStream -Key "${P}x").Fields.f
            Set-RedisKeyExpiry -Key "${P}s1" -TimeToLive 100
            (Get-RedisKey -Match "${P}s1" -Detailed).Type
            Rename-RedisKey -Key "{${P}}a" -NewName "{${P}}b" -ErrorAction SilentlyContinue
            Set-RedisValue -Key "{${P}}a" -Value 1
            Rename-RedisKey -Key "{${P}}a" -NewName "{${P}}b"
            Get-RedisValue -Key "{${P}}b"
            Invoke-RedisScript -Script 'return redis.call("GET", KEYS[1])' -Key "{${P}}b"
            Pop-RedisList -Key "${P}l"
            Remove-RedisKey -Key "${P}s1", "${P}s2", "${P}s3", "${P}h" -Confirm:$false
            (Test-RedisKey -Key "${P}s1", "${P}h") -join ','
            """, Vars()).ShouldSucceed();
        object?[] o = r.Output.Select(x => x?.BaseObject).ToArray();
        Assert.Equal(new object?[] { "v,v,v,", "True,False", 5L, "2", "1,2,3", true, 1.0, "v", "string", "1", "1", "1", "False,False" },
            new[] { o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], o[9], o[10], o[11], o[12] });
    }

    [Fact]
    public void TheRemainingDataCmdletsWorkAgainstTheCluster()
    {
        PowerShellResult r = _ps.Run("""
            Connect-Redis -Url $Url -Name data2 | Out-Null
            Set-RedisHash -Key "${P}h" -Value @{ a = 1; b = 2; c = 3 }
            Remove-RedisHashField -Key "${P}h" -Field a, b -PassThru
            Add-RedisSetMember -Key "${P}s" -Member x, y, z
            Remove-RedisSetMember -Key "${P}s" -Member x -PassThru
            Add-RedisSortedSetMember -Key "${P}z" -Mapping @{ a = 1; b = 2; c = 3 }
            Remove-RedisSortedSetMember -Key "${P}z" -MinScore 2 -MaxScore 3 -PassThru
            $id = Add-RedisStreamEntry -Key "${P}x" -Fields @{ job = 1 }
            Read-RedisStream -Key "${P}x" -Group g -Consumer c1 -CreateGroup | Confirm-RedisStreamEntry -PassThru
            Use-RedisLock -Name "${P}lock" -Timeout 10 -ScriptBlock { 'locked work' }
            Invoke-RedisCommand HLEN "${P}h"
            @(Get-RedisKey -Match "${P}*" -Type zset).Count
            Step-RedisCounter -Key "${P}n" -By 2 -Decrement
            """, Vars()).ShouldSucceed();
        object?[] o = r.Output.Select(x => x?.BaseObject).ToArray();
        Assert.Equal(new object?[] { 2L, 1L, 2L, 1L, "locked work", 1L, 1, -2L }, o);
    }

    [Fact]
    public void ScanAndDeleteTakesExactlyTheMatchingKeysOfEveryShard()
    {
        using RedisCluster direct = RedisCluster.FromUrl(_group.SeedUrl);
        var vars = Vars();
        string p = (string)vars["P"]!;
        using (RedisPipeline pipe = direct.Pipeline(transaction: false))
        {
            for (int i = 0; i < 10_000; i++)
            {
                pipe.Set(p + "cache:" + i, "x");
                if (i < 1000) pipe.Set(p + "keep:" + i, "y");
            }
            pipe.Execute();
        }
        PowerShellResult r = _ps.Run("""
            Connect-Redis -Url $Url -Name scan | Out-Null
            # SCAN may return a key twice (a table rehashing meanwhile): count distinct names.
            $seen = @{}; Get-RedisKey -Match "${P}cache:*" | ForEach-Object { $seen[$_.Key] = 1 }; $seen.Count
            Get-RedisKey -Match "${P}cache:*" | Remove-RedisKey -Confirm:$false
            $left = @{}; Get-RedisKey -Match "${P}*" | ForEach-Object { $left[$_.Key] = 1 }; $left.Count
            [string]::Join(", ", @($left.Keys | Where-Object { $_ -notlike "${P}keep:*" }))
            """, vars).ShouldSucceed();
        Assert.Equal(10_000, r.Output[0].BaseObject);
        Assert.True(1000 == (int)r.Output[1].BaseObject, "left besides the keep: keys: " + r.Output[2].BaseObject);
        Assert.Equal(1000, direct.ScanIter(p + "keep:*").Count());
        Assert.Empty(direct.ScanIter(p + "cache:*"));
    }

    [Fact]
    public void ExportAndImportRoundTripOnEveryShard()
    {
        // Keys on every primary, collections among them: each collection's temporary key must share its slot for RENAME.
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "psredis-cluster-export-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        try
        {
            var vars = Vars();
            vars["D"] = dir;
            PowerShellResult r = _ps.Run("""
                Connect-Redis -Url $Url -Name export | Out-Null
                foreach ($i in 1..300) { Set-RedisValue -Key "${P}s:$i" -Value "v$i" }
                foreach ($i in 1..30) { Push-RedisList -Key "${P}l:$i" -Value a, b, "$i"; Set-RedisHash -Key "${P}h:$i" -Value @{ f = "$i" } }
                Add-RedisSortedSetMember -Key "${P}z" -Mapping @{ a = 0.1; b = 2 }
                Set-RedisKeyExpiry -Key "${P}s:1" -TimeToLive 600
                (Export-RedisKey -Match "${P}*" -Path "$D/c.jsonl" -Count 50 -PassThru).Keys
                (Get-RedisKey -Match "${P}*" | Remove-RedisKey -Confirm:$false -PassThru).Removed
                (Import-RedisKey -Path "$D/c.jsonl" -PassThru).Imported
                (Import-RedisKey -Path "$D/c.jsonl" -PassThru -ErrorAction SilentlyContinue).Existing
                (Import-RedisKey -Path "$D/c.jsonl" -Replace -PassThru).Imported
                (Get-RedisList -Key "${P}l:7") -join ','
                (Get-RedisHash -Key "${P}h:9").f
                (Get-RedisKey -Match "${P}s:1" -Detailed).TimeToLive -gt 590
                @(Get-RedisKey -Match '*psredis-import:*').Count
                """, vars).ShouldSucceed();
            Assert.Equal(new object[] { 361L, 361L, 361L, 361L, 361L, "a,b,7", "9", true, 0 }, r.Output.Select(o => o.BaseObject));
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BatchesSplitByNodeAndKeepTheirOrderTransactionsNeedOneSlot()
    {
        PowerShellResult r = _ps.Run("""
            Connect-Redis -Url $Url -Name batch | Out-Null
            $out = Invoke-RedisPipeline {
                foreach ($i in 1..100) { Set-RedisValue -Key "${P}$i" -Value $i }
                Get-RedisValue -Key (1..100 | ForEach-Object { "${P}$_" })
            }
            ($out -join ',') -eq ((1..100) -join ',')
            Invoke-RedisTransaction { Set-RedisValue -Key "{${P}}a" -Value 1; Step-RedisCounter -Key "{${P}}a" }
            """, Vars()).ShouldSucceed();
        Assert.Equal(true, r.Output[0].BaseObject);
        Assert.Equal(2L, r.Output[1].BaseObject);

        PowerShellResult cross = _ps.Run("""
            Invoke-RedisTransaction { Set-RedisValue -Key "${P}a" -Value 1; Set-RedisValue -Key "${P}b" -Value 2 }
            """, Vars());
        ErrorRecord error = Assert.Single(cross.AllErrors);
        Assert.Contains("hash tag", error.Exception.Message);
    }

    [Fact]
    public void GetRedisValueReadsKeysOfEverySlotInOrderWithNullsAndWrongTypeErrorsAsInsideABatch()
    {
        // Outside a batch block 1,000 keys per MGET, which the cluster client splits by slot and puts back in order;
        // the nil keys (missing, or of another type) are read again with GET.
        using RedisCluster direct = RedisCluster.FromUrl(_group.SeedUrl);
        var vars = Vars();
        string p = (string)vars["P"]!;
        var keys = Enumerable.Range(0, 1500).Select(i => p + "mget:" + i).ToArray();
        var expected = new List<string>();
        using (RedisPipeline pipe = direct.Pipeline(transaction: false))
        {
            for (int i = 0; i < keys.Length; i++)
            {
                if (i % 250 == 0 || i == 999)
                {
                    pipe.HSet(keys[i], "f", "v");
                    expected.Add("err " + keys[i]);
                }
                else if (i % 9 == 4) expected.Add("null");
                else
                {
                    pipe.Set(keys[i], "v" + i);
                    expected.Add("val v" + i);
                }
            }
            pipe.Execute();
        }
        vars["Keys"] = keys;
        PowerShellResult r = _ps.Run("""
            Connect-Redis -Url $Url -Name mget | Out-Null
            function Show { process {
                if ($_ -is [Management.Automation.ErrorRecord]) { "err $($_.TargetObject)" } elseif ($null -eq $_) { 'null' } else { "val $_" } } }
            @($Keys | Get-RedisValue 2>&1 | Show) -join "`n"
            @(Invoke-RedisPipeline { $Keys | Get-RedisValue } 2>&1 | Show) -join "`n"
            """, vars).ShouldSucceed();
        Assert.Equal(string.Join("\n", expected), r.Output[0].BaseObject);
        Assert.Equal(string.Join("\n", expected), r.Output[1].BaseObject);
        direct.Delete(keys);
    }

    [Fact]
    public void ServerInfoShowsEveryNodeOrThoseNamedAndDbSizeSums()
    {
        PowerShellResult r = _ps.Run("""
            Connect-Redis -Url $Url -Name info | Out-Null
            $all = Get-RedisServerInfo -Section server
            $h = @{}; $all | ForEach-Object { $h[$_.Node] = 1 }; $h.Count
            @($all | Where-Object Name -eq 'tcp_port').Count
            $one = Get-RedisServerInfo -Section server -Node $Node
            ($one | Where-Object Name -eq 'tcp_port').Value
            @($one | ForEach-Object Node | Where-Object { $_ -ne $Node }).Count
            Get-RedisServerInfo -Node '127.0.0.1:1' -ErrorAction SilentlyContinue -ErrorVariable e; $e[0].FullyQualifiedErrorId
            Invoke-RedisCommand DBSIZE
            """, new Dictionary<string, object?>(Vars()) { ["Node"] = "127.0.0.1:" + _group.Nodes[2].Port }).ShouldSucceed();
        Assert.Equal(6, r.Output[0].BaseObject);
        Assert.Equal(6, r.Output[1].BaseObject);
        Assert.Equal((long)_group.Nodes[2].Port, Convert.ToInt64(r.Output[2].BaseObject));
        Assert.Equal(0, r.Output[3].BaseObject);
        Assert.StartsWith("PSRedis.NodeNotFound", (string)r.Output[4].BaseObject);
        long total = _group.Primaries.Sum(p => { using RedisClient c = _group.Client(p.Port); return c.DbSize(); });
        Assert.Equal(total, r.Output[5].BaseObject);
    }

    [Fact]
    public void ClearRedisDatabaseFlushesEveryPrimaryAndSaysHowMany()
    {
        using ClusterGroup group = ClusterGroup.Start();
        using var ps = new PowerShellHost();
        PowerShellResult r = ps.Run("""
            Connect-Redis -Url $Url -Name flush | Out-Null
            1..200 | ForEach-Object { Set-RedisValue -Key "k$_" -Value 1 }
            Invoke-RedisCommand DBSIZE
            Clear-RedisDatabase -WhatIf
            Invoke-RedisCommand DBSIZE
            Clear-RedisDatabase -Force -Verbose
            Invoke-RedisCommand DBSIZE
            """, new Dictionary<string, object?> { ["Url"] = group.SeedUrl }).ShouldSucceed();
        Assert.Equal(200L, r.Output[0].BaseObject);
        Assert.Equal(200L, r.Output[1].BaseObject);
        Assert.Equal(0L, r.Output[2].BaseObject);
        Assert.Contains(r.Verbose, line => line.Contains("all 3 primaries", StringComparison.Ordinal));
        Assert.All(group.Primaries, p => { using RedisClient c = group.Client(p.Port); Assert.Equal(0, c.DbSize()); });
    }
}

/// <summary>The cmdlets while the cluster changes under them: a failover mid-loop, a slot migrated mid-scan.</summary>
public sealed class ClusterCmdletTopologyTests
{
    [Fact]
    public void AFailoverInTheMiddleOfALoopOfReadsAndWritesLosesNothingAndReachesTheScriptAsNothing()
    {
        using ClusterGroup group = ClusterGroup.Start();
        using var ps = new PowerShellHost();
        const string key = "{loop}counter";
        int primary = group.SlotOwnerPort(ClusterSlot.Of(key));
        int newPrimary = 0;
        var failover = new System.Threading.Thread(() =>
        {
            System.Threading.Thread.Sleep(1500);
            newPrimary = group.FailoverReplicaOf(primary);
        });
        failover.Start();
        PowerShellResult r = ps.Run("""
            Connect-Redis -Url $Url -Name loop | Out-Null
            $deadline = [datetime]::UtcNow.AddSeconds(12)
            $written = 0
            while ([datetime]::UtcNow -lt $deadline) {
                $written++
                Set-RedisValue -Key '{loop}counter' -Value $written
                Push-RedisList -Key '{loop}log' -Value $written
                if ((Get-RedisValue -Key '{loop}counter') -ne "$written") { throw "read $written back wrong" }
                [System.Threading.Thread]::Sleep(5)
            }
            $written
            Get-RedisValue -Key '{loop}counter'
            (Get-RedisList -Key '{loop}log').Count
            """, new Dictionary<string, object?> { ["Url"] = group.SeedUrl }).ShouldSucceed();
        failover.Join();
        Assert.NotEqual(0, newPrimary);
        int written = (int)r.Output[0].BaseObject;
        Assert.True(written > 200, "the loop kept going: " + written);
        Assert.Equal(written.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Output[1].BaseObject);
        Assert.Equal(written, r.Output[2].BaseObject); // every acknowledged push is there: none lost, none doubled
    }

    [Fact]
    public void ASlotMigratedWhileScanAndDeleteRunsLosesNoMatchingKeyAndTakesNoOther()
    {
        using ClusterGroup group = ClusterGroup.Start();
        using RedisCluster cluster = RedisCluster.FromUrl(group.SeedUrl);
        string[] migrating = Enumerable.Range(0, 3000).Select(i => "cache:{mig}:" + i).ToArray();
        string[] keepInSlot = Enumerable.Range(0, 500).Select(i => "other:{mig}:" + i).ToArray();
        using (RedisPipeline pipe = cluster.Pipeline(transaction: false))
        {
            for (int i = 0; i < 20_000; i++) pipe.Set("cache:" + i, "x");
            for (int i = 0; i < 2_000; i++) pipe.Set("other:" + i, "y");
            foreach (string k in migrating.Concat(keepInSlot)) pipe.Set(k, "z");
            pipe.Execute();
        }
        int slot = ClusterSlot.Of("{mig}");
        int from = group.SlotOwnerPort(slot);
        int to = group.Primaries.First(p => p.Port != from).Port;
        var mover = new System.Threading.Thread(() =>
        {
            System.Threading.Thread.Sleep(200);
            ClusterSlotMigration migration = group.BeginSlotMigration(slot, to);
            foreach (string[] chunk in migrating.Concat(keepInSlot).Chunk(100))
            {
                migration.MoveKeys(chunk);
                System.Threading.Thread.Sleep(20);
            }
            migration.Complete();
        });
        using var ps = new PowerShellHost();
        mover.Start();
        ps.Run("""
            Connect-Redis -Url $Url -Name migrate | Out-Null
            Get-RedisKey -Match 'cache:*' -Count 20 | Remove-RedisKey -Confirm:$false
            """, new Dictionary<string, object?> { ["Url"] = group.SeedUrl }).ShouldSucceed();
        mover.Join();
        Assert.Equal(to, group.SlotOwnerPort(slot));
        Assert.Empty(cluster.ScanIter("cache:*"));
        Assert.Equal(2_000 + keepInSlot.Length, cluster.ScanIter("other:*").Count());
    }
}
