using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>Watch-RedisCommand (issue 14): MONITOR as objects in a hosted engine against a real server.</summary>
public sealed class WatchCmdletTests : IClassFixture<OwnServerFixture>, IDisposable
{
    private readonly RedisServerProcess _server;
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly string _prefix = "watch:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public WatchCmdletTests(OwnServerFixture fixture)
    {
        _server = fixture.Server;
        _client = RedisClient.FromUrl(_server.Url);
        _ps.Run("Connect-Redis -Url $Url -Name watch", Vars()).ShouldSucceed();
    }

    public void Dispose()
    {
        _client.Dispose();
        _ps.Dispose();
    }

    private Dictionary<string, object?> Vars() => new() { ["Url"] = _server.Url, ["P"] = _prefix };

    private PowerShellResult Run(string script) => _ps.Run(script, Vars());

    private static dynamic Is(string typeName, object? value)
    {
        Assert.NotNull(value);
        Assert.Equal("PSRedis." + typeName, value!.GetType().FullName);
        return value;
    }

    private int MonitorCount() => _client.ClientList().Count(c => c["flags"].Contains('O'));

    /// <summary>Sends <paramref name="send"/> on another connection once a MONITOR is on, after a further delay.</summary>
    private Thread SendLater(Action<RedisClient> send, int delayMs = 500)
    {
        var thread = new Thread(() =>
        {
            using RedisClient other = RedisClient.FromUrl(_server.Url);
            // Under load the watch may take longer to start than the delay: wait for its MONITOR connection first.
            DateTime deadline = DateTime.UtcNow.AddSeconds(10);
            while (!other.ClientList().Any(c => c["flags"].Contains('O')) && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Thread.Sleep(delayMs);
            send(other);
        }) { IsBackground = true };
        thread.Start();
        return thread;
    }

    [Fact]
    public void CountWritesTheCommandsAnotherConnectionSendsAsObjects()
    {
        string key = _prefix + "k";
        Thread sender = SendLater(c =>
        {
            c.Set(key, "hello world");
            c.Get(key);
            c.ExecuteToObject(new object?[] { "ECHO", "x" });
            c.ExecuteToObject(new object?[] { "SET", key, "2" });
        });
        var clock = Stopwatch.StartNew();
        PowerShellResult r = Run("Watch-RedisCommand -Count 3 -Match 'set *','get*', 'set' -Duration 10").ShouldSucceed();
        clock.Stop();
        Assert.True(sender.Join(TimeSpan.FromSeconds(5)));
        Assert.Equal(3, r.Output.Count);
        dynamic set = Is("RedisMonitorEntry", r.Output[0].BaseObject);
        Assert.Equal("SET", set.Command);
        Assert.Equal(new[] { key, "hello world" }, (string[])set.Arguments);
        Assert.Equal(0, set.Database);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)set.Time).Kind);
        Assert.InRange(((DateTime)set.Time - DateTime.UtcNow).Duration().TotalSeconds, 0, 60);
        Assert.Matches(@"^127\.0\.0\.1:\d+$", (string)set.Client);
        Assert.Equal(_server.Host + ":" + _server.Port, set.Node);
        Assert.Equal("SET " + key + " \"hello world\"", set.ToString());
        dynamic get = Is("RedisMonitorEntry", r.Output[1].BaseObject);
        Assert.Equal("GET", get.Command);
        Assert.Equal(new[] { key }, (string[])get.Arguments);
        Assert.Equal("SET", Is("RedisMonitorEntry", r.Output[2].BaseObject).Command);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), "-Count ends the watch: " + clock.Elapsed);
        // The monitor connection is closed when the cmdlet ends.
        for (int i = 0; i < 20 && MonitorCount() > 0; i++) Thread.Sleep(50);
        Assert.Equal(0, MonitorCount());
    }

    [Fact]
    public void DurationEndsOnTimeAndMatchFiltersOnTheWholeCommand()
    {
        Thread sender = SendLater(c =>
        {
            c.Set(_prefix + "other", "1");
            c.Set(_prefix + "user:1", "x");
            c.ExecuteToObject(new object?[] { "EVAL", "return redis.call('GET', KEYS[1])", "1", _prefix + "user:1" });
        }, 300);
        var clock = Stopwatch.StartNew();
        PowerShellResult r = Run("Watch-RedisCommand -Duration 1.5 -Match '* *user:*'").ShouldSucceed();
        clock.Stop();
        Assert.True(sender.Join(TimeSpan.FromSeconds(5)));
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.4, 4);
        var commands = r.Output.Select(o => (string)((dynamic)o.BaseObject).ToString()).ToList();
        Assert.Contains("SET " + _prefix + "user:1 x", commands);
        Assert.DoesNotContain(commands, c => c.Contains("other", StringComparison.Ordinal));
        // The script's own GET reports "lua" as its client.
        Assert.Contains(r.Output, o => (string)((dynamic)o.BaseObject).Client == "lua" && (string)((dynamic)o.BaseObject).Command == "GET");
    }

    [Fact]
    public void StopFromAnotherThreadEndsTheWatchAtOnceAndClosesTheMonitorConnection()
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript("Watch-RedisCommand");
        IAsyncResult running = ps.BeginInvoke();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (MonitorCount() == 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.Equal(1, MonitorCount());
        Assert.False(running.IsCompleted);
        var clock = Stopwatch.StartNew();
        IAsyncResult stopping = ps.BeginStop(null, null);
        Assert.True(stopping.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(2)), "Watch-RedisCommand did not stop within 2 s");
        ps.EndStop(stopping);
        clock.Stop();
        Thread.Sleep(50);
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), clock.Elapsed.ToString());
        for (int i = 0; i < 20 && MonitorCount() > 0; i++) Thread.Sleep(25);
        Assert.Equal(0, MonitorCount());
        // The session's connection still works.
        Assert.Equal(true, Run("Set-RedisValue -Key ($P + 'after') -Value 1 -PassThru").ShouldSucceed().Single());
    }

    [Fact]
    public void PasswordsNeverShow()
    {
        // ACL SETUSER and CONFIG SET are admin commands, which MONITOR never shows; AUTH and HELLO ... AUTH it does.
        string user = "watchuser" + _prefix.Substring(6, 8);
        _client.ExecuteToObject(new object?[] { "ACL", "SETUSER", user, "on", ">s3cret-acl", "~*", "+@all" });
        try
        {
            Thread sender = SendLater(c =>
            {
                c.ExecuteToObject(new object?[] { "AUTH", user, "s3cret-acl" });
                c.ExecuteToObject(new object?[] { "HELLO", "2", "AUTH", user, "s3cret-acl" });
            });
            PowerShellResult r = Run("Watch-RedisCommand -Match auth, hello -Count 2 -Duration 10 | ForEach-Object { $_.ToString(); $_.Arguments }").ShouldSucceed();
            Assert.True(sender.Join(TimeSpan.FromSeconds(5)));
            string all = string.Join("\n", r.Output.Select(o => o.ToString()));
            Assert.DoesNotContain("s3cret", all, StringComparison.Ordinal);
            Assert.Contains("AUTH (redacted) (redacted)", all, StringComparison.Ordinal);
            Assert.Matches(@"HELLO 2 AUTH \S+ \(redacted\)", all); // the server redacts the user name too
        }
        finally
        {
            _client.ExecuteToObject(new object?[] { "ACL", "DELUSER", user });
        }
    }

    [Theory]
    [InlineData("AUTH", "pw", "(redacted)")]
    [InlineData("AUTH", "user pw", "(redacted) (redacted)")]
    [InlineData("HELLO", "3 AUTH user pw SETNAME app", "3 AUTH user (redacted) SETNAME app")]
    [InlineData("MIGRATE", "h 1 k 0 5 AUTH pw", "h 1 k 0 5 AUTH (redacted)")]
    [InlineData("MIGRATE", "h 1 k 0 5 AUTH2 user pw KEYS a", "h 1 k 0 5 AUTH2 user (redacted) KEYS a")]
    [InlineData("CONFIG", "SET masterauth pw maxmemory 10 requirepass pw2", "SET masterauth (redacted) maxmemory 10 requirepass (redacted)")]
    [InlineData("ACL", "SETUSER u on >pw #abc ~*", "SETUSER u on >(redacted) #(redacted) ~*")]
    [InlineData("SET", "k pw", "k pw")]
    public void SecretsAreMaskedWhateverTheServerShows(string command, string arguments, string masked)
    {
        // MONITOR never shows CONFIG or ACL (admin commands) and redacts AUTH itself: the masking is checked directly.
        PowerShellResult r = Run("""
            $mask = [PSRedis.RedisMonitorEntry].GetMethod('Mask', [Reflection.BindingFlags]'NonPublic,Static')
            $mask.Invoke($null, @($C, [Collections.Generic.List[string]]::new([string[]]($A -split ' ')))) -join ' '
            """.Replace("$C", "'" + command + "'").Replace("$A", "'" + arguments + "'")).ShouldSucceed();
        Assert.Equal(masked, r.Single());
    }

    [Fact]
    public void RefusesABatchAndANodeThatIsNotThisServer()
    {
        PowerShellResult r = Run("Invoke-RedisPipeline { Watch-RedisCommand -Count 1 }");
        Assert.Contains(r.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.NotBatchable", StringComparison.Ordinal));
        r = Run("Watch-RedisCommand -Node 10.9.9.9:1 -Duration 1");
        Assert.Contains(r.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.NodeNotFound", StringComparison.Ordinal));
        Assert.Empty(r.Output);
    }
}

/// <summary>Register-RedisEvent -KeyEvent (issue 14) on a server of its own: the tests turn notify-keyspace-events off and on.</summary>
public sealed class KeyEventCmdletTests : IClassFixture<OwnServerFixture>, IDisposable
{
    private readonly RedisServerProcess _server;
    private readonly PowerShellHost _ps = new();
    private readonly RedisClient _client;
    private readonly string _prefix = "kev:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public KeyEventCmdletTests(OwnServerFixture fixture)
    {
        _server = fixture.Server;
        _client = RedisClient.FromUrl(_server.Url);
        _client.ConfigSet("notify-keyspace-events", "");
        _ps.Run("Connect-Redis -Url $Url -Name kev", new Dictionary<string, object?> { ["Url"] = _server.Url }).ShouldSucceed();
    }

    public void Dispose()
    {
        _ps.Run("@($ExecutionContext.Events.Subscribers) | ForEach-Object { $ExecutionContext.Events.UnsubscribeEvent($_) }");
        _client.ConfigSet("notify-keyspace-events", "");
        _client.Dispose();
        _ps.Dispose();
    }

    private List<PSObject> WaitForEvents(string id, int count)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            PowerShellResult r = _ps.Run($"@($ExecutionContext.Events.ReceivedEvents) | Where-Object {{ $_.SourceIdentifier -eq '{id}' }}");
            if (r.Output.Count >= count || DateTime.UtcNow > deadline) return r.Output.ToList();
            Thread.Sleep(50);
        }
    }

    [Fact]
    public void KeyEventWithEnableNotificationsDeliversTypedEventsFilteredByMatch()
    {
        PowerShellResult r = _ps.Run($"Register-RedisEvent -KeyEvent set, del -Match '{_prefix}keep:*' -EnableNotifications -SourceIdentifier kev1").ShouldSucceed();
        Assert.Contains(r.Warnings, w => w.Contains("Enabled keyspace notifications", StringComparison.Ordinal));
        string flags = _client.ConfigGet("notify-keyspace-events")["notify-keyspace-events"]!;
        Assert.Contains('E', flags);
        Assert.Contains('$', flags);
        Assert.Contains('g', flags);

        _client.Set(_prefix + "skip:1", "x");
        _client.Set(_prefix + "keep:1", "x");
        _client.Delete(_prefix + "skip:1");
        _client.Delete(_prefix + "keep:1");
        List<PSObject> events = WaitForEvents("kev1", 2);
        Thread.Sleep(200);
        events = WaitForEvents("kev1", 2);
        Assert.Equal(2, events.Count);
        dynamic set = ((dynamic)events[0].BaseObject).SourceEventArgs;
        Assert.Equal(_prefix + "keep:1", set.Key);
        Assert.Equal("set", set.Event);
        Assert.Equal(0, (int)set.Database);
        Assert.Equal("__keyevent@0__:set", set.Channel);
        dynamic del = ((dynamic)events[1].BaseObject).SourceEventArgs;
        Assert.Equal(_prefix + "keep:1", del.Key);
        Assert.Equal("del", del.Event);

        // A second registration finds the flags set: no warning.
        r = _ps.Run("Register-RedisEvent -KeyEvent set -SourceIdentifier kev2").ShouldSucceed();
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void KeyEventWithoutEnableNotificationsWarnsHowToEnableThem()
    {
        PowerShellResult r = _ps.Run("Register-RedisEvent -KeyEvent expired -SourceIdentifier kev3").ShouldSucceed();
        string warning = Assert.Single(r.Warnings);
        Assert.Contains("-EnableNotifications", warning, StringComparison.Ordinal);
        Assert.Contains("Set-RedisConfig -Name notify-keyspace-events -Value 'Ex'", warning, StringComparison.Ordinal);
        Assert.Equal("", _client.ConfigGet("notify-keyspace-events")["notify-keyspace-events"]);

        r = _ps.Run("Register-RedisEvent -Channel c -Match 'x*' -SourceIdentifier kev4");
        Assert.Contains(r.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PSRedis.ConflictingOptions", StringComparison.Ordinal));
    }
}
