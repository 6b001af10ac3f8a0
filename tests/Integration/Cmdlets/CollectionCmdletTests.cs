using System;
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

/// <summary>Step-RedisCounter and the hash, list and set cmdlets in a hosted engine. Each test works under its own key prefix.</summary>
[Collection(RedisCollection.Name)]
public sealed class CollectionCmdletTests : IDisposable
{
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly string _prefix = "pscoll:" + Guid.NewGuid().ToString("N")[..10] + ":";

    public CollectionCmdletTests(RedisFixture redis)
    {
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

    // ---- Step-RedisCounter ----

    [Fact]
    public void CounterStepsByWholeAndFractionalAmounts()
    {
        PowerShellResult r = Run("""
            Step-RedisCounter "${P}c"
            Step-RedisCounter "${P}c" -By 10
            Step-RedisCounter "${P}c" -By 4 -Decrement
            Step-RedisCounter "${P}c" -By -2
            Step-RedisCounter "${P}f" -By 0.5
            Step-RedisCounter "${P}c" -Float
            """).ShouldSucceed();
        Assert.Equal(new object?[] { 1L, 11L, 7L, 5L, 0.5d, 6d }, Values(r));
        Assert.Equal("6", _client.Get(_prefix + "c"));
    }

    [Fact]
    public void CounterTakesKeysFromThePipelineAndReportsABadKeyAndGoesOn()
    {
        _client.Set(_prefix + "a", "1");
        _client.Set(_prefix + "text", "abc");
        _client.HSet(_prefix + "h", "f", "v");
        PowerShellResult r = Run("\"${P}a\", \"${P}text\", \"${P}h\", \"${P}b\" | Step-RedisCounter -By 2");
        Assert.Null(r.TerminatingError);
        Assert.Equal(new object?[] { 3L, 2L }, Values(r));
        Assert.Equal(2, r.Errors.Count);
        Assert.Equal(_prefix + "text", r.Errors[0].TargetObject);
        Assert.Equal(_prefix + "h", r.Errors[1].TargetObject);
        Assert.Equal("PSRedis.WrongType,PSRedis.Cmdlets.StepRedisCounterCommand", r.Errors[1].FullyQualifiedErrorId);
    }

    [Fact]
    public void CounterWithAFractionInTheValueSuggestsFloat()
    {
        _client.Set(_prefix + "x", "1.5");
        PowerShellResult r = Run("Step-RedisCounter \"${P}x\"");
        ErrorRecord e = Assert.Single(r.Errors);
        Assert.Contains("-Float", e.ErrorDetails.RecommendedAction);
        r = Run("Step-RedisCounter \"${P}x\" -Float").ShouldSucceed();
        Assert.Equal(2.5d, r.Single());
    }

    // ---- Hashes ----

    [Fact]
    public void SetHashFromAHashtableAndReadItAsObjectOrHashtable()
    {
        PowerShellResult r = Run("""
            Set-RedisHash "${P}u" @{ Name = 'Ann'; Age = 42; Ratio = 1.5 } -PassThru
            $o = Get-RedisHash "${P}u"
            $o.Name; $o.Age
            (Get-RedisHash "${P}u" | ForEach-Object Name)
            $h = Get-RedisHash "${P}u" -AsHashtable
            $h.GetType().Name; $h['Ratio']
            """).ShouldSucceed();
        Assert.Equal(new object?[] { 3L, "Ann", "42", "Ann", "Hashtable", "1.5" }, Values(r));
        Assert.Equal("Ann", _client.HGet(_prefix + "u", "Name"));
    }

    [Fact]
    public void SetHashFromPipelineObjectsUsesPropertiesAndTheKeyProperty()
    {
        PowerShellResult r = Run("""
            [pscustomobject]@{ Name = 'a'; Age = 3 } | Set-RedisHash -Key "${P}p1"
            [pscustomobject]@{ Key = "${P}p2"; Name = 'b'; Age = 4; Missing = $null },
            [pscustomobject]@{ Key = "${P}p3"; Name = 'c'; Age = 5 } | Set-RedisHash -Verbose
            @{ Color = 'red' } | Set-RedisHash -Key "${P}p4"
            """).ShouldSucceed();
        Assert.Equal(new Dictionary<string, string> { ["Name"] = "a", ["Age"] = "3" }, _client.HGetAll(_prefix + "p1"));
        Assert.Equal(new Dictionary<string, string> { ["Name"] = "b", ["Age"] = "4" }, _client.HGetAll(_prefix + "p2"));
        Assert.Equal(new Dictionary<string, string> { ["Name"] = "c", ["Age"] = "5" }, _client.HGetAll(_prefix + "p3"));
        Assert.Equal(new Dictionary<string, string> { ["Color"] = "red" }, _client.HGetAll(_prefix + "p4"));
        Assert.Contains(r.Verbose, v => v.Contains("Missing", StringComparison.Ordinal));
    }

    [Fact]
    public void SetHashRefusesNestedValuesPerObject()
    {
        PowerShellResult r = Run("""
            [pscustomobject]@{ Key = "${P}bad"; Tags = @(1, 2) },
            [pscustomobject]@{ Key = "${P}good"; Name = 'ok' } | Set-RedisHash
            """);
        Assert.Null(r.TerminatingError);
        ErrorRecord e = Assert.Single(r.Errors);
        Assert.Equal(_prefix + "bad", e.TargetObject);
        Assert.Contains("Tags", e.Exception.Message);
        Assert.Equal(0, _client.Exists(_prefix + "bad"));
        Assert.Equal("ok", _client.HGet(_prefix + "good", "Name"));
    }

    [Fact]
    public void GetHashWithFieldsAndBytesAndMissingKey()
    {
        _client.HSet(_prefix + "h", new Dictionary<string, object> { ["a"] = "1", ["b"] = "2", ["c"] = "3" });
        PowerShellResult r = Run("""
            $o = Get-RedisHash "${P}h" -Field a, c, zz
            @($o.PSObject.Properties).Count; $o.a; $o.c; $null -eq $o.zz
            $b = Get-RedisHash "${P}h" -AsByteArray -AsHashtable
            $b['b'].GetType().Name
            @(Get-RedisHash "${P}none").Count
            """).ShouldSucceed();
        Assert.Equal(new object?[] { 4, "1", "3", true, "Byte[]", 0 }, Values(r)); // Key, a, c, zz
    }

    [Fact]
    public void GetHashEmitsARedisHashWithItsKeySoExportCsvKeepsIt()
    {
        _client.HSet(_prefix + "u:1", new Dictionary<string, object> { ["name"] = "Ann", ["Key"] = "clash" });
        PowerShellResult r = Run("""
            $h = Get-RedisHash "${P}u:1"
            $h.PSObject.TypeNames[0]
            $h.Key
            $h.name
            ($h.PSObject.Properties | ForEach-Object Name) -join ','
            """);
        Assert.Equal(new object?[] { "PSRedis.RedisHash", _prefix + "u:1", "Ann", "Key,name" }, Values(r));
        Assert.Contains(r.Warnings, w => w.Contains("Key property", StringComparison.Ordinal));
    }

    [Fact]
    public void GetHashKeepsFieldsThatDifferOnlyInCaseInAHashtable()
    {
        _client.HSet(_prefix + "case", new Dictionary<string, object> { ["a"] = "lower", ["A"] = "upper" });
        PowerShellResult r = Run("@((Get-RedisHash \"${P}case\").PSObject.Properties).Count; (Get-RedisHash \"${P}case\" -AsHashtable).Count");
        Assert.Equal(new object?[] { 2, 2 }, Values(r)); // Key and one of a/A as properties; both in the hashtable
        Assert.NotEmpty(r.Warnings);
    }

    [Fact]
    public void GetRedisKeyObjectsBindToGetRedisHashAndWrongTypeDoesNotStopTheRest()
    {
        _client.HSet(_prefix + "k:1", "n", "one");
        _client.Set(_prefix + "k:2", "a string");
        _client.HSet(_prefix + "k:3", "n", "three");
        PowerShellResult r = Run("Get-RedisKey -Match \"${P}k:*\" | Get-RedisHash | ForEach-Object { $_.n }");
        Assert.Null(r.TerminatingError);
        Assert.Equal(new[] { "one", "three" }, r.Output.Select(o => (string)o.BaseObject).OrderBy(s => s));
        ErrorRecord e = Assert.Single(r.Errors);
        Assert.Equal(_prefix + "k:2", e.TargetObject);
        Assert.Equal(ErrorCategory.InvalidType, e.CategoryInfo.Category);
    }

    [Fact]
    public void RemoveHashFieldWithWhatIfAndPassThru()
    {
        _client.HSet(_prefix + "r", new Dictionary<string, object> { ["a"] = "1", ["b"] = "2", ["c"] = "3" });
        PowerShellResult r = Run("Remove-RedisHashField \"${P}r\" a, b -WhatIf -PassThru").ShouldSucceed();
        Assert.Empty(r.Output);
        Assert.Equal(3, _client.HLen(_prefix + "r"));
        r = Run("Get-RedisKey -Match \"${P}r\" | Remove-RedisHashField -Field a, b, nope -PassThru").ShouldSucceed();
        Assert.Equal(2L, r.Single());
        Assert.Equal(new[] { "c" }, _client.HKeys(_prefix + "r"));
    }

    // ---- Lists ----

    [Fact]
    public void PushAppendsInBatchesAndGetListStreamsInChunks()
    {
        PowerShellResult r = Run("1..1234 | Push-RedisList \"${P}l\" -PassThru -Verbose").ShouldSucceed();
        Assert.Equal(1234L, r.Single());
        Assert.Equal(3, r.Verbose.Count(v => v.StartsWith("RPUSH", StringComparison.Ordinal)));
        r = Run("Get-RedisList \"${P}l\" -ChunkSize 100 -Verbose").ShouldSucceed();
        Assert.Equal(Enumerable.Range(1, 1234).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), r.Output.Select(o => (string)o.BaseObject));
        r = Run("Get-RedisList \"${P}l\" -Start -3; Get-RedisList \"${P}l\" 10 12 -ChunkSize 2; @(Get-RedisList \"${P}none\").Count").ShouldSucceed();
        Assert.Equal(new object?[] { "1232", "1233", "1234", "11", "12", "13", 0 }, Values(r));
    }

    [Fact]
    public void PushLeftAndPopFromEitherEnd()
    {
        PowerShellResult r = Run("""
            Push-RedisList "${P}q" a, b, c
            Push-RedisList "${P}q" z -Left
            Pop-RedisList "${P}q"
            Pop-RedisList "${P}q" -Right
            Pop-RedisList "${P}q" -Count 5
            @(Pop-RedisList "${P}q").Count
            """).ShouldSucceed();
        Assert.Equal(new object?[] { "z", "c", "a", "b", 0 }, Values(r));
    }

    [Fact]
    public void PopWithSeveralKeysEmitsKeyValueObjects()
    {
        _client.RPush(_prefix + "q1", "x");
        _client.RPush(_prefix + "q2", "y");
        PowerShellResult r = Run("Pop-RedisList \"${P}q1\", \"${P}q2\"").ShouldSucceed();
        Assert.Equal(2, r.Output.Count);
        Assert.Equal(_prefix + "q1", r.Output[0].Properties["Key"].Value);
        Assert.Equal("x", r.Output[0].Properties["Value"].Value);
        Assert.Equal("y", r.Output[1].Properties["Value"].Value);
    }

    [Fact]
    public void BlockingPopTimesOutQuietly()
    {
        var clock = Stopwatch.StartNew();
        PowerShellResult r = Run("Pop-RedisList \"${P}empty\" -Timeout 0.3 -Verbose").ShouldSucceed();
        Assert.Empty(r.Output);
        Assert.Contains(r.Verbose, v => v.StartsWith("Timed out", StringComparison.Ordinal));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.25, 5);
    }

    [Fact]
    public void StoppingAPipelineEndsAForeverBlockingPopWithinASliceAndLeavesTheConnectionUsable()
    {
        // Ctrl+C in a console is PowerShell.Stop(): with -Timeout 0 the wait must end within about a second.
        _ps.AssertStopsWhileRunning("Pop-RedisList \"" + _prefix + "never\" -Timeout 0", TimeSpan.FromSeconds(1.5)); // past its first slice

        _client.RPush(_prefix + "after", "v");
        PowerShellResult r = Run("Pop-RedisList \"${P}after\" -Timeout 5").ShouldSucceed();
        Assert.Equal("v", r.Single());
    }

    [Fact]
    public async Task BlockingPopIsServedByAPushFromAnotherClient()
    {
        string key = _prefix + "jobs2";
        Task pusher = Task.Run(() =>
        {
            Thread.Sleep(400);
            _client.RPush(key, "job-1");
        });
        var clock = Stopwatch.StartNew();
        PowerShellResult r = Run("Pop-RedisList \"${P}jobs1\", \"${P}jobs2\" -Timeout 10").ShouldSucceed();
        await pusher;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), "waited " + clock.Elapsed);
        PSObject item = Assert.Single(r.Output);
        Assert.Equal(key, item.Properties["Key"].Value);
        Assert.Equal("job-1", item.Properties["Value"].Value);
    }

    [Fact]
    public void ListsAreBinarySafe()
    {
        byte[] bytes = { 0, 255, 13, 10, 128 };
        PowerShellResult r = _ps.Run("Push-RedisList \"${P}bin\" -Value (,$Bytes); $b = Get-RedisList \"${P}bin\" -AsByteArray; ,$b; $p = Pop-RedisList \"${P}bin\" -AsByteArray; ,$p",
            new Dictionary<string, object?> { ["Bytes"] = bytes }).ShouldSucceed();
        Assert.Equal(2, r.Output.Count);
        Assert.Equal(bytes, Assert.IsType<byte[]>(r.Output[0].BaseObject));
        Assert.Equal(bytes, Assert.IsType<byte[]>(r.Output[1].BaseObject));
    }

    [Fact]
    public void GetRedisKeyObjectsBindToGetRedisListAndWrongTypeDoesNotStopTheRest()
    {
        _client.RPush(_prefix + "lk:1", "a");
        _client.Set(_prefix + "lk:2", "string");
        _client.RPush(_prefix + "lk:3", "c");
        PowerShellResult r = Run("Get-RedisKey -Match \"${P}lk:*\" | Get-RedisList");
        Assert.Null(r.TerminatingError);
        Assert.Equal(new[] { "a", "c" }, r.Output.Select(o => (string)o.BaseObject).OrderBy(s => s));
        Assert.Equal(_prefix + "lk:2", Assert.Single(r.Errors).TargetObject);
        r = Run("Push-RedisList \"${P}lk:2\" x; Push-RedisList \"${P}lk:1\" y -PassThru");
        Assert.Equal(_prefix + "lk:2", Assert.Single(r.Errors).TargetObject);
        Assert.Equal(2L, r.Single());
    }

    [Fact]
    public void PushRefusesStructuredValuesButPushesTheRest()
    {
        PowerShellResult r = Run("'a', @{ x = 1 }, 'b' | Push-RedisList \"${P}mix\"");
        Assert.Null(r.TerminatingError);
        Assert.Single(r.Errors);
        Assert.Equal(new[] { "a", "b" }, _client.LRange(_prefix + "mix", 0, -1));
    }

    // ---- Sets ----

    [Fact]
    public void AddGetAndTestSetMembers()
    {
        PowerShellResult r = Run("""
            1..1200 | Add-RedisSetMember "${P}s" -PassThru
            Add-RedisSetMember "${P}s" 1, 'new' -PassThru
            @(Get-RedisSetMember "${P}s").Count
            @(Get-RedisSetMember "${P}s" -Match '11??').Count
            Get-RedisSetMember "${P}s" -Member 5, 'nope', 'new'
            [bool](Get-RedisSetMember "${P}s" -Member 'nope')
            """).ShouldSucceed();
        Assert.Equal(new object?[] { 1200L, 1L, 1201, 100, "5", "new", false }, Values(r));
    }

    [Fact]
    public void RemoveSetMemberWithWhatIfThenForReal()
    {
        _client.SAdd(_prefix + "rs", "a", "b", "c");
        PowerShellResult r = Run("'a', 'b' | Remove-RedisSetMember \"${P}rs\" -WhatIf -PassThru").ShouldSucceed();
        Assert.Empty(r.Output);
        Assert.Equal(3, _client.SCard(_prefix + "rs"));
        r = Run("'a', 'b', 'zz' | Remove-RedisSetMember \"${P}rs\" -PassThru").ShouldSucceed();
        Assert.Equal(2L, r.Single());
        Assert.Equal(new[] { "c" }, _client.SMembers(_prefix + "rs"));
    }

    [Fact]
    public void GetRedisKeyObjectsBindToGetRedisSetMemberAndWrongTypeDoesNotStopTheRest()
    {
        _client.SAdd(_prefix + "sk:1", "m1");
        _client.RPush(_prefix + "sk:2", "list");
        _client.SAdd(_prefix + "sk:3", "m3");
        PowerShellResult r = Run("Get-RedisKey -Match \"${P}sk:*\" | Get-RedisSetMember");
        Assert.Null(r.TerminatingError);
        Assert.Equal(new[] { "m1", "m3" }, r.Output.Select(o => (string)o.BaseObject).OrderBy(s => s));
        Assert.Equal(_prefix + "sk:2", Assert.Single(r.Errors).TargetObject);
    }

    [Fact]
    public void ObjectsWithKeyAndMemberPropertiesFanOutToSeveralSets()
    {
        PowerShellResult r = Run("""
            [pscustomobject]@{ Key = "${P}t1"; Member = 'a' },
            [pscustomobject]@{ Key = "${P}t1"; Member = 'b' },
            [pscustomobject]@{ Key = "${P}t2"; Member = 'c' } | Add-RedisSetMember -PassThru
            """).ShouldSucceed();
        Assert.Equal(new object?[] { 2L, 1L }, Values(r));
        Assert.Equal(2, _client.SCard(_prefix + "t1"));
        Assert.Equal(1, _client.SCard(_prefix + "t2"));
    }
}
