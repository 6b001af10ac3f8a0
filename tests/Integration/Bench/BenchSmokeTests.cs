using System;
using System.IO;
using System.Linq;
using PSRedis.Bench;
using Xunit;

namespace PSRedis.Tests.Integration.Bench;

/// <summary>
/// Keeps bench/PSRedis.Bench working: its entry point with --quick (a few seconds, its own throwaway
/// redis-server, the whole-job scenarios in this process) must print the one markdown table. No timing is
/// asserted: figures from a test run mean nothing.
/// </summary>
public sealed class BenchSmokeTests
{
    [Fact]
    public void QuickRun_PrintsTheTable()
    {
        Infrastructure.TestEnvironment.Isolate();
        var output = new StringWriter();
        var log = new StringWriter();

        int code = BenchProgram.Run(new[] { "--quick", "--in-process" }, output, log);

        Assert.True(code == 0, "The bench failed:\n" + log);
        string[] lines = output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Contains("| Scenario | Contender | Median | Unit | Ratio to reference | Peak memory | Target |", lines);
        Assert.Contains(lines, l => l.StartsWith("| Sequential GET", StringComparison.Ordinal) && l.Contains("PSRedis client", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("| Scan and delete", StringComparison.Ordinal) && l.Contains("Remove-RedisKey", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Machine and conditions:", StringComparison.Ordinal));
        Assert.DoesNotContain("failed", log.ToString(), StringComparison.Ordinal);
    }
}
