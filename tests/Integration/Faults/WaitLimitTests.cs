using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Integration.Faults;

/// <summary>
/// Issue 12 item 5, "waits honour their limits": a reply that trickles in ends at its overall deadline (twice the
/// socket timeout; blocking commands add their own block time), and a caller waiting for a pooled connection gives up
/// after the socket timeout (or the pool timeout when one is set) with an error that says what was full.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class WaitLimitTests
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(1500);
    private readonly FaultServerFixture _fixture;

    public WaitLimitTests(FaultServerFixture fixture) => _fixture = fixture;

    private static RedisClient Direct(FaultProxy proxy, TimeSpan socketTimeout) => new(new ConnectionOptions
    {
        Host = proxy.Host,
        Port = proxy.Port,
        SocketTimeout = socketTimeout,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    });

    [Fact]
    public void ServerDrippingABytePer700MsEndsAtTheOverallDeadlineOfTwiceTheSocketTimeout()
    {
        // The reported case: a 1 s socket timeout held a call for 12+ s, since every read got a byte in time.
        using FaultProxy proxy = _fixture.NewProxy();
        using RedisClient client = Direct(proxy, TimeSpan.FromSeconds(1));
        client.Set("faults:drip", new string('d', 20));
        proxy.DripInterval = TimeSpan.FromMilliseconds(700);
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<RedisTimeoutException>(() => client.Get("faults:drip"));
        clock.Stop();
        // Not before the deadline (the socket timeout alone never fires here), and not long after it.
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(1900), TimeSpan.FromSeconds(2) + Margin);
        Assert.Contains("overall deadline of 2 s", error.Message);
        Assert.Contains("twice the socket timeout of 1 s", error.Message);
        proxy.PassThrough();
        PoolAssert.AssertPoolClean(client);
    }

    [Fact]
    public void BlockingCommandGetsItsOwnBlockTimeOnTopOfTheDeadline()
    {
        // BLPOP 3 s with a 0.4 s socket timeout: a value pushed after 1.5 s (far past twice the socket timeout) arrives.
        using FaultProxy proxy = _fixture.NewProxy();
        using RedisClient client = Direct(proxy, TimeSpan.FromMilliseconds(400));
        using RedisClient pusher = Direct(proxy, TimeSpan.FromSeconds(5));
        string key = "faults:blpop:" + Guid.NewGuid().ToString("N");
        var push = new Thread(() =>
        {
            Thread.Sleep(1500);
            pusher.RPush(key, "late");
        }) { IsBackground = true };
        push.Start();
        var clock = Stopwatch.StartNew();
        ListPopResult? popped = client.BLPop(key, TimeSpan.FromSeconds(3));
        clock.Stop();
        Assert.True(push.Join(TimeSpan.FromSeconds(10)));
        Assert.NotNull(popped);
        Assert.Equal("late", popped!.Value);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(1400), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void BlockingCommandThatTimesOutOnTheServerReturnsNothing()
    {
        using FaultProxy proxy = _fixture.NewProxy();
        using RedisClient client = Direct(proxy, TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        Assert.Null(client.BLPop("faults:empty:" + Guid.NewGuid().ToString("N"), TimeSpan.FromSeconds(1)));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(950), TimeSpan.FromSeconds(1) + Margin);
    }

    [Fact]
    public void TricklingReplyToABlockingCommandEndsAtBlockTimePlusTwiceTheSocketTimeout()
    {
        using FaultProxy proxy = _fixture.NewProxy();
        using RedisClient client = Direct(proxy, TimeSpan.FromMilliseconds(400));
        string key = "faults:blpop-drip:" + Guid.NewGuid().ToString("N");
        client.RPush(key, new string('x', 40));
        proxy.DripInterval = TimeSpan.FromMilliseconds(100); // some 70 bytes: 7 s to arrive
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<RedisTimeoutException>(() => client.BLPop(key, TimeSpan.FromSeconds(1)));
        clock.Stop();
        // 1 s of block time + 2 x 0.4 s.
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(1700), TimeSpan.FromMilliseconds(1800) + Margin);
        Assert.Contains("overall deadline of 1.8 s", error.Message);
        proxy.PassThrough();
        PoolAssert.AssertPoolClean(client);
    }

    [Fact]
    public void WaitForAFullPoolEndsAfterTheSocketTimeoutNamingSizeAndWait()
    {
        var options = new ConnectionOptions
        {
            Host = _fixture.Server.Host,
            Port = _fixture.Server.Port,
            SocketTimeout = TimeSpan.FromSeconds(1),
            MaxConnections = 2,
        };
        Assert.Null(options.PoolTimeout);
        using var client = new RedisClient(new BlockingConnectionPool(options), ownsPool: true);
        Assert.Equal(TimeSpan.FromSeconds(1), ((BlockingConnectionPool)client.ConnectionPool).Timeout);
        IRedisConnection first = client.ConnectionPool.GetConnection();
        IRedisConnection second = client.ConnectionPool.GetConnection();
        try
        {
            // Six waiters, as in the report (they failed after a fixed 20.6 s with a 2 s timeout).
            var errors = new Exception?[6];
            var elapsed = new TimeSpan[6];
            var threads = new List<Thread>();
            for (int i = 0; i < errors.Length; i++)
            {
                int slot = i;
                var thread = new Thread(() =>
                {
                    var clock = Stopwatch.StartNew();
                    errors[slot] = Record.Exception(() => client.Ping());
                    elapsed[slot] = clock.Elapsed;
                }) { IsBackground = true };
                threads.Add(thread);
                thread.Start();
            }
            foreach (Thread thread in threads) Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "a waiter hangs");
            for (int i = 0; i < errors.Length; i++)
            {
                var error = Assert.IsType<RedisPoolExhaustedException>(errors[i]);
                Assert.InRange(elapsed[i], TimeSpan.FromMilliseconds(950), TimeSpan.FromSeconds(1) + Margin);
                Assert.Contains("pool for " + options.Endpoint + " is full (all 2 connections in use)", error.Message);
                Assert.Matches(@"none was released within 1\.\d+ s of waiting", error.Message);
            }
        }
        finally
        {
            client.ConnectionPool.Release(first);
            client.ConnectionPool.Release(second);
        }
        Assert.True(client.Ping()); // released connections serve again
    }

    [Fact]
    public void PoolTimeoutWhenSetWinsOverTheSocketTimeout()
    {
        using BlockingConnectionPool pool = BlockingConnectionPool.FromUrl(
            $"redis://{_fixture.Server.Host}:{_fixture.Server.Port}/0?max_connections=1&socket_timeout=10&timeout=0.3");
        Assert.Equal(TimeSpan.FromMilliseconds(300), pool.Timeout);
        IRedisConnection held = pool.GetConnection();
        try
        {
            var clock = Stopwatch.StartNew();
            var error = Assert.Throws<RedisPoolExhaustedException>(() => pool.GetConnection());
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(280), TimeSpan.FromMilliseconds(300) + Margin);
            Assert.Contains("all 1 connection in use", error.Message);
        }
        finally
        {
            pool.Release(held);
        }
    }

    [Fact]
    public void UrlTimeoutNoneWaitsForeverAsInRedisPy()
    {
        using BlockingConnectionPool pool = BlockingConnectionPool.FromUrl(
            $"redis://{_fixture.Server.Host}:{_fixture.Server.Port}/0?max_connections=1&socket_timeout=0.2&timeout=None");
        Assert.Null(pool.Timeout);
        IRedisConnection held = pool.GetConnection();
        var waiter = new Thread(() => pool.Release(pool.GetConnection())) { IsBackground = true };
        waiter.Start();
        // Well past the socket timeout, the waiter is still waiting, and gets the connection once it is released.
        Assert.False(waiter.Join(TimeSpan.FromMilliseconds(600)), "a pool timeout of None must not give up");
        pool.Release(held);
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));
    }
}
