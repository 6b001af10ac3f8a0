using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// Connect-Redis -Timeout bounds the wait for a free pooled connection too (issue 12 item 5: six waiters failed after a
/// fixed 20.6 s with -Timeout 2), and -PoolTimeout sets that wait on its own.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class PoolTimeoutCmdletTests : IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(1500);
    private readonly RedisFixture _redis;
    private readonly PowerShellHost _ps = new();

    public PoolTimeoutCmdletTests(RedisFixture redis) => _redis = redis;

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void CallersWaitingForAFullPoolGiveUpAfterTimeoutWithAnErrorNamingThePool()
    {
        PowerShellResult r = _ps.Run("""
            $c = Connect-Redis -Url $Url -Name pooltimeout -MaxConnections 2 -Timeout 2 -PassThru
            $held = @($c.Client.ConnectionPool.GetConnection(), $c.Client.ConnectionPool.GetConnection())
            try {
                $sw = [Diagnostics.Stopwatch]::StartNew()
                try { Get-RedisValue -Key pooltimeout:k -Connection $c -ErrorAction Stop; 'not reached' } catch { $caught = $_ }
                $sw.Elapsed.TotalSeconds
                $caught.Exception.Message
                $caught.CategoryInfo.Category.ToString()
            } finally {
                foreach ($h in $held) { $c.Client.ConnectionPool.Release($h) }
            }
            (Test-RedisConnection -Connection $c).Success
            $c
            """, new Dictionary<string, object?> { ["Url"] = _redis.Url }).ShouldSucceed();
        Assert.Equal(5, r.Output.Count);
        double waited = (double)r.Output[0].BaseObject;
        Assert.InRange(waited, 1.9, 2 + Margin.TotalSeconds);
        string message = (string)r.Output[1].BaseObject;
        Assert.Contains("is full (all 2 connections in use)", message);
        Assert.Matches(@"none was released within 2\.\d+ s of waiting", message);
        Assert.Equal(nameof(ErrorCategory.ConnectionError), r.Output[2].BaseObject);
        Assert.Equal(true, r.Output[3].BaseObject); // the pool serves again once connections are released

        // Six callers at once on the connection Connect-Redis made, as in the report: each gives up after about 2 s.
        object value = r.Output[4].Properties["Client"].Value;
        var client = (RedisClient)(value is PSObject wrapped ? wrapped.BaseObject : value);
        IRedisConnection a = client.ConnectionPool.GetConnection();
        IRedisConnection b = client.ConnectionPool.GetConnection();
        try
        {
            var elapsed = new TimeSpan[6];
            var errors = new Exception?[6];
            var threads = new List<Thread>();
            for (int i = 0; i < 6; i++)
            {
                int slot = i;
                threads.Add(new Thread(() =>
                {
                    var clock = Stopwatch.StartNew();
                    errors[slot] = Record.Exception(() => client.Get("pooltimeout:k"));
                    elapsed[slot] = clock.Elapsed;
                }) { IsBackground = true });
            }
            threads.ForEach(t => t.Start());
            threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(30)), "a waiter hangs"));
            for (int i = 0; i < 6; i++)
            {
                Assert.IsType<RedisPoolExhaustedException>(errors[i]);
                Assert.InRange(elapsed[i], TimeSpan.FromMilliseconds(1900), TimeSpan.FromSeconds(2) + Margin);
            }
        }
        finally
        {
            client.ConnectionPool.Release(a);
            client.ConnectionPool.Release(b);
        }
        _ps.Run("Disconnect-Redis -Name pooltimeout").ShouldSucceed();
    }

    [Fact]
    public void PoolTimeoutSetsTheWaitOnItsOwn()
    {
        PowerShellResult r = _ps.Run("""
            $c = Connect-Redis -Url $Url -Name pooltimeout2 -MaxConnections 1 -Timeout 10 -PoolTimeout 0.5 -PassThru
            $c.Client.ConnectionPool.Timeout.TotalSeconds
            $held = $c.Client.ConnectionPool.GetConnection()
            try {
                $sw = [Diagnostics.Stopwatch]::StartNew()
                try { Get-RedisValue -Key pooltimeout:k -Connection $c -ErrorAction Stop } catch { $sw.Elapsed.TotalSeconds }
            } finally {
                $c.Client.ConnectionPool.Release($held)
            }
            Disconnect-Redis -Name pooltimeout2
            """, new Dictionary<string, object?> { ["Url"] = _redis.Url }).ShouldSucceed();
        Assert.Equal(0.5, r.Output[0].BaseObject);
        Assert.InRange((double)r.Output[1].BaseObject, 0.45, 0.5 + Margin.TotalSeconds);
    }

    [Fact]
    public void PoolTimeoutWithoutAConnectionLimitWarnsThatItDoesNothing()
    {
        PowerShellResult r = _ps.Run("Connect-Redis -Url $Url -Name pooltimeout3 -PoolTimeout 3; Disconnect-Redis -Name pooltimeout3",
            new Dictionary<string, object?> { ["Url"] = _redis.Url }).ShouldSucceed();
        string warning = Assert.Single(r.Warnings);
        Assert.Contains("-PoolTimeout has no effect without -MaxConnections", warning);
    }

    [Fact]
    public void NegativePoolTimeoutIsRejected()
    {
        PowerShellResult r = _ps.Run("Connect-Redis -Url $Url -MaxConnections 2 -PoolTimeout -1",
            new Dictionary<string, object?> { ["Url"] = _redis.Url });
        ErrorRecord error = Assert.IsType<ErrorRecord>(r.TerminatingError);
        Assert.StartsWith("PSRedis.InvalidTimeout", error.FullyQualifiedErrorId);
    }
}
