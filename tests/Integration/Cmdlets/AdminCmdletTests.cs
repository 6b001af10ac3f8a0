using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// The ops toolbox (issue 14) in a hosted engine against a real server: Measure-RedisLatency, Get-/Clear-RedisSlowLog,
/// Get-/Stop-RedisClient, Get-/Set-RedisConfig, Save-RedisDatabase and Wait-RedisKey.
/// </summary>
public sealed class AdminCmdletTests : IClassFixture<OwnServerFixture>, IDisposable
{
    private readonly RedisServerProcess _server;
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly string _prefix = "adm:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public AdminCmdletTests(OwnServerFixture fixture)
    {
        _server = fixture.Server;
        _client = RedisClient.FromUrl(_server.Url);
        _ps.Run("Connect-Redis -Url $Url -Name admin", Vars()).ShouldSucceed();
    }

    public void Dispose()
    {
        _client.Dispose();
        _ps.Dispose();
    }

    private Dictionary<string, object?> Vars() => new() { ["Url"] = _server.Url, ["P"] = _prefix };

    private PowerShellResult Run(string script) => _ps.Run(script, Vars());

    private string Node => _server.Host + ":" + _server.Port;

    /// <summary>The object, checked to be of the module's type <paramref name="typeName"/>; dynamic because this assembly does not reference the cmdlets' (the module loads from out/).</summary>
    private static dynamic Is(string typeName, object? value)
    {
        Assert.NotNull(value);
        Assert.Equal("PSRedis." + typeName, value!.GetType().FullName);
        return value;
    }

    [Fact]
    public void MeasureRedisLatencyEmitsOneObjectWithCountAndOrderedPercentiles()
    {
        PowerShellResult r = Run("Measure-RedisLatency -Count 40 -Interval 0").ShouldSucceed();
        dynamic result = Is("RedisLatencyResult", r.Single());
        Assert.Equal(40, result.Count);
        Assert.Equal(Node, result.Node);
        Assert.True(result.Min > 0);
        Assert.True(result.Min <= result.P50 && result.P50 <= result.P99 && result.P99 <= result.Max, result.ToString());
        Assert.True(result.Min <= result.Average && result.Average <= result.Max, result.ToString());

        // -Duration alone: as many as fit, -Interval apart.
        var clock = Stopwatch.StartNew();
        r = Run("Measure-RedisLatency -Duration 0.5 -Interval 0.05").ShouldSucceed();
        clock.Stop();
        result = Is("RedisLatencyResult", r.Single());
        Assert.InRange(result.Count, 2, 12);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.4, 5);
    }

    [Fact]
    public void MeasureRedisLatencyStopsPromptlyAndRefusesABatch()
    {
        _ps.AssertStopsWhileRunning("Measure-RedisLatency -Count 1000 -Interval 2", TimeSpan.FromMilliseconds(400));
        PowerShellResult r = Run("Invoke-RedisPipeline { Measure-RedisLatency -Count 3 }");
        Assert.Contains(r.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.NotBatchable", StringComparison.Ordinal));
    }

    [Fact]
    public void GetRedisSlowLogShowsACommandMadeSlowAndClearRedisSlowLogEmptiesIt()
    {
        try
        {
            PowerShellResult r = Run("""
                Set-RedisConfig -Name slowlog-log-slower-than -Value 0
                Set-RedisValue -Key "${P}slow" -Value 'v'
                Get-RedisSlowLog -Count 20
                """).ShouldSucceed();
            dynamic[] entries = r.Output.Select(o => Is("RedisSlowLogEntry", o.BaseObject)).ToArray();
            dynamic set = Assert.Single(entries, e => e.Command.Length == 3 && e.Command[0] == "SET" && e.Command[1] == _prefix + "slow");
            Assert.Equal("v", set.Command[2]);
            Assert.Equal(DateTimeKind.Utc, set.Time.Kind);
            Assert.InRange(set.Time, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
            Assert.True(set.Duration >= TimeSpan.Zero);
            Assert.Equal(set.Duration.Ticks / 10, set.DurationMicroseconds);
            Assert.Contains(":", set.ClientAddress);
            Assert.Equal(Node, set.Node);
            // Newest first.
            long[] ids = entries.Select(e => (long)e.Id).ToArray();
            Assert.Equal(ids.OrderByDescending(i => i), ids);

            Run("Clear-RedisSlowLog -WhatIf").ShouldSucceed();
            Assert.Contains(_client.SlowlogGet(-1), e => e.Command.Count > 1 && e.Command[1] == _prefix + "slow");
            Run("Clear-RedisSlowLog").ShouldSucceed();
            Assert.DoesNotContain(_client.SlowlogGet(-1), e => e.Command.Count > 1 && e.Command[1] == _prefix + "slow");
        }
        finally
        {
            _client.ConfigSet("slowlog-log-slower-than", "10000");
        }
    }

    [Fact]
    public void GetRedisClientListsTypedClientsAndStopRedisClientKillsANamedOneFromThePipeline()
    {
        string name = "victim-" + Guid.NewGuid().ToString("N")[..6];
        using RedisClient victim = RedisClient.FromUrl(_server.Url + "?client_name=" + name);
        Assert.True(victim.Ping());
        long victimId = victim.ClientId();

        PowerShellResult r = Run("Get-RedisClient -Name 'victim-*'").ShouldSucceed();
        dynamic info = Is("RedisClientInfo", r.Single());
        Assert.Equal(victimId, info.Id);
        Assert.Equal(name, info.Name);
        Assert.Equal("default", info.User);
        Assert.Equal(0, info.Database);
        Assert.Contains(":", info.Address);
        Assert.Equal(Node, info.Node);
        Assert.True(info.Age >= TimeSpan.Zero && info.Idle >= TimeSpan.Zero);
        Assert.StartsWith("client", (string)info.Command, StringComparison.Ordinal); // "client|id": the victim's last command
        Assert.Equal(info.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), info.Fields["id"]);
        // Everyone, this session included; -User filters too.
        Assert.True((int)Run("@(Get-RedisClient).Count").ShouldSucceed().Single()! >= 2);
        Assert.Equal(0, Run("@(Get-RedisClient -User nobody*).Count").ShouldSucceed().Single());

        Run($"Get-RedisClient -Name '{name}' | Stop-RedisClient -WhatIf").ShouldSucceed();
        Assert.Contains(_client.ClientList(), c => c["name"] == name);

        r = Run("Get-RedisClient -Name $N | Stop-RedisClient -Force -PassThru; @(Get-RedisClient -Name $N).Count".Replace("$N", "'" + name + "'"))
            .ShouldSucceed();
        dynamic stopped = Is("RedisClientStopResult", r.Output[0].BaseObject);
        Assert.Equal(1L, stopped.Stopped);
        Assert.Equal("ID " + victimId, stopped.Filter);
        Assert.Equal(0, r.Output[1].BaseObject);
        Assert.DoesNotContain(_client.ClientList(), c => c["name"] == name);
    }

    [Fact]
    public void StopRedisClientSaysSoInsteadOfStoppingItsOwnConnectionAndReportsAnUnknownClient()
    {
        PowerShellResult r = Run("""
            $solo = Connect-Redis -Url $Url -Name solo -MaxConnections 1 -PassThru
            $id = Invoke-RedisCommand CLIENT ID -Connection $solo
            Stop-RedisClient -Id $id -Connection $solo -Force -PassThru
            @(Get-RedisClient -Connection $solo | Where-Object Id -eq $id).Count
            """);
        Assert.Empty(r.AllErrors);
        Assert.Contains(r.Warnings, w => w.Contains("this session's own connection", StringComparison.Ordinal));
        Assert.Equal(new object[] { 1 }, r.Output.Select(o => o.BaseObject));

        r = Run("Stop-RedisClient -Id 987654321 -Force; Stop-RedisClient -Address 10.1.2.3:4 -Force");
        Assert.Equal(2, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.StartsWith("PSRedis.ClientNotFound", e.FullyQualifiedErrorId, StringComparison.Ordinal));
        Assert.Equal(ErrorCategory.ObjectNotFound, r.Errors[0].CategoryInfo.Category);
    }

    [Fact]
    public void StopRedisClientByAddressStopsThatClient()
    {
        string name = "byaddr-" + Guid.NewGuid().ToString("N")[..6];
        using RedisClient victim = RedisClient.FromUrl(_server.Url + "?client_name=" + name);
        victim.Ping();
        string address = _client.ClientList().Single(c => c["name"] == name)["addr"];
        PowerShellResult r = Run($"Stop-RedisClient -Address '{address}' -Force -PassThru; @(Get-RedisClient -Name 'BYADDR-*').Count").ShouldSucceed();
        dynamic stopped = Is("RedisClientStopResult", r.Output[0].BaseObject);
        Assert.Equal("ADDR " + address, (string)stopped.Filter);
        Assert.Equal(1L, (long)stopped.Stopped);
        Assert.Equal(0, r.Output[1].BaseObject);
    }

    [Fact]
    public void StopRedisClientByUserStopsEveryConnectionOfThatUser()
    {
        string user = "rep" + Guid.NewGuid().ToString("N")[..6];
        _client.ExecuteCommand("ACL", "SETUSER", user, "on", ">pw", "~*", "+@all");
        try
        {
            string url = _server.Url.Replace("redis://", "redis://" + user + ":pw@", StringComparison.Ordinal);
            using RedisClient one = RedisClient.FromUrl(url);
            using RedisClient two = RedisClient.FromUrl(url);
            one.Ping();
            two.Ping();
            PowerShellResult r = Run($"@(Get-RedisClient -User {user}).Count; Stop-RedisClient -User {user} -Force -PassThru; @(Get-RedisClient -User {user}).Count")
                .ShouldSucceed();
            Assert.Equal(2, r.Output[0].BaseObject);
            Assert.Equal(2L, Is("RedisClientStopResult", r.Output[1].BaseObject).Stopped);
            Assert.Equal(0, r.Output[2].BaseObject);
            Assert.Empty(r.Warnings);
        }
        finally
        {
            _client.ExecuteCommand("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public void SetRedisConfigChangesAValueReadBackWithGetRedisConfigAndWhatIfChangesNothing()
    {
        string before = _client.ConfigGet("slowlog-max-len")["slowlog-max-len"]!;
        try
        {
            PowerShellResult r = Run("Get-RedisConfig -Name 'slowlog-*'").ShouldSucceed();
            dynamic[] entries = r.Output.Select(o => Is("RedisConfigEntry", o.BaseObject)).ToArray();
            string[] names = entries.Select(e => (string)e.Name).ToArray();
            Assert.Equal(names.OrderBy(n => n, StringComparer.Ordinal), names);
            Assert.Contains(entries, e => e.Name == "slowlog-max-len" && e.Value == before && !e.IsMasked);
            Assert.Contains(entries, e => e.Name == "slowlog-log-slower-than");
            Assert.All(entries, e => Assert.Equal(Node, e.Node));

            Run("Set-RedisConfig -Name slowlog-max-len -Value 777 -WhatIf").ShouldSucceed();
            Assert.Equal(before, _client.ConfigGet("slowlog-max-len")["slowlog-max-len"]);

            r = Run("""
                $saved = Get-RedisConfig -Name slowlog-max-len
                Set-RedisConfig -Name slowlog-max-len -Value 777
                (Get-RedisConfig -Name slowlog-max-len).Value
                $saved | Set-RedisConfig
                (Get-RedisConfig -Name SLOWLOG-MAX-LEN).Value
                """).ShouldSucceed();
            Assert.Equal(new object[] { "777", before }, r.Output.Select(o => o.BaseObject));

            // Several names, wildcards, no duplicates; an unknown name (no wildcard) is an error, an unmatched pattern is not.
            r = Run("@(Get-RedisConfig -Name 'maxmemory', 'maxmemory*').Count; Get-RedisConfig -Name no-such-setting, 'no-such-*'");
            Assert.Equal(_client.ConfigGet("maxmemory*").Count, r.Output[0].BaseObject);
            ErrorRecord error = Assert.Single(r.Errors);
            Assert.StartsWith("PSRedis.ConfigNotFound", error.FullyQualifiedErrorId, StringComparison.Ordinal);

            // A value the server refuses names the setting.
            r = Run("Set-RedisConfig -Name slowlog-max-len -Value lots");
            error = Assert.Single(r.Errors);
            Assert.Equal("slowlog-max-len", error.TargetObject);
        }
        finally
        {
            _client.ConfigSet("slowlog-max-len", before);
        }
    }

    [Fact]
    public void GetRedisConfigMasksPasswordsAndSetRedisConfigNeverWritesTheMaskBackOrShowsTheValue()
    {
        const string secret = "s3cret-value-42";
        try
        {
            PowerShellResult r = Run($"Set-RedisConfig -Name masterauth -Value '{secret}' -Verbose; Get-RedisConfig -Name masterauth, requirepass; "
                + "(Get-RedisConfig -Name masterauth -ShowSecret).Value").ShouldSucceed();
            Assert.DoesNotContain(r.Verbose, v => v.Contains(secret, StringComparison.Ordinal));
            dynamic masked = Is("RedisConfigEntry", r.Output[0].BaseObject);
            Assert.Equal(("masterauth", "********", true), ((string)masked.Name, (string)masked.Value, (bool)masked.IsMasked));
            dynamic unset = Is("RedisConfigEntry", r.Output[1].BaseObject);
            Assert.Equal(("requirepass", "", false), ((string)unset.Name, (string)unset.Value, (bool)unset.IsMasked));
            Assert.Equal(secret, r.Output[2].BaseObject);
            Assert.DoesNotContain(secret, string.Join("\n", r.Output.Take(2).Select(o => o.ToString())));

            r = Run("Get-RedisConfig -Name masterauth | Set-RedisConfig");
            ErrorRecord error = Assert.Single(r.Errors);
            Assert.StartsWith("PSRedis.MaskedValue", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(secret, _client.ConfigGet("masterauth")["masterauth"]);

            // A CONFIG SET the server refuses (an unknown setting whose name has 'pass'): the error and $Error never hold the password.
            r = Run($"Set-RedisConfig -Name no-such-pass -Value '{secret}'; $Error[0].InvocationInfo.BoundParameters['Value']; $Error[0].ToString()");
            Assert.Single(r.Errors);
            Assert.DoesNotContain(r.Output, o => o?.BaseObject is string text && text.Contains(secret, StringComparison.Ordinal));
        }
        finally
        {
            _client.ConfigSet("masterauth", "");
        }
    }

    [Fact]
    public void SaveRedisDatabaseWaitMovesLastSaveAndWritesTheFile()
    {
        _client.Set(_prefix + "saved", "1");
        DateTimeOffset before = _client.LastSave();
        // LASTSAVE has second resolution: make sure the next save is in a later second.
        Thread.Sleep(1100);
        PowerShellResult r = Run("Save-RedisDatabase -WhatIf; Save-RedisDatabase -Wait -Timeout 30").ShouldSucceed();
        dynamic result = Is("RedisSaveResult", r.Single());
        Assert.Equal(Node, result.Node);
        Assert.Equal(DateTimeKind.Utc, result.LastSave.Kind);
        Assert.True(result.LastSave > before.UtcDateTime, $"LASTSAVE {result.LastSave:o} should be after {before.UtcDateTime:o}");
        Assert.Equal(result.LastSave, _client.LastSave().UtcDateTime);
        Assert.True(File.Exists(Path.Combine(_server.WorkingDirectory, "dump.rdb")));
    }

    [Fact]
    public void SaveRedisDatabaseReportsASaveInProgressTimesOutAndWithWaitWaitsForItThenSaves()
    {
        for (int i = 0; i < 10; i++) _client.Set(_prefix + "k" + i, "v");
        // Each key takes 0.2 s to write: a save that runs about 2 s (or more, with the shared server's other keys).
        _client.ConfigSet("rdb-key-save-delay", "200000");
        try
        {
            PowerShellResult r = Run("Save-RedisDatabase").ShouldSucceed();
            Assert.Empty(r.Output);
            _client.ConfigSet("rdb-key-save-delay", "0");

            r = Run("Save-RedisDatabase");
            ErrorRecord busy = Assert.Single(r.Errors);
            Assert.StartsWith("PSRedis.SaveInProgress", busy.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.ResourceBusy, busy.CategoryInfo.Category);

            var clock = Stopwatch.StartNew();
            r = Run("Save-RedisDatabase -Wait -Timeout 0.3");
            clock.Stop();
            ErrorRecord timeout = Assert.Single(r.Errors);
            Assert.StartsWith("PSRedis.WaitTimeout", timeout.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.OperationTimeout, timeout.CategoryInfo.Category);
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.25, 3);

            r = Run("Save-RedisDatabase -Wait -Timeout 60").ShouldSucceed();
            Assert.Contains(r.Warnings, w => w.Contains("already in progress", StringComparison.Ordinal));
            Is("RedisSaveResult", r.Single());
            Assert.Equal(0L, (long)_client.Info("persistence")["rdb_bgsave_in_progress"]);
        }
        finally
        {
            _client.ConfigSet("rdb-key-save-delay", "0");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((long)_client.Info("persistence")["rdb_bgsave_in_progress"] != 0 && DateTime.UtcNow < deadline) Thread.Sleep(100);
        }
    }

    [Fact]
    public void WaitRedisKeyReturnsWhenAnotherConnectionSetsTheKey()
    {
        string key = _prefix + "ready";
        using RedisClient other = RedisClient.FromUrl(_server.Url);
        var writer = new Thread(() =>
        {
            Thread.Sleep(300);
            other.Set(key, "first");
            Thread.Sleep(300);
            other.Set(key, "done");
        });
        writer.Start();
        var clock = Stopwatch.StartNew();
        PowerShellResult r = Run($"Wait-RedisKey -Key '{key}' -Timeout 10").ShouldSucceed();
        TimeSpan exists = clock.Elapsed;
        Assert.Empty(r.Output);
        Assert.InRange(exists.TotalSeconds, 0.2, 5);

        r = Run($"Wait-RedisKey -Key '{key}' -Value done -Timeout 10 -PassThru").ShouldSucceed();
        clock.Stop();
        Assert.Equal("done", r.Single());
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.5, 8);
        Assert.True(writer.Join(TimeSpan.FromSeconds(5)));

        // Key objects bind by property name.
        r = Run($"Get-RedisKey -Match '{key}' | Wait-RedisKey -Timeout 1 -PassThru").ShouldSucceed();
        Assert.Equal("done", r.Single());
    }

    [Fact]
    public void WaitRedisKeyTimesOutWithAClearErrorAndStopsPromptly()
    {
        var clock = Stopwatch.StartNew();
        PowerShellResult r = Run($"Wait-RedisKey -Key '{_prefix}never' -Timeout 0.4");
        clock.Stop();
        Assert.Empty(r.Output);
        ErrorRecord error = Assert.Single(r.Errors);
        Assert.StartsWith("PSRedis.WaitTimeout", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Equal(_prefix + "never", error.TargetObject);
        Assert.Contains("never", error.Exception.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.35, 3);

        // With -Value, a key holding another value is still waited for, and the error says so.
        _client.Set(_prefix + "other", "a");
        r = Run($"Wait-RedisKey -Key '{_prefix}other' -Value b -Timeout 0.2");
        Assert.Contains("another value", Assert.Single(r.Errors).Exception.Message, StringComparison.Ordinal);

        _ps.AssertStopsWhileRunning($"Wait-RedisKey -Key '{_prefix}never' -Timeout 60", TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public void ReadCmdletsGiveTheSameObjectsInsideABatchAndWaitingCmdletsRefuseOne()
    {
        PowerShellResult r = Run("""
            function Show($items) { ($items | ForEach-Object { $_.GetType().Name + ':' + $_.Node + ':' + $_.Name + '=' + $_.Value }) -join ',' }
            Show (Get-RedisConfig -Name 'slowlog-*', 'maxmemory')
            Show (Invoke-RedisPipeline { Get-RedisConfig -Name 'slowlog-*', 'maxmemory' })
            @(Invoke-RedisPipeline { Get-RedisClient; Get-RedisSlowLog -Count 1 } | Where-Object { $_ -is [PSRedis.RedisClientInfo] }).Count -gt 0
            """).ShouldSucceed();
        Assert.Equal(r.Output[0].BaseObject, r.Output[1].BaseObject);
        Assert.Contains("RedisConfigEntry:" + Node + ":maxmemory=", (string)r.Output[0].BaseObject, StringComparison.Ordinal);
        Assert.Equal(true, r.Output[2].BaseObject);

        foreach (string call in new[] { "Wait-RedisKey -Key x -Timeout 1", "Save-RedisDatabase", "Stop-RedisClient -Id 1 -Force" })
        {
            r = Run("Invoke-RedisPipeline { " + call + " }");
            Assert.Contains(r.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.NotBatchable", StringComparison.Ordinal));
        }
    }
}
