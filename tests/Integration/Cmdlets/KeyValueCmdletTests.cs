using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>Get-RedisKey, Get-RedisValue and Set-RedisValue in a hosted engine. Each test works under its own key prefix.</summary>
[Collection(RedisCollection.Name)]
public sealed class KeyValueCmdletTests : IDisposable
{
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly string _prefix = "pstest:" + Guid.NewGuid().ToString("N")[..10] + ":";

    public KeyValueCmdletTests(RedisFixture redis)
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

    [Fact]
    public void SetThenGetRoundTripsAString()
    {
        PowerShellResult r = Run("Set-RedisValue -Key \"${P}a\" -Value 'héllo wörld'; $v = Get-RedisValue -Key \"${P}a\"; $v").ShouldSucceed();
        Assert.Equal("héllo wörld", r.Single());
        Assert.Equal("héllo wörld", _client.Get(_prefix + "a"));
    }

    [Fact]
    public void PositionalKeyAndValueAndNumbersInInvariantCulture()
    {
        PowerShellResult r = Run("""
            [Threading.Thread]::CurrentThread.CurrentCulture = 'de-DE'
            Set-RedisValue "${P}n" 1.5
            Set-RedisValue "${P}i" 42
            Get-RedisValue "${P}n", "${P}i"
            """).ShouldSucceed();
        Assert.Equal(new object[] { "1.5", "42" }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void MissingKeyGivesNullSoPositionsLineUp()
    {
        _client.Set(_prefix + "x", "1");
        _client.Set(_prefix + "z", "3");
        PowerShellResult r = Run("Get-RedisValue -Key \"${P}x\", \"${P}y\", \"${P}z\"").ShouldSucceed();
        Assert.Equal(new object?[] { "1", null, "3" }, r.Output.Select(o => o?.BaseObject));
    }

    [Fact]
    public void ExpirySetsATimeToLiveFromSecondsOrTimeSpan()
    {
        Run("Set-RedisValue -Key \"${P}e1\" -Value v -Expiry 100; Set-RedisValue -Key \"${P}e2\" -Value v -Expiry ([timespan]::FromMilliseconds(1500))").ShouldSucceed();
        long ttl1 = _client.PTtl(_prefix + "e1");
        long ttl2 = _client.PTtl(_prefix + "e2");
        Assert.InRange(ttl1, 90_000, 100_000);
        Assert.InRange(ttl2, 1, 1_500);
    }

    [Fact]
    public void NotExistsAndExistsAndPassThru()
    {
        PowerShellResult r = Run("""
            Set-RedisValue -Key "${P}k" -Value first -NotExists -PassThru
            Set-RedisValue -Key "${P}k" -Value second -NotExists -PassThru
            Set-RedisValue -Key "${P}absent" -Value x -Exists -PassThru
            Set-RedisValue -Key "${P}k" -Value third -Exists -PassThru
            Get-RedisValue -Key "${P}k"
            """).ShouldSucceed();
        Assert.Equal(new object[] { true, false, false, true, "third" }, r.Output.Select(o => o.BaseObject));
        Assert.Equal(0, _client.Exists(_prefix + "absent"));
    }

    [Fact]
    public void NotExistsWithExistsIsAParameterSetError()
    {
        PowerShellResult r = Run("Set-RedisValue -Key \"${P}k\" -Value v -NotExists -Exists");
        ErrorRecord error = Assert.IsType<ErrorRecord>(r.TerminatingError);
        Assert.Contains("AmbiguousParameterSet", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void KeepTtlKeepsTheExpiry()
    {
        _client.Set(_prefix + "t", "old", ex: TimeSpan.FromSeconds(500));
        Run("Set-RedisValue -Key \"${P}t\" -Value new -KeepTtl").ShouldSucceed();
        Assert.Equal("new", _client.Get(_prefix + "t"));
        Assert.InRange(_client.Ttl(_prefix + "t"), 400, 500);
    }

    [Fact]
    public void AsByteArrayIsBinarySafeBothWays()
    {
        byte[] bytes = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(new byte[] { 0xff, 0xfe, 0x00, 0x0d, 0x0a }).ToArray();
        PowerShellResult r = _ps.Run("Set-RedisValue -Key \"${P}bin\" -Value $Bytes; $b = Get-RedisValue -Key \"${P}bin\" -AsByteArray; ,$b",
            new Dictionary<string, object?> { ["Bytes"] = bytes }).ShouldSucceed();
        Assert.Equal(bytes, Assert.IsType<byte[]>(r.Single()));
        Assert.Equal(bytes, _client.GetBytes(_prefix + "bin"));
        // One byte[] per key, not a stream of bytes.
        r = Run("@(Get-RedisValue -Key \"${P}bin\", \"${P}bin\" -AsByteArray).Count").ShouldSucceed();
        Assert.Equal(2, r.Single());
    }

    [Fact]
    public void StructuredValuesAreAClearPerKeyErrorAndTheRestIsWritten()
    {
        PowerShellResult r = Run("""
            [pscustomobject]@{ Key = "${P}h"; Value = @{ a = 1 } },
            [pscustomobject]@{ Key = "${P}ok"; Value = 'fine' },
            [pscustomobject]@{ Key = "${P}arr"; Value = @(1, 2) } | Set-RedisValue
            """);
        Assert.Null(r.TerminatingError);
        Assert.Equal(2, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category));
        Assert.Equal(_prefix + "h", r.Errors[0].TargetObject);
        Assert.Contains("Set-RedisHash", r.Errors[0].Exception.Message);
        Assert.Equal("fine", _client.Get(_prefix + "ok"));
        Assert.Equal(0, _client.Exists(_prefix + "h", _prefix + "arr"));
    }

    [Fact]
    public void AThousandPipelineObjectsAreWrittenInBatches()
    {
        PowerShellResult r = Run("""
            $n = 0
            1..1000 | ForEach-Object { [pscustomobject]@{ Key = "${P}bulk:$_"; Value = "v$_" } } | Set-RedisValue -Verbose
            @(Get-RedisKey -Match "${P}bulk:*").Count
            """).ShouldSucceed();
        Assert.Equal(1000, r.Single());
        Assert.Equal("v1", _client.Get(_prefix + "bulk:1"));
        Assert.Equal("v1000", _client.Get(_prefix + "bulk:1000"));
        // 1000 objects: two round trips of 500, not 1000.
        Assert.Contains(r.Verbose, v => v.StartsWith("Sent 1000 command(s) in 2 write(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void WhatIfWritesNothing()
    {
        Run("Set-RedisValue -Key \"${P}w\" -Value v -WhatIf").ShouldSucceed();
        Assert.Equal(0, _client.Exists(_prefix + "w"));
    }

    [Fact]
    public void GetRedisKeyMatchEmitsExactlyTheMatchingKeysAsObjects()
    {
        for (int i = 0; i < 50; i++) _client.Set(_prefix + "cache:" + i, "c" + i);
        for (int i = 0; i < 30; i++) _client.Set(_prefix + "other:" + i, "o" + i);
        PowerShellResult r = Run("Get-RedisKey -Match \"${P}cache:*\" -Count 7").ShouldSucceed();
        var keys = r.Output.Select(o => (string)o.Properties["Key"].Value).ToHashSet();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => _prefix + "cache:" + i).ToHashSet(), keys);
        PSObject first = r.Output[0];
        Assert.Equal("PSRedis.RedisKeyInfo", first.BaseObject.GetType().FullName);
        Assert.Equal(0, first.Properties["Database"].Value);
        Assert.Null(first.Properties["Type"].Value);
    }

    [Fact]
    public void GetRedisKeyOutputBindsByPropertyNameToGetRedisValue()
    {
        for (int i = 0; i < 20; i++) _client.Set(_prefix + "b:" + i, "val" + i);
        PowerShellResult r = Run("Get-RedisKey -Match \"${P}b:*\" | Get-RedisValue").ShouldSucceed();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => "val" + i).OrderBy(s => s), r.Output.Select(o => (string)o.BaseObject).OrderBy(s => s));
        // Plain strings bind by value too.
        r = Run("\"${P}b:1\", \"${P}b:2\" | Get-RedisValue").ShouldSucceed();
        Assert.Equal(new object[] { "val1", "val2" }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void GetRedisKeyStreamsAsItScans()
    {
        for (int i = 0; i < 300; i++) _client.Set(_prefix + "s:" + i, "x");
        // The first key arrives downstream before the scan is over: the stop after one object ends the SCAN early.
        PowerShellResult r = Run("""
            $seen = 0
            Get-RedisKey -Match "${P}s:*" -Count 10 | ForEach-Object { $seen++; if ($seen -eq 1) { [pscustomobject]@{ First = $_.Key } } }
            $seen
            """).ShouldSucceed();
        Assert.Equal(300, r.Output[1].BaseObject);
    }

    [Fact]
    public void DetailedAddsTypeAndTimeToLive()
    {
        _client.Set(_prefix + "d:str", "v", ex: TimeSpan.FromSeconds(300));
        _client.ExecuteCommand("RPUSH", _prefix + "d:list", "a");
        _client.ExecuteCommand("HSET", _prefix + "d:hash", "f", "v");
        PowerShellResult r = Run("Get-RedisKey -Match \"${P}d:*\" -Detailed").ShouldSucceed();
        var byKey = r.Output.ToDictionary(o => (string)o.Properties["Key"].Value);
        Assert.Equal(3, byKey.Count);
        Assert.Equal("string", byKey[_prefix + "d:str"].Properties["Type"].Value);
        Assert.Equal("list", byKey[_prefix + "d:list"].Properties["Type"].Value);
        Assert.Equal("hash", byKey[_prefix + "d:hash"].Properties["Type"].Value);
        var ttl = Assert.IsType<double>(byKey[_prefix + "d:str"].Properties["TimeToLive"].Value); // seconds
        Assert.InRange(ttl, 250, 300);
        Assert.Null(byKey[_prefix + "d:list"].Properties["TimeToLive"].Value);
        Assert.Equal("PSRedis.RedisKeyInfo#Detailed", r.Output[0].TypeNames[0]);
    }

    [Fact]
    public void KeyObjectsSerializeWithoutTheirConnectionAndIncludeKeyGivesKeyValueObjects()
    {
        _client.Set(_prefix + "j:1", "one", ex: TimeSpan.FromSeconds(500));
        PowerShellResult r = Run("""
            $k = Get-RedisKey -Match "${P}j:1" -Detailed
            ($k.PSObject.Properties | Where-Object { -not $_.IsHidden } | ForEach-Object Name) -join ','
            $null -ne $k.Connection
            ($k | Get-RedisValue -IncludeKey).Key
            ($k | Get-RedisValue -IncludeKey).Value
            (Get-RedisValue -Key "${P}j:1", "${P}none" -IncludeKey).Count
            """).ShouldSucceed();
        Assert.Equal(new object?[] { "Key,Database,Type,TimeToLive", true, _prefix + "j:1", "one", 2 }, r.Output.Select(o => o?.BaseObject));
    }

    [Fact]
    public void TypeFiltersTheScan()
    {
        _client.Set(_prefix + "f:str", "v");
        _client.ExecuteCommand("SADD", _prefix + "f:set", "m");
        PowerShellResult r = Run("(Get-RedisKey -Match \"${P}f:*\" -Type set).Key").ShouldSucceed();
        Assert.Equal(_prefix + "f:set", r.Single());
    }

    [Fact]
    public void WrongTypeOnOneKeyDoesNotStopTheOthers()
    {
        _client.Set(_prefix + "w:1", "one");
        _client.ExecuteCommand("HSET", _prefix + "w:2", "f", "v");
        _client.Set(_prefix + "w:3", "three");
        PowerShellResult r = Run("\"${P}w:1\", \"${P}w:2\", \"${P}w:3\" | Get-RedisValue");
        Assert.Null(r.TerminatingError);
        Assert.Equal(new object[] { "one", "three" }, r.Output.Select(o => o.BaseObject));
        ErrorRecord error = Assert.Single(r.Errors);
        Assert.Equal(ErrorCategory.InvalidType, error.CategoryInfo.Category);
        Assert.StartsWith("PSRedis.WrongType", error.FullyQualifiedErrorId);
        Assert.Equal(_prefix + "w:2", error.TargetObject);
    }

    [Fact]
    public void ExplicitConnectionFromTheKeyObjectIsUsed()
    {
        // Keys read through a connection to database 5 are read back through it, whatever the default is.
        PowerShellResult r = Run("""
            $db5 = Connect-Redis -Url ((Test-RedisConnection).Url -replace '/0$', '/5') -Name db5 -PassThru
            Set-RedisValue -Key "${P}five" -Value in5 -Connection $db5
            Connect-Redis -Url ((Test-RedisConnection -Connection $db5).Url -replace '/5$', '/0') -Name db0
            Get-RedisValue -Key "${P}five"
            Get-RedisKey -Match "${P}five" -Connection $db5 | Get-RedisValue
            (Get-RedisKey -Match "${P}five" -Connection $db5).Database
            """).ShouldSucceed();
        Assert.Equal(new object?[] { null, "in5", 5 }, r.Output.Select(o => o?.BaseObject));
        using RedisClient db5 = RedisClient.FromUrl(_client.Options.ToString().Replace("/0", "/5", StringComparison.Ordinal));
        db5.Delete(_prefix + "five");
    }

    // Get-RedisValue reads 1,000 keys per MGET outside a batch block; MGET's nil stands for a missing key and for a key
    // of another type alike, so the nil keys are read again with GET. The output must be what one GET per key gives.

    /// <summary>
    /// Keys of every kind: strings, missing keys, and hashes (the first key, both sides of the first batch boundary,
    /// the last key, and some in between). Sets them up on <paramref name="client"/> and returns the keys with what
    /// Get-RedisValue must give for each, in order.
    /// </summary>
    private static (string[] Keys, string[] Expected) MixedKeys(RedisClient client, string prefix, int count)
    {
        var keys = new string[count];
        var expected = new string[count];
        for (int i = 0; i < count; i++)
        {
            string key = keys[i] = prefix + "mix:" + i;
            if (i % 401 == 0 || i == 999 || i == 1000 || i == count - 1)
            {
                client.ExecuteCommand("HSET", key, "f", "v");
                expected[i] = "err " + key + " PSRedis.WrongType Key '" + key + "' does not hold a string value.";
            }
            else if (i % 7 == 3 || (i >= 1500 && i < 1520))
            {
                expected[i] = "null";
            }
            else
            {
                client.Set(key, "v" + i);
                expected[i] = "val v" + i;
            }
        }
        return (keys, expected);
    }

    /// <summary>One output or error of a run with 2>&amp;1, as the lines <see cref="MixedKeys"/> expects.</summary>
    private static string Show(PSObject? item)
    {
        object? value = item?.BaseObject;
        switch (value)
        {
            case null: return "null";
            case ErrorRecord e: return "err " + e.TargetObject + " " + e.FullyQualifiedErrorId.Split(',')[0] + " " + e.ErrorDetails?.Message;
            case string text: return "val " + text;
            case byte[] bytes: return "val " + System.Text.Encoding.UTF8.GetString(bytes);
        }
        // -IncludeKey: the key, then the value as above.
        return item!.Properties["Key"].Value + " " + Show(item.Properties["Value"].Value is object v ? PSObject.AsPSObject(v) : null);
    }

    private string[] Lines(string script, string[] keys)
    {
        PowerShellResult r = _ps.Run(script, new Dictionary<string, object?> { ["Keys"] = keys, ["P"] = _prefix });
        Assert.Null(r.TerminatingError);
        Assert.Empty(r.Errors); // every error came through 2>&1, in its place
        return r.Output.Select(Show).ToArray();
    }

    [Fact]
    public void PipedKeysOfMixedKindsGiveValuesNullsAndErrorsInInputOrderAsInsideABatch()
    {
        (string[] keys, string[] expected) = MixedKeys(_client, _prefix, 2345);
        Assert.Equal(expected, Lines("$Keys | Get-RedisValue 2>&1", keys));
        Assert.Equal(expected, Lines("Get-RedisValue -Key $Keys 2>&1", keys));
        Assert.Equal(expected, Lines("$Keys | Get-RedisValue -AsByteArray 2>&1", keys));
        Assert.Equal(expected.Select((line, i) => line.StartsWith("err ", StringComparison.Ordinal) ? line : keys[i] + " " + line),
            Lines("$Keys | Get-RedisValue -IncludeKey 2>&1", keys));
        // Inside a batch block each key is one GET with one reply: the same output.
        Assert.Equal(expected, Lines("Invoke-RedisPipeline { $Keys | Get-RedisValue } 2>&1", keys));
        Assert.Equal(expected, Lines("Invoke-RedisTransaction { Get-RedisValue -Key $Keys } 2>&1", keys));
    }

    [Fact]
    public void OutsideABatchTheServerSeesOneMgetPerThousandKeysAndAGetOnlyForTheNilOnes()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using RedisClient observer = RedisClient.FromUrl(server.Url);
        (string[] keys, string[] expected) = MixedKeys(observer, _prefix, 2345);
        int nils = expected.Count(e => !e.StartsWith("val ", StringComparison.Ordinal));
        _ps.Run("Connect-Redis -Url $Url -Name stats", new Dictionary<string, object?> { ["Url"] = server.Url }).ShouldSucceed();

        observer.ExecuteCommand("CONFIG", "RESETSTAT");
        Assert.Equal(expected, Lines("$Keys | Get-RedisValue 2>&1", keys));
        Assert.Equal(3, ServerStats.CommandCalls(observer, "mget"));
        Assert.Equal(nils, ServerStats.CommandCalls(observer, "get"));

        // Inside a batch block: one GET per key, no MGET.
        observer.ExecuteCommand("CONFIG", "RESETSTAT");
        Assert.Equal(expected, Lines("Invoke-RedisPipeline { $Keys | Get-RedisValue } 2>&1", keys));
        Assert.Equal(0, ServerStats.CommandCalls(observer, "mget"));
        Assert.Equal(keys.Length, ServerStats.CommandCalls(observer, "get"));
    }

    [Fact]
    public void AUserAllowedOnlyGetStillReadsEveryKeyWithOneGetEach()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using RedisClient admin = RedisClient.FromUrl(server.Url);
        (string[] keys, string[] expected) = MixedKeys(admin, _prefix, 2345);
        // PING for Connect-Redis's check; GET and nothing else to read with.
        admin.ExecuteCommand("ACL", "SETUSER", "onlyget", "on", ">onlyget-pw", "~*", "+get", "+ping");
        string url = "redis://onlyget:onlyget-pw@127.0.0.1:" + server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/0";
        _ps.Run("Connect-Redis -Url $Url -Name onlyget", new Dictionary<string, object?> { ["Url"] = url }).ShouldSucceed();

        admin.ExecuteCommand("CONFIG", "RESETSTAT");
        Assert.Equal(expected, Lines("$Keys | Get-RedisValue 2>&1", keys));
        // The first MGET was refused; from then on one GET per key (the first batch's keys included).
        Assert.Equal(keys.Length, ServerStats.CommandCalls(admin, "get"));
        Assert.Equal(expected, Lines("Get-RedisValue -Key $Keys -AsByteArray 2>&1", keys));
    }

    [Fact]
    public void PipedObjectsGoToTheirOwnConnectionInOrder()
    {
        // The same key names in database 0 (plain strings: the session's connection) and database 5 (objects that
        // carry their connection), alternating one by one, then in runs longer than a batch.
        using RedisClient db5 = RedisClient.FromUrl(_client.Options.ToString().Replace("/0", "/5", StringComparison.Ordinal));
        var keys = Enumerable.Range(0, 1200).Select(i => _prefix + "two:" + i).ToArray();
        for (int i = 0; i < keys.Length; i++)
        {
            if (i % 5 != 0) _client.Set(keys[i], "zero" + i);
            if (i % 3 != 0) db5.Set(keys[i], "five" + i);
        }
        var expected = new List<string>();
        string Zero(int i) => i % 5 != 0 ? "val zero" + i : "null";
        string Five(int i) => i % 3 != 0 ? "val five" + i : "null";
        for (int i = 0; i < 100; i++)
        {
            expected.Add(Five(i));
            expected.Add(Zero(i));
        }
        for (int i = 0; i < keys.Length; i++) expected.Add(Five(i));
        for (int i = 0; i < keys.Length; i++) expected.Add(Zero(i));
        try
        {
            string[] lines = Lines("""
                $c5 = Connect-Redis -Url ((Test-RedisConnection).Url -replace '/0$', '/5') -Name two5 -PassThru
                Connect-Redis -Url ((Test-RedisConnection -Connection $c5).Url -replace '/5$', '/0') -Name two0
                & {
                    foreach ($k in $Keys[0..99]) { [pscustomobject]@{ Key = $k; Connection = $c5 }; $k }
                    foreach ($k in $Keys) { [pscustomobject]@{ Key = $k; Connection = $c5 } }
                    $Keys
                } | Get-RedisValue 2>&1
                """, keys);
            Assert.Equal(expected, lines);
        }
        finally
        {
            db5.Delete(keys);
        }
    }
}
