using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using PSRedis.Protocol;

namespace PSRedis.Bench;

/// <summary>
/// A throwaway 3-primary, 3-replica Redis Cluster on loopback for the cluster scenarios (the bench's own, small version
/// of the tests' ClusterFixture, which the bench may not reference). Six redis-server processes, each in its own temp
/// directory (own nodes.conf), joined by `redis-cli --cluster create --cluster-replicas 1`; Start returns once every
/// node says cluster_state:ok and CLUSTER SLOTS lists a replica for every range. Dispose (also run at process exit and on
/// Ctrl+C) kills every process it started by PID, whatever failed, and deletes the directories.
/// </summary>
public sealed class BenchCluster : IDisposable
{
    private const int BusOffset = 10000;
    private readonly List<(Process Process, int Port, string Dir)> _nodes = new();
    private readonly EventHandler _onExit;
    private readonly ConsoleCancelEventHandler _onCancel;
    private int _disposed;

    private BenchCluster()
    {
        _onExit = (_, _) => Dispose();
        _onCancel = (_, _) => Dispose();
        AppDomain.CurrentDomain.ProcessExit += _onExit;
        Console.CancelKeyPress += _onCancel;
    }

    /// <summary>"127.0.0.1" and the first node's port: any node is a seed.</summary>
    public string Host => "127.0.0.1";

    public int Port => _nodes[0].Port;

    public IReadOnlyList<int> Ports => _nodes.Select(n => n.Port).ToArray();

    public string Describe => "3 primaries + 3 replicas on ports " + string.Join(",", Ports) + ", pids " + string.Join(",", _nodes.Select(n => n.Process.Id));

    public static BenchCluster Start(TextWriter log)
    {
        var cluster = new BenchCluster();
        try
        {
            var clock = Stopwatch.StartNew();
            var used = new HashSet<int>();
            for (int i = 0; i < 6; i++) cluster.StartNode(used);
            cluster.Create();
            cluster.WaitReady();
            log.WriteLine("Cluster: " + cluster.Describe + ", ready in " + clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s");
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    private void StartNode(HashSet<int> used)
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            int port = FreePortPair(used);
            used.Add(port);
            string dir = Path.Combine(Path.GetTempPath(), "psredis-bench-cluster-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + port.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            var psi = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
            foreach (string a in new[]
                     {
                         "--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no",
                         "--protected-mode", "yes", "--dir", dir, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                         "--cluster-node-timeout", "2000", "--repl-diskless-sync-delay", "0", "--repl-ping-replica-period", "1",
                     })
            {
                psi.ArgumentList.Add(a);
            }
            Process process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start redis-server.");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _nodes.Add((process, port, dir));
            if (WaitPing(process, port)) return;
            // Lost a race for the port (or its bus port): kill this one and try another pair.
            string text;
            lock (output) text = output.ToString();
            Kill(_nodes[^1]);
            _nodes.RemoveAt(_nodes.Count - 1);
            if (!text.Contains("Address already in use", StringComparison.Ordinal))
                throw new InvalidOperationException("A cluster node on port " + port + " did not start: " + text.Trim());
        }
        throw new InvalidOperationException("Found no free port pair for a cluster node after 20 tries.");
    }

    private static bool WaitPing(Process process, int port)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited) return false;
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                using NetworkStream s = c.GetStream();
                s.Write("*1\r\n$4\r\nPING\r\n"u8);
                var buf = new byte[16];
                if (s.Read(buf, 0, buf.Length) > 0 && buf[0] == (byte)'+') return true;
            }
            catch (SocketException)
            {
            }
            catch (IOException)
            {
            }
            Thread.Sleep(20);
        }
        return false;
    }

    private void Create()
    {
        var args = new List<string> { "--cluster", "create" };
        args.AddRange(_nodes.Select(n => "127.0.0.1:" + n.Port.ToString(CultureInfo.InvariantCulture)));
        args.AddRange(new[] { "--cluster-replicas", "1", "--cluster-yes" });
        string output = External.Run("redis-cli", args.ToArray());
        if (!output.Contains("All 16384 slots covered", StringComparison.Ordinal))
            throw new InvalidOperationException("redis-cli --cluster create did not cover every slot: " + output);
    }

    /// <summary>Every node cluster_state:ok and CLUSTER SLOTS of every node: 16384 slots, 3 ranges' primaries, each with a replica.</summary>
    private void WaitReady()
    {
        var clock = Stopwatch.StartNew();
        string problem = "not asked yet";
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            problem = Problem();
            if (problem.Length == 0) return;
            Thread.Sleep(50);
        }
        throw new TimeoutException("The bench cluster was not ready within 30 s: " + problem);
    }

    private string Problem()
    {
        try
        {
            foreach ((Process _, int port, string _) in _nodes)
            {
                using var client = new RedisClient(new ConnectionOptions { Host = Host, Port = port, Retry = RetryPolicy.None });
                string info = (string)client.ExecuteCommand("CLUSTER", "INFO")!;
                if (!info.Contains("cluster_state:ok", StringComparison.Ordinal)) return "node " + port + " not ok";
                var slots = (object?[])client.ExecuteCommand("CLUSTER", "SLOTS")!;
                long covered = 0;
                var primaries = new HashSet<long>();
                foreach (object?[] range in slots.Cast<object?[]>())
                {
                    covered += (long)range[1]! - (long)range[0]! + 1;
                    primaries.Add((long)((object?[])range[2]!)[1]!);
                    if (range.Length < 4) return "node " + port + " lists a range without replica";
                }
                if (covered != 16384 || primaries.Count != 3) return "node " + port + " covers " + covered + " slots with " + primaries.Count + " primaries";
            }
            return string.Empty;
        }
        catch (RedisException e)
        {
            return e.Message;
        }
    }

    private static int FreePortPair(HashSet<int> used)
    {
        // Ports 20000-22767 keep both the port and its bus port (+10000) under Linux's ephemeral range (32768+).
        for (int i = 0; i < 2000; i++)
        {
            int port = Random.Shared.Next(20000, 22768);
            if (used.Contains(port) || used.Contains(port + BusOffset) || used.Contains(port - BusOffset)) continue;
            if (IsFree(port) && IsFree(port + BusOffset)) return port;
        }
        throw new InvalidOperationException("No free port pair in 20000-22767.");
    }

    private static bool IsFree(int port)
    {
        var l = new TcpListener(IPAddress.Loopback, port);
        try
        {
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            l.Stop();
        }
    }

    private static void Kill((Process Process, int Port, string Dir) node)
    {
        try
        {
            if (!node.Process.HasExited)
            {
                node.Process.Kill();
                node.Process.WaitForExit(5000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException || e is System.ComponentModel.Win32Exception)
        {
        }
        node.Process.Dispose();
        try
        {
            Directory.Delete(node.Dir, recursive: true);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        Console.CancelKeyPress -= _onCancel;
        foreach (var node in _nodes) Kill(node);
        _nodes.Clear();
    }
}
