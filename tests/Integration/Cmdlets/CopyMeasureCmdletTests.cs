using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>Two throwaway servers of these tests' own: the source and the destination of a copy across servers.</summary>
public sealed class TwoServersFixture : IDisposable
{
    public RedisServerProcess Source { get; } = RedisServerProcess.Start();
    public RedisServerProcess Target { get; } = RedisServerProcess.Start();

    public void Dispose()
    {
        Source.Dispose();
        Target.Dispose();
    }
}

/// <summary>Copy-RedisKey (issue 14) in a hosted engine: COPY on one server, DUMP/RESTORE across two.</summary>
public sealed class CopyMeasureCmdletTests : IClassFixture<TwoServersFixture>, IDisposable
{
    private readonly TwoServersFixture _servers;
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _source;
    private readonly RedisClient _target;
    private readonly string _prefix = "cp:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public CopyMeasureCmdletTests(TwoServersFixture servers)
    {
        _servers = servers;
        _source = RedisClient.FromUrl(servers.Source.Url);
        _target = RedisClient.FromUrl(servers.Target.Url);
        _ps.Run("$src = Connect-Redis -Url $TargetUrl -Name target -PassThru; $src = Connect-Redis -Url $Url -Name source -PassThru", Vars()).ShouldSucceed();
    }

    public void Dispose()
    {
        _source.Dispose();
        _target.Dispose();
        _ps.Dispose();
    }

    private Dictionary<string, object?> Vars() => new()
    {
        ["Url"] = _servers.Source.Url,
        ["TargetUrl"] = _servers.Target.Url,
        ["P"] = _prefix,
    };

    private PowerShellResult Run(string script) => _ps.Run(script, Vars());

    private static dynamic Is(string typeName, object? value)
    {
        Assert.NotNull(value);
        Assert.Equal("PSRedis." + typeName, value!.GetType().FullName);
        return value;
    }

    private static readonly byte[] Binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

    /// <summary>One key of every type (a binary string among them), some with a TTL; returns the keys.</summary>
    private string[] MakeEveryType(RedisClient client)
    {
        string p = _prefix;
        client.ExecuteCommand("SET", p + "str", "hello");
        client.ExecuteCommand("SET", p + "bin", Binary);
        client.ExecuteCommand("PEXPIRE", p + "bin", 600_000);
        client.ExecuteCommand("RPUSH", p + "list", "a", "b", Binary);
        client.ExecuteCommand("SADD", p + "set", "x", "y", "z");
        client.ExecuteCommand("ZADD", p + "zset", 1, "one", 2.5, "two");
        client.ExecuteCommand("HSET", p + "hash", "f1", "v1", "f2", Binary);
        client.ExecuteCommand("EXPIRE", p + "hash", 900);
        client.ExecuteCommand("XADD", p + "stream", "*", "k", "v");
        return new[] { p + "str", p + "bin", p + "list", p + "set", p + "zset", p + "hash", p + "stream" };
    }

    /// <summary>Same type, same value (DUMP of one server build is byte for byte the value) and about the same TTL.</summary>
    private static void AssertSameKey(RedisClient from, string key, RedisClient to, string copy)
    {
        Assert.Equal(from.Type(key), to.Type(copy));
        Assert.Equal(Canonical(from, key), Canonical(to, copy));
        long ttl = from.PTtl(key);
        long copiedTtl = to.PTtl(copy);
        if (ttl < 0) Assert.Equal(-1, copiedTtl);
        else Assert.InRange(copiedTtl, ttl - 10_000, ttl + 1_000);
    }

    /// <summary>The value as text: DUMP (base64) where it is deterministic, sorted members/fields for sets and hashes (whose order a copy may change).</summary>
    private static string Canonical(RedisClient client, string key)
    {
        object? members = client.Type(key) switch
        {
            "set" => client.ExecuteCommand("SMEMBERS", key),
            "hash" => client.ExecuteCommand("HGETALL", key),
            _ => null,
        };
        if (members == null) return Convert.ToBase64String(client.Dump(key)!);
        return string.Join("|", Flatten(members).OrderBy(s => s, StringComparer.Ordinal));
    }

    private static IEnumerable<string> Flatten(object? value)
    {
        switch (value)
        {
            case null: yield return "(null)"; break;
            case byte[] bytes: yield return Convert.ToBase64String(bytes); break;
            case string text: yield return text; break;
            case System.Collections.IDictionary map:
                foreach (System.Collections.DictionaryEntry e in map) yield return string.Join(",", Flatten(e.Key)) + "=" + string.Join(",", Flatten(e.Value));
                break;
            case System.Collections.IEnumerable many:
                foreach (object? item in many) foreach (string s in Flatten(item)) yield return s;
                break;
            default: yield return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""; break;
        }
    }

    [Fact]
    public void CopyOnOneServerKeepsTypeValueAndTtl()
    {
        string[] keys = MakeEveryType(_source);
        foreach (string key in keys)
        {
            PowerShellResult r = Run("Copy-RedisKey -Key $Key -Destination ($Key + ':copy') -PassThru".Replace("$Key", "'" + key + "'")).ShouldSucceed();
            dynamic summary = Is("RedisKeyCopyResult", r.Single());
            Assert.Equal(1L, summary.Requested);
            Assert.Equal(1L, summary.Copied);
            Assert.Equal(0L, summary.Failed);
            Assert.Equal("COPY", summary.Method);
            AssertSameKey(_source, key, _source, key + ":copy");
        }
        Assert.Equal(Binary, _source.GetBytes(_prefix + "bin:copy"));
    }

    [Fact]
    public void CopyIntoAnotherDatabase()
    {
        _source.ExecuteCommand("SET", _prefix + "d1", "one", "EX", 300);
        _source.ExecuteCommand("HSET", _prefix + "d2", "f", "v");
        dynamic summary = Is("RedisKeyCopyResult", Run("Copy-RedisKey -Key ($P + 'd1'), ($P + 'd2') -DestinationDatabase 5 -PassThru").ShouldSucceed().Single());
        Assert.Equal(2L, summary.Copied);
        using RedisClient db5 = RedisClient.FromUrl(_servers.Source.Url.Replace("/0", "/5"));
        AssertSameKey(_source, _prefix + "d1", db5, _prefix + "d1");
        AssertSameKey(_source, _prefix + "d2", db5, _prefix + "d2");
        db5.ExecuteCommand("DEL", _prefix + "d1", _prefix + "d2");
    }

    [Fact]
    public void PipedKeysCopyAcrossServersWithEveryTypeBinaryDataAndTtl()
    {
        string[] keys = MakeEveryType(_source);
        PowerShellResult r = Run("Get-RedisKey -Match ($P + '*') -Connection source | Copy-RedisKey -DestinationConnection target -PassThru").ShouldSucceed();
        dynamic summary = Is("RedisKeyCopyResult", r.Single());
        Assert.Equal((long)keys.Length, summary.Requested);
        Assert.Equal((long)keys.Length, summary.Copied);
        Assert.Equal(0L, summary.Failed);
        Assert.Equal("DUMP/RESTORE", summary.Method);
        Assert.Equal("target", summary.Destination);
        foreach (string key in keys) AssertSameKey(_source, key, _target, key);
        Assert.Equal(Binary, _target.GetBytes(_prefix + "bin"));
        Assert.InRange(_target.PTtl(_prefix + "bin"), 590_000, 600_000);
        Assert.Equal(-1, _target.PTtl(_prefix + "str"));
    }

    [Fact]
    public void ExistingDestinationIsAnErrorNamingItUnlessReplace()
    {
        _source.ExecuteCommand("SET", _prefix + "a", "new");
        _source.ExecuteCommand("SET", _prefix + "b", "new");
        _target.ExecuteCommand("SET", _prefix + "a", "old");

        // Across servers: BUSYKEY for a, b still goes.
        PowerShellResult r = Run("Copy-RedisKey -Key ($P + 'a'), ($P + 'b') -Connection source -DestinationConnection target -PassThru");
        ErrorRecord error = Assert.Single(r.Errors);
        Assert.StartsWith("PSRedis.KeyExists", error.FullyQualifiedErrorId);
        Assert.Equal(_prefix + "a", error.TargetObject);
        Assert.Contains("-Replace", error.ToString());
        dynamic summary = Is("RedisKeyCopyResult", r.Single());
        Assert.Equal(2L, summary.Requested);
        Assert.Equal(1L, summary.Copied);
        Assert.Equal(1L, summary.Failed);
        Assert.Equal("old", _target.Get(_prefix + "a"));
        Assert.Equal("new", _target.Get(_prefix + "b"));

        Run("Copy-RedisKey -Key ($P + 'a') -Connection source -DestinationConnection target -Replace").ShouldSucceed();
        Assert.Equal("new", _target.Get(_prefix + "a"));

        // On one server: COPY answering 0.
        _source.ExecuteCommand("SET", _prefix + "c", "taken");
        r = Run("Copy-RedisKey ($P + 'a') ($P + 'c')");
        error = Assert.Single(r.Errors);
        Assert.StartsWith("PSRedis.KeyExists", error.FullyQualifiedErrorId);
        Assert.Equal(_prefix + "c", error.TargetObject);
        Assert.Equal("taken", _source.Get(_prefix + "c"));
        Run("Copy-RedisKey ($P + 'a') ($P + 'c') -Replace").ShouldSucceed();
        Assert.Equal("new", _source.Get(_prefix + "c"));
    }

    [Fact]
    public void MissingSourceKeyIsAnErrorNamingIt()
    {
        foreach (string script in new[]
        {
            "Copy-RedisKey ($P + 'missing') ($P + 'x') -PassThru",
            "Copy-RedisKey ($P + 'missing') -DestinationConnection target -PassThru",
        })
        {
            PowerShellResult r = Run(script);
            ErrorRecord error = Assert.Single(r.Errors);
            Assert.StartsWith("PSRedis.KeyNotFound", error.FullyQualifiedErrorId);
            Assert.Equal(_prefix + "missing", error.TargetObject);
            Assert.Contains("does not exist", error.ToString());
            dynamic summary = Is("RedisKeyCopyResult", r.Single());
            Assert.Equal(1L, summary.Failed);
            Assert.Equal(0L, summary.Copied);
        }
        Assert.Equal(0, _source.Exists(_prefix + "x"));
    }

    [Fact]
    public void WhatIfCopiesNothing()
    {
        string[] keys = MakeEveryType(_source);
        PowerShellResult r = Run("Get-RedisKey -Match ($P + '*') | Copy-RedisKey -DestinationConnection target -WhatIf -PassThru; Copy-RedisKey ($P + 'str') ($P + 'str2') -WhatIf").ShouldSucceed();
        dynamic summary = Is("RedisKeyCopyResult", r.Single());
        Assert.Equal(0L, summary.Requested);
        Assert.Equal(0, _target.Exists(keys));
        Assert.Equal(0, _source.Exists(_prefix + "str2"));
    }

    [Fact]
    public void DestinationNamesOneKeyOnly()
    {
        _source.ExecuteCommand("SET", _prefix + "a", "1");
        _source.ExecuteCommand("SET", _prefix + "b", "2");
        PowerShellResult r = Run("Copy-RedisKey ($P + 'a'), ($P + 'b') -Destination ($P + 'c')");
        Assert.NotNull(r.TerminatingError);
        Assert.StartsWith("PSRedis.InvalidArgument", r.TerminatingError!.FullyQualifiedErrorId);
        Assert.Equal(0, _source.Exists(_prefix + "c"));

        // Piped: the first key is copied, each further one is an error naming it.
        r = Run("($P + 'a'), ($P + 'b') | Copy-RedisKey -Destination ($P + 'c') -PassThru");
        ErrorRecord error = Assert.Single(r.Errors);
        Assert.Equal(_prefix + "b", error.TargetObject);
        Assert.Equal("1", _source.Get(_prefix + "c"));

        // Nothing to copy to.
        r = Run("Copy-RedisKey ($P + 'a')");
        Assert.NotNull(r.TerminatingError);
    }

    [Fact]
    public void CopyQueuesInsideAPipelineBlockAndDumpRestoreRefuses()
    {
        _source.ExecuteCommand("SET", _prefix + "a", "1");
        PowerShellResult r = Run("Invoke-RedisPipeline { Copy-RedisKey ($P + 'a') ($P + 'b') }").ShouldSucceed();
        Assert.Equal("1", _source.Get(_prefix + "b"));
        r = Run("Invoke-RedisPipeline { Copy-RedisKey ($P + 'a') -DestinationConnection target }");
        Assert.Contains(r.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.NotBatchable", StringComparison.Ordinal));
        Assert.Equal(0, _target.Exists(_prefix + "a"));
    }

    // Measure-RedisKey runs in database 9 of the source server, emptied first: its figures are of the whole database.
    private const string MeasureSetup = @"
$m = Connect-Redis -Url ($Url -replace '/0$', '/9') -Name measure -PassThru
$null = Invoke-RedisCommand FLUSHDB -Connection $m -Force
foreach ($i in 1..30) { Set-RedisHash -Key ('user:' + $i) -Value @{ name = 'u' + $i } -Connection $m }
Set-RedisHash -Key 'user:7' -Value @{ bio = 'x' * 5000 } -Connection $m
foreach ($i in 1..20) { Set-RedisValue -Key ('session:' + $i) -Value 'token' -Expiry 600 -Connection $m }
foreach ($i in 1..5) { Push-RedisList -Key ('q:' + $i + ':items') -Value a, b -Connection $m }
Set-RedisValue -Key 'counter' -Value 1 -Connection $m
";

    private List<dynamic> Measure(string arguments)
    {
        PowerShellResult r = Run(MeasureSetup + "Measure-RedisKey -Connection measure " + arguments).ShouldSucceed();
        return r.Output.Select(o => Is("RedisKeyPrefixStats", o.BaseObject)).ToList();
    }

    [Fact]
    public void MeasureGivesExactCountsPerPrefixBiggestFirst()
    {
        List<dynamic> rows = Measure("");
        Assert.Equal(new[] { "user", "session", "q", "(none)" }, rows.Select(x => (string)x.Prefix).ToArray());
        dynamic user = rows[0], session = rows[1], q = rows[2], none = rows[3];
        Assert.Equal(30L, user.Count);
        Assert.Equal(30L, user.Hash);
        Assert.Equal(0L, user.String);
        Assert.Equal(0L, user.WithTtl);
        Assert.Equal(30L, user.WithoutTtl);
        Assert.Equal(20L, session.Count);
        Assert.Equal(20L, session.String);
        Assert.Equal(20L, session.WithTtl);
        Assert.Equal(0L, session.WithoutTtl);
        Assert.Equal(5L, q.Count);
        Assert.Equal(5L, q.List);
        Assert.Equal(1L, none.Count);
        Assert.Equal("counter", none.Top[0].Key);
        long previous = long.MaxValue;
        foreach (dynamic row in rows)
        {
            Assert.True(row.Bytes > 0);
            Assert.True(row.Bytes <= previous);
            Assert.False(row.Sample);
            previous = row.Bytes;
        }
        // -Top (default 10): the biggest key first, as Key/Type/Bytes.
        Assert.Equal(10, user.Top.Length);
        Assert.Equal("user:7", user.Top[0].Key);
        Assert.Equal("hash", user.Top[0].Type);
        Assert.True(user.Top[0].Bytes > 5000);
        Assert.True(user.Top[0].Bytes >= user.Top[1].Bytes);

        rows = Measure("-Top 3 -Match 'user:*'");
        dynamic only = Assert.Single(rows);
        Assert.Equal(3, only.Top.Length);
    }

    [Fact]
    public void MeasureDepthTwoSplitsDeeperButNeverTakesTheWholeKey()
    {
        List<dynamic> rows = Measure("-Depth 2");
        Dictionary<string, dynamic> byPrefix = rows.ToDictionary(x => (string)x.Prefix);
        Assert.Equal(30L, byPrefix["user"].Count);
        Assert.Equal(20L, byPrefix["session"].Count);
        for (int i = 1; i <= 5; i++) Assert.Equal(1L, byPrefix["q:" + i].Count);
        Assert.Equal(1L, byPrefix["(none)"].Count);
        Assert.Equal(8, rows.Count); // user, session, q:1 .. q:5, (none)
    }

    [Fact]
    public void MeasureSampleSizeStopsAndSaysSo()
    {
        List<dynamic> rows = Measure("-SampleSize 10");
        Assert.Equal(10L, rows.Sum(x => (long)x.Count));
        Assert.All(rows, x => Assert.True(x.Sample));
    }

    [Fact]
    public void MeasureMaxKeysPerSecondPacesTheScan()
    {
        Run(MeasureSetup + "foreach ($i in 1..144) { Set-RedisValue -Key ('pad:' + $i) -Value 1 -Connection $m }").ShouldSucceed(); // 200 keys
        var clock = System.Diagnostics.Stopwatch.StartNew();
        PowerShellResult r = Run("Measure-RedisKey -Connection measure -MaxKeysPerSecond 100").ShouldSucceed();
        clock.Stop();
        Assert.Equal(200L, r.Output.Sum(o => (long)((dynamic)o.BaseObject).Count));
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 30);
    }
}
