using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>The sorted-set and stream cmdlets in a hosted engine. Each test works under its own key prefix.</summary>
[Collection(RedisCollection.Name)]
public sealed class SortedSetStreamCmdletTests : IDisposable
{
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly string _url;
    private readonly string _prefix = "pstest:" + Guid.NewGuid().ToString("N")[..10] + ":";

    public SortedSetStreamCmdletTests(RedisFixture redis)
    {
        _url = redis.Url;
        _client = RedisClient.FromUrl(redis.Url);
        _ps.Run("Connect-Redis -Url $Url", new Dictionary<string, object?> { ["Url"] = redis.Url, ["P"] = _prefix }).ShouldSucceed();
    }

    public void Dispose()
    {
        string[] keys = _client.ScanIter(_prefix + "*").ToArray();
        if (keys.Length > 0) _client.Delete(keys);
        _client.Dispose();
        _ps.Dispose();
    }

    private PowerShellResult Run(string script) => _ps.Run(script);

    private static object?[] Values(PowerShellResult r) => r.Output.Select(o => o?.BaseObject).ToArray();

    private void Scores(string key, params (string Member, double Score)[] pairs) =>
        _client.ZAdd(_prefix + key, pairs.Select(p => new KeyValuePair<string, double>(p.Member, p.Score)));

    // ---- sorted sets ----

    [Fact]
    public void AddOneMemberPositionallyThenReadByRankWithAndWithoutScores()
    {
        PowerShellResult r = Run("""
            [Threading.Thread]::CurrentThread.CurrentCulture = 'de-DE'
            Add-RedisSortedSetMember "${P}z" alice 1.5 -PassThru
            Add-RedisSortedSetMember "${P}z" bob 3 -PassThru
            Add-RedisSortedSetMember "${P}z" alice 2.5 -PassThru
            Add-RedisSortedSetMember "${P}z" 42 0.5
            """).ShouldSucceed();
        Assert.Equal(new object[] { 1L, 1L, 0L }, Values(r));
        Assert.Equal(2.5, _client.ZScore(_prefix + "z", "alice"));
        Assert.Equal(0.5, _client.ZScore(_prefix + "z", "42"));

        r = Run("Get-RedisSortedSetMember \"${P}z\"").ShouldSucceed();
        Assert.Equal(new object[] { "42", "alice", "bob" }, Values(r));
        r = Run("Get-RedisSortedSetMember \"${P}z\" -Start 1 -End 1 -Descending").ShouldSucceed();
        Assert.Equal(new object[] { "alice" }, Values(r));
        r = Run("Get-RedisSortedSetMember \"${P}z\" -WithScores | ForEach-Object { '{0}={1}@{2}' -f $_.Member, $_.Score, $_.Key }").ShouldSucceed();
        Assert.Equal(new object[] { $"42=0.5@{_prefix}z", $"alice=2.5@{_prefix}z", $"bob=3@{_prefix}z" }, Values(r));
        Assert.Equal("PSRedis.RedisSortedSetEntry", Run("Get-RedisSortedSetMember \"${P}z\" -WithScores -Start 0 -End 0").Single()!.GetType().FullName);
    }

    [Fact]
    public void PipelineOfMemberScoreObjectsIsAddedInBatchesAndCounted()
    {
        PowerShellResult r = Run("""
            $items = 1..1200 | ForEach-Object { [pscustomobject]@{ Member = "m$_"; Score = $_ } }
            $items | Add-RedisSortedSetMember -Key "${P}big" -PassThru -Verbose
            """).ShouldSucceed();
        Assert.Equal(1200L, r.Single());
        Assert.Equal(1200, _client.ZCard(_prefix + "big"));
        Assert.Equal(3, r.Verbose.Count(v => v.StartsWith("ZADD", StringComparison.Ordinal))); // 500 + 500 + 200
        // Objects with Key, Member and Score bind every one of them; entries copy into another set.
        r = Run("""
            [pscustomobject]@{ Key = "${P}a"; Member = 'x'; Score = 1 }, [pscustomobject]@{ Key = "${P}b"; Member = 'y'; Score = 2 } | Add-RedisSortedSetMember
            Get-RedisSortedSetMember "${P}big" -WithScores -Start 0 -End 9 | Add-RedisSortedSetMember -Key "${P}copy" -PassThru
            """).ShouldSucceed();
        Assert.Equal(10L, r.Single());
        Assert.Equal(1.0, _client.ZScore(_prefix + "a", "x"));
        Assert.Equal(2.0, _client.ZScore(_prefix + "b", "y"));
        Assert.Equal(10.0, _client.ZScore(_prefix + "copy", "m10"));
    }

    [Fact]
    public void MappingConditionsAndIncrement()
    {
        PowerShellResult r = Run("""
            Add-RedisSortedSetMember -Key "${P}m" -Mapping @{ a = 1; b = '2.5'; c = 3 } -PassThru
            Add-RedisSortedSetMember -Key "${P}m" -Member a -Score 10 -NotExists -PassThru
            Add-RedisSortedSetMember -Key "${P}m" -Member new -Score 10 -Exists -PassThru
            Add-RedisSortedSetMember -Key "${P}m" -Member b -Score 1 -GreaterThan
            Add-RedisSortedSetMember -Key "${P}m" -Member c -Score 1 -LessThan
            Add-RedisSortedSetMember -Key "${P}m" -Member a -Score 4 -Increment
            Add-RedisSortedSetMember -Key "${P}m" -Member a -Score 4 -Increment -NotExists
            """).ShouldSucceed();
        Assert.Equal(new object?[] { 3L, 0L, 0L, 5.0, null }, Values(r));
        Assert.Equal(2.5, _client.ZScore(_prefix + "m", "b"));
        Assert.Equal(1.0, _client.ZScore(_prefix + "m", "c"));
        Assert.Null(_client.ZScore(_prefix + "m", "new"));

        r = Run("Add-RedisSortedSetMember -Key \"${P}m\" -Member a -Score 1 -NotExists -GreaterThan");
        Assert.Equal("PSRedis.ConflictingOptions,PSRedis.Cmdlets.AddRedisSortedSetMemberCommand", Assert.IsType<ErrorRecord>(r.TerminatingError).FullyQualifiedErrorId);
        r = Run("Add-RedisSortedSetMember -Key \"${P}m\" -Member @{ x = 1 } -Score 1; Add-RedisSortedSetMember -Key \"${P}m\" -Member ok -Score 7");
        Assert.Single(r.Errors);
        Assert.StartsWith("PSRedis.UnsupportedMember", r.Errors[0].FullyQualifiedErrorId);
        Assert.Equal(7.0, _client.ZScore(_prefix + "m", "ok"));
    }

    [Fact]
    public void ByScoreWithTextBoundsPagesAndDescending()
    {
        Scores("s", ("a", 1), ("b", 1.5), ("c", 2), ("d", 3), ("e", 4));
        Assert.Equal(new object[] { "b", "c", "d" }, Values(Run("Get-RedisSortedSetMember \"${P}s\" -Min 1.5 -Max 3").ShouldSucceed()));
        Assert.Equal(new object[] { "c", "d" }, Values(Run("Get-RedisSortedSetMember \"${P}s\" -Min '(1.5' -Max 3").ShouldSucceed()));
        Assert.Equal(new object[] { "e", "d", "c" }, Values(Run("Get-RedisSortedSetMember \"${P}s\" -Min 2 -Descending").ShouldSucceed()));
        Assert.Equal(new object[] { "a", "b" }, Values(Run("Get-RedisSortedSetMember \"${P}s\" -Max '(2'").ShouldSucceed()));
        Assert.Equal(new object[] { "c", "d" }, Values(Run("Get-RedisSortedSetMember \"${P}s\" -Min '-inf' -Max '+inf' -Offset 2 -Count 2").ShouldSucceed()));
        PowerShellResult r = Run("Get-RedisSortedSetMember \"${P}s\" -Min 3 -WithScores | ForEach-Object { \"$($_.Member):$($_.Score)\" }").ShouldSucceed();
        Assert.Equal(new object[] { "d:3", "e:4" }, Values(r));
        r = Run("Get-RedisSortedSetMember \"${P}s\" -Min 'low'");
        Assert.Equal("PSRedis.InvalidRange,PSRedis.Cmdlets.GetRedisSortedSetMemberCommand", Assert.IsType<ErrorRecord>(r.TerminatingError).FullyQualifiedErrorId);
    }

    [Fact]
    public void ByLex()
    {
        Scores("l", ("apple", 0), ("banana", 0), ("cherry", 0), ("date", 0));
        Assert.Equal(new object[] { "banana", "cherry" }, Values(Run("Get-RedisSortedSetMember \"${P}l\" -MinLex '[b' -MaxLex '(d'").ShouldSucceed()));
        Assert.Equal(new object[] { "date", "cherry" }, Values(Run("Get-RedisSortedSetMember \"${P}l\" -MinLex '(banana' -Descending").ShouldSucceed()));
        Assert.Equal(new object[] { "banana" }, Values(Run("Get-RedisSortedSetMember \"${P}l\" -MinLex '-' -MaxLex '+' -Offset 1 -Count 1").ShouldSucceed()));
    }

    [Fact]
    public void RankRangesStreamInPages()
    {
        _client.ZAdd(_prefix + "p", Enumerable.Range(0, 2500).Select(i => new KeyValuePair<string, double>("m" + i, i)));
        long before = ServerStats.CommandCalls(_client, "zrange");
        PowerShellResult r = Run("$n = 0; Get-RedisSortedSetMember \"${P}p\" | ForEach-Object { $n++ }; $n").ShouldSucceed();
        Assert.Equal(2500, r.Single());
        Assert.Equal(3, ServerStats.CommandCalls(_client, "zrange") - before); // pages of 1000
        r = Run("@(Get-RedisSortedSetMember \"${P}p\" -Start 998 -End 1001 -Descending)").ShouldSucceed();
        Assert.Equal(new object[] { "m1501", "m1500", "m1499", "m1498" }, Values(r));
        r = Run("@(Get-RedisSortedSetMember \"${P}p\" -Start -2)").ShouldSucceed();
        Assert.Equal(new object[] { "m2498", "m2499" }, Values(r));
    }

    [Fact]
    public void RemoveByMemberRankAndScoreWithWhatIfAndPassThru()
    {
        Scores("r", ("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5), ("f", 6), ("g", 7));
        PowerShellResult r = Run("'a', 'b', 'zz' | Remove-RedisSortedSetMember -Key \"${P}r\" -WhatIf -PassThru; Remove-RedisSortedSetMember \"${P}r\" -RankStart 0 -RankEnd -1 -WhatIf").ShouldSucceed();
        Assert.Equal(new object[] { 0L }, Values(r));
        Assert.Equal(7, _client.ZCard(_prefix + "r"));
        r = Run("'a', 'b', 'zz' | Remove-RedisSortedSetMember -Key \"${P}r\" -PassThru").ShouldSucceed();
        Assert.Equal(2L, r.Single());
        r = Run("Remove-RedisSortedSetMember \"${P}r\" -RankStart -1 -RankEnd -1 -PassThru").ShouldSucceed();
        Assert.Equal(1L, r.Single());
        r = Run("Remove-RedisSortedSetMember \"${P}r\" -MinScore '(3' -MaxScore 5 -PassThru").ShouldSucceed();
        Assert.Equal(2L, r.Single());
        Assert.Equal(new[] { "c", "f" }, _client.ZRange(_prefix + "r", 0, -1));
        // Entries from Get-RedisSortedSetMember bind Key and Member by property name.
        r = Run("Get-RedisSortedSetMember \"${P}r\" -Min 6 -WithScores | Remove-RedisSortedSetMember -PassThru").ShouldSucceed();
        Assert.Equal(1L, r.Single());
        Assert.Equal(new[] { "c" }, _client.ZRange(_prefix + "r", 0, -1));
    }

    [Fact]
    public void WrongTypeOnOneKeyDoesNotStopTheRest()
    {
        Scores("ok1", ("a", 1));
        Scores("ok2", ("b", 2));
        _client.Set(_prefix + "str", "text");
        PowerShellResult r = Run("\"${P}ok1\", \"${P}str\", \"${P}ok2\" | Get-RedisSortedSetMember");
        Assert.Equal(new object[] { "a", "b" }, Values(r));
        ErrorRecord error = Assert.Single(r.Errors);
        Assert.StartsWith("PSRedis.WrongType", error.FullyQualifiedErrorId);
        Assert.Equal(_prefix + "str", error.TargetObject);
        Assert.Null(r.TerminatingError);

        r = Run("""
            [pscustomobject]@{ Key = "${P}ok1"; Member = 'n1'; Score = 1 }, [pscustomobject]@{ Key = "${P}str"; Member = 'n'; Score = 1 },
                [pscustomobject]@{ Key = "${P}ok2"; Member = 'n2'; Score = 1 } | Add-RedisSortedSetMember -PassThru
            """);
        Assert.Equal(new object[] { 2L }, Values(r));
        Assert.Equal(_prefix + "str", Assert.Single(r.Errors).TargetObject);
        Assert.Equal(1.0, _client.ZScore(_prefix + "ok2", "n2"));

        r = Run("Read-RedisStream \"${P}str\", \"${P}nostream\"");
        Assert.Equal(_prefix + "str", Assert.Single(r.Errors).TargetObject);
    }

    // ---- streams ----

    [Fact]
    public void AddEntriesFromADictionaryAndFromPipelineObjectsThenReadTheRange()
    {
        PowerShellResult r = Run("""
            [Threading.Thread]::CurrentThread.CurrentCulture = 'de-DE'
            Add-RedisStreamEntry "${P}st" @{ name = 'ada'; n = 1.5 }
            [pscustomobject]@{ name = 'bob'; n = 2 }, [pscustomobject]@{ name = 'cy'; n = 3 } | Add-RedisStreamEntry -Key "${P}st"
            @{ name = 'dee' } | Add-RedisStreamEntry -Key "${P}st" -Id '99999999999999-1'
            """).ShouldSucceed();
        Assert.Equal(4, r.Output.Count);
        Assert.All(r.Output, o => Assert.Matches(@"^\d+-\d+$", (string)o.BaseObject));
        Assert.Equal("99999999999999-1", r.Output[3].BaseObject);
        Assert.Equal(4, _client.XLen(_prefix + "st"));

        r = Run("""
            $e = Read-RedisStream "${P}st"
            $e | ForEach-Object { '{0}:{1}' -f $_.Fields.name, $_.Fields.N }
            $e[0].Key
            """).ShouldSucceed();
        Assert.Equal(new object[] { "ada:1.5", "bob:2", "cy:3", "dee:", _prefix + "st" }, Values(r));
        r = Run("(Read-RedisStream \"${P}st\" -Descending -Count 2).Fields.name").ShouldSucceed();
        Assert.Equal(new object[] { "dee", "cy" }, Values(r));
        Assert.Equal("PSRedis.RedisStreamEntry", Run("Read-RedisStream \"${P}st\" -Count 1").Single()!.GetType().FullName);

        // Objects with a Key property supply the key, which is then not a field; entries copy into another stream.
        r = Run("""
            [pscustomobject]@{ Key = "${P}st2"; a = 'x' } | Add-RedisStreamEntry
            Read-RedisStream "${P}st" | Add-RedisStreamEntry -Key "${P}copy"
            """).ShouldSucceed();
        Assert.Equal(new[] { "a" }, _client.XRange(_prefix + "st2").Single().Fields.Keys);
        Assert.Equal(new[] { "ada", "bob", "cy", "dee" }, _client.XRange(_prefix + "copy").Select(e => e.Fields["name"]));

        r = Run("Add-RedisStreamEntry \"${P}st\" @{ bad = $null }; Add-RedisStreamEntry \"${P}st\" @{ good = 1 }");
        Assert.StartsWith("PSRedis.UnsupportedValue", Assert.Single(r.Errors).FullyQualifiedErrorId);
        Assert.Single(r.Output);
    }

    [Fact]
    public void MaxLengthTrimsAndRangesPageThroughBigStreams()
    {
        PowerShellResult r = Run("1..2500 | ForEach-Object { [pscustomobject]@{ i = $_ } } | Add-RedisStreamEntry -Key \"${P}big\" | ForEach-Object { $n++ }; $n").ShouldSucceed();
        Assert.Equal(2500, r.Single());
        long before = ServerStats.CommandCalls(_client, "xrange");
        r = Run("$n = 0; Read-RedisStream \"${P}big\" | ForEach-Object { $n++ }; $n").ShouldSucceed();
        Assert.Equal(2500, r.Single());
        Assert.Equal(3, ServerStats.CommandCalls(_client, "xrange") - before); // pages of 1000
        r = Run("$e = Read-RedisStream \"${P}big\" -Descending -Count 1500; $e.Count; $e[0].Fields.i; $e[-1].Fields.i").ShouldSucceed();
        Assert.Equal(new object[] { 1500, "2500", "1001" }, Values(r));
        Run("Add-RedisStreamEntry \"${P}big\" @{ i = 'last' } -MaxLength 10").ShouldSucceed();
        Assert.Equal(10, _client.XLen(_prefix + "big"));
        r = Run("(Read-RedisStream \"${P}big\" -After 0 -Count 3).Fields.i").ShouldSucceed();
        Assert.Equal(new object[] { "2492", "2493", "2494" }, Values(r));
    }

    [Fact]
    public void ConsumerGroupReadConfirmedThroughThePipelineLeavesNothingPending()
    {
        _client.XAdd(_prefix + "q", new Dictionary<string, object> { ["job"] = "1" });
        _client.XAdd(_prefix + "q", new Dictionary<string, object> { ["job"] = "2" });
        PowerShellResult r = Run("""
            $got = Read-RedisStream "${P}q" -Group workers -Consumer w1 -CreateGroup
            $got.Count; $got[0].Group; $got[0].Consumer
            @(Read-RedisStream "${P}q" -Group workers -Consumer w1 -Pending).Count
            """).ShouldSucceed();
        Assert.Equal(new object[] { 2, "workers", "w1", 2 }, Values(r));
        Assert.Equal(2, _client.XPending(_prefix + "q", "workers").Pending);

        r = Run("Read-RedisStream \"${P}q\" -Group workers -Consumer w1 -Pending | Confirm-RedisStreamEntry -PassThru").ShouldSucceed();
        Assert.Equal(2L, r.Single());
        Assert.Equal(0, _client.XPending(_prefix + "q", "workers").Pending);
        Assert.Empty(Run("Read-RedisStream \"${P}q\" -Group workers -Consumer w1").ShouldSucceed().Output);

        // A missing group without -CreateGroup is a clear per-stream error.
        r = Run("Read-RedisStream \"${P}q\" -Group nobody -Consumer c");
        Assert.Contains("NOGROUP", Assert.Single(r.Errors).Exception.Message);
        // Ids by value, with -Key and -Group named.
        string id = _client.XAdd(_prefix + "q", new Dictionary<string, object> { ["job"] = "3" })!;
        Run("Read-RedisStream \"${P}q\" -Group workers -Consumer w2 | Out-Null").ShouldSucceed();
        r = Run($"'{id}' | Confirm-RedisStreamEntry -Key \"${{P}}q\" -Group workers -PassThru").ShouldSucceed();
        Assert.Equal(1L, r.Single());
    }

    [Fact]
    public void BlockingReadTimesOutQuietly()
    {
        _client.XAdd(_prefix + "b", new Dictionary<string, object> { ["old"] = "1" });
        var clock = Stopwatch.StartNew();
        PowerShellResult r = Run("Read-RedisStream \"${P}b\" -Block 0.3").ShouldSucceed();
        clock.Stop();
        Assert.Empty(r.Output); // '$' by default when blocking: the old entry is not read
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.25, 5);
        r = Run("Read-RedisStream \"${P}b\" -Group g -Consumer c -CreateGroup -Block 0.2 | Out-Null; Read-RedisStream \"${P}b\" -Group g -Consumer c -Block 0.2").ShouldSucceed();
        Assert.Empty(r.Output);
    }

    [Fact]
    public async Task BlockingReadIsServedByAnEntryFromAnotherClient()
    {
        using var writer = RedisClient.FromUrl(_url);
        Task add = Task.Run(() =>
        {
            Thread.Sleep(400);
            writer.XAdd(_prefix + "live", new Dictionary<string, object> { ["msg"] = "hi" });
        });
        var clock = Stopwatch.StartNew();
        PowerShellResult r = Run("Read-RedisStream \"${P}live\" -Block 10 | ForEach-Object { $_.Fields.msg }").ShouldSucceed();
        clock.Stop();
        await add;
        Assert.Equal(new object[] { "hi" }, Values(r));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.3, 9);
    }

    [Fact]
    public async Task ALongBlockingReadReturnsAnEntryAddedAfterItsFirstSlice_AndNoOlderOne()
    {
        // The wait runs in one-second slices (for Ctrl+C) and '$' is resolved to the newest id once, before the first:
        // the entry added in the second slice comes back, the one that was there before the read does not.
        using var writer = RedisClient.FromUrl(_url);
        writer.XAdd(_prefix + "slow", new Dictionary<string, object> { ["msg"] = "old" });
        Task add = Task.Run(() =>
        {
            Thread.Sleep(1600);
            writer.XAdd(_prefix + "slow", new Dictionary<string, object> { ["msg"] = "new" });
        });
        PowerShellResult r = Run("Read-RedisStream \"${P}slow\" -Block 10 | ForEach-Object { $_.Fields.msg }").ShouldSucceed();
        await add;
        Assert.Equal(new object[] { "new" }, Values(r));
    }

    [Fact]
    public void StoppingAPipelineEndsAForeverGroupReadWithinASlice() =>
        _ps.AssertStopsWhileRunning("Read-RedisStream \"" + _prefix + "quiet\" -Group g -Consumer c -CreateGroup -Block 0", TimeSpan.FromSeconds(1.5));
}
