using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>Export-RedisKey and Import-RedisKey: exact round trips of every type, binary data, TTLs, paging, -Resume, errors.</summary>
[Collection(RedisCollection.Name)]
public sealed class ExportImportCmdletTests : IDisposable
{
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly RedisFixture _redis;
    private readonly string _prefix = "it:" + Guid.NewGuid().ToString("N")[..10] + ":";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "psredis-export-" + Guid.NewGuid().ToString("N")[..10]);

    public ExportImportCmdletTests(RedisFixture redis)
    {
        _redis = redis;
        _client = RedisClient.FromUrl(redis.Url);
        Directory.CreateDirectory(_dir);
        _ps.Run("Connect-Redis -Url $Url", new Dictionary<string, object?> { ["Url"] = redis.Url }).ShouldSucceed();
    }

    public void Dispose()
    {
        foreach (KeyBytesPage page in _client.ScanBytesPages(_prefix + "*", 1000))
        {
            foreach (byte[] key in page.Keys) _client.DelOf(key);
        }
        _client.Dispose();
        _ps.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private PowerShellResult Run(string script) => _ps.Run(script, new Dictionary<string, object?> { ["P"] = _prefix, ["D"] = _dir });

    private byte[] Key(string name) => Encoding.UTF8.GetBytes(_prefix + name);

    private static byte[] Concat(byte[] a, params byte[] b) => a.Concat(b).ToArray();

    private void Exec(params object?[] args) => _client.Execute(args);

    /// <summary>A canonical text of a key's type and value (order-free where Redis has no order), to compare before and after.</summary>
    private string Snapshot(byte[] key)
    {
        string type = _client.TypeOf(key);
        static string Canon(RespValue v) => v.IsAggregate ? "[" + string.Join(",", v.Items.Select(Canon)) + "]"
            : v.Type == RespType.Double ? RespDouble.Format(v.DoubleValue)
            : v.Bytes != null ? Convert.ToBase64String(v.Bytes) : v.ToString();
        RespValue reply;
        switch (type)
        {
            case "string": reply = _client.Execute(new object?[] { "GET", key }); return type + ":" + Canon(reply);
            case "list": reply = _client.Execute(new object?[] { "LRANGE", key, 0, -1 }); return type + ":" + Canon(reply);
            case "set":
                reply = _client.Execute(new object?[] { "SMEMBERS", key });
                return type + ":" + string.Join(",", reply.Items.Select(Canon).OrderBy(s => s, StringComparer.Ordinal));
            case "zset":
                return type + ":" + string.Join(",", _client.ZScanOf(key, 0, 100000).Items
                    .Select(m => Convert.ToBase64String(m.Member) + "=" + RespDouble.Format(m.Score)).OrderBy(s => s, StringComparer.Ordinal));
            case "hash":
                return type + ":" + string.Join(",", _client.HashBytesIter(key).Select(p => Convert.ToBase64String(p.Key) + "=" + Convert.ToBase64String(p.Value)).OrderBy(s => s, StringComparer.Ordinal));
            case "stream": reply = _client.Execute(new object?[] { "XRANGE", key, "-", "+" }); return type + ":" + Canon(reply);
            default: return type;
        }
    }

    private Dictionary<string, string> SnapshotAll() =>
        _client.ScanBytesPages(_prefix + "*", 1000).SelectMany(p => p.Keys)
            .ToDictionary(k => Convert.ToBase64String(k), Snapshot);

    private void DeleteAll()
    {
        foreach (byte[] key in _client.ScanBytesPages(_prefix + "*", 1000).SelectMany(p => p.Keys).ToList()) _client.DelOf(key);
    }

    private static readonly byte[] NotUtf8 = { 0xff, 0xfe, 0x00, 0x80 };

    /// <summary>One key of every type, with bytes that are not UTF-8 in a key name, a hash field, a list element, a zset member and a stream field value.</summary>
    private void PopulateEveryType()
    {
        Exec("SET", Key("s:text"), "h\u00e9llo \"quoted\"\n\u2028line");
        Exec("SET", Concat(Key("s:"), NotUtf8), NotUtf8);
        Exec("RPUSH", Key("l"), "a", NotUtf8, "", "c");
        Exec("SADD", Key("set"), "a", NotUtf8, "1", "2");
        Exec("ZADD", Key("z"), "0.1", "a", "inf", "b", "-inf", NotUtf8, "3.3333333333333335", "d", "1e300", "e", "-5e-324", "f");
        Exec("HSET", Key("h:text"), "f", "v", "g", "");
        Exec("HSET", Key("h:bin"), NotUtf8, "v", "g", NotUtf8);
        Exec("XADD", Key("x"), "1-1", "f", "v", "g", NotUtf8);
        Exec("XADD", Key("x"), "2-5", "f", "v", "f", "w");
        Exec("XADD", Key("x"), "3-0", NotUtf8, "binary field name");
    }

    [Fact]
    public void EveryTypeRoundTripsExactlyWithBinaryDataAndScores()
    {
        PopulateEveryType();
        Dictionary<string, string> before = SnapshotAll();
        Assert.Equal(8, before.Count);
        PowerShellResult r = Run("Export-RedisKey -Match \"${P}*\" -Path \"$D/all.jsonl\" -PassThru").ShouldSucceed();
        Assert.Equal(8L, Assert.Single(r.Output).Properties["Keys"].Value);
        string[] lines = File.ReadAllLines(Path.Combine(_dir, "all.jsonl"));
        Assert.Equal(8, lines.Length);
        Assert.False(File.Exists(Path.Combine(_dir, "all.jsonl.resume")));
        // Readable where the data is text, marked base64 where it is not; scores exact and inf as strings.
        Assert.Contains(lines, l => l.Contains("\"type\":\"hash\",\"value\":{\"f\":\"v\",\"g\":\"\"}", StringComparison.Ordinal) || l.Contains("{\"g\":\"\",\"f\":\"v\"}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("{\"base64\":\"" + Convert.ToBase64String(Concat(Key("s:"), NotUtf8)) + "\"}", StringComparison.Ordinal));
        string zset = Assert.Single(lines, l => l.Contains("\"type\":\"zset\"", StringComparison.Ordinal));
        Assert.Contains("[\"b\",\"inf\"]", zset, StringComparison.Ordinal);
        Assert.Contains("[\"a\",0.1]", zset, StringComparison.Ordinal);
        Assert.Contains("3.3333333333333335", zset, StringComparison.Ordinal);

        DeleteAll();
        r = Run("Import-RedisKey -Path \"$D/all.jsonl\" -PassThru").ShouldSucceed();
        PSObject summary = Assert.Single(r.Output);
        Assert.Equal(8L, summary.Properties["Imported"].Value);
        Assert.Equal(8L, summary.Properties["Lines"].Value);
        Assert.Equal(before, SnapshotAll());
        Assert.Empty(_client.ScanIter("*" + ImportRedisKeyCommandTempPrefix + "*", 1000));

        // Exported again, the same lines (set and hash order aside, which the snapshots compared already).
        Run("Export-RedisKey -Match \"${P}*\" -Path \"$D/again.jsonl\"").ShouldSucceed();
        Assert.Equal(8, File.ReadAllLines(Path.Combine(_dir, "again.jsonl")).Length);
    }

    private const string ImportRedisKeyCommandTempPrefix = "psredis-import:";

    [Fact]
    public void TrickyTextStaysReadableOnOneLineAndOddBytesAndScoresComeBackExactly()
    {
        string[] texts =
        {
            "", "quote \" backslash \\ slash /", "\u0000\u0001\u001f\b\f\n\r\t end", "line\u2028para\u2029sep",
            "h\u00e9llo \u4e16\u754c \ud83d\ude00",
        };
        byte[][] odd =
        {
            new byte[] { 0xc3 }, new byte[] { 0xed, 0xa0, 0x80 }, new byte[] { 0xc0, 0x80 }, Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(),
        };
        double[] scores = { 0.1, 1.0 / 3, double.Epsilon, double.MaxValue, -1e-300, 123456789012345678.0, double.PositiveInfinity, double.NegativeInfinity };
        for (int i = 0; i < texts.Length; i++) Exec("SET", Key("t:" + i.ToString(CultureInfo.InvariantCulture)), texts[i]);
        for (int i = 0; i < odd.Length; i++) Exec("RPUSH", Key("odd"), odd[i]);
        var zadd = new List<object?> { "ZADD", Key("scores") };
        for (int i = 0; i < scores.Length; i++)
        {
            zadd.Add(RespDouble.Format(scores[i]));
            zadd.Add("m" + i.ToString(CultureInfo.InvariantCulture));
        }
        _client.Execute(zadd);
        Dictionary<string, string> before = SnapshotAll();
        Run("Export-RedisKey -Match \"${P}*\" -Path \"$D/tricky.jsonl\"").ShouldSucceed();
        string file = File.ReadAllText(Path.Combine(_dir, "tricky.jsonl"), Encoding.UTF8);
        Assert.Equal(texts.Length + 2, file.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain('\u2028', file);
        Assert.Contains("\\u2028", file, StringComparison.Ordinal);
        Assert.Contains("h\u00e9llo \u4e16\u754c \ud83d\ude00", file, StringComparison.Ordinal); // text, not base64
        DeleteAll();
        Run("Import-RedisKey \"$D/tricky.jsonl\"").ShouldSucceed();
        Assert.Equal(before, SnapshotAll());
        foreach (ScoredBytes member in _client.ZScanOf(Key("scores"), 0, 100).Items)
        {
            int i = int.Parse(Encoding.UTF8.GetString(member.Member)[1..], CultureInfo.InvariantCulture);
            Assert.Equal(BitConverter.DoubleToInt64Bits(scores[i]), BitConverter.DoubleToInt64Bits(member.Score));
        }
    }

    [Fact]
    public void TimeToLiveIsKeptForStringsAndCollections()
    {
        Exec("SET", Key("t:s"), "v", "PX", 100000);
        Exec("RPUSH", Key("t:l"), "a", "b");
        Exec("PEXPIRE", Key("t:l"), 200000);
        Exec("SET", Key("t:none"), "v");
        Run("Export-RedisKey -Match \"${P}t:*\" -Path \"$D/ttl.jsonl\"").ShouldSucceed();
        Assert.Contains(File.ReadAllLines(Path.Combine(_dir, "ttl.jsonl")), l => l.Contains("t:none\",\"type\":\"string\",\"value\"", StringComparison.Ordinal));
        DeleteAll();
        Run("Import-RedisKey \"$D/ttl.jsonl\"").ShouldSucceed();
        Assert.InRange(_client.PTtlOf(Key("t:s")), 90000, 100000);
        Assert.InRange(_client.PTtlOf(Key("t:l")), 190000, 200000);
        Assert.Equal(-1, _client.PTtlOf(Key("t:none")));
    }

    [Fact]
    public void BigCollectionsAreExportedInPagesAndRoundTrip()
    {
        const int N = 3000;
        for (int start = 0; start < N; start += 500)
        {
            var list = new List<object?> { "RPUSH", Key("big:l") };
            var set = new List<object?> { "SADD", Key("big:set") };
            var hash = new List<object?> { "HSET", Key("big:h") };
            var zset = new List<object?> { "ZADD", Key("big:z") };
            for (int i = start; i < start + 500; i++)
            {
                string s = i.ToString(CultureInfo.InvariantCulture);
                list.Add("e" + s);
                set.Add("m" + s);
                hash.Add("f" + s);
                hash.Add("v" + s);
                zset.Add((i / 7.0).ToString("R", CultureInfo.InvariantCulture));
                zset.Add("z" + s);
            }
            _client.Execute(list);
            _client.Execute(set);
            _client.Execute(hash);
            _client.Execute(zset);
        }
        for (int i = 1; i <= N; i++) Exec("XADD", Key("big:x"), i.ToString(CultureInfo.InvariantCulture) + "-0", "f", "v" + i.ToString(CultureInfo.InvariantCulture));
        Dictionary<string, string> before = SnapshotAll();
        Dictionary<string, long> calls = CommandCalls();
        Run("Export-RedisKey -Match \"${P}big:*\" -Path \"$D/big.jsonl\"").ShouldSucceed();
        Dictionary<string, long> after = CommandCalls();
        // A page at a time: several LRANGE, HSCAN, SSCAN, ZSCAN and XRANGE calls, never one reply of 3,000.
        Assert.True(after["lrange"] - calls.GetValueOrDefault("lrange") >= 3, "LRANGE pages");
        Assert.True(after["xrange"] - calls.GetValueOrDefault("xrange") >= 3, "XRANGE pages");
        Assert.True(after["hscan"] - calls.GetValueOrDefault("hscan") >= 2, "HSCAN pages");
        Assert.True(after["sscan"] - calls.GetValueOrDefault("sscan") >= 2, "SSCAN pages");
        Assert.True(after["zscan"] - calls.GetValueOrDefault("zscan") >= 2, "ZSCAN pages");
        // A hash too big for one object is written as [field, value] pairs.
        Assert.Contains(File.ReadAllLines(Path.Combine(_dir, "big.jsonl")), l => l.Contains("\"type\":\"hash\",\"value\":[[", StringComparison.Ordinal));
        DeleteAll();
        Run("Import-RedisKey \"$D/big.jsonl\" -BatchSize 700").ShouldSucceed();
        Assert.Equal(before, SnapshotAll());
    }

    private Dictionary<string, long> CommandCalls()
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        string info = _client.Execute(new object?[] { "INFO", "commandstats" }).AsString()!;
        foreach (string line in info.Split('\n'))
        {
            // cmdstat_lrange:calls=12,usec=...
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
            int colon = line.IndexOf(':');
            string name = line[8..colon];
            string calls0 = line[(colon + 7)..line.IndexOf(',', colon)];
            calls[name] = long.Parse(calls0, CultureInfo.InvariantCulture);
        }
        return calls;
    }

    [Fact]
    public void ResumeContinuesAnInterruptedExportWithoutLosingOrRepeatingAKey()
    {
        KeyCmdletTests.Populate(_client, _prefix + "r:", 3000);
        Exec("RPUSH", Key("r:list"), "a", "b");
        Run("Export-RedisKey -Match \"${P}r:*\" -Path \"$D/full.jsonl\" -Count 100").ShouldSucceed();
        string[] full = File.ReadAllLines(Path.Combine(_dir, "full.jsonl"));
        Assert.Equal(3001, full.Length);

        // Interrupted for real: a user who may not LRANGE fails at the list, part of its line written.
        string user = "exp" + Guid.NewGuid().ToString("N")[..8];
        Exec("ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-lrange");
        try
        {
            string url = _redis.Url.Replace("redis://", "redis://" + user + ":pw@", StringComparison.Ordinal);
            PowerShellResult r = _ps.Run("""
                $limited = Connect-Redis -Url $Url -Name limited -PassThru
                try { Export-RedisKey -Match "${P}r:*" -Path "$D/part.jsonl" -Count 100 -Connection $limited } finally { Disconnect-Redis -Connection $limited }
                """, new Dictionary<string, object?> { ["P"] = _prefix, ["D"] = _dir, ["Url"] = url });
            Assert.NotNull(r.TerminatingError);
        }
        finally
        {
            Exec("ACL", "DELUSER", user);
        }
        string part = Path.Combine(_dir, "part.jsonl");
        Assert.True(File.Exists(part + ".resume"));
        // The file may end mid-line; cut it shorter still in the part after the last complete page, and add half a line.
        File.AppendAllText(part, "{\"key\":\"" + _prefix + "r:half\",\"type\":\"str");
        PowerShellResult resumed = Run("Export-RedisKey -Path \"$D/part.jsonl\" -Resume -PassThru").ShouldSucceed();
        Assert.True((bool)Assert.Single(resumed.Output).Properties["Resumed"].Value);
        Assert.False(File.Exists(part + ".resume"));
        string[] lines = File.ReadAllLines(part);
        Assert.Equal(full.Length, lines.Length);
        Assert.Equal(full.OrderBy(l => l, StringComparer.Ordinal), lines.OrderBy(l => l, StringComparer.Ordinal));

        // Nothing to resume once complete; a file that exists is refused without -Force/-Append.
        PowerShellResult again = Run("Export-RedisKey -Path \"$D/part.jsonl\" -Resume");
        Assert.Equal("PSRedis.NothingToResume,PSRedis.Cmdlets.ExportRedisKeyCommand", again.TerminatingError?.FullyQualifiedErrorId);
        PowerShellResult exists = Run("Export-RedisKey -Match \"${P}r:1\" -Path \"$D/part.jsonl\"");
        Assert.Equal("PSRedis.FileExists,PSRedis.Cmdlets.ExportRedisKeyCommand", exists.TerminatingError?.FullyQualifiedErrorId);
        Run("Export-RedisKey -Match \"${P}r:1\" -Path \"$D/part.jsonl\" -Append").ShouldSucceed();
        Assert.Equal(full.Length + 1, File.ReadAllLines(part).Length);
        Run("Export-RedisKey -Match \"${P}r:1\" -Path \"$D/part.jsonl\" -Force").ShouldSucceed();
        Assert.Single(File.ReadAllLines(part));
    }

    [Fact]
    public void ImportLeavesExistingKeysWithAnErrorUnlessReplace()
    {
        Exec("SET", Key("e:s"), "old");
        Exec("RPUSH", Key("e:l"), "old");
        Run("Get-RedisKey -Match \"${P}e:*\" | Export-RedisKey -Path \"$D/e.jsonl\"").ShouldSucceed();
        Exec("SET", Key("e:s"), "new");
        Exec("DEL", Key("e:l"));
        Exec("SADD", Key("e:l"), "a set now");
        PowerShellResult r = Run("Import-RedisKey \"$D/e.jsonl\" -PassThru");
        Assert.Equal(2, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.Equal("PSRedis.KeyExists,PSRedis.Cmdlets.ImportRedisKeyCommand", e.FullyQualifiedErrorId));
        Assert.Contains(r.Errors, e => e.ToString().Contains(_prefix + "e:s", StringComparison.Ordinal) && (string)e.TargetObject == _prefix + "e:s");
        Assert.Equal(2L, Assert.Single(r.Output).Properties["Existing"].Value);
        Assert.Equal("new", _client.Get(_prefix + "e:s"));
        Assert.Equal("set", _client.TypeOf(Key("e:l")));
        Assert.Empty(_client.ScanIter("*" + ImportRedisKeyCommandTempPrefix + "*", 1000));

        Run("Import-RedisKey \"$D/e.jsonl\" -Replace").ShouldSucceed();
        Assert.Equal("old", _client.Get(_prefix + "e:s"));
        Assert.Equal("list:[" + Convert.ToBase64String(Encoding.UTF8.GetBytes("old")) + "]", Snapshot(Key("e:l")));
    }

    [Fact]
    public void WhatIfWritesNothing()
    {
        PopulateEveryType();
        Run("Export-RedisKey -Match \"${P}*\" -Path \"$D/w.jsonl\"").ShouldSucceed();
        DeleteAll();
        PowerShellResult r = Run("Import-RedisKey \"$D/w.jsonl\" -WhatIf -PassThru").ShouldSucceed();
        Assert.Equal(8L, Assert.Single(r.Output).Properties["Declined"].Value);
        Assert.Empty(SnapshotAll());
    }

    [Fact]
    public void AMalformedLineNamesItsLineNumberAndTheRestIsImported()
    {
        File.WriteAllText(Path.Combine(_dir, "bad.jsonl"),
            "{\"key\":\"" + _prefix + "m:1\",\"type\":\"string\",\"value\":\"one\"}\n"
            + "not json\n"
            + "\n"
            + "{\"key\":\"" + _prefix + "m:2\",\"type\":\"list\",\"value\":[\"a\",\n"
            + "{\"key\":\"" + _prefix + "m:3\",\"type\":\"zset\",\"value\":[[\"a\",\"x\"]]}\n"
            + "{\"key\":\"" + _prefix + "m:4\",\"type\":\"hash\",\"ttl\":null,\"value\":{\"f\":\"v\"}}\n");
        PowerShellResult r = Run("Import-RedisKey \"$D/bad.jsonl\" -PassThru");
        Assert.Equal(3, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.Equal("PSRedis.MalformedLine,PSRedis.Cmdlets.ImportRedisKeyCommand", e.FullyQualifiedErrorId));
        Assert.StartsWith("Line 2:", r.Errors[0].ToString(), StringComparison.Ordinal);
        Assert.StartsWith("Line 4:", r.Errors[1].ToString(), StringComparison.Ordinal);
        Assert.StartsWith("Line 5:", r.Errors[2].ToString(), StringComparison.Ordinal);
        PSObject summary = Assert.Single(r.Output);
        Assert.Equal(2L, summary.Properties["Imported"].Value);
        Assert.Equal(3L, summary.Properties["Failed"].Value);
        Assert.Equal("one", _client.Get(_prefix + "m:1"));
        Assert.Equal("hash:" + Convert.ToBase64String(Encoding.UTF8.GetBytes("f")) + "=" + Convert.ToBase64String(Encoding.UTF8.GetBytes("v")), Snapshot(Key("m:4")));
        Assert.Equal("none", _client.TypeOf(Key("m:2")));
        Assert.Empty(_client.ScanIter("*" + ImportRedisKeyCommandTempPrefix + "*", 1000));
    }
}
