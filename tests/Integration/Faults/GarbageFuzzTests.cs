using System;
using System.Collections.Generic;
using System.Diagnostics;
using PSRedis.Protocol;
using PSRedis.Tests.Shared;
using Xunit;

namespace PSRedis.Tests.Integration.Faults;

/// <summary>
/// The fuzz corpus as garbage in a real reply stream: each sampled case goes ahead of a GET's reply through the proxy.
/// The GET may fail in any of the client's own ways, or even return what the garbage spelled (RESP has no request ids,
/// so a well-formed stray reply cannot be told from the real one); what must never happen is that the stray bytes or
/// the real reply behind them answer a later command: the next command on the same client gets its own answer.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class GarbageFuzzTests
{
    /// <summary>Every n-th corpus case, so the sample spans every seed type and mutation.</summary>
    private const int Sampled = 200;
    private static readonly TimeSpan SocketTimeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(1500);
    private const string Key = "faults:garbage";
    private const string Value = "the-real-value";

    private readonly FaultServerFixture _fixture;

    public GarbageFuzzTests(FaultServerFixture fixture) => _fixture = fixture;

    [Fact]
    public void GarbageAheadOfAReplyNeverAnswersTheNextCommand()
    {
        List<byte[]> cases = RespFuzzCorpus.Cases();
        using FaultProxy proxy = _fixture.NewProxy();
        using var client = new RedisClient(new ConnectionOptions
        {
            Host = proxy.Host,
            Port = proxy.Port,
            SocketTimeout = SocketTimeout,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });
        client.Set(Key, Value);

        int step = cases.Count / Sampled;
        var failures = new List<string>();
        for (int index = 0; index < cases.Count && failures.Count < 10; index += step)
        {
            byte[] garbage = cases[index];
            proxy.InjectGarbage(garbage);
            var clock = Stopwatch.StartNew();
            string outcome;
            try
            {
                outcome = client.Get(Key) == Value ? "right value" : "stray value";
            }
            catch (RedisException ex)
            {
                // Any of the client's own errors is a fair end for a corrupted reply; which one depends on the bytes.
                outcome = ex.GetType().Name;
            }
            catch (Exception ex)
            {
                failures.Add($"case {index} ({RespFuzzCorpus.Show(garbage)}): GET threw {ex.GetType().FullName}: {ex.Message}");
                continue;
            }
            // Twice the socket timeout is the most a reply may take (the overall deadline).
            if (clock.Elapsed > SocketTimeout * 2 + Margin)
                failures.Add($"case {index} ({RespFuzzCorpus.Show(garbage)}): GET took {clock.Elapsed.TotalMilliseconds:0} ms ({outcome})");

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
                failures.Add($"case {index} ({RespFuzzCorpus.Show(garbage)}): after the GET ({outcome}), ECHO {guid} was answered with {echoed}");
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        proxy.PassThrough();
        PoolAssert.AssertPoolClean(client);
    }
}
