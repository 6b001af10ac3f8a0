using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>Remove-RedisKey, Rename-RedisKey, Test-RedisKey, Set-RedisKeyExpiry and the key completer, in a hosted engine.</summary>
[Collection(RedisCollection.Name)]
public sealed class KeyCmdletTests : IDisposable
{
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly ITestOutputHelper _output;
    private readonly string _prefix = "it:" + Guid.NewGuid().ToString("N")[..10] + ":";

    public KeyCmdletTests(RedisFixture redis, ITestOutputHelper output)
    {
        _output = output;
        _client = RedisClient.FromUrl(redis.Url);
        _ps.Run("Connect-Redis -Url $Url", new Dictionary<string, object?> { ["Url"] = redis.Url, ["P"] = _prefix }).ShouldSucceed();
    }

    public void Dispose()
    {
        foreach (string[] chunk in _client.ScanIter(_prefix + "*", 1000).Chunk(1000)) _client.Unlink(chunk);
        _client.Dispose();
        _ps.Dispose();
    }

    private PowerShellResult Run(string script) => _ps.Run(script);

    /// <summary>Writes count keys named prefix + i with MSET batches.</summary>
    internal static void Populate(RedisClient client, string prefix, int count)
    {
        var args = new List<object?>(2001);
        for (int start = 0; start < count; start += 1000)
        {
            args.Clear();
            args.Add("MSET");
            for (int i = start; i < Math.Min(count, start + 1000); i++)
            {
                args.Add(prefix + i.ToString(CultureInfo.InvariantCulture));
                args.Add("v");
            }
            client.Execute(args);
        }
    }

    private long Count(string pattern) => _client.ScanIter(pattern, 1000).LongCount();

    [Fact]
    public void GetRedisKeyPipedToRemoveRedisKeyRemovesExactlyTheMatchingKeys()
    {
        Populate(_client, _prefix + "cache:", 100_000);
        Populate(_client, _prefix + "keep:", 100_000);
        var clock = Stopwatch.StartNew();
        PowerShellResult r = Run("Get-RedisKey -Match \"${P}cache:*\" | Remove-RedisKey -PassThru -Verbose").ShouldSucceed();
        clock.Stop();
        _output.WriteLine($"100,000 of 200,000 keys removed through the hosted pipeline in {clock.Elapsed.TotalSeconds:0.00} s");
        PSObject summary = Assert.Single(r.Output);
        Assert.Equal(100_000L, summary.Properties["Removed"].Value);
        Assert.Equal(100_000L, summary.Properties["Requested"].Value);
        Assert.Equal(100, summary.Properties["Batches"].Value);
        Assert.Equal(0, Count(_prefix + "cache:*"));
        Assert.Equal(100_000, Count(_prefix + "keep:*"));
        // Verbose tells what is sent in counts, not every key.
        // Besides ShouldProcess's own line per batch ("Performing the operation ..."), a few lines in counts.
        string[] own = r.Verbose.Where(v => !v.StartsWith("Performing the operation", StringComparison.Ordinal)).ToArray();
        Assert.InRange(own.Length, 1, 5);
        Assert.All(r.Verbose, v => Assert.True(v.Length < 400, v));
        Assert.Contains(r.Verbose, v => v.Contains("UNLINK in batches of up to 1000", StringComparison.Ordinal));
    }

    [Fact]
    public void WhatIfRemovesNothingAndConfirmDeclinedRemovesNothing()
    {
        Populate(_client, _prefix + "w:", 2500);
        PowerShellResult r = Run("Get-RedisKey -Match \"${P}w:*\" | Remove-RedisKey -WhatIf -PassThru").ShouldSucceed();
        Assert.Equal(0L, Assert.Single(r.Output).Properties["Removed"].Value);
        Assert.Equal(2500, Count(_prefix + "w:*"));
        r = Run("$WhatIfPreference = $true; Remove-RedisKey -Key \"${P}w:1\" -Force; $WhatIfPreference = $false").ShouldSucceed();
        Assert.Equal(2500, Count(_prefix + "w:*"));
        // -BatchSize and a key list given directly.
        r = Run("Remove-RedisKey -Key \"${P}w:1\", \"${P}w:2\", \"${P}w:nope\" -BatchSize 2 -PassThru").ShouldSucceed();
        PSObject summary = Assert.Single(r.Output);
        Assert.Equal(2L, summary.Properties["Removed"].Value);
        Assert.Equal(3L, summary.Properties["Requested"].Value);
        Assert.Equal(2, summary.Properties["Batches"].Value);
    }

    [Fact]
    public void KeyObjectsBindToEveryKeyTakingCmdlet()
    {
        Populate(_client, _prefix + "b:", 3);
        PowerShellResult r = Run("""
            $keys = @(Get-RedisKey -Match "${P}b:*")
            ($keys | Get-RedisValue) -join ','
            ($keys | Test-RedisKey) -join ','
            ($keys | Set-RedisKeyExpiry -TimeToLive 100 -PassThru | ForEach-Object { $_.Applied }) -join ','
            ($keys | Where-Object Key -eq "${P}b:0" | Rename-RedisKey -NewName "${P}renamed" -PassThru).Key
            (Get-RedisKey -Match "${P}b:*" | Remove-RedisKey -PassThru).Removed
            (Test-RedisKey "${P}renamed", "${P}b:1") -join ','
            """).ShouldSucceed();
        Assert.Equal(new object[] { "v,v,v", "True,True,True", "True,True,True", _prefix + "renamed", 2L, "True,False" },
            r.Output.Select(o => o.BaseObject));
        Assert.InRange(_client.TimeToLive(_prefix + "renamed")!.Value.TotalSeconds, 90, 100);
    }

    [Fact]
    public void KeysOfOneBatchGoToTheirOwnConnection()
    {
        // Objects carry their Connection: keys read from database 5 are removed from database 5.
        PowerShellResult r = Run("""
            $c5 = Connect-Redis -Url ($Url -replace '/0$','/5') -Name db5 -PassThru
            Set-RedisValue -Key "${P}db5" -Value x -Connection $c5
            Connect-Redis -Url $Url -Name db0
            Set-RedisValue -Key "${P}db5" -Value y
            (Get-RedisKey -Match "${P}db5" -Connection $c5 | Remove-RedisKey -PassThru).Removed
            Test-RedisKey "${P}db5"
            Test-RedisKey "${P}db5" -Connection $c5
            """).ShouldSucceed();
        Assert.Equal(new object[] { 1L, true, false }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void RemoveTakesKeyObjectsStringsAndObjectsWithAKeyProperty_AndAnEmptyPipeline()
    {
        // Everything piped binds as -InputObject: Get-RedisKey's objects with their own connection, strings as keys,
        // other objects through their Key property.
        PowerShellResult r = Run("""
            Connect-Redis -Url $Url
            0..2 | ForEach-Object { Set-RedisValue -Key "${P}mix:$_" -Value x }
            (Get-RedisKey -Match "${P}mix:0" | Remove-RedisKey -PassThru).Removed
            ("${P}mix:1" | Remove-RedisKey -PassThru).Removed
            ([pscustomobject]@{ Key = "${P}mix:2" } | Remove-RedisKey -PassThru).Removed
            (Get-RedisKey -Match "${P}nothing:*" | Remove-RedisKey -PassThru).Requested
            @(Get-RedisKey -Match "${P}mix:*").Count
            """).ShouldSucceed();
        Assert.Equal(new object[] { 1L, 1L, 1L, 0L, 0 }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void RemoveReadsKeyAndConnectionFromAnyPipedObject_AndRefusesObjectsWithoutAKey()
    {
        // One pipeline parameter set: the cmdlet reads Key (one or several) and Connection from each object itself.
        PowerShellResult r = Run("""
            $c5 = Connect-Redis -Url ($Url -replace '/0$','/5') -Name db5 -PassThru
            Connect-Redis -Url $Url -Name db0
            Set-RedisValue -Key "${P}obj:a" -Value x -Connection $c5
            Set-RedisValue -Key "${P}obj:a" -Value y
            ([pscustomobject]@{ Key = "${P}obj:a"; Connection = $c5 } | Remove-RedisKey -PassThru).Removed
            Test-RedisKey "${P}obj:a" -Connection $c5
            Test-RedisKey "${P}obj:a"
            1..3 | ForEach-Object { Set-RedisValue -Key "${P}obj:$_" -Value z }
            ([pscustomobject]@{ Key = @("${P}obj:1", "${P}obj:2") } | Remove-RedisKey -PassThru).Removed
            Set-RedisValue -Key 42 -Value n
            (42 | Remove-RedisKey -PassThru).Removed
            (@{ Name = 'no key here' } | Remove-RedisKey -PassThru -ErrorVariable bad -ErrorAction SilentlyContinue).Requested
            $bad[0].FullyQualifiedErrorId
            Test-RedisKey "${P}obj:3"
            """).ShouldSucceed();
        Assert.Equal(new object[] { 1L, false, true, 2L, 1L, 0L, "PSRedis.NotAKey,PSRedis.Cmdlets.RemoveRedisKeyCommand", true },
            r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void RemoveWorksOnAPoolOfOneConnection()
    {
        // The overlapped sender holds a connection; with -MaxConnections 1 it must not starve the upstream scan.
        Populate(_client, _prefix + "one:", 2500);
        PowerShellResult r = _ps.Run("""
            $one = Connect-Redis -Url $U -MaxConnections 1 -Timeout 5 -PassThru
            (Get-RedisKey -Match "${P}one:*" -Connection $one | Remove-RedisKey -PassThru).Removed
            """, new Dictionary<string, object?> { ["U"] = _client.Options.ToString(), ["P"] = _prefix }).ShouldSucceed();
        Assert.Equal(2500L, r.Single());
    }

    [Fact]
    public void TestRedisKeyAnswersPerKeyInOrderAcrossBatches()
    {
        Populate(_client, _prefix + "t:", 600);
        PowerShellResult r = Run("0..1199 | ForEach-Object { \"${P}t:$_\" } | Test-RedisKey").ShouldSucceed();
        Assert.Equal(1200, r.Output.Count);
        Assert.All(r.Output.Take(600), o => Assert.Equal(true, o.BaseObject));
        Assert.All(r.Output.Skip(600), o => Assert.Equal(false, o.BaseObject));
    }

    [Fact]
    public void SetRedisKeyExpiryAtPersistAndMissingKeys()
    {
        _client.Set(_prefix + "e1", "1");
        _client.Set(_prefix + "e2", "2");
        PowerShellResult r = Run("""
            Set-RedisKeyExpiry -Key "${P}e1" -At ([DateTimeOffset]::UtcNow.AddMinutes(10))
            Set-RedisKeyExpiry -Key "${P}e2" -TimeToLive ([TimeSpan]::FromSeconds(30))
            Set-RedisKeyExpiry -Key "${P}e2" -Persist -PassThru | ForEach-Object { $_.Applied }
            Set-RedisKeyExpiry -Key "${P}e2" -Persist -PassThru | ForEach-Object { $_.Applied }
            Set-RedisKeyExpiry -Key "${P}missing", "${P}e1" -TimeToLive 60 -PassThru | ForEach-Object { $_.Applied }
            """);
        Assert.Equal(new object[] { true, false, false, true }, r.Output.Select(o => o.BaseObject));
        ErrorRecord error = Assert.Single(r.AllErrors);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.StartsWith("PSRedis.KeyNotFound", error.FullyQualifiedErrorId);
        Assert.Equal(_prefix + "missing", error.TargetObject);
        Assert.Null(_client.TimeToLive(_prefix + "e2"));
        Assert.InRange(_client.TimeToLive(_prefix + "e1")!.Value.TotalSeconds, 50, 60);
    }

    [Fact]
    public void RenameRedisKeyNoClobberAndMissingKeyAreErrorsWithTheKeyAsTarget()
    {
        _client.Set(_prefix + "r1", "1");
        _client.Set(_prefix + "r2", "2");
        PowerShellResult r = Run("""
            Rename-RedisKey "${P}r1" "${P}r2" -NoClobber
            Rename-RedisKey "${P}nope" "${P}r3"
            Rename-RedisKey "${P}r1" "${P}r3" -WhatIf
            Rename-RedisKey "${P}r1" "${P}r2"
            """);
        Assert.Equal(2, r.AllErrors.Count);
        Assert.StartsWith("PSRedis.KeyExists", r.AllErrors[0].FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, r.AllErrors[0].CategoryInfo.Category);
        Assert.Equal(_prefix + "r1", r.AllErrors[0].TargetObject);
        Assert.StartsWith("PSRedis.KeyNotFound", r.AllErrors[1].FullyQualifiedErrorId);
        Assert.Equal(_prefix + "nope", r.AllErrors[1].TargetObject);
        Assert.Equal("1", _client.Get(_prefix + "r2"));
        Assert.False(_client.Exists(_prefix + "r1") > 0);
        Assert.False(_client.Exists(_prefix + "r3") > 0);
    }

    [Fact]
    public void KeyCompleterOffersMatchingKeysThroughTabExpansion()
    {
        _client.Set(_prefix + "comp:alpha", "1");
        _client.Set(_prefix + "comp:beta", "1");
        _client.Set(_prefix + "other", "1");
        PowerShellResult r = Run("""
            $line = "Get-RedisValue -Key ${P}comp:"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            $line = "Get-RedisKey -Match ${P}c"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            """).ShouldSucceed();
        Assert.Equal(new object[] { _prefix + "comp:alpha", _prefix + "comp:beta", _prefix + "comp:alpha", _prefix + "comp:beta" },
            r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void KeyCompleterIsBoundedInTimeAndSilentWhenTheServerIsUnreachable()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using (RedisClient own = RedisClient.FromUrl(server.Url))
        {
            Populate(own, "slow:", 10);
            _ps.Run("Connect-Redis -Url $U -Name slow", new Dictionary<string, object?> { ["U"] = server.Url }).ShouldSucceed();
            own.Execute(new object?[] { "CLIENT", "PAUSE", "3000", "ALL" }); // the server answers nobody for 3 s
            var clock = Stopwatch.StartNew();
            PowerShellResult r = Run("""
                $line = 'Remove-RedisKey -Key slow:'
                @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches).Count
                """).ShouldSucceed();
            clock.Stop();
            _output.WriteLine($"completion against a paused server returned in {clock.ElapsedMilliseconds} ms");
            Assert.Equal(0, r.Single());
            Assert.True(clock.ElapsedMilliseconds < 2000, $"completion took {clock.ElapsedMilliseconds} ms");
        }
        server.Dispose();
        PowerShellResult gone = Run("""
            $line = 'Test-RedisKey -Key slow:'
            @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches).Count
            """).ShouldSucceed();
        Assert.Equal(0, gone.Single());
    }

    [Fact]
    public void RemoveIsFastEnoughOverAMillionKeys()
    {
        // Issue 5's story at full size, on a server of our own (DEBUG POPULATE): 500,000 'cache:' keys of 1,000,000.
        if (Environment.GetEnvironmentVariable("PSREDIS_SPEED") != "1") return;
        using RedisServerProcess server = RedisServerProcess.Start(new RedisServerOptions { EnableDebugCommand = true });
        using RedisClient own = RedisClient.FromUrl(server.Url);
        own.Execute(new object?[] { "DEBUG", "POPULATE", "500000", "cache" });
        own.Execute(new object?[] { "DEBUG", "POPULATE", "500000", "keep" });
        _ps.Run("Connect-Redis -Url $U -Name speed", new Dictionary<string, object?> { ["U"] = server.Url }).ShouldSucceed();
        var clock = Stopwatch.StartNew();
        Run("Get-RedisKey -Match 'cache:*' | Out-Null").ShouldSucceed();
        _output.WriteLine($"Get-RedisKey | Out-Null: {clock.Elapsed.TotalSeconds:0.00} s");
        clock.Restart();
        Run("Get-RedisKey -Match 'cache:*' | Test-RedisKey | Out-Null").ShouldSucceed();
        _output.WriteLine($"Get-RedisKey | Test-RedisKey: {clock.Elapsed.TotalSeconds:0.00} s");
        clock.Restart();
        PowerShellResult r = Run("(Get-RedisKey -Match 'cache:*' | Remove-RedisKey -PassThru).Removed").ShouldSucceed();
        clock.Stop();
        _output.WriteLine($"Get-RedisKey | Remove-RedisKey: 500,000 of 1,000,000 keys in {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal(500_000L, r.Single());
        Assert.Equal(500_000L, own.DbSize());
    }
}
