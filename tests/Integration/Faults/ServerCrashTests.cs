using System;
using System.Diagnostics;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Integration.Faults;

/// <summary>The server itself failing rather than the network: killed -9 during a call, or frozen (SIGSTOP).</summary>
[Collection(FaultCollection.Name)]
public sealed class ServerCrashTests
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(1500);

    private static RedisClient ClientFor(KillableRedisServer server, TimeSpan socketTimeout) => new(new ConnectionOptions
    {
        Host = server.Host,
        Port = server.Port,
        SocketTimeout = socketTimeout,
        ConnectTimeout = socketTimeout,
    });

    [Fact]
    public void ServerKilledDuringACallEndsItAtOnceAndTheClientServesAgainAfterARestart()
    {
        using KillableRedisServer server = KillableRedisServer.Start();
        using RedisClient client = ClientFor(server, TimeSpan.FromSeconds(1));
        Exception? error = null;
        var elapsed = TimeSpan.Zero;
        var call = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            error = Record.Exception(() => client.BLPop("faults:crash", TimeSpan.FromSeconds(10)));
            elapsed = clock.Elapsed;
        }) { IsBackground = true };
        call.Start();
        Thread.Sleep(300);
        var killed = Stopwatch.StartNew();
        server.Kill();
        Assert.True(call.Join(TimeSpan.FromSeconds(30)), "the call hangs after the server died");
        // Within the margin of the kill, not at the end of the 10 s block time.
        Assert.True(elapsed < TimeSpan.FromMilliseconds(300) + Margin, $"the call ended {elapsed.TotalMilliseconds:0} ms after it started");
        // BLPOP pops: it may have run before the server died, so it is not repeated but reported in doubt.
        var inDoubt = Assert.IsType<RedisCommandInDoubtException>(error);
        Assert.Equal("BLPOP", inDoubt.Command);
        var connectionError = Assert.IsType<RedisConnectionException>(inDoubt.InnerException);
        Assert.Contains("closed", connectionError.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<RedisConnectionException>(() => client.Ping()); // nothing listens
        server.Restart();
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(15));
        Assert.True(client.Ping());
        PoolAssert.AssertPoolClean(client);
    }

    [Fact]
    public void FrozenServerTimesOutAndIsUsableOnceThawed()
    {
        using KillableRedisServer server = KillableRedisServer.Start();
        using RedisClient client = ClientFor(server, TimeSpan.FromMilliseconds(500));
        Assert.True(client.Ping());
        server.Pause();
        try
        {
            var clock = Stopwatch.StartNew();
            Assert.Throws<RedisTimeoutException>(() => client.Set("faults:frozen", "x"));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromMilliseconds(500) + Margin);
        }
        finally
        {
            server.Resume();
        }
        // The SET reached the server before it froze; it runs once thawed, and its late reply must not reach anyone.
        Thread.Sleep(100);
        Assert.Equal("x", client.Get("faults:frozen"));
        PoolAssert.AssertPoolClean(client);
    }
}
