using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// Publish-RedisMessage, Register-RedisEvent, Invoke-RedisScript and Use-RedisLock in a hosted engine. Events are
/// tested in queue mode only: an -Action subscription can crash the hosted engine when events arrive while no
/// pipeline runs (FIELD-NOTES); -Action is covered by tests/Pester/PSRedis.Events.Tests.ps1 under real pwsh.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class EventCmdletTests : IDisposable
{
    private readonly RedisFixture _redis;
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly string _prefix = "pstest:" + Guid.NewGuid().ToString("N")[..10] + ":";

    public EventCmdletTests(RedisFixture redis)
    {
        _redis = redis;
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

    /// <summary>
    /// What Unregister-Event does (it is not in the hosted engine's Core cmdlets): the event manager's
    /// UnsubscribeEvent for the subscriber with that source identifier.
    /// </summary>
    private static string Unregister(string id) =>
        "@($ExecutionContext.Events.GetEventSubscribers('" + id + "')) | ForEach-Object { $ExecutionContext.Events.UnsubscribeEvent($_) }";

    /// <summary>Waits (outside the engine) until the session's event queue holds <paramref name="count"/> events for <paramref name="id"/>.</summary>
    private int WaitForEvents(string id, int count, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        int seen = 0;
        while (DateTime.UtcNow < deadline)
        {
            seen = (int)Run("@($ExecutionContext.Events.ReceivedEvents).Where({ $_.SourceIdentifier -eq $Id }).Count"
                .Replace("$Id", "'" + id + "'")).ShouldSucceed().Single()!;
            if (seen >= count) return seen;
            Thread.Sleep(50);
        }
        return seen;
    }

    private bool ClientConnected(string clientName, RedisClient? client = null) =>
        (client ?? _client).ClientList().Any(c => c.TryGetValue("name", out string? n) && n == clientName);

    [Fact]
    public void AThousandPublishedMessagesArriveAsQueuedEventsInOrder()
    {
        string channel = _prefix + "orders";
        PowerShellResult r = Run($$"""
            Register-RedisEvent -Channel '{{channel}}' -SourceIdentifier ordered
            1..1000 | ForEach-Object { "m$_" } | Publish-RedisMessage -Channel '{{channel}}'
            """).ShouldSucceed();
        Assert.Empty(r.Output); // no -Action: nothing to emit, as Register-ObjectEvent
        Assert.Equal(1000, WaitForEvents("ordered", 1000));
        r = Run("""
            $events = @($ExecutionContext.Events.ReceivedEvents).Where({ $_.SourceIdentifier -eq 'ordered' })
            ($events | ForEach-Object { $_.SourceEventArgs.Message }) -join ','
            $first = $events[0]
            $first.SourceEventArgs.Channel
            $null -eq $first.SourceEventArgs.Pattern
            $first.Sender.GetType().FullName
            $first.SourceEventArgs.GetType().FullName
            """).ShouldSucceed();
        Assert.Equal(string.Join(",", Enumerable.Range(1, 1000).Select(i => "m" + i)), r.Output[0].BaseObject);
        Assert.Equal(channel, r.Output[1].BaseObject);
        Assert.Equal(true, r.Output[2].BaseObject);
        Assert.Equal("PSRedis.RedisSubscription", r.Output[3].BaseObject);
        Assert.Equal("PSRedis.RedisMessageEventArgs", r.Output[4].BaseObject);
        Run(Unregister("ordered")).ShouldSucceed();
    }

    [Fact]
    public void PatternSubscriptionCarriesPatternAndMessageData()
    {
        string pattern = _prefix + "news.*";
        Run($$"""
            Register-RedisEvent -Pattern '{{pattern}}' -SourceIdentifier news -MessageData ([pscustomobject]@{ Team = 'ops' })
            Publish-RedisMessage -Channel '{{_prefix}}news.eu' -Message 'hello'
            Publish-RedisMessage -Channel '{{_prefix}}other' -Message 'not for us'
            """).ShouldSucceed();
        Assert.Equal(1, WaitForEvents("news", 1));
        Thread.Sleep(100);
        PowerShellResult r = Run("""
            $e = @($ExecutionContext.Events.ReceivedEvents).Where({ $_.SourceIdentifier -eq 'news' })
            $e.Count
            $e[0].SourceEventArgs.Channel
            $e[0].SourceEventArgs.Pattern
            $e[0].SourceEventArgs.Message
            $e[0].MessageData.Team
            """).ShouldSucceed();
        Assert.Equal(new object[] { 1, _prefix + "news.eu", pattern, "hello", "ops" }, r.Output.Select(o => o.BaseObject));
        Run(Unregister("news")).ShouldSucceed();
    }

    [Fact]
    public void ShardChannelsOnOneServerUseSsubscribeAndSpublish()
    {
        // Redis 7 runs sharded pub/sub on a single server too; channels of different slots share the one connection.
        string a = _prefix + "shard.a", b = _prefix + "shard.b", plain = _prefix + "shard.plain";
        PowerShellResult r = Run($$"""
            Register-RedisEvent -ShardChannel '{{a}}', '{{b}}' -Channel '{{plain}}' -SourceIdentifier shard
            $sub = @($ExecutionContext.Events.GetEventSubscribers('shard'))[0].SourceObject
            @($sub.ShardChannels).Count
            1..3 | ForEach-Object { "a$_" } | Publish-RedisMessage -Channel '{{a}}' -Sharded
            Publish-RedisMessage -Channel '{{b}}' -Message 'b1' -Sharded -PassThru
            Publish-RedisMessage -Channel '{{b}}' -Message 'not sharded' -PassThru
            Publish-RedisMessage -Channel '{{plain}}' -Message 'plain' -PassThru
            """).ShouldSucceed();
        // 2 shard channels; SPUBLISH b reached us; PUBLISH to a shard channel reaches no shard subscriber.
        Assert.Equal(new object[] { 2, 1L, 0L, 1L }, r.Output.Select(o => o.BaseObject));
        Assert.Equal(5, WaitForEvents("shard", 5));
        Thread.Sleep(100);
        r = Run("""
            @($ExecutionContext.Events.ReceivedEvents).Where({ $_.SourceIdentifier -eq 'shard' }) |
                ForEach-Object { $_.SourceEventArgs.Type + ' ' + $_.SourceEventArgs.Channel + ' ' + $_.SourceEventArgs.Message + ' ' + $_.SourceEventArgs.IsSharded }
            """).ShouldSucceed();
        Assert.Equal(new object[]
        {
            $"smessage {a} a1 True", $"smessage {a} a2 True", $"smessage {a} a3 True", $"smessage {b} b1 True", $"message {plain} plain False",
        }, r.Output.Select(o => o.BaseObject));
        Run(Unregister("shard")).ShouldSucceed();
    }

    [Fact]
    public void RegisterRedisEventWithoutAnyChannelFails()
    {
        PowerShellResult r = Run("Register-RedisEvent -SourceIdentifier none");
        Assert.Contains(r.AllErrors, e => e.Exception.Message.Contains("-ShardChannel", StringComparison.Ordinal));
    }

    [Fact]
    public void UnregisterEventClosesTheSubscriptionConnection()
    {
        string channel = _prefix + "bye";
        Run($"Register-RedisEvent -Channel '{channel}' -SourceIdentifier 'bye now'").ShouldSucceed();
        PowerShellResult r = Run("@($ExecutionContext.Events.GetEventSubscribers('bye now'))[0].SourceObject.ClientName").ShouldSucceed();
        string clientName = (string)r.Single()!;
        Assert.Equal("psredis-event:bye_now", clientName);
        Assert.True(ClientConnected(clientName), "the pub/sub connection is named in CLIENT LIST");
        Assert.Equal(1, _client.PubSubNumSub(channel).Single().Value);

        Run(Unregister("bye now")).ShouldSucceed();
        // Unregister-Event waits for the connection to close; the server notices at once, give it a moment anyway.
        DateTime deadline = DateTime.UtcNow.AddSeconds(2);
        while (ClientConnected(clientName) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.False(ClientConnected(clientName), "no connection left behind");
        Assert.Equal(0, _client.PubSubNumSub(channel).Single().Value);
        Assert.Equal(0, (long)_client.Publish(channel, "anyone?"));
        r = Run("@($ExecutionContext.Events.GetEventSubscribers('bye now')).Count").ShouldSucceed();
        Assert.Equal(0, r.Single());
    }

    [Fact]
    public void ClosingTheRunspaceClosesSubscriptionConnections()
    {
        var ps = new PowerShellHost();
        ps.Run("Connect-Redis -Url $Url", new() { ["Url"] = _redis.Url }).ShouldSucceed();
        ps.Run($"Register-RedisEvent -Channel '{_prefix}x' -SourceIdentifier closing").ShouldSucceed();
        Assert.True(ClientConnected("psredis-event:closing"));
        ps.Dispose();
        DateTime deadline = DateTime.UtcNow.AddSeconds(5);
        while (ClientConnected("psredis-event:closing") && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.False(ClientConnected("psredis-event:closing"));
    }

    [Fact]
    public void ActionReturnsTheEventJobAsRegisterObjectEventDoes()
    {
        // No message is published: an action running while no pipeline runs can crash the hosted engine (FIELD-NOTES).
        PowerShellResult r = Run($$"""
            $job = Register-RedisEvent -Channel '{{_prefix}}quiet' -SourceIdentifier withaction -Action { 'never runs here' }
            $job.GetType().FullName
            $job.Name
            @(Get-Job -Name withaction).Count
            """).ShouldSucceed();
        Assert.Equal(new object[] { "System.Management.Automation.PSEventJob", "withaction", 1 }, r.Output.Select(o => o.BaseObject));
        r = Run(Unregister("withaction") + "; (Get-Job -Name withaction).State.ToString(); Remove-Job -Name withaction").ShouldSucceed();
        Assert.Equal("Stopped", r.Single());
        Assert.False(ClientConnected("psredis-event:withaction"));
    }

    [Fact]
    public void RegisterNeedsAChannelAndAFreeSourceIdentifier()
    {
        PowerShellResult r = Run("Register-RedisEvent -SourceIdentifier nothing");
        Assert.Equal("PSRedis.NoChannel,PSRedis.Cmdlets.RegisterRedisEventCommand", r.TerminatingError?.FullyQualifiedErrorId);
        Run($"Register-RedisEvent -Channel '{_prefix}dup' -SourceIdentifier dup").ShouldSucceed();
        r = Run($"Register-RedisEvent -Channel '{_prefix}dup2' -SourceIdentifier dup");
        Assert.Equal("PSRedis.SubscriptionExists,PSRedis.Cmdlets.RegisterRedisEventCommand", r.TerminatingError?.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, r.TerminatingError!.CategoryInfo.Category);
        Run(Unregister("dup")).ShouldSucceed();
    }

    [Fact]
    public void KeyspaceNotificationsArriveThroughAPattern()
    {
        // Our own server: the shared one must keep its notify-keyspace-events setting.
        using RedisServerProcess server = RedisServerProcess.Start(new RedisServerOptions { ExtraArgs = new[] { "--notify-keyspace-events", "KEA" } });
        using var ps = new PowerShellHost();
        ps.Run("""
            $c = Connect-Redis -Url $Url -Name keyspace -PassThru
            Register-RedisEvent -Pattern '__keyspace@0__:job:*' -SourceIdentifier keyspace -Connection $c
            Set-RedisValue -Key job:1 -Value queued -Connection $c
            Remove-RedisKey -Key job:1 -Connection $c -Confirm:$false
            """, new() { ["Url"] = server.Url }).ShouldSucceed();
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        PowerShellResult r;
        do
        {
            r = ps.Run("@($ExecutionContext.Events.ReceivedEvents).Where({ $_.SourceIdentifier -eq 'keyspace' }) | ForEach-Object { $_.SourceEventArgs.Channel + '=' + $_.SourceEventArgs.Message }").ShouldSucceed();
            if (r.Output.Count >= 2) break;
            Thread.Sleep(50);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(new object[] { "__keyspace@0__:job:1=set", "__keyspace@0__:job:1=del" }, r.Output.Select(o => o.BaseObject));
        r = ps.Run("(@($ExecutionContext.Events.ReceivedEvents).Where({ $_.SourceIdentifier -eq 'keyspace' }))[0].SourceEventArgs.Pattern").ShouldSucceed();
        Assert.Equal("__keyspace@0__:job:*", r.Single());
        ps.Run(Unregister("keyspace")).ShouldSucceed();
    }

    [Fact]
    public void ReconnectsAreQueuedUnderTheirOwnSourceIdentifier()
    {
        using var killer = RedisClient.FromUrl(_redis.Url);
        string channel = _prefix + "re";
        Run($"Register-RedisEvent -Channel '{channel}' -SourceIdentifier re").ShouldSucceed();
        // Kill only our pub/sub connection (found by its name): the server is shared.
        string id = killer.ClientList().Single(c => c.TryGetValue("name", out string? n) && n == "psredis-event:re")["id"];
        killer.ExecuteCommand("CLIENT", "KILL", "ID", id);
        Assert.Equal(1, WaitForEvents("re.Reconnected", 1));
        Run($"Publish-RedisMessage -Channel '{channel}' -Message after").ShouldSucceed();
        Assert.Equal(1, WaitForEvents("re", 1));
        Run(Unregister("re")).ShouldSucceed();
    }

    [Fact]
    public void HealthCheckAndRetryLimitReachTheSubscription()
    {
        PowerShellResult r = Run($$"""
            Register-RedisEvent -Channel '{{_prefix}}hc1' -SourceIdentifier hc1
            Register-RedisEvent -Channel '{{_prefix}}hc2' -SourceIdentifier hc2 -HealthCheckInterval 2.5 -MaxRetry 4
            Register-RedisEvent -Channel '{{_prefix}}hc3' -SourceIdentifier hc3 -HealthCheckInterval 0
            foreach ($id in 'hc1', 'hc2', 'hc3') {
                $ps = @($ExecutionContext.Events.GetEventSubscribers($id))[0].SourceObject.PubSub
                '{0} {1}' -f $ps.HealthCheckInterval.TotalSeconds, $(if ($null -eq $ps.MaxReconnectAttempts) { 'unlimited' } else { $ps.MaxReconnectAttempts })
            }
            """).ShouldSucceed();
        Assert.Equal(new object[] { "30 unlimited", "2.5 4", "0 unlimited" }, r.Output.Select(o => o.BaseObject));
        r = Run($"Register-RedisEvent -Channel '{_prefix}hc4' -SourceIdentifier hc4 -HealthCheckInterval -1");
        Assert.Equal("PSRedis.InvalidTimeout,PSRedis.Cmdlets.RegisterRedisEventCommand", r.TerminatingError?.FullyQualifiedErrorId);
        r = Run($"Register-RedisEvent -Channel '{_prefix}hc5' -SourceIdentifier hc5 -MaxRetry -1");
        Assert.Equal("ParameterArgumentValidationError,PSRedis.Cmdlets.RegisterRedisEventCommand", r.TerminatingError?.FullyQualifiedErrorId);
        Run(Unregister("hc1") + "; " + Unregister("hc2") + "; " + Unregister("hc3")).ShouldSucceed();
        Assert.Equal(0, (int)Run("@($ExecutionContext.Events.GetEventSubscribers('hc4')).Count + @($ExecutionContext.Events.GetEventSubscribers('hc5')).Count").ShouldSucceed().Single()!);
    }

    [Fact]
    public void PublishPassThruEmitsReceiverCountsAndRejectsObjects()
    {
        string channel = _prefix + "count";
        PowerShellResult r = Run($$"""
            Publish-RedisMessage -Channel '{{channel}}' -Message 'nobody' -PassThru
            Register-RedisEvent -Channel '{{channel}}' -SourceIdentifier counted
            Publish-RedisMessage '{{channel}}' 42 -PassThru
            [pscustomobject]@{ Channel = '{{channel}}'; Message = [byte[]](1, 2, 255) } | Publish-RedisMessage -PassThru
            Publish-RedisMessage -Channel '{{channel}}' -Message @{ a = 1 }
            """);
        Assert.Equal(new object[] { 0L, 1L, 1L }, r.Output.Select(o => o.BaseObject));
        ErrorRecord error = Assert.Single(r.Errors);
        Assert.Equal("PSRedis.UnsupportedValue,PSRedis.Cmdlets.PublishRedisMessageCommand", error.FullyQualifiedErrorId);
        Assert.Equal(2, WaitForEvents("counted", 2));
        r = Run("""
            $e = @($ExecutionContext.Events.ReceivedEvents).Where({ $_.SourceIdentifier -eq 'counted' })
            $e[0].SourceEventArgs.Message
            ,$e[1].SourceEventArgs.MessageBytes
            """).ShouldSucceed();
        Assert.Equal("42", r.Output[0].BaseObject);
        Assert.Equal(new byte[] { 1, 2, 255 }, r.Output[1].BaseObject);
        Run(Unregister("counted")).ShouldSucceed();
    }

    [Fact]
    public void InvokeRedisScriptPassesKeysAndArgumentsAndSurvivesScriptFlush()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using var ps = new PowerShellHost();
        using var other = RedisClient.FromUrl(server.Url);
        const string script = "redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], ARGV[1], tonumber(ARGV[2]) + 1}";
        var vars = new Dictionary<string, object?> { ["Url"] = server.Url, ["S"] = script };
        PowerShellResult r = ps.Run("""
            Connect-Redis -Url $Url
            $r = Invoke-RedisScript -Script $S -Key k1 -ArgumentList 'v1', 41
            $r.Count; $r[0]; $r[1]; $r[2]
            """, vars).ShouldSucceed();
        Assert.Equal(new object[] { 3, "k1", "v1", 42L }, r.Output.Select(o => o.BaseObject));
        Assert.Equal("v1", other.Get("k1"));

        other.ScriptFlush();
        r = ps.Run("(Invoke-RedisScript $S -Key k2 -ArgumentList 'v2', 1)[2]", vars).ShouldSucceed();
        Assert.Equal(2L, r.Single());
        Assert.Equal("v2", other.Get("k2"));

        // -Sha: a script already loaded runs; after a flush it is a clear NoScript error.
        string sha = other.ScriptLoad("return ARGV[1]");
        r = ps.Run("Invoke-RedisScript -Sha $Sha -ArgumentList hi", new() { ["Sha"] = sha }).ShouldSucceed();
        Assert.Equal("hi", r.Single());
        other.ScriptFlush();
        r = ps.Run("Invoke-RedisScript -Sha $Sha -ArgumentList hi", new() { ["Sha"] = sha });
        Assert.Equal("PSRedis.NoScript,PSRedis.Cmdlets.InvokeRedisScriptCommand", Assert.Single(r.Errors).FullyQualifiedErrorId);

        // A script error is non-terminating, with the key as target; keys bind by property name.
        r = ps.Run("""
            Set-RedisValue -Key n -Value 5
            [pscustomobject]@{ Key = 'n' }, [pscustomobject]@{ Key = 'missing' } | Invoke-RedisScript -Script "return redis.call('INCR', KEYS[1])"
            Invoke-RedisScript -Script "return redis.call('LPUSH', KEYS[1], 'x')" -Key n
            """);
        Assert.Equal(new object[] { 6L, 1L }, r.Output.Select(o => o.BaseObject));
        ErrorRecord error = Assert.Single(r.Errors);
        Assert.Equal("n", error.TargetObject);
    }

    [Fact]
    public void UseRedisLockHoldsTheLockWhileTheBlockRunsAndReleasesIt()
    {
        string name = _prefix + "lock";
        PowerShellResult r = Run($$"""
            Use-RedisLock -Name '{{name}}' -Timeout 30 -ScriptBlock {
                'inside'
                $script:holder = Get-RedisValue -Key '{{name}}'
                Test-RedisKey -Key '{{name}}'
            }
            $null -ne $script:holder
            """).ShouldSucceed();
        Assert.Equal(new object[] { "inside", true, true }, r.Output.Select(o => o.BaseObject));
        Assert.Null(_client.Get(name));

        // Another client sees the key while the block runs.
        r = Run($$"""
            Use-RedisLock '{{name}}' { [Threading.Thread]::Sleep(400); 'done' } -Timeout 30
            """);
        Assert.Equal("done", r.Single());
        Assert.Null(_client.Get(name));
    }

    [Fact]
    public void AnotherClientSeesTheLockDuringTheBlock()
    {
        string name = _prefix + "seen";
        string? seen = null;
        using var polling = new ManualResetEventSlim(false);
        var watcher = new Thread(() =>
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(10);
            while (seen == null && DateTime.UtcNow < deadline)
            {
                seen = _client.Get(name);
                polling.Set();
                Thread.Sleep(10);
            }
        });
        watcher.Start();
        Assert.True(polling.Wait(TimeSpan.FromSeconds(10)));
        PowerShellResult r = Run($"Use-RedisLock '{name}' {{ [Threading.Thread]::Sleep(800) }} -Verbose").ShouldSucceed();
        watcher.Join();
        Assert.True(seen != null, "verbose: " + string.Join(" | ", r.Verbose));
        Assert.Equal(32, seen!.Length); // the owner token
        Assert.Null(_client.Get(name));
    }

    [Fact]
    public void UseRedisLockReleasesOnErrorAndReportsBusyLocks()
    {
        string name = _prefix + "err";
        PowerShellResult r = Run($"Use-RedisLock -Name '{name}' -ScriptBlock {{ 'before'; throw 'boom' }}");
        Assert.NotNull(r.TerminatingError);
        Assert.Contains("boom", r.TerminatingError!.ToString());
        Assert.Null(_client.Get(name));

        _client.Set(name, "someone-else");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        r = Run($"Use-RedisLock -Name '{name}' -BlockingTimeout 0.3 -ScriptBlock {{ 'never' }}");
        Assert.Empty(r.Output);
        Assert.Equal("PSRedis.LockNotAcquired,PSRedis.Cmdlets.UseRedisLockCommand", r.TerminatingError?.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceBusy, r.TerminatingError!.CategoryInfo.Category);
        Assert.InRange(clock.ElapsedMilliseconds, 250, 5000);
        Assert.Equal("someone-else", _client.Get(name));
    }

    [Fact]
    public void ALongBlockKeepsItsLockByRenewalAndTheRenewalStopsWithTheBlock()
    {
        string name = _prefix + "renewed";
        int taken = 0, tries = 0;
        string? token = null;
        using var done = new ManualResetEventSlim(false);
        var rival = new Thread(() =>
        {
            using RedisClient other = RedisClient.FromUrl(_redis.Url);
            while (!done.IsSet)
            {
                string? seen = other.Get(name);
                if (seen != null) token = seen;
                if (seen != null || token != null)
                {
                    tries++;
                    if (other.Set(name, "rival", nx: true)) taken++;
                }
                Thread.Sleep(50);
            }
        }) { IsBackground = true };
        rival.Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        PowerShellResult r = Run($"Use-RedisLock -Name '{name}' -Timeout 1 -ScriptBlock {{ [Threading.Thread]::Sleep(3000); 'work' }} -Verbose");
        clock.Stop();
        done.Set();
        Assert.True(rival.Join(TimeSpan.FromSeconds(5)));
        r.ShouldSucceed();
        Assert.Equal("work", r.Single());
        Assert.True(tries > 20, "the rival tried " + tries + " times");
        Assert.Equal(0, taken);
        Assert.Contains(r.Verbose, v => v.Contains("Renewing lock", StringComparison.Ordinal));
        Assert.Null(_client.Get(name));

        // The renewal ended with the block: a key with the same owner token (as if the release had not happened) is
        // not renewed any more and expires on its own.
        Assert.NotNull(token);
        _client.Set(name, token!, px: TimeSpan.FromMilliseconds(1000));
        Thread.Sleep(1500);
        Assert.Null(_client.Get(name));
    }

    [Fact]
    public void ALockDeletedWhileHeldIsReportedAfterTheOutput()
    {
        string name = _prefix + "deleted";
        PowerShellResult r = Run($"Use-RedisLock -Name '{name}' -Timeout 0.3 -ScriptBlock {{ Remove-RedisKey -Key '{name}' -Force; [Threading.Thread]::Sleep(600); 'work' }}");
        Assert.Equal("work", r.Single());
        Assert.Null(r.TerminatingError);
        ErrorRecord error = Assert.Single(r.Errors);
        Assert.Equal("PSRedis.LockNotOwned,PSRedis.Cmdlets.UseRedisLockCommand", error.FullyQualifiedErrorId);
        Assert.Contains("was lost while the block ran", error.ErrorDetails?.Message ?? "", StringComparison.Ordinal);
        Assert.Equal(name, error.TargetObject);
    }

    [Fact]
    public void StoppingTheBlockStopsTheRenewal()
    {
        string name = _prefix + "stopped";
        _ps.AssertStopsWhileRunning($"Use-RedisLock -Name '{name}' -Timeout 0.6 -ScriptBlock {{ Set-RedisValue -Key '{name}:token' -Value (Get-RedisValue -Key '{name}'); while ($true) {{ [Threading.Thread]::Sleep(50) }} }}",
            TimeSpan.FromMilliseconds(800));
        Assert.Null(_client.Get(name)); // released on stop
        string? token = _client.Get(name + ":token");
        Assert.NotNull(token);
        _client.Set(name, token!, px: TimeSpan.FromMilliseconds(600));
        Thread.Sleep(1100);
        Assert.Null(_client.Get(name));
    }
}
