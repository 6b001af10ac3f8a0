using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using StackExchange.Redis;

namespace PSRedis.Bench;

/// <summary>
/// The whole-job scenarios (scan and delete). Each runs in a child process of the bench (`--child JOB`), so the
/// peak memory it reports (the kernel's VmHWM, read by the child at its end) is that job's own: engine, module
/// and all. Only the job itself is timed, not process start-up, Import-Module or connecting.
/// </summary>
public static class Jobs
{
    public const string CmdletsScanDelete = "cmdlets-scan-delete";
    public const string CmdletsScanOnly = "cmdlets-scan-only";
    public const string SeScanDelete = "se-scan-delete";
    public const string CmdletsEvents = "cmdlets-events";
    public const string CmdletsScanGet = "cmdlets-scan-get";
    public const string SeScanGet = "se-scan-get";
    public const string FloorPipeline = "floor-pipeline";

    /// <summary>Child entry point: runs one job and prints "RESULT seconds peakBytes count".</summary>
    public static int RunChild(string job, string host, int port, string pattern, string modulePath, TextWriter output)
    {
        (double seconds, long count) = Execute(job, host, port, pattern, modulePath);
        output.WriteLine("RESULT " + seconds.ToString("R", CultureInfo.InvariantCulture) + " "
            + PeakWorkingSet().ToString(CultureInfo.InvariantCulture) + " " + count.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>A job name with this suffix first runs the same job once on 20,000 keys of its own ("warm:*"), untimed.</summary>
    public const string WarmSuffix = "+warm";

    public static (double Seconds, long Count) Execute(string job, string host, int port, string pattern, string modulePath)
    {
        if (job.EndsWith(WarmSuffix, StringComparison.Ordinal))
        {
            // Steady state: the code paths the job takes (PowerShell's binder above all) are compiled before the clock runs,
            // as in a session that ran the command before. The warm-up keys are its own, so the timed run sees the same data.
            string cold = job.Substring(0, job.Length - WarmSuffix.Length);
            using (var admin = new PSRedis.Protocol.RedisClient(host, port)) admin.ExecuteCommand("DEBUG", "POPULATE", 20000, "warm");
            return ExecuteWarm(cold, host, port, pattern, modulePath);
        }
        return ExecuteOnce(job, host, port, pattern, modulePath, warmUp: false);
    }

    private static (double Seconds, long Count) ExecuteWarm(string job, string host, int port, string pattern, string modulePath) =>
        ExecuteOnce(job, host, port, pattern, modulePath, warmUp: true);

    private static (double Seconds, long Count) ExecuteOnce(string job, string host, int port, string pattern, string modulePath, bool warmUp)
    {
        if (warmUp && (job == SeScanDelete || job == SeScanGet)) Execute(job, host, port, "warm:*", modulePath);
        switch (job)
        {
            case SeScanDelete: return StackExchangeScanDelete(host, port, pattern);
            case SeScanGet: return StackExchangeScanGet(host, port, pattern);
            case CmdletsScanGet:
                // As the scan-only row: the values go to Out-Null (a script block per value would cost more than the job).
                return Hosted(modulePath, host, port, "Get-RedisKey -Match $Pattern | Get-RedisValue | Out-Null; -1");
            case CmdletsScanDelete:
                return Hosted(modulePath, host, port,
                    "(Get-RedisKey -Match $Pattern | Remove-RedisKey -PassThru).Removed");
            case FloorPipeline:
                // As many objects as the job removes, through cmdlets that do nothing else (see FloorCmdlets).
                return Hosted(modulePath, host, port, "Get-BenchFloorKey " + int.Parse(pattern, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) + " | Remove-BenchFloorKey",
                    setup: "Import-Module -Assembly ([PSRedis.Bench.FloorKey].Assembly)");
            case CmdletsScanOnly:
                return Hosted(modulePath, host, port, "Get-RedisKey -Match $Pattern | Out-Null; -1");
            case CmdletsEvents:
                return HostedEvents(modulePath, host, port, int.Parse(pattern, CultureInfo.InvariantCulture));
            case "custom": // for profiling: any script from BENCH_SCRIPT, timed the same way
                return Hosted(modulePath, host, port, Environment.GetEnvironmentVariable("BENCH_SCRIPT") + "; -1");
            default: throw new ArgumentException("Unknown job " + job);
        }

        (double, long) Hosted(string modulePath, string host, int port, string script, string? setup = null)
        {
            using Runspace runspace = OpenRunspace(modulePath, host, port);
            if (setup != null) Invoke(runspace, setup, new());
            if (warmUp) Invoke(runspace, script, new() { ["Pattern"] = "warm:*" });
            var clock = Stopwatch.StartNew();
            Collection<PSObject> result = Invoke(runspace, script, new() { ["Pattern"] = pattern });
            double seconds = clock.Elapsed.TotalSeconds;
            long count = result.Count > 0 ? Convert.ToInt64(result[result.Count - 1].BaseObject, CultureInfo.InvariantCulture) : 0;
            Invoke(runspace, "Disconnect-Redis -ErrorAction SilentlyContinue", new());
            return (seconds, count);
        }
    }

    /// <summary>
    /// Register-RedisEvent queues published messages as PowerShell events: <paramref name="messages"/> numbered messages
    /// are published (pipelines of 1,000 PUBLISH from this process) and the clock stops when the last one is in the
    /// engine's event queue. Returns how many arrived in order (all of them, or the job failed).
    /// </summary>
    private static (double, long) HostedEvents(string modulePath, string host, int port, int messages)
    {
        using Runspace runspace = OpenRunspace(modulePath, host, port);
        string channel = "bench:events:" + Guid.NewGuid().ToString("N");
        Invoke(runspace, "Register-RedisEvent -Channel $Channel -SourceIdentifier bench", new() { ["Channel"] = channel });
        using var publisher = new PSRedis.Protocol.RedisClient(host, port);
        var clock = Stopwatch.StartNew();
        for (int sent = 0; sent < messages;)
        {
            using PSRedis.Protocol.RedisPipeline p = publisher.Pipeline(transaction: false);
            int end = Math.Min(messages, sent + 1000);
            for (; sent < end; sent++) p.ExecuteCommand("PUBLISH", channel, sent.ToString(CultureInfo.InvariantCulture));
            p.Execute();
        }
        PSEventManager events = runspace.Events;
        while (events.ReceivedEvents.Count < messages && clock.Elapsed < TimeSpan.FromSeconds(120)) System.Threading.Thread.Sleep(1);
        double seconds = clock.Elapsed.TotalSeconds;
        long inOrder = 0;
        foreach (PSEventArgs e in events.ReceivedEvents)
        {
            object? message = e.SourceEventArgs?.GetType().GetProperty("Message")?.GetValue(e.SourceEventArgs);
            if (!(message is string text) || text != inOrder.ToString(CultureInfo.InvariantCulture)) break;
            inOrder++;
        }
        // Unregister-Event is not among the hosted engine's Core cmdlets: what it does, through the event manager.
        Invoke(runspace, "@($ExecutionContext.Events.GetEventSubscribers('bench')) | ForEach-Object { $ExecutionContext.Events.UnsubscribeEvent($_) }", new());
        return (seconds, inOrder);
    }

    private static Runspace OpenRunspace(string modulePath, string host, int port)
    {
        string home = Path.Combine(Path.GetTempPath(), "psredis-bench-ps-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(home);
        foreach (string v in new[] { "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME" }) Environment.SetEnvironmentVariable(v, home);
        Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        Invoke(runspace, "Import-Module -Name $ModulePath -ErrorAction Stop; Connect-Redis -Url $Url | Out-Null",
            new() { ["ModulePath"] = modulePath, ["Url"] = "redis://" + host + ":" + port.ToString(CultureInfo.InvariantCulture) });
        return runspace;
    }

    private static Collection<PSObject> Invoke(Runspace runspace, string script, Dictionary<string, object> variables)
    {
        foreach (KeyValuePair<string, object> v in variables) runspace.SessionStateProxy.SetVariable(v.Key, v.Value);
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script);
        Collection<PSObject> result = ps.Invoke();
        if (ps.Streams.Error.Count > 0) throw new InvalidOperationException("Script failed: " + ps.Streams.Error[0]);
        return result;
    }

    /// <summary>The job as StackExchange.Redis users write it: Keys with pageSize 1000, KeyDelete of 1,000 keys at a time.</summary>
    private static (double, long) StackExchangeScanDelete(string host, int port, string pattern)
    {
        using ConnectionMultiplexer mux = ConnectionMultiplexer.Connect(host + ":" + port.ToString(CultureInfo.InvariantCulture) + ",allowAdmin=true");
        IDatabase db = mux.GetDatabase();
        IServer server = mux.GetServer(host, port);
        var clock = Stopwatch.StartNew();
        long removed = 0;
        var batch = new List<RedisKey>(1000);
        foreach (RedisKey key in server.Keys(0, pattern, pageSize: 1000))
        {
            batch.Add(key);
            if (batch.Count == 1000)
            {
                removed += db.KeyDelete(batch.ToArray());
                batch.Clear();
            }
        }
        if (batch.Count > 0) removed += db.KeyDelete(batch.ToArray());
        return (clock.Elapsed.TotalSeconds, removed);
    }

    /// <summary>The read job as StackExchange.Redis users write it: Keys with pageSize 1000, StringGet of 1,000 keys at a time.</summary>
    private static (double, long) StackExchangeScanGet(string host, int port, string pattern)
    {
        using ConnectionMultiplexer mux = ConnectionMultiplexer.Connect(host + ":" + port.ToString(CultureInfo.InvariantCulture) + ",allowAdmin=true");
        IDatabase db = mux.GetDatabase();
        IServer server = mux.GetServer(host, port);
        var clock = Stopwatch.StartNew();
        long read = 0;
        var batch = new List<RedisKey>(1000);
        foreach (RedisKey key in server.Keys(0, pattern, pageSize: 1000))
        {
            batch.Add(key);
            if (batch.Count == 1000)
            {
                read += Count(db.StringGet(batch.ToArray()));
                batch.Clear();
            }
        }
        if (batch.Count > 0) read += Count(db.StringGet(batch.ToArray()));
        return (clock.Elapsed.TotalSeconds, read);

        static long Count(RedisValue[] values)
        {
            long n = 0;
            foreach (RedisValue value in values) if (value.HasValue) n++;
            return n;
        }
    }

    /// <summary>The kernel's high-water mark of this process's resident memory (VmHWM), else the runtime's figure.</summary>
    public static long PeakWorkingSet()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    string kb = new string(line.Substring(6).Where(char.IsDigit).ToArray());
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        using Process me = Process.GetCurrentProcess();
        return me.PeakWorkingSet64;
    }

    /// <summary>
    /// Starts the bench again as a child for one job and parses its RESULT line. Falls back to running the job in this
    /// process (peak memory then not reported) when the bench cannot be started as a program (e.g. inside a test host).
    /// </summary>
    public static Sample InChild(string job, string host, int port, string pattern, string modulePath, bool inProcess)
    {
        if (inProcess)
        {
            (double s, long n) = Execute(job, host, port, pattern, modulePath);
            return new Sample(s, -1, (n >= 0 ? n.ToString(CultureInfo.InvariantCulture) + " removed, " : string.Empty) + "in-process");
        }
        var psi = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string self = typeof(Jobs).Assembly.Location;
        string? processPath = Environment.ProcessPath;
        if (processPath != null && Path.GetFileNameWithoutExtension(processPath) == "PSRedis.Bench")
        {
            psi.FileName = processPath;
        }
        else
        {
            psi.FileName = "dotnet";
            psi.ArgumentList.Add(self);
        }
        foreach (string a in new[] { "--child", job, "--host", host, "--port", port.ToString(CultureInfo.InvariantCulture), "--pattern", pattern, "--module", modulePath })
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the child job.");
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        string? line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (p.ExitCode != 0 || line == null) throw new InvalidOperationException("Child job " + job + " failed (" + p.ExitCode + "): " + stdout + err.Result);
        string[] parts = line.Trim().Split(' ');
        long count = long.Parse(parts[3], CultureInfo.InvariantCulture);
        return new Sample(double.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture),
            count >= 0 ? count.ToString(CultureInfo.InvariantCulture) + " removed" : null);
    }

    /// <summary>True when the bench can start itself again: as its own program, or with `dotnet` and its runtimeconfig beside it.</summary>
    public static bool CanStartChild()
    {
        string? processPath = Environment.ProcessPath;
        if (processPath != null && Path.GetFileNameWithoutExtension(processPath) == "PSRedis.Bench") return true;
        string self = typeof(Jobs).Assembly.Location;
        return self.Length > 0 && File.Exists(Path.ChangeExtension(self, ".runtimeconfig.json")) && File.Exists(Path.ChangeExtension(self, ".deps.json"));
    }

    /// <summary>`redis-cli --scan --pattern P | xargs -n 1000 redis-cli unlink` through bash, under GNU time for the largest process's peak RSS.</summary>
    public static Sample RedisCliPipeline(string host, int port, string pattern)
    {
        string p = port.ToString(CultureInfo.InvariantCulture);
        string pipeline = $"redis-cli -h {host} -p {p} --scan --pattern '{pattern}' | xargs -n 1000 redis-cli -h {host} -p {p} unlink > /dev/null";
        var psi = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        bool timed = File.Exists("/usr/bin/time");
        if (timed)
        {
            psi.FileName = "/usr/bin/time";
            foreach (string a in new[] { "-f", "MAXRSS %M", "bash", "-c", pipeline }) psi.ArgumentList.Add(a);
        }
        else
        {
            psi.FileName = "bash";
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(pipeline);
        }
        var clock = Stopwatch.StartNew();
        using Process proc = Process.Start(psi) ?? throw new InvalidOperationException("Could not start bash.");
        var err = proc.StandardError.ReadToEndAsync();
        proc.StandardOutput.ReadToEnd();
        proc.WaitForExit();
        double seconds = clock.Elapsed.TotalSeconds;
        if (proc.ExitCode != 0) throw new InvalidOperationException("redis-cli pipeline failed: " + err.Result);
        long peak = -1;
        string? rss = err.Result.Split('\n').FirstOrDefault(l => l.StartsWith("MAXRSS ", StringComparison.Ordinal));
        if (rss != null) peak = long.Parse(rss.Substring(7).Trim(), CultureInfo.InvariantCulture) * 1024;
        return new Sample(seconds, peak, timed ? "peak = largest single process" : null);
    }
}
