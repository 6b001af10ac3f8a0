using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Integration.Faults;

/// <summary>
/// Every fault of <see cref="FaultProxy"/> against each way of calling the client: single commands, a pipeline, and
/// concurrent callers sharing a blocking pool. Each row asserts that the call ends with the exception a user catches
/// for that fault (or succeeds, for faults the client should ride out), within its time limit plus a margin, and that
/// afterwards no pooled connection is out of step with its replies. One row per scenario: the row count is the
/// scenario count.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class FaultScenarioTests
{
    /// <summary>Short, so the suite stays quick; long enough that loopback round trips never come near it.</summary>
    private static readonly TimeSpan SocketTimeout = TimeSpan.FromMilliseconds(500);
    /// <summary>For a loaded two-CPU machine: thread wake-ups and GC pauses come on top of the client's own limit.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(1500);
    private const int PoolSize = 4;
    private const string Key = "faults:value";
    private static readonly string Value = new('v', 64);

    private readonly FaultServerFixture _fixture;

    public FaultScenarioTests(FaultServerFixture fixture) => _fixture = fixture;

    public enum Target
    {
        /// <summary>One command at a time on RedisClient (its default ConnectionPool).</summary>
        Client,
        /// <summary>A 20-command RedisPipeline executed at once.</summary>
        Pipeline,
        /// <summary>Four threads at once on a BlockingConnectionPool of four.</summary>
        Pooled,
    }

    public enum Fault
    {
        /// <summary>Replies slower than usual but within the socket timeout: must succeed.</summary>
        SlowButInTime,
        /// <summary>The server's replies are held.</summary>
        StallReply,
        /// <summary>Requests never reach the server.</summary>
        StallRequest,
        /// <summary>Each reply chunk comes later than the socket timeout.</summary>
        ReplyLaterThanTimeout,
        /// <summary>Replies trickle one byte per 100 ms: every read gets data, the reply never completes in time.</summary>
        Drip,
        /// <summary>The connection closes (FIN) ten bytes into a reply.</summary>
        CloseMidReply,
        /// <summary>The connection is reset (RST) ten bytes into a reply.</summary>
        ResetMidReply,
        /// <summary>The connection is reset as the reply starts.</summary>
        ResetBeforeReply,
        /// <summary>Bytes that are no RESP arrive ahead of a reply.</summary>
        Garbage,
        /// <summary>Every connection is closed while a reply is awaited.</summary>
        KillInFlight,
        /// <summary>Every connection is reset while a reply is awaited.</summary>
        ResetInFlight,
        /// <summary>Pooled connections are closed while idle; new connections are refused.</summary>
        Refuse,
    }

    /// <summary>Each fault and target, with retrying off (the connection's own handling) and with the default policy.</summary>
    public static IEnumerable<object[]> Scenarios() =>
        from Target target in Enum.GetValues(typeof(Target))
        from Fault fault in Enum.GetValues(typeof(Fault))
        from bool retries in new[] { false, true }
        select new object[] { target, fault, retries };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void FaultEndsTheCallInTimeWithTheRightErrorAndLeavesThePoolClean(Target target, Fault fault, bool retries)
    {
        using FaultProxy proxy = _fixture.NewProxy();
        using RedisClient client = NewClient(proxy, target, retries);
        client.Set(Key, Value);
        Warm(client, target);

        (Type? expected, TimeSpan limit) = retries ? ExpectationWithRetries(fault) : Expectation(fault);
        Action inject = Arm(proxy, client, fault);
        IReadOnlyList<Outcome> outcomes = Run(client, target, inject);

        foreach (Outcome outcome in outcomes)
        {
            Assert.True(outcome.Elapsed <= limit + Margin,
                $"{target}/{fault}: the call took {outcome.Elapsed.TotalMilliseconds:0} ms, limit {limit.TotalMilliseconds:0} ms + margin; ended with {Describe(outcome.Error)}");
            if (outcome.Error == null)
            {
                // One-shot faults hit one pooled caller; the others must get the right answer.
                Assert.True(expected == null || target == Target.Pooled, $"{target}/{fault}: expected {expected?.Name}, but the call succeeded");
                Assert.True(outcome.Correct, $"{target}/{fault}: the call succeeded with a wrong answer");
            }
            else
            {
                Assert.True(expected != null && expected.IsInstanceOfType(outcome.Error),
                    $"{target}/{fault}: expected {expected?.Name ?? "success"}, got {Describe(outcome.Error)}");
            }
        }
        if (expected != null)
        {
            Assert.Contains(outcomes, o => o.Error != null);
        }

        proxy.PassThrough();
        Thread.Sleep(100); // let replies that a stall held reach their (closed) sockets before the check
        PoolAssert.AssertPoolClean(client);
    }

    private static RedisClient NewClient(FaultProxy proxy, Target target, bool retries)
    {
        var options = new ConnectionOptions
        {
            Host = proxy.Host,
            Port = proxy.Port,
            SocketTimeout = SocketTimeout,
            ConnectTimeout = SocketTimeout,
            MaxConnections = target == Target.Pooled ? PoolSize : null,
            Retry = retries ? RetryPolicy.Default : RetryPolicy.None,
        };
        return target == Target.Pooled
            ? new RedisClient(new BlockingConnectionPool(options, PoolSize, TimeSpan.FromSeconds(5), o => new Connection(o)), ownsPool: true)
            : new RedisClient(options);
    }

    /// <summary>Opens the connections the scenario will use, so a fault hits live pooled connections, not connecting ones.</summary>
    private static void Warm(RedisClient client, Target target)
    {
        int count = target == Target.Pooled ? PoolSize : 1;
        var held = new List<IRedisConnection>();
        for (int i = 0; i < count; i++) held.Add(client.ConnectionPool.GetConnection());
        foreach (IRedisConnection connection in held) client.ConnectionPool.Release(connection);
    }

    /// <summary>The exception a user gets for the fault (null: success), and the time limit the client promises for it.</summary>
    private static (Type? Expected, TimeSpan Limit) Expectation(Fault fault) => fault switch
    {
        Fault.SlowButInTime => (null, SocketTimeout),
        Fault.StallReply or Fault.StallRequest or Fault.ReplyLaterThanTimeout => (typeof(RedisTimeoutException), SocketTimeout),
        // A reply that keeps arriving but never completes is bounded by the overall deadline: twice the socket timeout.
        Fault.Drip => (typeof(RedisTimeoutException), SocketTimeout * 2),
        Fault.Garbage => (typeof(RedisInvalidResponseException), SocketTimeout),
        Fault.Refuse => (typeof(RedisConnectionException), SocketTimeout),
        _ => (typeof(RedisConnectionException), SocketTimeout),
    };

    /// <summary>
    /// With the default retry policy (GETs are harmless to repeat; timeouts are not retried without RetryOnTimeout): a
    /// connection cut once is ridden out on a new one; a fault that lasts still ends in its error, later by at most
    /// one more attempt and the backoff.
    /// </summary>
    private static (Type? Expected, TimeSpan Limit) ExpectationWithRetries(Fault fault)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(350); // 50 + 100 + 200 ms at most
        return fault switch
        {
            Fault.CloseMidReply or Fault.ResetMidReply or Fault.ResetBeforeReply => (null, SocketTimeout + backoff),
            // The stall stays on: the retry on a new connection waits out its socket timeout.
            Fault.KillInFlight or Fault.ResetInFlight => (typeof(RedisTimeoutException), SocketTimeout * 2 + backoff),
            Fault.Refuse => (typeof(RedisConnectionException), SocketTimeout + backoff),
            _ => Expectation(fault),
        };
    }

    /// <summary>Switches the fault on; returns what to do once the calls are under way (for faults that hit calls in flight).</summary>
    private static Action Arm(FaultProxy proxy, RedisClient client, Fault fault)
    {
        Action none = () => { };
        switch (fault)
        {
            case Fault.SlowButInTime:
                proxy.ReplyDelay = SocketTimeout / 5;
                return none;
            case Fault.StallReply:
                proxy.StallToClient = true;
                return none;
            case Fault.StallRequest:
                proxy.StallToServer = true;
                return none;
            case Fault.ReplyLaterThanTimeout:
                proxy.ReplyDelay = SocketTimeout * 3;
                return none;
            case Fault.Drip:
                proxy.DripInterval = TimeSpan.FromMilliseconds(100);
                return none;
            case Fault.CloseMidReply:
                proxy.CloseAfter(10);
                return none;
            case Fault.ResetMidReply:
                proxy.ResetAfter(10);
                return none;
            case Fault.ResetBeforeReply:
                proxy.ResetAfter(0);
                return none;
            case Fault.Garbage:
                proxy.InjectGarbage(Encoding.ASCII.GetBytes("?garbage\r\n"));
                return none;
            case Fault.KillInFlight:
            case Fault.ResetInFlight:
                proxy.StallToClient = true; // keeps the calls waiting until the connections go
                return () =>
                {
                    Thread.Sleep(SocketTimeout / 4);
                    if (fault == Fault.KillInFlight) proxy.KillAll();
                    else proxy.ResetAll();
                };
            case Fault.Refuse:
                client.ConnectionPool.Disconnect();
                proxy.RefuseNewConnections = true;
                return none;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
    }

    private sealed record Outcome(TimeSpan Elapsed, Exception? Error, bool Correct);

    private static IReadOnlyList<Outcome> Run(RedisClient client, Target target, Action inject)
    {
        int callers = target == Target.Pooled ? PoolSize : 1;
        var outcomes = new Outcome?[callers];
        var threads = new Thread[callers];
        for (int i = 0; i < callers; i++)
        {
            int slot = i;
            threads[i] = new Thread(() => outcomes[slot] = Call(client, target)) { IsBackground = true, Name = "fault caller " + i };
            threads[i].Start();
        }
        inject();
        // The hang guard: far beyond any limit, so a call that never returns fails the test instead of hanging the run.
        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), $"{target}: a call was still running after 30 s: it hangs");
        }
        return outcomes.Select(o => o!).ToList();
    }

    private static Outcome Call(RedisClient client, Target target)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            bool correct;
            if (target == Target.Pipeline)
            {
                using RedisPipeline pipe = client.Pipeline(transaction: false);
                for (int i = 0; i < 20; i++) pipe.Get(Key);
                IList<object?> results = pipe.Execute();
                correct = results.Count == 20 && results.All(r => Value.Equals(r));
            }
            else
            {
                correct = client.Get(Key) == Value;
            }
            return new Outcome(clock.Elapsed, null, correct);
        }
        catch (Exception ex)
        {
            // Kept, not swallowed: the test asserts on its type and timing.
            return new Outcome(clock.Elapsed, ex, false);
        }
    }

    private static string Describe(Exception? error) => error == null ? "success" : error.GetType().Name + ": " + error.Message;
}
