using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Commands;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// Register-RedisEvent through outages, in a hosted engine, each test on a redis-server of its own that it stops
/// and restarts on the same port. Queue mode only (see EventCmdletTests); -Action is covered under real pwsh by
/// tests/Pester/PSRedis.Events.Tests.ps1.
/// </summary>
[Collection(PubSubResilienceCollection.Name)]
public sealed class EventResilienceTests : IDisposable
{
    private readonly PowerShellHost _ps = new();
    private readonly List<IDisposable> _cleanup = new();

    public void Dispose()
    {
        _ps.Dispose(); // first: closes the subscriptions' connections
        for (int i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i].Dispose();
    }

    private T Keep<T>(T disposable) where T : IDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }

    private PowerShellResult Run(string script) => _ps.Run(script);

    private int Count(string sourceIdentifier) =>
        (int)Run($"@($ExecutionContext.Events.ReceivedEvents).Where({{ $_.SourceIdentifier -eq '{sourceIdentifier}' }}).Count").ShouldSucceed().Single()!;

    private int WaitForEvents(string sourceIdentifier, int count, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        int seen = Count(sourceIdentifier);
        while (seen < count && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
            seen = Count(sourceIdentifier);
        }
        return seen;
    }

    private int Subscribers(string sourceIdentifier) =>
        (int)Run($"@($ExecutionContext.Events.GetEventSubscribers('{sourceIdentifier}')).Count").ShouldSucceed().Single()!;

    [Fact]
    public void ASubscriptionOutlivesALongOutageWithOneDisconnectedAndOneReconnected()
    {
        RedisServerProcess server = Keep(RedisServerProcess.Start());
        int port = server.Port;
        _ps.Run("""
            $c = Connect-Redis -Url $Url -Name long -PassThru
            Register-RedisEvent -Channel news -SourceIdentifier long -Connection $c
            # Pauses of at most 1 s between attempts, so the test need not wait up to 30 s for the server to be noticed back.
            (@($ExecutionContext.Events.GetEventSubscribers('long'))[0].SourceObject).PubSub.MaxReconnectDelay = [TimeSpan]::FromSeconds(1)
            """, new() { ["Url"] = server.Url }).ShouldSucceed();

        server.Dispose();
        var outage = Stopwatch.StartNew();
        Assert.Equal(1, WaitForEvents("long.Disconnected", 1, TimeSpan.FromSeconds(10)));
        // Longer than the old give-up (10 attempts, about 9.4 s): the subscription must still be there and trying.
        Thread.Sleep(TimeSpan.FromSeconds(12) - outage.Elapsed);
        Assert.Equal(1, Count("long.Disconnected"));
        Assert.Equal(0, Count("long.Reconnected"));
        Assert.Equal(0, Count("long.Error"));
        Assert.Equal(1, Subscribers("long"));
        Assert.Equal(true, Run("@($ExecutionContext.Events.GetEventSubscribers('long'))[0].SourceObject.IsRunning").ShouldSucceed().Single());

        RedisServerProcess restarted = Keep(RedisServerProcess.Start(new RedisServerOptions { Port = port }));
        Assert.Equal(1, WaitForEvents("long.Reconnected", 1, TimeSpan.FromSeconds(10)));
        using (var publisher = RedisClient.FromUrl(restarted.Url))
        {
            Assert.Equal(1, publisher.Publish("news", "back"));
        }
        Assert.Equal(1, WaitForEvents("long", 1, TimeSpan.FromSeconds(10)));
        PowerShellResult r = Run("""
            $all = @($ExecutionContext.Events.ReceivedEvents)
            $all.Where({ $_.SourceIdentifier -eq 'long' })[0].SourceEventArgs.Message
            $back = $all.Where({ $_.SourceIdentifier -eq 'long.Reconnected' })[0].SourceEventArgs
            $back.Attempts -gt 1
            $back.Downtime.TotalSeconds -ge 12
            $all.Where({ $_.SourceIdentifier -eq 'long.Disconnected' })[0].SourceEventArgs.Exception.GetType().Name
            """).ShouldSucceed();
        Assert.Equal(new object[] { "back", true, true, "RedisConnectionException" }, r.Output.Select(o => o.BaseObject));
        Assert.Equal(1, Count("long.Disconnected"));
        Assert.Equal(1, Count("long.Reconnected"));
        Assert.Equal(0, Count("long.Error"));
    }

    [Fact]
    public void MaxRetryEndsTheSubscriptionWithOneFinalError()
    {
        RedisServerProcess server = Keep(RedisServerProcess.Start());
        _ps.Run("""
            $c = Connect-Redis -Url $Url -Name limited -PassThru
            Register-RedisEvent -Channel news -SourceIdentifier limited -Connection $c -MaxRetry 2
            """, new() { ["Url"] = server.Url }).ShouldSucceed();
        Assert.Equal(1, Subscribers("limited"));

        server.Dispose(); // gone for good
        Assert.Equal(1, WaitForEvents("limited.Error", 1, TimeSpan.FromSeconds(15)));
        // The subscriber is unregistered, not left listed while receiving nothing.
        DateTime deadline = DateTime.UtcNow.AddSeconds(5);
        while (Subscribers("limited") > 0 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.Equal(0, Subscribers("limited"));
        PowerShellResult r = Run("""
            $e = @($ExecutionContext.Events.ReceivedEvents).Where({ $_.SourceIdentifier -eq 'limited.Error' })[0]
            $e.SourceEventArgs.ReaderStopped
            $e.SourceEventArgs.Exception.Message
            $e.Sender.IsRunning
            """).ShouldSucceed();
        Assert.Equal(true, r.Output[0].BaseObject);
        Assert.Contains("after 2 attempts", (string)r.Output[1].BaseObject, StringComparison.Ordinal);
        Assert.Equal(false, r.Output[2].BaseObject);
        Thread.Sleep(300); // nothing more comes after the final error
        Assert.Equal(1, Count("limited.Error"));
        Assert.Equal(1, Count("limited.Disconnected"));
        Assert.Equal(0, Count("limited.Reconnected"));
    }

    [Fact]
    public void ARefusedSubscriptionFailsRegisterAtOnce()
    {
        // An ACL user with no channel permission: the server answers SUBSCRIBE with NOPERM, and Register-RedisEvent
        // says so instead of waiting for a confirmation that cannot come.
        RedisServerProcess server = Keep(RedisServerProcess.Start(new RedisServerOptions { AclUser = "carol on >pw ~* resetchannels +@all" }));
        var clock = Stopwatch.StartNew();
        PowerShellResult r = _ps.Run("""
            $c = Connect-Redis -Url $Url -Name carol -PassThru
            Register-RedisEvent -Channel secret -SourceIdentifier refused -Connection $c
            """, new() { ["Url"] = $"redis://carol:pw@127.0.0.1:{server.Port}/0" });
        Assert.Equal("PSRedis.NoPermission,PSRedis.Cmdlets.RegisterRedisEventCommand", r.TerminatingError?.FullyQualifiedErrorId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), "took " + clock.Elapsed.TotalSeconds + " s (the confirmation wait is 10 s)");
        Assert.Equal(0, Subscribers("refused"));
    }
}
