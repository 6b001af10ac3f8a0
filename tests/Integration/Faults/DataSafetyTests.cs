using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace PSRedis.Tests.Integration.Faults;

/// <summary>
/// Counters INCRed by several threads, with retries on (timeouts included), while the server is frozen past the
/// socket timeout and killed -9 and restarted with AOF appendfsync always. Afterwards, per counter: nothing that was
/// acknowledged is lost (value ≥ acknowledged), nothing is applied twice (value ≤ acknowledged + in doubt), and
/// every acknowledged value is one the counter really reached once.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class DataSafetyTests
{
    private const int Workers = 4;
    private readonly ITestOutputHelper _output;

    public DataSafetyTests(ITestOutputHelper output) => _output = output;

    private sealed class Tally
    {
        public long Acknowledged;
        public long InDoubt;
        public long NotApplied;
        public readonly HashSet<long> Values = new();
        public readonly List<long> Duplicates = new();
    }

    [Theory]
    [InlineData("stalls")]
    [InlineData("kills")]
    [InlineData("stalls and kills")]
    public void NoAcknowledgedIncrIsLostAndNoneIsAppliedTwice(string faults)
    {
        using KillableRedisServer server = KillableRedisServer.Start("--appendonly", "yes", "--appendfsync", "always");
        using RedisClient client = RedisClient.FromUrl(server.Url, o =>
        {
            o.SocketTimeout = TimeSpan.FromMilliseconds(300);
            o.ConnectTimeout = TimeSpan.FromMilliseconds(500);
            o.RetryOnTimeout = true;
            o.Retry = new RetryPolicy(3, TimeSpan.FromMilliseconds(20));
        });
        string prefix = "safety:" + Guid.NewGuid().ToString("N") + ":";
        var tallies = Enumerable.Range(0, Workers).Select(_ => new Tally()).ToArray();
        using var stop = new CancellationTokenSource();

        var threads = Enumerable.Range(0, Workers).Select(w => new Thread(() => Increment(client, prefix + w, tallies[w], stop.Token))).ToList();
        threads.ForEach(t => t.Start());
        var clock = Stopwatch.StartNew();
        int stalls = 0, kills = 0;
        for (int round = 0; round < 3; round++)
        {
            Thread.Sleep(400);
            if (faults.Contains("stalls", StringComparison.Ordinal))
            {
                server.Pause();
                Thread.Sleep(700); // longer than the socket timeout: replies in flight time out
                server.Resume();
                stalls++;
                Thread.Sleep(300);
            }
            if (faults.Contains("kills", StringComparison.Ordinal))
            {
                server.Kill();
                Thread.Sleep(150);
                server.Restart();
                kills++;
            }
        }
        Thread.Sleep(400);
        stop.Cancel();
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(20)), "a worker hung"));

        using RedisClient check = RedisClient.FromUrl(server.Url);
        for (int w = 0; w < Workers; w++)
        {
            Tally t = tallies[w];
            long value = long.Parse(check.Get(prefix + w) ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            _output.WriteLine($"{faults}: counter {w}: value {value}, acknowledged {t.Acknowledged}, in doubt {t.InDoubt}, not applied {t.NotApplied} ({stalls} stalls, {kills} kills, {clock.Elapsed.TotalSeconds:F1} s)");
            Assert.True(t.Acknowledged > 20, "too few increments to prove anything: " + t.Acknowledged);
            Assert.Empty(t.Duplicates); // the same value acknowledged twice: an INCR applied twice, or a reply crossed
            Assert.True(value >= t.Acknowledged, $"acknowledged but lost: value {value} < acknowledged {t.Acknowledged}");
            Assert.True(value <= t.Acknowledged + t.InDoubt, $"applied twice: value {value} > acknowledged {t.Acknowledged} + in doubt {t.InDoubt}");
            Assert.True(t.Values.Max() <= value, "an acknowledged value above the final value");
        }
    }

    private static void Increment(RedisClient client, string key, Tally tally, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                long value = client.Incr(key);
                tally.Acknowledged++;
                if (!tally.Values.Add(value)) tally.Duplicates.Add(value);
            }
            catch (RedisCommandInDoubtException)
            {
                tally.InDoubt++;
            }
            catch (Exception ex) when (ex is RedisConnectionException || ex is RedisTimeoutException)
            {
                // Failed before INCR was sent in full (the retries ran out while the server was down): not applied.
                tally.NotApplied++;
                Thread.Sleep(20);
            }
        }
    }
}
