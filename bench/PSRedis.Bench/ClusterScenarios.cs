using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using StackExchange.Redis;
using ClusterNode = PSRedis.Protocol.ClusterNode;

namespace PSRedis.Bench;

/// <summary>
/// Issue 13's speed rows: the same jobs against a 3-primary, 3-replica cluster the bench starts itself, next to the
/// standalone server's figures measured in the same run (contenders alternated round by round, so the ratios compare
/// like with like). The cluster starts only when one of these scenarios is selected (--only/--skip), at its first use,
/// and is killed when the run ends; without redis-cli (which creates the cluster) the scenarios are left out with a note.
/// </summary>
public static class ClusterScenarios
{
    public const string GetName = "Sequential GET (100 B, 1 connection), cluster";
    private const string GetKey = "bench:get";
    private const string PsStandalone = "PSRedis client Get, standalone server";
    private const string PsCluster = "PSRedis RedisCluster Get (3 primaries)";
    private const string SeSync = "StackExchange.Redis sync, cluster";
    private const string SeAsync = "StackExchange.Redis async (awaited), cluster";
    private const string SeJob = "StackExchange.Redis cluster job: per primary Keys(pageSize: 1000) + KeyDelete per slot group of 1,000 keys";
    private const string CmdletsCluster = "PSRedis cmdlets on the cluster: Get-RedisKey -Match 'cache:*' | Remove-RedisKey";
    private const string CmdletsStandalone = "PSRedis cmdlets on one server: Get-RedisKey -Match 'cache:*' | Remove-RedisKey";

    public static string ScanName(int perPrefix) => "Cluster scan and delete " + perPrefix.ToString("#,0", CultureInfo.InvariantCulture)
        + " of " + (2 * perPrefix).ToString("#,0", CultureInfo.InvariantCulture) + " keys (3 primaries)";

    /// <summary>Adds the cluster scenarios that the options select; the result (dispose it after the run) owns the cluster, if one started.</summary>
    public static IDisposable? Add(List<Scenario> scenarios, List<Target> targets, BenchProgram.Options options, string host, int port, TextWriter log)
    {
        bool quick = options.Quick;
        int perPrefix = quick ? 5000 : 500000;
        string scanName = ScanName(perPrefix);
        bool Selected(string name, params string[] contenders) =>
            (options.Only == null || name.IndexOf(options.Only, StringComparison.OrdinalIgnoreCase) >= 0)
            && contenders.Any(c => options.Skip == null || c.IndexOf(options.Skip, StringComparison.OrdinalIgnoreCase) < 0);
        bool get = Selected(GetName, PsStandalone, PsCluster, SeSync, SeAsync);
        bool scan = Selected(scanName, SeJob, CmdletsCluster, CmdletsStandalone);
        if (!get && !scan) return null;
        if (!External.Exists("redis-cli") || !External.Exists("redis-server"))
        {
            log.WriteLine("Cluster scenarios skipped: redis-cli and redis-server are needed on PATH to start a cluster.");
            return null;
        }

        var state = new State(host, port, log);
        int rounds = options.Rounds;
        double seconds = quick ? 0.1 : 1.0;
        string value = new string('v', 100);

        if (get)
        {
            scenarios.Add(new Scenario(GetName, "ops/s", Better.Higher, quick ? rounds : rounds * 2 - 1,
                new Contender(PsStandalone, () =>
                {
                    state.Standalone.Set(GetKey, value);
                    return new Sample(Stats.OpsPerSecond(seconds, () => state.Standalone.Get(GetKey)));
                }, isReference: true),
                new Contender(PsCluster, () =>
                {
                    state.Client.Set(GetKey, value);
                    return new Sample(Stats.OpsPerSecond(seconds, () => state.Client.Get(GetKey)));
                }),
                new Contender(SeSync, () =>
                {
                    state.Db.StringSet(GetKey, value);
                    return new Sample(Stats.OpsPerSecond(seconds, () => state.Db.StringGet(GetKey)));
                }),
                new Contender(SeAsync, () =>
                {
                    state.Db.StringSet(GetKey, value);
                    return new Sample(Stats.OpsPerSecondAsync(seconds, () => state.Db.StringGetAsync(GetKey)));
                })));
            targets.Add(new Target(GetName, PsCluster, ">= 0.9x the standalone client", f => Ratio(f(GetName, PsCluster), f(GetName, PsStandalone), 0.9)));
        }

        if (scan)
        {
            string modulePath = ModulePath();
            bool inProcess = options.InProcess || !Jobs.CanStartChild();
            scenarios.Add(new Scenario(scanName, "s", Better.Lower, quick ? 1 : Math.Min(rounds, 3),
                new Contender(SeJob, () =>
                {
                    state.PopulateCluster(perPrefix);
                    return ClusterJobs.InChild(ClusterJobs.SeScanDelete, state.Cluster.Host, state.Cluster.Port, "cache:*", modulePath, inProcess);
                }, isReference: true),
                new Contender(CmdletsCluster, () =>
                {
                    state.PopulateCluster(perPrefix);
                    return ClusterJobs.InChild(ClusterJobs.CmdletsScanDelete, state.Cluster.Host, state.Cluster.Port, "cache:*", modulePath, inProcess);
                }),
                new Contender(CmdletsStandalone, () =>
                {
                    state.PopulateStandalone(perPrefix);
                    return Jobs.InChild(Jobs.CmdletsScanDelete, host, port, "cache:*", modulePath, inProcess);
                }))
            {
                WarmUp = false,
            });
            // BENCH_CLUSTER_DIAG=1 adds the cluster scan alone (Get-RedisKey into Out-Null), to see where the job's time goes.
            if (Environment.GetEnvironmentVariable("BENCH_CLUSTER_DIAG") == "1")
                scenarios[^1].Contenders.Add(new Contender("PSRedis cmdlets on the cluster: Get-RedisKey alone (diagnostic, no delete)", () =>
                {
                    state.PopulateCluster(perPrefix);
                    return ClusterJobs.InChild(ClusterJobs.CmdletsScanOnly, state.Cluster.Host, state.Cluster.Port, "cache:*", modulePath, inProcess);
                }));
            targets.Add(new Target(scanName, CmdletsCluster, "<= 1.2x SE.Redis cluster job", f => Ratio(f(scanName, SeJob) * 1.2, f(scanName, CmdletsCluster), 1.0)));
            targets.Add(new Target(scanName, CmdletsCluster, "<= 1.5x cmdlets on one server", f => Ratio(f(scanName, CmdletsStandalone) * 1.5, f(scanName, CmdletsCluster), 1.0)));
        }
        return state;
    }

    private static bool? Ratio(double value, double reference, double factor) =>
        double.IsNaN(value) || double.IsNaN(reference) ? null : value >= reference * factor;

    private static string ModulePath()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PSRedis.slnx"))) return Path.Combine(dir.FullName, "out", "PSRedis", "PSRedis.psd1");
        }
        throw new InvalidOperationException("Cannot find the repository root (PSRedis.slnx) above " + AppContext.BaseDirectory);
    }

    /// <summary>The cluster and the clients on it, made at first use; Dispose kills the cluster.</summary>
    private sealed class State : IDisposable
    {
        private readonly string _host;
        private readonly int _port;
        private readonly TextWriter _log;
        private readonly object _lock = new();
        private BenchCluster? _cluster;
        private RedisCluster? _client;
        private ConnectionMultiplexer? _mux;
        private RedisClient? _standalone;
        private Exception? _failed;

        public State(string host, int port, TextWriter log)
        {
            _host = host;
            _port = port;
            _log = log;
        }

        public BenchCluster Cluster
        {
            get
            {
                lock (_lock)
                {
                    if (_failed != null) throw new InvalidOperationException("The bench cluster did not start: " + _failed.Message, _failed);
                    if (_cluster == null)
                    {
                        try
                        {
                            _cluster = BenchCluster.Start(_log);
                        }
                        catch (Exception e)
                        {
                            _failed = e;
                            throw;
                        }
                    }
                    return _cluster;
                }
            }
        }

        public RedisCluster Client
        {
            get
            {
                BenchCluster c = Cluster;
                lock (_lock) return _client ??= new RedisCluster(new ConnectionOptions { Host = c.Host, Port = c.Port });
            }
        }

        public IDatabase Db
        {
            get
            {
                BenchCluster c = Cluster;
                lock (_lock) return (_mux ??= ConnectionMultiplexer.Connect(c.Host + ":" + c.Port.ToString(CultureInfo.InvariantCulture))).GetDatabase();
            }
        }

        public RedisClient Standalone
        {
            get
            {
                lock (_lock) return _standalone ??= new RedisClient(new ConnectionOptions { Host = _host, Port = _port });
            }
        }

        /// <summary>As Program's Populate: FLUSHALL, then DEBUG POPULATE N cache and N other ("cache:0" = "value:0", ...).</summary>
        public void PopulateStandalone(int perPrefix)
        {
            Standalone.ExecuteCommand("FLUSHALL");
            Standalone.ExecuteCommand("DEBUG", "POPULATE", perPrefix, "cache");
            Standalone.ExecuteCommand("DEBUG", "POPULATE", perPrefix, "other");
        }

        /// <summary>
        /// The same keys and values as DEBUG POPULATE makes, on the cluster: DEBUG POPULATE on a node would make keys of
        /// slots the node does not own, so FLUSHALL every primary and SET the keys through RedisCluster pipelines of
        /// 10,000 (split by node, sent to every node before reading), then WAIT until every primary's replica has them
        /// all, so no replication of the population is left to run during the timed job. Not timed in the job (it runs
        /// before the child starts its clock); its own time goes to the log.
        /// </summary>
        public void PopulateCluster(int perPrefix)
        {
            RedisCluster cluster = Client;
            var clock = Stopwatch.StartNew();
            cluster.RefreshSlotMap();
            IReadOnlyList<ClusterNode> primaries = cluster.Primaries;
            // The jobs delete only cache:*, so after a round the other:* keys are still there: then only cache:* is written
            // again (SET overwrites whatever a failed job left). Otherwise everything from scratch.
            bool othersThere = _populated == perPrefix && Total(cluster, primaries) == perPrefix;
            if (!othersThere)
                foreach (ClusterNode primary in primaries) cluster.NodeClient(primary).ExecuteCommand("FLUSHALL");
            foreach (string prefix in othersThere ? new[] { "cache" } : new[] { "cache", "other" })
            {
                for (int start = 0; start < perPrefix; start += 10000)
                {
                    using RedisPipeline p = cluster.Pipeline(transaction: false);
                    int end = Math.Min(perPrefix, start + 10000);
                    for (int i = start; i < end; i++)
                    {
                        string n = i.ToString(CultureInfo.InvariantCulture);
                        p.Set(prefix + ":" + n, "value:" + n);
                    }
                    p.Execute();
                }
            }
            long total = Total(cluster, primaries);
            foreach (ClusterNode primary in primaries)
            {
                long acked = Convert.ToInt64(cluster.NodeClient(primary).ExecuteCommand("WAIT", 1, 30000), CultureInfo.InvariantCulture);
                if (acked < 1) throw new TimeoutException("The replica of " + primary.Endpoint + " did not catch up within 30 s.");
            }
            if (total != 2L * perPrefix) throw new InvalidOperationException("The cluster holds " + total + " keys after populating, not " + 2L * perPrefix);
            _populated = perPrefix;
            _log.WriteLine("  (cluster populated to " + total.ToString("#,0", CultureInfo.InvariantCulture) + " keys in "
                + clock.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s" + (othersThere ? ", cache:* only" : string.Empty)
                + ", replicas caught up; not part of the job's time)");
        }

        private int _populated;

        private static long Total(RedisCluster cluster, IReadOnlyList<ClusterNode> primaries) =>
            primaries.Sum(p => Convert.ToInt64(cluster.NodeClient(p).ExecuteCommand("DBSIZE"), CultureInfo.InvariantCulture));

        public void Dispose()
        {
            lock (_lock)
            {
                _mux?.Dispose();
                _client?.Dispose();
                _standalone?.Dispose();
                _cluster?.Dispose();
            }
        }
    }
}
