using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// Access tokens that expire (Azure Entra ID), played with an ACL user whose password the test rotates as Azure
/// rotates tokens: the new password is added, the provider starts handing it out, then the old one is removed. The
/// provider says its credentials live 2 s, so it is asked again every 1.5 s and every live connection (pooled ones
/// at checkout, the subscriber in place) sends AUTH with the new one. Nothing may fail and no message may be lost.
/// </summary>
public sealed class TokenRotationTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public TokenRotationTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    private const string User = "rotating-user";

    /// <summary>What the token source hands out now; the script block and the C# provider read it.</summary>
    public sealed class TokenBox
    {
        private string _current = "pw-0";
        public string Current { get => Volatile.Read(ref _current); set => Volatile.Write(ref _current, value); }
    }

    private static void Acl(RedisClient admin, params object?[] args) =>
        admin.ExecuteToObject(new object?[] { "ACL" }.Concat(args).ToArray());

    private static long Calls(RedisClient admin, string command)
    {
        RedisInfo stats = admin.Info("commandstats");
        return stats.TryGetValue("cmdstat_" + command, out object? entry) ? Convert.ToInt64(((Dictionary<string, object>)entry)["calls"]) : 0;
    }

    /// <summary>Rotates the password <paramref name="rounds"/> times, ~3 s apart, with an overlap of 1 s as Azure keeps old tokens valid.</summary>
    private static void Rotate(RedisClient admin, TokenBox box, int rounds, Action? sample = null)
    {
        for (int i = 1; i <= rounds; i++)
        {
            Thread.Sleep(2000);
            string old = box.Current, fresh = "pw-" + i;
            Acl(admin, "SETUSER", User, ">" + fresh);
            box.Current = fresh;
            Thread.Sleep(1000);
            // From here a connection still on the old password could not connect again; live ones stay authenticated,
            // so re-authentication is proven by the AUTH counts and the subscriber's last command, not by failures.
            Acl(admin, "SETUSER", User, "<" + old);
            sample?.Invoke();
        }
        Thread.Sleep(1500);
        sample?.Invoke();
    }

    private static string? Field(IDictionary<string, string> client, string name) =>
        client.TryGetValue(name, out string? value) ? value : null;

    private static IDictionary<string, string> Subscriber(RedisClient admin, string name) =>
        admin.ClientList().Single(c => c.TryGetValue("name", out string? n) && n == name);

    [Fact]
    public async Task ConnectRedisWithATokenScriptBlockRidesOutRotationsInCmdletsPooledConnectionsAndEvents()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using RedisClient admin = RedisClient.FromUrl(server.Url);
        Acl(admin, "SETUSER", User, "on", ">pw-0", "~*", "&*", "+@all");
        var box = new TokenBox();
        using var ps = new PowerShellHost();
        var vars = new Dictionary<string, object?> { ["H"] = server.Host, ["P"] = server.Port, ["Box"] = box, ["User"] = User };
        PowerShellResult connected = ps.Run("""
            $c = Connect-Redis -HostName $H -Port $P -Credential ([pscredential]::new($User, [securestring]::new())) -AccessToken { $Box.Current } -TokenLifetime 2 -PassThru
            Register-RedisEvent -Channel rot-events -SourceIdentifier rot
            $c.Client
            """, vars).ShouldSucceed();
        var pool = (RedisClient)connected.Single()!;
        IDictionary<string, string> subscriberBefore = admin.ClientList().Single(c => Field(c, "sub") == "1");
        Assert.Equal("3", subscriberBefore["resp"]); // RESP3 so that AUTH is accepted while subscribed
        long authBefore = Calls(admin, "auth");

        // Three threads share the connection's pool with the cmdlets (as the SCAN prefetcher or -Parallel would), so
        // several pooled connections live through every rotation.
        using var stop = new CancellationTokenSource();
        var clientFailures = new ConcurrentQueue<string>();
        long clientCommands = 0;
        Task[] workers = Enumerable.Range(0, 3).Select(w => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    pool.Set("rot:worker:" + w, "v");
                    pool.Get("rot:worker:" + w);
                    Interlocked.Add(ref clientCommands, 2);
                }
                catch (Exception e)
                {
                    clientFailures.Enqueue(e.Message);
                }
                Thread.Sleep(5);
            }
        })).ToArray();

        Task<PowerShellResult> cmdlets = Task.Run(() => ps.Run("""
            $deadline = [DateTime]::UtcNow.AddSeconds(11.5)
            $n = 0; $published = 0; $failures = [System.Collections.Generic.List[string]]::new()
            while ([DateTime]::UtcNow -lt $deadline) {
                $n++
                try {
                    Set-RedisValue -Key "rot:$($n % 20)" -Value $n -ErrorAction Stop
                    $null = Get-RedisValue -Key "rot:$($n % 20)" -ErrorAction Stop
                    $null = @(Get-RedisKey -Match 'rot:*' -ErrorAction Stop)
                    Publish-RedisMessage -Channel rot-events -Message "m$n" -ErrorAction Stop
                    $published++
                } catch { $failures.Add($_.ToString()) }
                [System.Threading.Thread]::Sleep(10)
            }
            [pscustomobject]@{ Iterations = $n; Published = $published; Failures = $failures.ToArray() }
            """));

        var subscriberSamples = new List<IDictionary<string, string>>();
        Rotate(admin, box, rounds: 3, () => subscriberSamples.Add(Subscriber(admin, subscriberBefore["name"])));
        PowerShellResult result = (await cmdlets).ShouldSucceed();
        stop.Cancel();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(10));

        PSObject summary = Assert.Single(result.Output);
        var failures = (string[])summary.Properties["Failures"].Value;
        int published = (int)summary.Properties["Published"].Value;
        long auths = Calls(admin, "auth") - authBefore;
        int pooled = admin.ClientList().Count(c => Field(c, "user") == User) - 1;
        _output.WriteLine($"cmdlet iterations {summary.Properties["Iterations"].Value} (4 cmdlets each), published {published}, worker commands {clientCommands}, " +
            $"cmdlet failures {failures.Length}, worker failures {clientFailures.Count}, pooled connections {pooled}, AUTH calls {auths}");
        Assert.True(failures.Length == 0, "Cmdlets failed during the rotation: " + string.Join(" | ", failures.Distinct()));
        Assert.True(clientFailures.IsEmpty, "Pooled commands failed during the rotation: " + string.Join(" | ", clientFailures.Distinct()));
        Assert.True(published > 100, "Too few commands went through the rotation: " + published);
        Assert.True(Interlocked.Read(ref clientCommands) > 300, "The worker threads issued too few commands: " + clientCommands);

        // Every live connection re-authenticated: the pool has several (3 workers + the cmdlets + the SCAN prefetcher),
        // each sends AUTH at checkout after each of the ~7 refreshes, and the subscriber sends its own.
        Assert.True(pooled >= 3, "Expected several pooled connections, saw " + pooled);
        Assert.True(auths >= 3 * pooled, "AUTH was sent only " + auths + " times for " + pooled + " pooled connections over ~7 refreshes.");

        // The subscriber re-authenticated in place: the same client id throughout, and AUTH was its last command.
        Assert.All(subscriberSamples, s => Assert.Equal(subscriberBefore["id"], s["id"]));
        Assert.Contains(subscriberSamples, s => s["cmd"] == "auth");

        // Every message published arrived, and the subscription never reported a disconnect or an error.
        int received = 0;
        string[] others = Array.Empty<string>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            PSObject counts = Assert.Single(ps.Run("""
                $all = @($ExecutionContext.Events.ReceivedEvents)
                [pscustomobject]@{
                    Received = @($all.Where({ $_.SourceIdentifier -eq 'rot' -and $_.SourceEventArgs.Message -like 'm*' })).Count
                    Others = [string[]]@($all.Where({ $_.SourceIdentifier -like 'rot.*' }).ForEach({ $_.SourceIdentifier }))
                }
                """).ShouldSucceed().Output);
            received = (int)counts.Properties["Received"].Value;
            others = (string[])counts.Properties["Others"].Value;
            if (received >= published) break;
            Thread.Sleep(100);
        }
        Assert.Equal(published, received);
        Assert.Empty(others);
    }

    [Fact]
    public async Task ACSharpDelegateProviderRenewsPooledAndSubscribedConnectionsWithoutLosingAMessage()
    {
        using RedisServerProcess server = RedisServerProcess.Start();
        using RedisClient admin = RedisClient.FromUrl(server.Url);
        Acl(admin, "SETUSER", User, "on", ">pw-0", "~*", "&*", "+@all");
        var box = new TokenBox();
        int asked = 0;
        ConnectionOptions options = ConnectionOptions.FromUrl(server.Url);
        options.CredentialProvider = new DelegateCredentialProvider(() =>
        {
            Interlocked.Increment(ref asked);
            return RedisCredentials.ForToken(User, box.Current, TimeSpan.FromSeconds(2));
        });
        using var client = new RedisClient(options);
        using RedisPubSub pubsub = client.PubSub("rot-subscriber");
        var received = new ConcurrentQueue<string>();
        var problems = new ConcurrentQueue<string>();
        pubsub.MessageReceived += (_, e) => { if (e.Message.Type == "message") received.Enqueue(e.Message.Data ?? string.Empty); };
        pubsub.Disconnected += (_, e) => problems.Enqueue("Disconnected");
        pubsub.Reconnected += (_, e) => problems.Enqueue("Reconnected");
        pubsub.Error += (_, e) => problems.Enqueue("Error: " + e.Exception.Message);
        pubsub.Subscribe("rot-c");
        pubsub.Start();
        long authBefore = Calls(admin, "auth");

        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        int published = 0;
        Task[] workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    client.Set("rot:" + w, "v");
                    if (w == 0)
                    {
                        int n = Interlocked.Increment(ref published);
                        client.Publish("rot-c", "m" + n);
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue(e.Message);
                }
                Thread.Sleep(5);
            }
        })).ToArray();
        IDictionary<string, string> before = Subscriber(admin, "rot-subscriber");
        var samples = new List<IDictionary<string, string>>();
        Rotate(admin, box, rounds: 2, () => samples.Add(Subscriber(admin, "rot-subscriber")));
        stop.Cancel();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(10));

        _output.WriteLine($"published {published}, failures {failures.Count}, AUTH calls {Calls(admin, "auth") - authBefore}, provider asked {asked}, subscriber last commands {string.Join(",", samples.Select(x => x["cmd"]))}");
        Assert.True(failures.IsEmpty, string.Join(" | ", failures.Distinct()));
        SpinWait.SpinUntil(() => received.Count >= published, TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, published).Select(n => "m" + n), received);
        Assert.Empty(problems);
        Assert.All(samples, s => Assert.Equal(before["id"], s["id"]));
        Assert.Contains(samples, s => s["cmd"] == "auth");
        Assert.True(Calls(admin, "auth") - authBefore >= 4, "AUTH calls did not grow with the refreshes.");
        Assert.True(asked >= 4, "The provider was asked only " + asked + " times in ~8 s of 2 s credentials.");
    }
}
