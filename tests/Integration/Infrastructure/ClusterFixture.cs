using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSRedis.Protocol;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>Tests marked [Collection("cluster")] share one <see cref="ClusterFixture"/>: a 3-primary, 3-replica cluster.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>
/// One Redis Cluster on loopback shared by a test collection. Tests must not change its shape: tests that fail over or
/// migrate slots start a <see cref="ClusterGroup"/> of their own, so the shared one keeps its roles and slot map.
/// Tests sharing it should use their own key prefix (or hash tag) rather than <see cref="ClusterGroup.FlushAll"/>.
/// </summary>
public sealed class ClusterFixture : IDisposable
{
    public ClusterFixture(IMessageSink diagnostics)
    {
        Group = ClusterGroup.Start();
        diagnostics?.OnMessage(new DiagnosticMessage(
            $"Redis test cluster: {string.Join(", ", Group.SeedUrls)}, ready in {Group.StartupTime.TotalMilliseconds:0} ms ({Group.StartupPhases})."));
    }

    public ClusterGroup Group { get; }

    public void Dispose() => Group.Dispose();
}

/// <summary>A contiguous slot range and the nodes serving it, as CLUSTER SLOTS reports it (replica ports sorted).</summary>
public sealed record ClusterSlotRange(int Start, int End, int PrimaryPort, IReadOnlyList<int> ReplicaPorts)
{
    public bool Contains(int slot) => slot >= Start && slot <= End;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Start}-{End}@{PrimaryPort}[{string.Join(",", ReplicaPorts)}]");
}

/// <summary>One line of CLUSTER NODES as seen by one node.</summary>
/// <param name="PrimaryId">The node id of its primary for a replica, else null.</param>
/// <param name="Slots">Slot ranges it owns (stable ranges only; importing/migrating markers are left out).</param>
public sealed record ClusterNodeInfo(string Id, int Port, string Flags, bool IsMyself, bool IsPrimary, string? PrimaryId,
    string LinkState, IReadOnlyList<(int Start, int End)> Slots);

/// <summary>
/// A Redis Cluster of throwaway redis-server processes on loopback, created with <c>redis-cli --cluster create</c>.
/// Every node is a <see cref="RedisServerProcess"/> (own temp directory, so each has its own nodes.conf); Dispose kills
/// them all by PID and deletes their directories whatever fails, and a ProcessExit hook does the same for a group
/// nobody disposed. Only raw per-node <see cref="RedisClient"/>s, redis-cli and processes are used: nothing here
/// depends on the client's own cluster support.
/// </summary>
public sealed class ClusterGroup : IDisposable
{
    public const int SlotCount = 16384;
    public const string CliExecutable = "redis-cli";

    /// <summary>Time allowed to each wait (start, failover, migration). Generous for a loaded CI machine; a healthy start takes 2-4 s.</summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Cluster ports are chosen here: the bus listens on port + 10000, which must stay at or under 65535
    /// (Redis refuses ports above 55535), and ports outside the OS's ephemeral range are preferred (see <see cref="ClusterPorts"/>).</summary>
    public const int MinPort = 20000;

    public const int MaxPort = 45000;

    private const int MaxStartAttemptsPerNode = 5;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    private readonly List<RedisServerProcess> _nodes = new();
    private readonly EventHandler _processExitHandler;
    private readonly string[] _extraArgs;
    private int _disposed;

    private ClusterGroup(int primaries, int replicasPerPrimary, string[] extraArgs)
    {
        PrimaryCount = primaries;
        ReplicasPerPrimary = replicasPerPrimary;
        _extraArgs = extraArgs;
        Password = FindOption(extraArgs, "--requirepass");
        _processExitHandler = (_, _) => DisposeQuietly();
        AppDomain.CurrentDomain.ProcessExit += _processExitHandler;
    }

    /// <summary>Every node started, in port order (redis-cli --cluster create makes the first <see cref="PrimaryCount"/> the
    /// primaries; ask <see cref="Primaries"/> for the roles now). A node a test disposed (killed) stays listed; the queries
    /// and waits here skip nodes that are not running.</summary>
    public IReadOnlyList<RedisServerProcess> Nodes => _nodes;

    public int PrimaryCount { get; }

    public int ReplicasPerPrimary { get; }

    /// <summary>The --requirepass value found in the extra arguments, if any (the fixture then also sets --masterauth
    /// and uses it for redis-cli and its own clients).</summary>
    public string? Password { get; }

    /// <summary>How long <see cref="Start"/> took, from the first process to a stable cluster.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Where <see cref="StartupTime"/> went: "processes N ms, create N ms, agreement N ms".</summary>
    public string StartupPhases { get; private set; } = "";

    /// <summary>redis://127.0.0.1:port/0 of the first node (no password in it).</summary>
    public string SeedUrl => _nodes[0].Url;

    /// <summary>"127.0.0.1:port" of every node, first node first.</summary>
    public IReadOnlyList<string> SeedUrls =>
        _nodes.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Host}:{n.Port}")).ToArray();

    /// <summary>The nodes that are primaries now, each by its own CLUSTER NODES view, in port order.</summary>
    public IReadOnlyList<RedisServerProcess> Primaries => NodesInRole(primary: true);

    /// <summary>The nodes that are replicas now, each by its own CLUSTER NODES view, in port order.</summary>
    public IReadOnlyList<RedisServerProcess> Replicas => NodesInRole(primary: false);

    /// <summary>
    /// Starts primaries * (1 + replicasPerPrimary) cluster nodes, joins them with redis-cli --cluster create, and returns
    /// once every node reports cluster_state:ok, every node reports the same slot map covering all 16384 slots with
    /// every node in it, and every replica's link to its primary is up. A failed start disposes what it started.
    /// </summary>
    /// <param name="extraArgs">Appended to every node's redis-server arguments (after the fixture's own, so they win).</param>
    public static ClusterGroup Start(int primaries = 3, int replicasPerPrimary = 1, params string[] extraArgs)
    {
        if (primaries < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(primaries), primaries, "redis-cli --cluster create needs at least 3 primaries.");
        }

        if (replicasPerPrimary < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(replicasPerPrimary), replicasPerPrimary, "Cannot be negative.");
        }

        ArgumentNullException.ThrowIfNull(extraArgs);
        var group = new ClusterGroup(primaries, replicasPerPrimary, (string[])extraArgs.Clone());
        try
        {
            group.StartAll();
            return group;
        }
        catch (Exception ex)
        {
            string nodes = group.DescribeNodes();
            try
            {
                group.Dispose();
            }
            catch (Exception cleanup)
            {
                throw new AggregateException($"Starting the cluster failed, and so did stopping what it started ({nodes}).", ex, cleanup);
            }

            // The cause (with node logs) first, then which processes were started and are now stopped.
            throw new InvalidOperationException(
                $"Starting a cluster failed: {ex.Message}{Environment.NewLine}Nodes started (all stopped now): {nodes}", ex);
        }
    }

    /// <summary>The node listening on <paramref name="port"/>.</summary>
    public RedisServerProcess Node(int port) =>
        _nodes.FirstOrDefault(n => n.Port == port)
        ?? throw new ArgumentException($"No node of this cluster listens on port {port} (nodes: {string.Join(", ", _nodes.Select(n => n.Port))}).", nameof(port));

    /// <summary>A plain, non-cluster-aware client on one node (no retries, so a MOVED or ASK reaches the caller as
    /// <see cref="RedisResponseException"/>). The caller disposes it.</summary>
    public RedisClient Client(int port, int protocol = 2) => new(new ConnectionOptions
    {
        Host = RedisServerProcess.LoopbackHost,
        Port = Node(port).Port,
        Password = Password,
        Protocol = protocol,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        SocketTimeout = TimeSpan.FromSeconds(10),
        Retry = RetryPolicy.None,
    });

    /// <summary>CLUSTER KEYSLOT on a node: the server's own answer, the oracle for the client's CRC16 and hash tags.</summary>
    public int KeySlot(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        using RedisClient client = Client(AnyLiveNode().Port);
        return checked((int)(long)client.ExecuteCommand("CLUSTER", "KEYSLOT", key)!);
    }

    /// <summary>The port of the primary that serves <paramref name="slot"/>, by the slot map of the first running node.</summary>
    public int SlotOwnerPort(int slot)
    {
        CheckSlot(slot);
        return SlotMap().First(r => r.Contains(slot)).PrimaryPort;
    }

    /// <summary>CLUSTER SLOTS of one node (the first running node when <paramref name="port"/> is null), ranges in slot order.</summary>
    public IReadOnlyList<ClusterSlotRange> SlotMap(int? port = null)
    {
        using RedisClient client = Client(port ?? AnyLiveNode().Port);
        return ParseSlots(client.ExecuteCommand("CLUSTER", "SLOTS"));
    }

    /// <summary>CLUSTER NODES as one node sees it (the first running node when <paramref name="port"/> is null).</summary>
    public IReadOnlyList<ClusterNodeInfo> ClusterNodes(int? port = null)
    {
        using RedisClient client = Client(port ?? AnyLiveNode().Port);
        return ParseNodes((string)client.ExecuteCommand("CLUSTER", "NODES")!);
    }

    /// <summary>The node id of the node on <paramref name="port"/> (CLUSTER MYID).</summary>
    public string NodeId(int port)
    {
        using RedisClient client = Client(port);
        return (string)client.ExecuteCommand("CLUSTER", "MYID")!;
    }

    /// <summary>The running replicas of the primary on <paramref name="primaryPort"/>, each by its own view, in port order.</summary>
    public IReadOnlyList<RedisServerProcess> ReplicasOf(int primaryPort)
    {
        string primaryId = NodeId(primaryPort);
        return LiveNodes().Where(n => Myself(n) is { IsPrimary: false } me && me.PrimaryId == primaryId).ToArray();
    }

    /// <summary>FLUSHALL on every primary, then WAIT until its replicas have applied it too.</summary>
    public void FlushAll()
    {
        foreach (RedisServerProcess primary in Primaries)
        {
            using RedisClient client = Client(primary.Port);
            client.ExecuteCommand("FLUSHALL");
            int replicas = ReplicasOf(primary.Port).Count;
            if (replicas > 0)
            {
                long acked = (long)client.ExecuteCommand("WAIT", replicas, 5000)!;
                if (acked < replicas)
                {
                    throw new TimeoutException($"FLUSHALL on primary {primary.Port}: only {acked} of {replicas} replicas acknowledged it within 5 s.");
                }
            }
        }
    }

    /// <summary>
    /// CLUSTER FAILOVER on a replica of the primary on <paramref name="primaryPort"/>, then waits until that replica is
    /// a primary, the old primary (if running) is its replica with the link up, and every node reports the same slot
    /// map. Returns the new primary's port.
    /// </summary>
    public int FailoverReplicaOf(int primaryPort)
    {
        WaitForAgreement("the cluster to be stable before the failover");
        string oldPrimaryId = NodeId(primaryPort);
        RedisServerProcess replica = ReplicasOf(primaryPort).FirstOrDefault()
            ?? throw new InvalidOperationException($"The primary on port {primaryPort} has no running replica to fail over to.");
        string replicaId = NodeId(replica.Port);
        int[] slotsOfOldPrimary = SlotMap().Where(r => r.PrimaryPort == primaryPort).Select(r => r.Start).ToArray();

        var sinceRequest = Stopwatch.StartNew();
        RequestFailover(replica.Port);
        WaitForAgreement($"the replica on {replica.Port} to take over from the primary on {primaryPort}", (views, _) =>
        {
            if (Myself(replica) is not { IsPrimary: true })
            {
                // A manual failover the old primary never acknowledged expires after 5 s (CLUSTER_MF_TIMEOUT): ask again.
                if (sinceRequest.Elapsed > TimeSpan.FromSeconds(6))
                {
                    RequestFailover(replica.Port);
                    sinceRequest.Restart();
                }

                return "the replica still reports itself a replica";
            }

            IReadOnlyList<ClusterSlotRange> map = views[0];
            if (slotsOfOldPrimary.Any(start => map.First(r => r.Contains(start)).PrimaryPort != replica.Port))
            {
                return "the slot map does not yet show the replica owning the old primary's slots";
            }

            RedisServerProcess oldPrimary = Node(primaryPort);
            if (IsRunning(oldPrimary) && Myself(oldPrimary) is not { IsPrimary: false })
            {
                return "the old primary does not yet report itself a replica";
            }

            if (IsRunning(oldPrimary) && Myself(oldPrimary)!.PrimaryId != replicaId)
            {
                return $"the old primary {oldPrimaryId} does not yet replicate the new primary {replicaId}";
            }

            return null;
        });
        return replica.Port;
    }

    /// <summary>Moves <paramref name="slot"/> with all its keys to the primary on <paramref name="toPort"/> (the whole
    /// IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE sequence), and waits until every node agrees on the new owner.</summary>
    public void MigrateSlot(int slot, int toPort) => BeginSlotMigration(slot, toPort).Complete();

    /// <summary>
    /// Starts moving <paramref name="slot"/> to the primary on <paramref name="toPort"/>: the target is set IMPORTING and the
    /// source MIGRATING, and no key moves yet. Keys then move with <see cref="ClusterSlotMigration.MoveKeys"/> (so a
    /// test can leave them split between source and target, where the source answers ASK for moved keys) and
    /// <see cref="ClusterSlotMigration.Complete"/> moves the rest and hands the slot over.
    /// </summary>
    public ClusterSlotMigration BeginSlotMigration(int slot, int toPort)
    {
        CheckSlot(slot);
        int fromPort = SlotOwnerPort(slot);
        if (fromPort == toPort)
        {
            throw new ArgumentException($"Slot {slot} is already served by the node on port {toPort}.", nameof(toPort));
        }

        if (Myself(Node(toPort)) is not { IsPrimary: true })
        {
            throw new ArgumentException($"The node on port {toPort} is not a primary; slots can only move to primaries.", nameof(toPort));
        }

        var migration = new ClusterSlotMigration(this, slot, fromPort, toPort, NodeId(fromPort), NodeId(toPort));
        using (RedisClient target = Client(toPort))
        {
            target.ExecuteCommand("CLUSTER", "SETSLOT", slot, "IMPORTING", migration.SourceId);
        }

        using (RedisClient source = Client(fromPort))
        {
            source.ExecuteCommand("CLUSTER", "SETSLOT", slot, "MIGRATING", migration.TargetId);
        }

        return migration;
    }

    /// <summary>
    /// Waits until every running node reports cluster_state:ok and the same slot map covering all slots, every running
    /// node appears in that map and no stopped one does, and every replica's link is up. Useful after a test kills a node.
    /// </summary>
    public void WaitForAgreement(string what) => WaitForAgreement(what, extra: null);

    /// <summary>The last lines of every node's log, for failure messages.</summary>
    public string NodeLogs(int tailLines = 30)
    {
        var text = new StringBuilder();
        foreach (RedisServerProcess node in _nodes)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"--- node {node.Host}:{node.Port} (pid {node.Pid}){(IsRunning(node) ? "" : ", not running")} ---"));
            try
            {
                string[] lines = node.ReadLog().Split('\n');
                text.AppendLine(string.Join('\n', lines.Skip(Math.Max(0, lines.Length - tailLines))).TrimEnd());
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                text.AppendLine("(log unreadable: " + ex.Message + ")");
            }
        }

        return text.ToString();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _processExitHandler;

        // Every node is killed and its directory deleted even when another's cleanup fails; failures are reported
        // together. In parallel: each waits for its process to exit.
        var failures = new ConcurrentQueue<Exception>();
        var stoppers = new List<Thread>();
        foreach (RedisServerProcess node in _nodes)
        {
            var stopper = new Thread(() =>
            {
                try
                {
                    node.Dispose();
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
                finally
                {
                    ClusterPorts.Release(node.Port);
                }
            })
            { IsBackground = true, Name = "cluster node stopper" };
            stopper.Start();
            stoppers.Add(stopper);
        }

        foreach (Thread stopper in stoppers)
        {
            stopper.Join();
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Stopping the cluster nodes failed.", failures);
        }
    }

    // ---- start ----

    private void StartAll()
    {
        var clock = Stopwatch.StartNew();
        int total = PrimaryCount * (1 + ReplicasPerPrimary);

        // All nodes start in parallel, each on a thread of its own: the readiness waits sleep, and on a 2-core machine
        // six of them on the thread pool wait for it to grow (about 0.5 s a thread).
        var starts = new Task<RedisServerProcess>[total];
        for (int i = 0; i < total; i++)
        {
            starts[i] = Task.Factory.StartNew(StartNode, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        try
        {
            Task.WaitAll(starts);
        }
        catch (AggregateException)
        {
            // Handled below: keep the nodes that did start, so Dispose stops them.
        }

        foreach (Task<RedisServerProcess> start in starts)
        {
            if (start.IsCompletedSuccessfully)
            {
                _nodes.Add(start.Result);
            }
        }

        Exception[] startFailures = starts.Where(s => s.IsFaulted).SelectMany(s => s.Exception!.InnerExceptions).ToArray();
        if (startFailures.Length > 0)
        {
            throw new InvalidOperationException(
                $"{startFailures.Length} of {total} cluster nodes did not start: {startFailures[0].Message}",
                startFailures.Length == 1 ? startFailures[0] : new AggregateException(startFailures));
        }

        _nodes.Sort((a, b) => a.Port.CompareTo(b.Port));
        TimeSpan processes = clock.Elapsed;
        CreateCluster();
        TimeSpan created = clock.Elapsed;
        WaitForAgreement($"the new cluster of {total} nodes to be ready", (views, _) =>
        {
            IReadOnlyList<ClusterSlotRange> map = views[0];
            int primaries = map.Select(r => r.PrimaryPort).Distinct().Count();
            if (primaries != PrimaryCount)
            {
                return $"{primaries} primaries serve slots, expected {PrimaryCount}";
            }

            ClusterSlotRange? incomplete = map.FirstOrDefault(r => r.ReplicaPorts.Count != ReplicasPerPrimary);
            return incomplete is null ? null : $"range {incomplete} does not yet list {ReplicasPerPrimary} replica(s)";
        });
        StartupTime = clock.Elapsed;
        StartupPhases = string.Create(CultureInfo.InvariantCulture,
            $"processes {processes.TotalMilliseconds:0} ms, create {(created - processes).TotalMilliseconds:0} ms, agreement {(StartupTime - created).TotalMilliseconds:0} ms");
    }

    private RedisServerProcess StartNode()
    {
        var args = new List<string>
        {
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf", // relative to --dir, which is the node's own directory
            "--cluster-node-timeout", "2000",
            // Replicas sync at once (the diskless default waits 5 s for more replicas to join the transfer).
            "--repl-diskless-sync-delay", "0",
            // Redis 7.0 leaves a replica whose replication offset is still 0 out of CLUSTER SLOTS (and shows it as
            // "loading" in CLUSTER SHARDS); on an idle primary only its pings to replicas (every 10 s by default)
            // move the offset, so without this a new cluster lists no replicas for up to 10 s.
            "--repl-ping-replica-period", "1",
        };
        if (Password is not null)
        {
            args.Add("--masterauth");
            args.Add(Password);
        }

        args.AddRange(_extraArgs);

        for (int attempt = 1; ; attempt++)
        {
            int port = ClusterPorts.Reserve();
            try
            {
                return RedisServerProcess.Start(new RedisServerOptions { Port = port, ExtraArgs = args.ToArray() });
            }
            catch (InvalidOperationException ex) when (attempt < MaxStartAttemptsPerNode && IsPortInUse(ex))
            {
                // Another process took the port (or its bus port) between our check and the server's bind: try another.
                ClusterPorts.Release(port);
            }
            catch
            {
                ClusterPorts.Release(port);
                throw;
            }
        }
    }

    // RedisServerProcess reports a fixed port in use as a failed start whose message carries the server's log, where a
    // bind failure on either the client port or the cluster bus port reads "Address already in use".
    private static bool IsPortInUse(InvalidOperationException ex) =>
        ex.Message.Contains("Address already in use", StringComparison.Ordinal);

    private void CreateCluster()
    {
        string cli = FindOnPath(CliExecutable) ?? throw new InvalidOperationException(
            $"Creating a cluster requires {CliExecutable} on PATH (e.g. `apt-get install redis-tools`).");
        var start = new ProcessStartInfo(cli)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add("--cluster");
        start.ArgumentList.Add("create");
        foreach (string seed in SeedUrls)
        {
            start.ArgumentList.Add(seed);
        }

        start.ArgumentList.Add("--cluster-replicas");
        start.ArgumentList.Add(ReplicasPerPrimary.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--cluster-yes");
        if (Password is not null)
        {
            start.Environment["REDISCLI_AUTH"] = Password; // not -a, which prints a warning and shows in ps
        }

        string output = RunToEnd(start, WaitTimeout, out int exitCode);
        if (exitCode != 0 || !output.Contains("All 16384 slots covered", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"redis-cli --cluster create exited with {exitCode}:{Environment.NewLine}{output}{Environment.NewLine}{NodeLogs()}");
        }
    }

    private static string RunToEnd(ProcessStartInfo start, TimeSpan timeout, out int exitCode)
    {
        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        void Append(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output)
            {
                throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s:{Environment.NewLine}{output}");
            }
        }

        process.WaitForExit(); // drains the redirected output
        exitCode = process.ExitCode;
        lock (output)
        {
            // redis-cli colours its messages; the escapes only get in the way of reading them in a test report.
            return System.Text.RegularExpressions.Regex.Replace(output.ToString(), "\u001b\\[[0-9;]*m", "");
        }
    }

    private static string? FindOnPath(string name)
    {
        string fileName = OperatingSystem.IsWindows() ? name + ".exe" : name;
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    // ---- waits and queries ----

    /// <summary>
    /// Polls until the cluster is stable (see <see cref="WaitForAgreement(string)"/>) and <paramref name="extra"/> (given the
    /// slot map of every running node and those nodes) returns null; otherwise a TimeoutException naming the last problem
    /// and carrying the node logs.
    /// </summary>
    internal void WaitForAgreement(string what, Func<IReadOnlyList<IReadOnlyList<ClusterSlotRange>>, IReadOnlyList<RedisServerProcess>, string?>? extra)
    {
        var clock = Stopwatch.StartNew();
        string problem = "not checked yet";
        while (true)
        {
            try
            {
                problem = AgreementProblem(extra);
                if (problem.Length == 0)
                {
                    return;
                }
            }
            catch (RedisException ex)
            {
                problem = ex.GetType().Name + ": " + ex.Message; // e.g. a node still loading, or busy
            }

            if (clock.Elapsed > WaitTimeout)
            {
                throw new TimeoutException(
                    $"Timed out after {WaitTimeout.TotalSeconds:0} s waiting for {what}; last problem: {problem}{Environment.NewLine}{NodeLogs()}");
            }

            Thread.Sleep(PollInterval);
        }
    }

    private string AgreementProblem(Func<IReadOnlyList<IReadOnlyList<ClusterSlotRange>>, IReadOnlyList<RedisServerProcess>, string?>? extra)
    {
        RedisServerProcess[] live = LiveNodes();
        if (live.Length == 0)
        {
            return "no node is running";
        }

        var views = new List<IReadOnlyList<ClusterSlotRange>>(live.Length);
        foreach (RedisServerProcess node in live)
        {
            using RedisClient client = Client(node.Port);
            string info = (string)client.ExecuteCommand("CLUSTER", "INFO")!;
            string? state = Field(info, "cluster_state");
            if (state != "ok")
            {
                return $"node {node.Port} reports cluster_state:{state}";
            }

            IReadOnlyList<ClusterSlotRange> map = ParseSlots(client.ExecuteCommand("CLUSTER", "SLOTS"));
            views.Add(map);
            string replication = (string)client.ExecuteCommand("INFO", "replication")!;
            if (Field(replication, "role") == "slave" && Field(replication, "master_link_status") != "up")
            {
                return $"replica {node.Port} reports master_link_status:{Field(replication, "master_link_status")}";
            }
        }

        string first = Describe(views[0]);
        for (int i = 1; i < views.Count; i++)
        {
            string other = Describe(views[i]);
            if (other != first)
            {
                return $"slot maps differ: node {live[0].Port} has {first}, node {live[i].Port} has {other}";
            }
        }

        int expectedStart = 0;
        foreach (ClusterSlotRange range in views[0])
        {
            if (range.Start != expectedStart)
            {
                return $"slots {expectedStart}-{range.Start - 1} are not covered: {first}";
            }

            expectedStart = range.End + 1;
        }

        if (expectedStart != SlotCount)
        {
            return $"slots {expectedStart}-{SlotCount - 1} are not covered: {first}";
        }

        var inMap = new HashSet<int>(views[0].SelectMany(r => r.ReplicaPorts.Append(r.PrimaryPort)));
        RedisServerProcess? missing = live.FirstOrDefault(n => !inMap.Contains(n.Port));
        if (missing is not null)
        {
            return $"running node {missing.Port} is not in the slot map yet: {first}";
        }

        int stale = inMap.FirstOrDefault(port => !live.Any(n => n.Port == port));
        if (stale != 0)
        {
            return $"the slot map still lists node {stale}, which is not running: {first}";
        }

        return extra?.Invoke(views, live) ?? "";
    }

    private static string Describe(IReadOnlyList<ClusterSlotRange> map) => string.Join(" ", map);

    private IReadOnlyList<RedisServerProcess> NodesInRole(bool primary) =>
        LiveNodes().Where(n => Myself(n) is { } me && me.IsPrimary == primary).ToArray();

    /// <summary>The node's own line of its CLUSTER NODES, or null when it does not answer.</summary>
    private ClusterNodeInfo? Myself(RedisServerProcess node)
    {
        try
        {
            return ClusterNodes(node.Port).FirstOrDefault(n => n.IsMyself);
        }
        catch (RedisException)
        {
            return null; // stopped, or not answering (yet)
        }
    }

    private RedisServerProcess[] LiveNodes() => _nodes.Where(IsRunning).ToArray();

    private RedisServerProcess AnyLiveNode() =>
        LiveNodes().FirstOrDefault() ?? throw new InvalidOperationException("No node of this cluster is running.");

    private static bool IsRunning(RedisServerProcess node)
    {
        try
        {
            return !node.HasExited;
        }
        catch (InvalidOperationException)
        {
            return false; // disposed by a test: its Process object no longer tracks anything
        }
    }

    private void RequestFailover(int replicaPort)
    {
        using RedisClient client = Client(replicaPort);
        client.ExecuteCommand("CLUSTER", "FAILOVER");
    }

    private string DescribeNodes() => _nodes.Count == 0
        ? "none"
        : string.Join(", ", _nodes.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Host}:{n.Port} (pid {n.Pid})")));

    private void DisposeQuietly()
    {
        try
        {
            Dispose();
        }
        catch (AggregateException ex)
        {
            Console.Error.WriteLine("PSRedis cluster fixture: cleanup at process exit failed: " + ex.Message);
        }
    }

    private static void CheckSlot(int slot)
    {
        if (slot < 0 || slot >= SlotCount)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"A slot is 0-{SlotCount - 1}.");
        }
    }

    private static string? FindOption(string[] args, string name)
    {
        int index = Array.LastIndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static string? Field(string text, string name)
    {
        foreach (string line in text.Split('\n'))
        {
            string trimmed = line.TrimEnd('\r');
            if (trimmed.StartsWith(name + ":", StringComparison.Ordinal))
            {
                return trimmed.Substring(name.Length + 1);
            }
        }

        return null;
    }

    /// <summary>Parses a CLUSTER SLOTS reply: [start, end, [ip, port, id, ...], replicas...].</summary>
    internal static IReadOnlyList<ClusterSlotRange> ParseSlots(object? reply)
    {
        var ranges = new List<ClusterSlotRange>();
        foreach (object?[] entry in ((object?[])reply!).Cast<object?[]>())
        {
            int start = checked((int)(long)entry[0]!);
            int end = checked((int)(long)entry[1]!);
            int primary = checked((int)(long)((object?[])entry[2]!)[1]!);
            int[] replicas = entry.Skip(3).Select(r => checked((int)(long)((object?[])r!)[1]!)).Order().ToArray();
            ranges.Add(new ClusterSlotRange(start, end, primary, replicas));
        }

        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        return ranges;
    }

    /// <summary>Parses CLUSTER NODES text: "id ip:port@bus[,host] flags primary ping pong epoch link slot...".</summary>
    internal static IReadOnlyList<ClusterNodeInfo> ParseNodes(string text)
    {
        var nodes = new List<ClusterNodeInfo>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split(' ');
            string address = parts[1];
            int portEnd = address.IndexOf('@') is int at && at >= 0 ? at : address.Length;
            int colon = address.LastIndexOf(':', portEnd - 1);
            int port = int.Parse(address.AsSpan(colon + 1, portEnd - colon - 1), CultureInfo.InvariantCulture);
            string flags = parts[2];
            string[] flagList = flags.Split(',');
            var slots = new List<(int, int)>();
            foreach (string slot in parts.Skip(8))
            {
                if (slot.StartsWith('['))
                {
                    continue; // [slot->-id] migrating / [slot-<-id] importing, shown by the node concerned
                }

                int dash = slot.IndexOf('-');
                slots.Add(dash < 0
                    ? (int.Parse(slot, CultureInfo.InvariantCulture), int.Parse(slot, CultureInfo.InvariantCulture))
                    : (int.Parse(slot.AsSpan(0, dash), CultureInfo.InvariantCulture), int.Parse(slot.AsSpan(dash + 1), CultureInfo.InvariantCulture)));
            }

            nodes.Add(new ClusterNodeInfo(
                Id: parts[0],
                Port: port,
                Flags: flags,
                IsMyself: flagList.Contains("myself"),
                IsPrimary: flagList.Contains("master"),
                PrimaryId: parts[3] == "-" ? null : parts[3],
                LinkState: parts[7],
                Slots: slots));
        }

        return nodes;
    }
}

/// <summary>A slot migration begun by <see cref="ClusterGroup.BeginSlotMigration"/>: the target is IMPORTING, the source MIGRATING.</summary>
public sealed class ClusterSlotMigration
{
    private const int MigrateTimeoutMs = 5000;
    private readonly ClusterGroup _group;

    internal ClusterSlotMigration(ClusterGroup group, int slot, int sourcePort, int targetPort, string sourceId, string targetId)
    {
        _group = group;
        Slot = slot;
        SourcePort = sourcePort;
        TargetPort = targetPort;
        SourceId = sourceId;
        TargetId = targetId;
    }

    public int Slot { get; }

    public int SourcePort { get; }

    public int TargetPort { get; }

    public string SourceId { get; }

    public string TargetId { get; }

    public bool IsComplete { get; private set; }

    /// <summary>CLUSTER GETKEYSINSLOT on the source: the keys of the slot that have not moved yet (up to <paramref name="max"/>).</summary>
    public IReadOnlyList<string> KeysOnSource(int max = 1000)
    {
        using RedisClient source = _group.Client(SourcePort);
        return ((object?[])source.ExecuteCommand("CLUSTER", "GETKEYSINSLOT", Slot, max)!).Select(k => (string)k!).ToArray();
    }

    /// <summary>MIGRATE these keys (all of this slot) from the source to the target; keys no longer on the source are skipped.</summary>
    public void MoveKeys(params string[] keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (IsComplete)
        {
            throw new InvalidOperationException($"The migration of slot {Slot} is complete.");
        }

        if (keys.Length == 0)
        {
            return;
        }

        var args = new List<object?> { "MIGRATE", RedisServerProcess.LoopbackHost, TargetPort, "", 0, MigrateTimeoutMs };
        if (_group.Password is not null)
        {
            args.Add("AUTH");
            args.Add(_group.Password);
        }

        args.Add("KEYS");
        args.AddRange(keys);
        using RedisClient source = _group.Client(SourcePort);
        source.ExecuteCommand(args.ToArray()); // "OK", or "NOKEY" when none of them was there
    }

    /// <summary>Moves every key left on the source, gives the slot to the target (SETSLOT NODE on the target, the
    /// source, then every other primary) and waits until every node agrees on the new owner.</summary>
    public void Complete()
    {
        if (IsComplete)
        {
            return;
        }

        while (KeysOnSource(1000) is { Count: > 0 } keys)
        {
            MoveKeys(keys.ToArray());
        }

        // The target first (it bumps its config epoch), then the source, so the source never sends clients to a node
        // that does not yet consider itself the owner; then the other primaries (replicas refuse SETSLOT and learn by gossip).
        var order = new List<int> { TargetPort, SourcePort };
        order.AddRange(_group.Primaries.Select(p => p.Port).Where(p => p != TargetPort && p != SourcePort));
        foreach (int port in order)
        {
            using RedisClient client = _group.Client(port);
            client.ExecuteCommand("CLUSTER", "SETSLOT", Slot, "NODE", TargetId);
        }

        IsComplete = true;
        _group.WaitForAgreement($"slot {Slot} to move from {SourcePort} to {TargetPort}", (views, _) =>
            views.All(map => map.First(r => r.Contains(Slot)).PrimaryPort == TargetPort)
                ? null
                : $"not every node shows slot {Slot} on {TargetPort} yet");
    }
}

/// <summary>
/// Picks cluster ports: in [<see cref="ClusterGroup.MinPort"/>, <see cref="ClusterGroup.MaxPort"/>], with both the port
/// and the bus port (+10000) free on loopback, preferably both outside the OS's ephemeral port range (where any
/// outgoing connection, the cluster's own bus links included, may take them at any moment), and never one this
/// process has already handed out and not released.
/// </summary>
internal static class ClusterPorts
{
    private const int BusOffset = 10000;
    private const int MaxAttempts = 2000;
    private static readonly object s_lock = new();
    private static readonly HashSet<int> s_reserved = new();
    private static readonly (int Low, int High) s_ephemeral = ReadEphemeralRange();

    public static int Reserve()
    {
        (int low, int high) = PreferredRange();
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            int port = Random.Shared.Next(low, high + 1);
            lock (s_lock)
            {
                if (s_reserved.Contains(port) || s_reserved.Contains(port + BusOffset) || s_reserved.Contains(port - BusOffset))
                {
                    continue;
                }

                if (IsFree(port) && IsFree(port + BusOffset))
                {
                    s_reserved.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"Found no free port pair (port, port+{BusOffset}) in {low}-{high} after {MaxAttempts} tries.");
    }

    public static void Release(int port)
    {
        lock (s_lock)
        {
            s_reserved.Remove(port);
        }
    }

    private static (int Low, int High) PreferredRange()
    {
        // With Linux's default ephemeral range 32768-60999 that leaves 20000-22767 (bus ports 30000-32767).
        int high = Math.Min(ClusterGroup.MaxPort, s_ephemeral.Low - 1 - BusOffset);
        return high - ClusterGroup.MinPort >= 500 ? (ClusterGroup.MinPort, high) : (ClusterGroup.MinPort, ClusterGroup.MaxPort);
    }

    private static (int Low, int High) ReadEphemeralRange()
    {
        const string RangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        try
        {
            if (File.Exists(RangeFile))
            {
                string[] parts = File.ReadAllText(RangeFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
            }
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            // Fall through to the IANA range, which Windows and macOS use.
        }

        return (49152, 65535);
    }

    private static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
