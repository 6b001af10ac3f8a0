using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// Invoke-RedisCommand, Get-RedisServerInfo, Clear-RedisDatabase, Disconnect-Redis and Get-RedisConnection in a
/// hosted engine. Clear-RedisDatabase only ever flushes database 15 (reserved for it) of the shared server, or a
/// server of its own.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ServerCmdletTests : IDisposable
{
    private const int ClearDatabase = 15;
    private readonly RedisFixture _redis;
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly string _prefix = "it:" + Guid.NewGuid().ToString("N")[..10] + ":";

    public ServerCmdletTests(RedisFixture redis)
    {
        _redis = redis;
        _client = RedisClient.FromUrl(redis.Url);
        _ps.Run("Connect-Redis -Url $Url -Name main", Vars()).ShouldSucceed();
    }

    public void Dispose()
    {
        string[] keys = _client.ScanIter(_prefix + "*").ToArray();
        if (keys.Length > 0) _client.Delete(keys);
        _client.Dispose();
        _ps.Dispose();
    }

    private Dictionary<string, object?> Vars() => new() { ["Url"] = _redis.Url, ["P"] = _prefix, ["Port"] = _redis.Port, ["H"] = _redis.Host };

    private PowerShellResult Run(string script) => _ps.Run(script, Vars());

    [Fact]
    public void InvokeRedisCommandTakesRemainingArgumentsAndEnumeratesArrayRepliesUnlessNoEnumerate()
    {
        PowerShellResult r = Run("""
            Invoke-RedisCommand SET "${P}k" 'héllo'
            Invoke-RedisCommand GET "${P}k"
            Invoke-RedisCommand -Command RPUSH -ArgumentList "${P}l", 1, 2.5, 'three'
            $list = Invoke-RedisCommand LRANGE "${P}l" 0 -1
            $list.GetType().Name
            $list.Count
            @(Invoke-RedisCommand LRANGE "${P}l" 0 -1 | ForEach-Object { 'one pipeline item' }).Count
            @(Invoke-RedisCommand LRANGE "${P}l" 0 -1 -NoEnumerate | ForEach-Object { 'one pipeline item' }).Count
            (Invoke-RedisCommand GET "${P}k" -AsByteArray).GetType().Name
            Invoke-RedisCommand GET "${P}missing"
            """).ShouldSucceed();
        Assert.Equal(new object?[] { "OK", "héllo", 3L, "Object[]", 3, 3, 1, "Byte[]" }, r.Output.Take(8).Select(o => o?.BaseObject));
        // A null reply is $null: PowerShell drops it from output, so nothing more came out.
        Assert.Equal(8, r.Output.Count(o => o is not null));
    }

    [Theory]
    [InlineData("SELECT 5", "Connect-Redis -Database")]
    [InlineData("SUBSCRIBE news", "Register-RedisEvent")]
    [InlineData("MONITOR", "Monitor()")]
    [InlineData("HELLO 3", "Connect-Redis")]
    [InlineData("CLIENT TRACKING on", "a connection of its own")]
    [InlineData("CLIENT REPLY OFF", "every pooled command needs its reply")]
    [InlineData("QUIT", "Disconnect-Redis")]
    public void InvokeRedisCommandRefusesCommandsThatChangeAPooledConnection(string command, string instead)
    {
        PowerShellResult r = Run("Invoke-RedisCommand " + command);
        ErrorRecord error = Assert.IsType<ErrorRecord>(r.TerminatingError);
        Assert.StartsWith("PSRedis.CommandNotAllowed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains(instead, error.Exception.Message, StringComparison.Ordinal);
        // The pooled connection is as it was: still database 0, still answering.
        Assert.Equal("PONG", Run("Invoke-RedisCommand PING").ShouldSucceed().Single());
    }

    [Fact]
    public void WhatIfChangesNothingThroughAnyCmdletThatWrites()
    {
        _client.Set(_prefix + "n", "1");
        _client.RPush(_prefix + "l", "a");
        _client.XAdd(_prefix + "x", new Dictionary<string, object> { ["f"] = "v" }, "1-1");
        _client.XGroupCreate(_prefix + "x", "g", "0");
        _client.XReadGroup("g", "c", new Dictionary<string, string> { [_prefix + "x"] = ">" });
        PowerShellResult r = Run("""
            Push-RedisList -Key "${P}l" -Value b -WhatIf
            Pop-RedisList -Key "${P}l" -WhatIf
            Add-RedisSetMember -Key "${P}s" -Member m -WhatIf
            Step-RedisCounter -Key "${P}n" -WhatIf
            Add-RedisStreamEntry -Key "${P}x" -Fields @{ f = 'w' } -WhatIf
            Confirm-RedisStreamEntry -Key "${P}x" -Group g -Id 1-1 -WhatIf
            Publish-RedisMessage -Channel "${P}ch" -Message hi -WhatIf -PassThru
            Invoke-RedisScript -Script "return redis.call('INCR', KEYS[1])" -Key "${P}n" -WhatIf
            Invoke-RedisCommand INCR "${P}n" -WhatIf
            Invoke-RedisCommand FLUSHDB -WhatIf
            Invoke-RedisCommand GET "${P}n" -WhatIf
            """).ShouldSucceed();
        // Only the read ran (a read never asks and runs under -WhatIf too).
        Assert.Equal(new object[] { "1" }, r.Output.Select(o => o.BaseObject));
        Assert.Equal("1", _client.Get(_prefix + "n"));
        Assert.Equal(1L, _client.LLen(_prefix + "l"));
        Assert.Equal(0L, _client.Exists(_prefix + "s"));
        Assert.Equal(1L, _client.XLen(_prefix + "x"));
        Assert.Equal(1L, _client.XPending(_prefix + "x", "g").Pending);
        Assert.True(_client.DbSize() > 0);
    }

    [Fact]
    public void InvokeRedisCommandEmptiesAServerOnlyWithForceWhenNobodyCanConfirm()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using RedisClient own = RedisClient.FromUrl(server.Url);
        own.Set("k", "v");
        PowerShellResult r = _ps.Run("Connect-Redis -Url $U -Name own; Invoke-RedisCommand FLUSHDB", new() { ["U"] = server.Url });
        Assert.True(r.AllErrors.Count > 0, "FLUSHDB without -Force should need a confirmation the hosted engine cannot give");
        Assert.Equal(1L, own.DbSize());
        _ps.Run("Invoke-RedisCommand FLUSHDB -Force").ShouldSucceed();
        Assert.Equal(0L, own.DbSize());
    }

    [Fact]
    public void ABlockingCommandWaitsItsOwnTimeoutBeyondTheSocketTimeout()
    {
        string key = _prefix + "bq";
        var push = new System.Threading.Timer(_ => _client.RPush(key, "late"), null, 1500, System.Threading.Timeout.Infinite);
        PowerShellResult r = Run("""
            $c = Connect-Redis -Url $Url -Name short -Timeout 1 -PassThru
            Invoke-RedisCommand BLPOP "${P}bq" 5 -Connection $c -NoEnumerate | ForEach-Object { $_ -join '=' }
            """).ShouldSucceed();
        push.Dispose();
        Assert.Equal(key + "=late", r.Single());
    }

    [Fact]
    public void CtrlCEndsABlockingInvokeRedisCommandAndNothingIsConsumedAfterwards()
    {
        string key = _prefix + "stopq";
        _ps.AssertStopsWhileRunning("Invoke-RedisCommand BLPOP '" + key + "' 0", TimeSpan.FromSeconds(1));
        System.Threading.Thread.Sleep(300);
        _client.RPush(key, "kept");
        System.Threading.Thread.Sleep(300);
        Assert.Equal(1L, _client.LLen(key));
        Assert.Equal("PONG", Run("Invoke-RedisCommand PING").ShouldSucceed().Single());
    }

    [Fact]
    public void InvokeRedisCommandServerErrorIsNonTerminatingAndVerboseNeverShowsArguments()
    {
        const string secret = "sup3r-secret-pw";
        _client.Set(_prefix + "h", "x");
        PowerShellResult r = Run($$"""
            Invoke-RedisCommand HGET "${P}h" f -Verbose
            try { Invoke-RedisCommand AUTH someone {{secret}} -Verbose } catch { $refused = $_ }
            $refused.FullyQualifiedErrorId
            $refused.Exception.Message
            $null = Invoke-RedisCommand CONFIG GET maxmemory -Verbose
            Invoke-RedisCommand ACL SETUSER nobody-{{secret}} -Verbose -ErrorAction SilentlyContinue
            Invoke-RedisCommand ACL DELUSER nobody-{{secret}}
            'after'
            """);
        Assert.Equal("after", r.Output.Last().BaseObject);
        Assert.Contains(r.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.WrongType", StringComparison.Ordinal));
        Assert.Contains(r.Verbose, v => v.StartsWith("HGET with 2 argument(s)", StringComparison.Ordinal));
        Assert.Contains(r.Output, o => Equals(o?.BaseObject, "PSRedis.CommandNotAllowed,PSRedis.Cmdlets.InvokeRedisCommandCommand"));
        Assert.Contains(r.Output, o => o?.BaseObject is string m && m.Contains("Connect-Redis -Credential", StringComparison.Ordinal));
        Assert.All(r.Output, o => Assert.DoesNotContain(secret, Convert.ToString(o?.BaseObject, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty));
        Assert.Null(r.TerminatingError);
        Assert.Contains(r.Verbose, v => v.StartsWith("CONFIG GET with 2 argument(s)", StringComparison.Ordinal));
        Assert.Contains(r.Verbose, v => v.StartsWith("ACL SETUSER with 2 argument(s)", StringComparison.Ordinal));
        Assert.All(r.Verbose, v => Assert.DoesNotContain(secret, v));
        Assert.All(r.AllErrors, e => Assert.DoesNotContain(secret, e.ToString() + e.TargetObject));
    }

    [Fact]
    public void GetRedisServerInfoEmitsTypedEntriesPerSection()
    {
        PowerShellResult r = Run("""
            $all = @(Get-RedisServerInfo)
            @($all.Section | Where-Object { $_ -eq 'Server' }).Count -gt 5
            ($all | Where-Object Name -eq 'tcp_port').Value
            $mem = @(Get-RedisServerInfo -Section memory, clients)
            @($mem.Section | ForEach-Object { $_ } | Where-Object { $_ -ne 'Memory' -and $_ -ne 'Clients' }).Count
            ($mem | Where-Object Name -eq 'used_memory').Value.GetType().Name
            Get-RedisServerInfo -Section no-such-section -ErrorAction SilentlyContinue -ErrorVariable e; $e.Count
            """).ShouldSucceed();
        Assert.Equal(new object[] { true, (long)_redis.Port, 0, "Int64", 1 }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void ClearRedisDatabaseWhatIfFlushesNothingAndForceFlushesOnlyItsDatabase()
    {
        string url15 = $"redis://{_redis.Host}:{_redis.Port}/{ClearDatabase}";
        using RedisClient db15 = RedisClient.FromUrl(url15);
        db15.Set(_prefix + "a", "1");
        db15.Set(_prefix + "b", "2");
        _client.Set(_prefix + "db0", "kept");
        PowerShellResult r = _ps.Run("""
            $c = Connect-Redis -Url $U -Name clear -PassThru
            Clear-RedisDatabase -WhatIf
            Clear-RedisDatabase -Force -WhatIf
            (Invoke-RedisCommand DBSIZE) -gt 1
            Clear-RedisDatabase -Force -Verbose
            Invoke-RedisCommand DBSIZE
            """, new() { ["U"] = url15 }).ShouldSucceed();
        Assert.Equal(new object[] { true, 0L }, r.Output.Select(o => o.BaseObject));
        Assert.Contains(r.Verbose, v => v.StartsWith("FLUSHDB on", StringComparison.Ordinal));
        Assert.Equal("kept", _client.Get(_prefix + "db0"));
    }

    [Fact]
    public void ClearRedisDatabaseAllAsyncOnAServerOfItsOwn()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using RedisClient own = RedisClient.FromUrl(server.Url);
        own.Set("a", "1");
        using (RedisClient own3 = RedisClient.FromUrl(server.Url.Replace("/0", "/3"))) own3.Set("b", "1");
        PowerShellResult r = _ps.Run("""
            Connect-Redis -Url $U -Name own
            Clear-RedisDatabase -All -Async -Force
            """, new() { ["U"] = server.Url }).ShouldSucceed();
        Assert.Empty(r.Output);
        Assert.Equal(0L, own.DbSize());
        Assert.Empty(own.Info("keyspace").Keys);
    }

    [Fact]
    public void DisconnectRedisClosesTheDefaultAndTheMostRecentlyUsedConnectionLeftTakesOver()
    {
        string name = "psredis-disc-" + Guid.NewGuid().ToString("N")[..8];
        PowerShellResult r = Run($$"""
            $c = Connect-Redis -Url "${Url}?client_name={{name}}" -Name disc -PassThru
            $null = Test-RedisKey x; $null = Get-RedisValue x
            (Get-RedisConnection).Name -join ','
            (Get-RedisConnection -Name d*).IsDefault
            """).ShouldSucceed();
        Assert.Equal(new object[] { "disc,main", true }, r.Output.Select(o => o.BaseObject));
        Assert.Contains(name, ClientList());

        r = Run("""
            Disconnect-Redis -Verbose
            @(Get-RedisConnection).Name -join ','
            (Get-RedisConnection | Where-Object IsDefault).Name
            $c.IsClosed
            """).ShouldSucceed();
        Assert.Equal(new object[] { "main", "main", true }, r.Output.Select(o => o.BaseObject));
        Assert.Contains(r.Verbose, v => v.Contains("'main' (the most recently used) is the default connection now", StringComparison.Ordinal));
        Assert.DoesNotContain(name, ClientList());

        // The last one closed: no default, and a cmdlet without -Connection says so; closing nothing is quiet.
        r = Run("Disconnect-Redis -Verbose; Disconnect-Redis").ShouldSucceed();
        Assert.Contains(r.Verbose, v => v.Contains("no connection is left", StringComparison.Ordinal));
        Assert.Empty(r.Errors);
        r = Run("Test-RedisKey x");
        Assert.StartsWith("PSRedis.NoConnection", r.TerminatingError?.FullyQualifiedErrorId);

        r = Run("""
            Connect-Redis -Url $Url -Name main
            Disconnect-Redis -Name nope -ErrorAction SilentlyContinue -ErrorVariable e; $e[0].FullyQualifiedErrorId
            Get-RedisConnection | Disconnect-Redis -PassThru | ForEach-Object Name
            @(Get-RedisConnection).Count
            """).ShouldSucceed();
        Assert.Equal(new object[] { "PSRedis.ConnectionNotFound,PSRedis.Cmdlets.DisconnectRedisCommand", "main", 0 }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void DisconnectingAnotherConnectionKeepsTheDefaultAndSeveralNamesCloseTogether()
    {
        PowerShellResult r = Run("""
            Connect-Redis -Url $Url -Name a1
            Connect-Redis -Url $Url -Name a2
            Connect-Redis -Url $Url -Name b1
            Connect-Redis -Url $Url -Name c1
            Connect-Redis -Url $Url -Name main
            Disconnect-Redis -Name b1
            (Get-RedisConnection | Where-Object IsDefault).Name
            $null = Test-RedisKey x -Connection (Get-RedisConnection a1)
            Disconnect-Redis -Name 'a*', main
            (Get-RedisConnection).Name -join ','
            (Get-RedisConnection | Where-Object IsDefault).Name
            """).ShouldSucceed();
        Assert.Equal(new object[] { "main", "c1", "c1" }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void DisconnectAllAndConnectionNameCompletion()
    {
        PowerShellResult r = Run("""
            Connect-Redis -Url $Url -Name alpha
            Connect-Redis -Url $Url -Name alps
            $line = 'Disconnect-Redis -Name al'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ','
            $line = 'Get-RedisConnection '
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ','
            Disconnect-Redis -All
            @(Get-RedisConnection).Count
            """).ShouldSucceed();
        Assert.Equal(new object[] { "alpha,alps", "alpha,alps,main", 0 }, r.Output.Select(o => o.BaseObject));
    }

    private string ClientList() => (string)_client.ExecuteCommand("CLIENT", "LIST")!;
}
