using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace PSRedis.Bench;

/// <summary>
/// The cluster whole-job scenarios, run in a child process of the bench (`--child cluster-...`, the same RESULT line
/// and peak-memory reading as <see cref="Jobs"/>); host and port name any node of the cluster. Only the job is timed,
/// not start-up, Import-Module or connecting.
/// </summary>
public static class ClusterJobs
{
    public const string SeScanDelete = "cluster-se-scan-delete";
    public const string CmdletsScanDelete = "cluster-cmdlets-scan-delete";
    /// <summary>For profiling: the cmdlets' scan alone (into Out-Null), and any script from BENCH_SCRIPT.</summary>
    public const string CmdletsScanOnly = "cluster-cmdlets-scan-only";
    public const string Custom = "cluster-custom";

    public static bool Handles(string job) => job.StartsWith("cluster-", StringComparison.Ordinal);

    public static int RunChild(string job, string host, int port, string pattern, string modulePath, TextWriter output)
    {
        (double seconds, long count) = Execute(job, host, port, pattern, modulePath);
        output.WriteLine("RESULT " + seconds.ToString("R", CultureInfo.InvariantCulture) + " "
            + Jobs.PeakWorkingSet().ToString(CultureInfo.InvariantCulture) + " " + count.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>In a child process (peak memory its own), or in this one when the bench cannot start itself.</summary>
    public static Sample InChild(string job, string host, int port, string pattern, string modulePath, bool inProcess)
    {
        if (!inProcess) return Jobs.InChild(job, host, port, pattern, modulePath, inProcess: false);
        (double s, long n) = Execute(job, host, port, pattern, modulePath);
        return new Sample(s, -1, (n >= 0 ? n.ToString(CultureInfo.InvariantCulture) + " removed, " : string.Empty) + "in-process");
    }

    public static (double Seconds, long Count) Execute(string job, string host, int port, string pattern, string modulePath)
    {
        switch (job)
        {
            case SeScanDelete: return StackExchangeScanDelete(host, port, pattern);
            case CmdletsScanDelete: return Hosted(modulePath, host, port, pattern, "(Get-RedisKey -Match $Pattern | Remove-RedisKey -PassThru).Removed");
            case CmdletsScanOnly: return Hosted(modulePath, host, port, pattern, "Get-RedisKey -Match $Pattern | Out-Null; -1");
            case Custom: return Hosted(modulePath, host, port, pattern, Environment.GetEnvironmentVariable("BENCH_SCRIPT") + "; -1");
            default: throw new ArgumentException("Unknown cluster job " + job);
        }
    }

    /// <summary>
    /// The job as a StackExchange.Redis user writes it for a cluster: one multiplexer (it finds the cluster's nodes by
    /// itself), every primary in turn, `server.Keys(pattern, pageSize: 1000)`, and every 1,000 keys one KeyDelete per
    /// group of keys sharing a slot (`mux.HashSlot`), the groups sent together (async, then awaited) so a batch of
    /// 1,000 keys costs one round of pipelined requests as the standalone job's one KeyDelete of 1,000 keys does. (Sync
    /// KeyDelete per group would be one round trip per key here: 1,000 keys of a node fall into about 1,000 slots.)
    /// </summary>
    private static (double, long) StackExchangeScanDelete(string host, int port, string pattern)
    {
        using ConnectionMultiplexer mux = ConnectionMultiplexer.Connect(host + ":" + port.ToString(CultureInfo.InvariantCulture) + ",allowAdmin=true");
        IDatabase db = mux.GetDatabase();
        IServer[] primaries = mux.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToArray();
        if (primaries.Length != 3) throw new InvalidOperationException("Expected 3 primaries, SE.Redis sees " + primaries.Length);
        var clock = Stopwatch.StartNew();
        long removed = 0;
        var batch = new List<RedisKey>(1000);
        foreach (IServer server in primaries)
        {
            foreach (RedisKey key in server.Keys(0, pattern, pageSize: 1000))
            {
                batch.Add(key);
                if (batch.Count == 1000)
                {
                    removed += DeleteBySlot(mux, db, batch);
                    batch.Clear();
                }
            }
        }
        if (batch.Count > 0) removed += DeleteBySlot(mux, db, batch);
        return (clock.Elapsed.TotalSeconds, removed);
    }

    private static long DeleteBySlot(ConnectionMultiplexer mux, IDatabase db, List<RedisKey> batch)
    {
        Task<long>[] deletes = batch.GroupBy(k => mux.HashSlot(k)).Select(g => db.KeyDeleteAsync(g.ToArray())).ToArray();
        Task.WaitAll(deletes);
        long n = 0;
        foreach (Task<long> t in deletes) n += t.Result;
        return n;
    }

    private static (double, long) Hosted(string modulePath, string host, int port, string pattern, string script)
    {
        string home = Path.Combine(Path.GetTempPath(), "psredis-bench-ps-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(home);
        foreach (string v in new[] { "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME" }) Environment.SetEnvironmentVariable(v, home);
        using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        // Connect-Redis finds out by itself that the node is part of a cluster; the job checks it really did.
        Collection<PSObject> topology = Invoke(runspace, "Import-Module -Name $ModulePath -ErrorAction Stop; (Connect-Redis -Url $Url -PassThru).Topology",
            new() { ["ModulePath"] = modulePath, ["Url"] = "redis://" + host + ":" + port.ToString(CultureInfo.InvariantCulture) });
        string kind = topology.Count > 0 ? topology[^1]?.ToString() ?? string.Empty : string.Empty;
        if (kind != "Cluster") throw new InvalidOperationException("Connect-Redis saw topology '" + kind + "', not Cluster");
        var clock = Stopwatch.StartNew();
        Collection<PSObject> result = Invoke(runspace, script, new() { ["Pattern"] = pattern });
        double seconds = clock.Elapsed.TotalSeconds;
        long count = result.Count > 0 ? Convert.ToInt64(result[^1].BaseObject, CultureInfo.InvariantCulture) : 0;
        Invoke(runspace, "Disconnect-Redis -ErrorAction SilentlyContinue", new());
        return (seconds, count);
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
}
