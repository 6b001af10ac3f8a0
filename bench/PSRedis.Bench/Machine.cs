using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace PSRedis.Bench;

/// <summary>A throwaway redis-server on loopback (no persistence, DEBUG allowed from loopback), killed on Dispose.</summary>
public sealed class ThrowawayServer : IDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private ThrowawayServer(Process process, int port, string dir)
    {
        _process = process;
        Port = port;
        _dir = dir;
    }

    public int Port { get; }

    public static ThrowawayServer Start()
    {
        int port = FreePort();
        string dir = Path.Combine(Path.GetTempPath(), "psredis-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        var psi = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dir,
        };
        foreach (string a in new[] { "--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no",
                     "--enable-debug-command", "local", "--protected-mode", "yes", "--dir", dir })
        {
            psi.ArgumentList.Add(a);
        }
        Process process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start redis-server.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ThrowawayServer(process, port, dir);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited) throw new InvalidOperationException("redis-server exited at once (code " + process.ExitCode + ").");
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                using NetworkStream s = c.GetStream();
                s.Write("*1\r\n$4\r\nPING\r\n"u8);
                var buf = new byte[16];
                if (s.Read(buf, 0, buf.Length) > 0 && buf[0] == (byte)'+') return server;
            }
            catch (SocketException)
            {
            }
            Thread.Sleep(20);
        }
        server.Dispose();
        throw new TimeoutException("redis-server did not answer PING within 10 s.");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}

/// <summary>
/// One low-priority busy loop for the whole measurement: a `nice -n 19` shell spinning, so no contender meets a
/// cold, idle vCPU (an idle vCPU wakes up slowly and single-connection round trips drop 3-5x). Killed on Dispose.
/// </summary>
public sealed class BusyLoop : IDisposable
{
    private readonly Process? _process;

    public BusyLoop()
    {
        var psi = new ProcessStartInfo("nice") { UseShellExecute = false };
        foreach (string a in new[] { "-n", "19", "sh", "-c", "while :; do :; done" }) psi.ArgumentList.Add(a);
        _process = Process.Start(psi);
    }

    public void Dispose()
    {
        if (_process == null) return;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(2000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}

public static class External
{
    /// <summary>Runs a program and returns its standard output; throws when it fails.</summary>
    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("Could not start " + file);
        var stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException(file + " exited with " + p.ExitCode + ": " + stderr.Result.Trim());
        return output;
    }

    public static bool Exists(string file)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, file))) return true;
        }
        return false;
    }

    /// <summary>redis-benchmark --csv: the rps column of its one result line.</summary>
    /// <summary>
    /// redis-benchmark's rate. Without <paramref name="keyspace"/> every request names the one key
    /// "key:__rand_int__"; with it, keys "key:" + 12 random digits below <paramref name="keyspace"/> (-r), which is
    /// what a scenario writing many distinct keys must compare against: on one key the server does about half the work.
    /// </summary>
    public static double RedisBenchmark(string host, int port, string test, int requests, int clients, int pipeline, int? keyspace = null)
    {
        var args = new List<string> { "-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-t", test,
            "-n", requests.ToString(CultureInfo.InvariantCulture), "-c", clients.ToString(CultureInfo.InvariantCulture),
            "-P", pipeline.ToString(CultureInfo.InvariantCulture), "-d", "100", "--csv" };
        if (keyspace.HasValue) { args.Add("-r"); args.Add(keyspace.Value.ToString(CultureInfo.InvariantCulture)); }
        string csv = Run("redis-benchmark", args.ToArray());
        foreach (string line in csv.Split('\n'))
        {
            string[] cells = line.Trim().Split(',');
            if (cells.Length >= 2 && cells[0].Trim('"').Equals(test, StringComparison.OrdinalIgnoreCase))
                return double.Parse(cells[1].Trim('"'), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException("No result line in redis-benchmark output: " + csv);
    }

    public static string Describe()
    {
        string cpu = "unknown CPU";
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal)) { cpu = line.Substring(line.IndexOf(':') + 1).Trim(); break; }
            }
        }
        catch (IOException)
        {
        }
        string load = "n/a";
        try
        {
            load = LoadAverage();
        }
        catch (IOException)
        {
        }
        return Environment.ProcessorCount + " vCPU (" + cpu + "), " + System.Runtime.InteropServices.RuntimeInformation.OSDescription
            + ", .NET " + Environment.Version + ", load average " + load;
    }

    public static string LoadAverage()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return parts[0] + " " + parts[1] + " " + parts[2];
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
