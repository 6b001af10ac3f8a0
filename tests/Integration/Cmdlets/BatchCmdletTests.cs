using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// Invoke-RedisPipeline and Invoke-RedisTransaction in a hosted engine, and the existing cmdlets queuing inside them.
/// Tests that count server work (round trips, MULTI/EXEC) use a redis-server of their own.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class BatchCmdletTests : IDisposable
{
    private readonly RedisFixture _redis;
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly string _prefix = "batch:" + Guid.NewGuid().ToString("N")[..10] + ":";

    public BatchCmdletTests(RedisFixture redis)
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

    private Dictionary<string, object?> Vars(string? url = null) => new() { ["Url"] = url ?? _redis.Url, ["P"] = _prefix };

    private PowerShellResult Run(string script) => _ps.Run(script, Vars());

    private static long Stat(RedisClient client, string name) => ServerStats.Stat(client, name);

    private static long CommandCalls(RedisClient client, string command) => ServerStats.CommandCalls(client, command);

    [Fact]
    public void PipelineEmitsTheRepliesInOrderAfterOneRoundTrip()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using RedisClient observer = RedisClient.FromUrl(server.Url);
        _ps.Run("Connect-Redis -Url $Url -Name own; Set-RedisValue warm 1", Vars(server.Url)).ShouldSucceed(); // pool holds a ready connection
        long readsBefore = Stat(observer, "total_reads_processed");
        long commandsBefore = Stat(observer, "total_commands_processed");

        PowerShellResult r = Run("""
            Invoke-RedisPipeline {
                Set-RedisValue -Key "${P}a" -Value 1
                Get-RedisValue -Key "${P}a"
                Invoke-RedisCommand INCR "${P}a"
                Get-RedisValue -Key "${P}a", "${P}missing"
                Test-RedisKey "${P}a", "${P}missing"
                Invoke-RedisCommand RPUSH "${P}l" x y
                Invoke-RedisCommand LRANGE "${P}l" 0 -1
            }
            """).ShouldSucceed();

        long reads = Stat(observer, "total_reads_processed") - readsBefore;
        long commands = Stat(observer, "total_commands_processed") - commandsBefore;
        // Each cmdlet's output as it would be outside the block: Set-RedisValue writes nothing without -PassThru.
        Assert.Equal(9, r.Output.Count);
        // An array reply is enumerated, as outside a batch.
        Assert.Equal(new object?[] { "1", 2L, "2", null, true, false, 2L, "x", "y" }, r.Output.Select(o => o?.BaseObject));
        // The 9 commands, plus two of the observer's INFOs (a reply counts the INFO that made it).
        Assert.Equal(11, commands);
        // One read event for the whole batch, not nine (plus the observer's INFOs in between).
        Assert.InRange(reads, 2, 4); // the INFO, the batch (a burst may split into two reads at most)
    }

    [Fact]
    public void AForeachLoopInsideTheBlockQueuesEveryCommandAndSendsThemTogether()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using RedisClient observer = RedisClient.FromUrl(server.Url);
        _ps.Run("Connect-Redis -Url $Url -Name own; Set-RedisValue warm 1", Vars(server.Url)).ShouldSucceed();
        long readsBefore = Stat(observer, "total_reads_processed");
        long setsBefore = CommandCalls(observer, "set");

        PowerShellResult r = Run("""
            $replies = Invoke-RedisPipeline {
                foreach ($i in 1..100) { Set-RedisValue -Key "k$i" -Value $i }
                1..3 | ForEach-Object { Get-RedisValue -Key "k$_" }
            }
            $replies.Count
            $replies
            """).ShouldSucceed();

        Assert.Equal(new object[] { 3, "1", "2", "3" }, r.Output.Select(o => o.BaseObject));
        Assert.Equal(100, CommandCalls(observer, "set") - setsBefore);
        // Three INFO reads of the observer, then 103 commands (about 4 KB) arriving in one or two reads, not 103.
        Assert.InRange(Stat(observer, "total_reads_processed") - readsBefore, 4, 6);
    }

    [Fact]
    public void TheBlocksOwnOutputComesFirstAndVariablesItSetsStayVisible()
    {
        PowerShellResult r = Run("""
            Invoke-RedisPipeline {
                Set-RedisValue "${P}v" hello
                'from the block'
                $seen = 42
                Get-RedisValue "${P}v"
            }
            $seen
            """).ShouldSucceed();
        Assert.Equal(new object[] { "from the block", "hello", 42 }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void CommandsForAnotherConnectionRunAtOnce()
    {
        PowerShellResult r = Run("""
            $other = Connect-Redis -Url $Url -Name other -PassThru
            Connect-Redis -Url $Url -Name main
            Invoke-RedisPipeline {
                Set-RedisValue "${P}queued" 1
                Set-RedisValue "${P}direct" 2 -Connection $other -PassThru
                # Not queued: the other connection already wrote its key, this one has not.
                Test-RedisKey "${P}direct", "${P}queued" -Connection $other
            }
            """).ShouldSucceed();
        Assert.Equal(new object[] { true, true, false }, r.Output.Select(o => o.BaseObject));
        Assert.Equal("1", _client.Get(_prefix + "queued"));
    }

    [Fact]
    public void AnErrorInTheMiddleOfAPipelineIsNonTerminatingAndInItsPlace()
    {
        _client.RPush(_prefix + "list", "x");
        PowerShellResult r = Run("""
            Invoke-RedisPipeline {
                Set-RedisValue "${P}before" 1
                Get-RedisValue "${P}list"
                Invoke-RedisCommand INCR "${P}list"
                Set-RedisValue "${P}after" 2
            }
            """);
        Assert.Null(r.TerminatingError);
        Assert.Empty(r.Output);
        Assert.Equal(2, r.Errors.Count);
        Assert.Equal("PSRedis.WrongType,PSRedis.Cmdlets.InvokeRedisPipelineCommand", r.Errors[0].FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidType, r.Errors[0].CategoryInfo.Category);
        Assert.Equal(_prefix + "list", r.Errors[0].TargetObject);
        Assert.Equal("INCR", r.Errors[1].TargetObject);
        Assert.Equal("2", _client.Get(_prefix + "after"));
    }

    [Fact]
    public void TransactionCommitsAtomicallyInsideMultiExec()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using RedisClient observer = RedisClient.FromUrl(server.Url);
        _ps.Run("Connect-Redis -Url $Url -Name own", Vars(server.Url)).ShouldSucceed();
        long multiBefore = CommandCalls(observer, "multi");
        long execBefore = CommandCalls(observer, "exec");

        PowerShellResult r = Run("""
            Invoke-RedisTransaction {
                Set-RedisValue "${P}from" 90
                Set-RedisValue "${P}to" 10
                Invoke-RedisCommand DECRBY "${P}from" 30
                Invoke-RedisCommand INCRBY "${P}to" 30
                Rename-RedisKey "${P}to" "${P}dest"
                Set-RedisKeyExpiry "${P}dest" -TimeToLive 100
                Remove-RedisKey "${P}from", "${P}nothing" -Force
            }
            """).ShouldSucceed();

        Assert.Equal(new object[] { 60L, 40L }, r.Output.Select(o => o.BaseObject));
        Assert.Equal(1, CommandCalls(observer, "multi") - multiBefore);
        Assert.Equal(1, CommandCalls(observer, "exec") - execBefore);
        Assert.Equal("40", observer.Get(_prefix + "dest"));
        Assert.InRange(observer.PTtl(_prefix + "dest"), 1, 100_000);
        Assert.Equal(0, observer.Exists(_prefix + "from"));
    }

    [Fact]
    public void WatchConflictIsATerminatingErrorAndAppliesNothing()
    {
        _client.Set(_prefix + "balance", "100");
        PowerShellResult r = Run("""
            $spy = Connect-Redis -Url $Url -Name spy -PassThru
            Connect-Redis -Url $Url -Name main
            Invoke-RedisTransaction -Watch "${P}balance" {
                Set-RedisValue "${P}balance" 50
                Set-RedisValue "${P}audit" 'spent 50'
                # Another client changes the watched key before EXEC.
                Set-RedisValue "${P}balance" 0 -Connection $spy
            }
            'not reached'
            """);
        Assert.NotNull(r.TerminatingError);
        Assert.Equal("PSRedis.WatchConflict,PSRedis.Cmdlets.InvokeRedisTransactionCommand", r.TerminatingError!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceBusy, r.TerminatingError.CategoryInfo.Category);
        Assert.IsType<RedisWatchException>(r.TerminatingError.Exception);
        Assert.Contains(_prefix + "balance", r.TerminatingError.ToString(), StringComparison.Ordinal);
        Assert.Empty(r.Output);
        Assert.Equal("0", _client.Get(_prefix + "balance"));
        Assert.Equal(0, _client.Exists(_prefix + "audit"));
    }

    [Fact]
    public void RetryRunsTheBlockAgainAfterAConflictAndCommitsTheSecondAttempt()
    {
        _client.Set(_prefix + "counter", "10");
        PowerShellResult r = Run("""
            $spy = Connect-Redis -Url $Url -Name spy -PassThru
            Connect-Redis -Url $Url -Name main
            $attempts = 0
            Invoke-RedisTransaction -Watch "${P}counter" -Retry 3 {
                $attempts++
                # Read what the transaction depends on outside the batch (after the WATCH), then queue the write.
                $current = [int]$spy.Client.Get("${P}counter")
                if ($attempts -eq 1) { Set-RedisValue "${P}counter" 500 -Connection $spy }
                Set-RedisValue "${P}counter" ($current * 2)
            } -Verbose
            $attempts
            """);
        r.ShouldSucceed();
        Assert.Equal(new object[] { 2 }, r.Output.Select(o => o.BaseObject));
        Assert.Equal("1000", _client.Get(_prefix + "counter"));
        Assert.Contains(r.Verbose, v => v.Contains("running the block again", StringComparison.Ordinal));
    }

    [Fact]
    public void RetriesThatRunOutEndInTheWatchConflict()
    {
        _client.Set(_prefix + "hot", "0");
        PowerShellResult r = Run("""
            $spy = Connect-Redis -Url $Url -Name spy -PassThru
            Connect-Redis -Url $Url -Name main
            $attempts = 0
            try {
                Invoke-RedisTransaction -Watch "${P}hot" -Retry 2 {
                    $attempts++
                    Invoke-RedisCommand INCR "${P}hot" -Connection $spy
                    Set-RedisValue "${P}hot" 'mine'
                }
            } catch { $_.FullyQualifiedErrorId }
            $attempts
            """).ShouldSucceed();
        // The spy's INCRs ran at once (another connection), but a failed attempt's block output is not emitted.
        Assert.Equal(new object[] { "PSRedis.WatchConflict,PSRedis.Cmdlets.InvokeRedisTransactionCommand", 3 }, r.Output.Select(o => o.BaseObject));
        Assert.Equal("3", _client.Get(_prefix + "hot"));
    }

    [Fact]
    public void AQueueingErrorAbortsTheWholeTransaction()
    {
        PowerShellResult r = Run("""
            Invoke-RedisTransaction {
                Set-RedisValue "${P}t1" 1
                Invoke-RedisCommand NOSUCHCOMMAND "${P}t1"
            }
            """);
        Assert.NotNull(r.TerminatingError);
        Assert.Equal("PSRedis.TransactionAborted,PSRedis.Cmdlets.InvokeRedisTransactionCommand", r.TerminatingError!.FullyQualifiedErrorId);
        Assert.Equal(0, _client.Exists(_prefix + "t1"));
    }

    [Fact]
    public void ARuntimeErrorInsideExecIsNonTerminatingAndTheRestCommits()
    {
        _client.RPush(_prefix + "list", "x");
        PowerShellResult r = Run("""
            Invoke-RedisTransaction {
                Invoke-RedisCommand INCR "${P}list"
                Set-RedisValue "${P}ok" yes
            }
            """);
        Assert.Null(r.TerminatingError);
        Assert.Equal("PSRedis.WrongType,PSRedis.Cmdlets.InvokeRedisTransactionCommand", Assert.Single(r.Errors).FullyQualifiedErrorId);
        Assert.Empty(r.Output);
        Assert.Equal("yes", _client.Get(_prefix + "ok"));
    }

    [Fact]
    public void ABlockThatThrowsSendsNothing()
    {
        PowerShellResult r = Run("""
            Invoke-RedisPipeline {
                Set-RedisValue "${P}never" 1
                throw 'changed my mind'
            }
            """);
        Assert.NotNull(r.TerminatingError);
        Assert.Contains("changed my mind", r.TerminatingError!.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, _client.Exists(_prefix + "never"));
    }

    [Fact]
    public void GetRedisKeyInsideABatchIsAClearError()
    {
        // -ErrorAction Stop on the transaction: the block's error is what the caller catches, and nothing is sent.
        PowerShellResult r = Run("""
            Invoke-RedisTransaction {
                Set-RedisValue "${P}t1" 1
                Get-RedisKey -Match "${P}*"
            } -ErrorAction Stop
            """);
        Assert.NotNull(r.TerminatingError);
        Assert.StartsWith("PSRedis.NotBatchable,", r.TerminatingError!.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("Get-RedisKey cannot run inside Invoke-RedisPipeline or Invoke-RedisTransaction", r.TerminatingError.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, _client.Exists(_prefix + "t1"));

        // Without it: the error is written, then the transaction is discarded as a whole.
        r = Run("Invoke-RedisTransaction { Set-RedisValue \"${P}t1\" 1; Get-RedisKey -Match x }");
        Assert.Equal("PSRedis.TransactionDiscarded,PSRedis.Cmdlets.InvokeRedisTransactionCommand", r.TerminatingError?.FullyQualifiedErrorId);
        Assert.Contains(r.Errors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.NotBatchable,", StringComparison.Ordinal));
        Assert.Equal(0, _client.Exists(_prefix + "t1"));

        // A pipeline is not all or nothing: the block goes on after the refused cmdlet, as any script does, and what it
        // queued is sent; the error reaches the caller.
        PowerShellResult n = Run("Invoke-RedisPipeline { Set-RedisValue \"${P}s1\" 1; Get-RedisKey -Match x; Set-RedisValue \"${P}s2\" 1 }; 'after'");
        Assert.Null(n.TerminatingError);
        Assert.Contains(n.Errors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.NotBatchable,", StringComparison.Ordinal));
        Assert.Equal(2L, _client.Exists(_prefix + "s1", _prefix + "s2"));
        PowerShellResult t = Run("Invoke-RedisPipeline { Test-RedisConnection }");
        Assert.Contains(t.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.NotBatchable,", StringComparison.Ordinal));
        PowerShellResult d = Run("Invoke-RedisPipeline { Disconnect-Redis -Name main }");
        Assert.Contains(d.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.NotBatchable,", StringComparison.Ordinal));
    }

    [Fact]
    public void ATransactionIsAllOrNothingWhenItsBlockReportsAnError()
    {
        _client.Set(_prefix + "n", "1");
        PowerShellResult r = Run("""
            try {
                Invoke-RedisTransaction {
                    Invoke-RedisCommand INCR "${P}n"
                    Set-RedisValue -Key "${P}o" -Value ([pscustomobject]@{ a = 1 })
                } -ErrorAction Stop
                'not reached'
            } catch { ($_.FullyQualifiedErrorId -split ',')[0]; $_.TargetObject }
            """).ShouldSucceed();
        Assert.Equal(new object[] { "PSRedis.UnsupportedValue", _prefix + "o" }, r.Output.Select(o => o.BaseObject));
        Assert.Equal("1", _client.Get(_prefix + "n"));
        Assert.Equal(0L, _client.Exists(_prefix + "o"));
    }

    [Fact]
    public void ErrorsInsideBlocksReachTheCallersErrorVariableAndRedirection()
    {
        PowerShellResult r = Run("""
            Invoke-RedisPipeline {
                Set-RedisValue -Key "${P}bad" -Value @{ a = 1 }
                Set-RedisValue -Key "${P}good" -Value 1
            } -ErrorVariable pe -ErrorAction SilentlyContinue
            $pe.Count
            ($pe[0].FullyQualifiedErrorId -split ',')[0]
            $merged = Use-RedisLock -Name "${P}lock" -ScriptBlock { Set-RedisValue -Key "${P}bad2" -Value @{ a = 1 }; 'out' } 2>&1
            @($merged | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Count
            @($merged | Where-Object { $_ -eq 'out' }).Count
            """).ShouldSucceed();
        Assert.Equal(new object[] { 1, "PSRedis.UnsupportedValue", 1, 1 }, r.Output.Select(o => o.BaseObject));
        Assert.Equal("1", _client.Get(_prefix + "good"));
    }

    [Fact]
    public void UseRedisLockStreamsItsBlocksOutputAsItIsProduced()
    {
        PowerShellResult r = Run("""
            $global:gotFirst = $false
            Use-RedisLock -Name "${P}streamlock" -ScriptBlock { 'first'; $global:sawFirstBeforeEnd = $global:gotFirst; 'second' } |
                ForEach-Object { $global:gotFirst = $true; $_ }
            $global:sawFirstBeforeEnd
            """).ShouldSucceed();
        Assert.Equal(new object[] { "first", "second", true }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void KeysFromThePipelineAndByteArraysAndServerInfoQueueToo()
    {
        _client.Set(_prefix + "b", new byte[] { 0, 255, 1 });
        PowerShellResult r = Run("""
            $replies = Invoke-RedisPipeline {
                [pscustomobject]@{ Key = "${P}p1"; Value = 'one' }, [pscustomobject]@{ Key = "${P}p2"; Value = 'two' } | Set-RedisValue
                "${P}p1", "${P}p2" | Get-RedisValue
                Get-RedisValue "${P}b" -AsByteArray
                Invoke-RedisCommand GET "${P}b" -AsByteArray
                Get-RedisServerInfo -Section server
                Set-RedisValue "${P}p1" 'again' -NotExists -PassThru
                Rename-RedisKey "${P}p2" "${P}p1" -NoClobber -ErrorAction SilentlyContinue -ErrorVariable +failed
                Set-RedisKeyExpiry "${P}nothing" -TimeToLive 10 -PassThru -ErrorAction SilentlyContinue -ErrorVariable +failed
                Set-RedisValue "${P}w" x -WhatIf
            } -ErrorVariable failed -ErrorAction SilentlyContinue
            $replies[0..1]
            $replies[2].GetType().Name
            $replies[3].GetType().Name
            ($replies | Where-Object Name -eq 'redis_version').Section
            $replies[-2]
            $replies[-1].Applied
            $failed.FullyQualifiedErrorId | ForEach-Object { ($_ -split ',')[0] }
            """).ShouldSucceed();
        Assert.Equal(new object[] { "one", "two", "Byte[]", "Byte[]", "Server", false, false, "PSRedis.KeyExists", "PSRedis.KeyNotFound" },
            r.Output.Select(o => o.BaseObject));
        Assert.Equal(0, _client.Exists(_prefix + "w"));
    }

    [Fact]
    public void NestedBatchesAndAnEmptyBlock()
    {
        PowerShellResult r = Run("""
            @(Invoke-RedisPipeline { }).Count
            Invoke-RedisTransaction {
                Set-RedisValue "${P}outer" 1
                # The inner pipeline sends its own batch when it ends; its replies are the outer block's output.
                Invoke-RedisPipeline { Set-RedisValue "${P}inner" 2; Test-RedisKey "${P}outer" }
            }
            """).ShouldSucceed();
        Assert.Equal(new object[] { 0, false }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void DataTypeCmdletsQueueInsideAPipelineAndTheirRepliesComeOutInOrder()
    {
        PowerShellResult r = Run("""
            Invoke-RedisPipeline {
                Step-RedisCounter -Key "${P}n" -By 5
                Set-RedisHash -Key "${P}h" -Value @{ f = 'v' }
                Push-RedisList -Key "${P}l" -Value a, b
                Add-RedisSetMember -Key "${P}s" -Member x
                Add-RedisSortedSetMember -Key "${P}z" -Member m -Score 2
                Add-RedisStreamEntry -Key "${P}x" -Fields @{ k = 'v' }
                Publish-RedisMessage -Channel "${P}ch" -Message hello
            }
            """).ShouldSucceed();
        // Each cmdlet writes what it writes outside a block: the counter's value and the new entry's id; the rest
        // write nothing without -PassThru.
        Assert.Equal(2, r.Output.Count);
        Assert.Equal(5L, Convert.ToInt64(r.Output[0].BaseObject, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Matches("^[0-9]+-[0-9]+$", (string)r.Output[1].BaseObject);
        Assert.Equal("5", _client.Get(_prefix + "n"));
        Assert.Equal("v", _client.HGet(_prefix + "h", "f"));
        Assert.Equal(new[] { "a", "b" }, _client.LRange(_prefix + "l", 0, -1));
        Assert.True(_client.SIsMember(_prefix + "s", "x"));
        Assert.Equal(2.0, _client.ZScore(_prefix + "z", "m"));
        Assert.Equal(1L, _client.XLen(_prefix + "x"));
    }

    [Fact]
    public void DataTypeCmdletsInATransactionApplyTogether()
    {
        Run("""
            Invoke-RedisTransaction -Watch "${P}h" {
                Set-RedisHash -Key "${P}h" -Value @{ a = '1' }
                Push-RedisList -Key "${P}l" -Value q
                Remove-RedisHashField -Key "${P}h" -Field a -Confirm:$false
            }
            """).ShouldSucceed();
        Assert.Equal(0L, _client.HLen(_prefix + "h"));
        Assert.Equal(new[] { "q" }, _client.LRange(_prefix + "l", 0, -1));
    }
}
