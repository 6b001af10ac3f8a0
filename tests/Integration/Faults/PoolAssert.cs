using System;
using System.Collections.Generic;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using Xunit;

namespace PSRedis.Tests.Integration.Faults;

/// <summary>Checks that no fault left a pooled connection out of step with its reply stream.</summary>
public static class PoolAssert
{
    /// <summary>
    /// The pool-poisoning check: nothing is still checked out, every idle connection is taken out at once (so each is
    /// a different one) and must answer <c>ECHO &lt;guid&gt;</c> with its own guid, as is, without the health check a
    /// command would run first (a connection with stray bytes must not be in the pool at all); then many ECHOs run
    /// concurrently through the client and each must get its own guid back.
    /// </summary>
    public static void AssertPoolClean(RedisClient client, int concurrentCalls = 32)
    {
        ArgumentNullException.ThrowIfNull(client);
        IConnectionPool pool = client.ConnectionPool;
        (int idle, int inUse) = Counts(pool);
        Assert.True(inUse == 0, $"{inUse} connection(s) still checked out of the pool after the calls ended");

        var held = new List<IRedisConnection>();
        try
        {
            for (int i = 0; i < idle; i++) held.Add(pool.GetConnection());
            foreach (IRedisConnection connection in held)
            {
                string guid = Guid.NewGuid().ToString("N");
                connection.SendCommand(new object?[] { "ECHO", guid });
                RespValue reply = connection.ReadResponse();
                Assert.True(guid == reply.AsString(), $"a pooled connection answered ECHO {guid} with {reply.Describe()}: its replies are crossed");
                Assert.False(connection.IsBroken);
            }
        }
        finally
        {
            foreach (IRedisConnection connection in held) pool.Release(connection);
        }

        var failures = new List<string>();
        var threads = new List<Thread>();
        for (int t = 0; t < concurrentCalls; t++)
        {
            var thread = new Thread(() =>
            {
                for (int i = 0; i < 5; i++)
                {
                    string guid = Guid.NewGuid().ToString("N");
                    string? echoed;
                    try
                    {
                        echoed = client.Echo(guid);
                    }
                    catch (RedisException ex)
                    {
                        echoed = ex.GetType().Name + ": " + ex.Message;
                    }
                    if (echoed != guid)
                    {
                        lock (failures) failures.Add($"ECHO {guid} answered {echoed}");
                    }
                }
            }) { IsBackground = true };
            threads.Add(thread);
            thread.Start();
        }
        foreach (Thread thread in threads) Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "concurrent ECHOs did not finish within 30 s");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.Equal(0, Counts(pool).InUse);
    }

    private static (int Idle, int InUse) Counts(IConnectionPool pool) => pool switch
    {
        ConnectionPool p => (p.IdleCount, p.InUseCount),
        BlockingConnectionPool p => (p.IdleCount, p.InUseCount),
        _ => throw new ArgumentException("Unknown pool type " + pool.GetType().Name, nameof(pool)),
    };
}
