using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using PSRedis.Tests.Integration.Infrastructure;

namespace PSRedis.Tests.Integration.Faults;

/// <summary>
/// A redis-server from PATH that a test can kill -9, restart on the same port with the same data directory, or
/// freeze and thaw (SIGSTOP/SIGCONT): for tests of what survives a crash and of clients facing a server that vanishes
/// or hangs. Unlike <see cref="RedisServerProcess"/> it keeps its directory across restarts, so with persistence on
/// (say <c>--appendonly yes --appendfsync always</c>) the restarted server loads what was written before the kill.
/// Dispose kills it and deletes the directory.
/// </summary>
public sealed class KillableRedisServer : IDisposable
{
    private static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(10);
    private const int MaxPortAttempts = 5;
    private const int SigStop = 19; // Linux numbering; Pause/Resume are Linux-only
    private const int SigCont = 18;

    private static readonly object s_liveLock = new();
    private static readonly HashSet<KillableRedisServer> s_live = new();

    private readonly string _executable;
    private readonly IReadOnlyList<string> _extraArgs;
    private Process? _process;

    static KillableRedisServer()
    {
        // Backstop for a test run that ends without Dispose: no redis-server may outlive the test process.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            KillableRedisServer[] live;
            lock (s_liveLock) live = s_live.ToArray();
            foreach (KillableRedisServer server in live)
            {
                try
                {
                    server._process?.Kill();
                }
                catch (InvalidOperationException)
                {
                    // Exited meanwhile.
                }
            }
        };
    }

    private KillableRedisServer(string executable, IReadOnlyList<string> extraArgs)
    {
        _executable = executable;
        _extraArgs = extraArgs;
        WorkingDirectory = Path.Combine(Path.GetTempPath(), "psredis-kill-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(WorkingDirectory);
        lock (s_liveLock) s_live.Add(this);
    }

    public string Host => RedisServerProcess.LoopbackHost;

    /// <summary>The same port for the server's whole life, restarts included.</summary>
    public int Port { get; private set; }

    public string Url => string.Create(CultureInfo.InvariantCulture, $"redis://{Host}:{Port}/0");

    /// <summary>--dir of every run: RDB and AOF files survive <see cref="Kill"/> here.</summary>
    public string WorkingDirectory { get; }

    public string LogPath => Path.Combine(WorkingDirectory, "redis.log");

    /// <summary>The process id of the current run; null while killed.</summary>
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Starts a server on a free loopback port with <paramref name="extraArgs"/> appended (persistence is off unless they turn it on).</summary>
    public static KillableRedisServer Start(params string[] extraArgs)
    {
        string executable = RedisServerProcess.FindExecutable() ?? throw new InvalidOperationException(
            "This test requires redis-server on PATH (e.g. `apt-get install redis-server`).");
        var server = new KillableRedisServer(executable, extraArgs);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                server.Port = RedisServerProcess.GetFreeLoopbackPort();
                if (server.TryRun(out string failure)) return server;
                if (attempt >= MaxPortAttempts || !failure.Contains("Address already in use", StringComparison.Ordinal))
                    throw new InvalidOperationException(failure);
            }
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL, as a crash or the OOM killer: nothing is flushed, open connections drop. Waits until the process is gone.</summary>
    public void Kill()
    {
        Process process = _process ?? throw new InvalidOperationException("The server is not running.");
        if (!process.HasExited)
        {
            process.Kill(); // SIGKILL on Unix
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
                throw new InvalidOperationException($"redis-server pid {process.Id} did not exit within 10 s of SIGKILL.");
        }
        process.WaitForExit();
        process.Dispose();
        _process = null;
    }

    /// <summary>Starts the server again on the same port and directory and waits until it answers PING (loading done).</summary>
    public void Restart()
    {
        if (_process != null) throw new InvalidOperationException("The server is still running: Kill it first.");
        if (!TryRun(out string failure)) throw new InvalidOperationException(failure);
    }

    /// <summary>SIGSTOP: the process stays, its sockets stay open and accept connections into the backlog, but nothing answers.</summary>
    public void Pause() => Signal(SigStop);

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal(SigCont);

    public void Dispose()
    {
        if (_process != null)
        {
            // A paused process still dies of SIGKILL.
            Kill();
        }
        lock (s_liveLock) s_live.Remove(this);
        if (Directory.Exists(WorkingDirectory)) Directory.Delete(WorkingDirectory, recursive: true);
    }

    private void Signal(int signal)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("Pause and Resume use Linux signal numbers.");
        Process process = _process ?? throw new InvalidOperationException("The server is not running.");
        if (SysKill(process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    private bool TryRun(out string failure)
    {
        var startInfo = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = WorkingDirectory,
        };
        foreach (string argument in Arguments()) startInfo.ArgumentList.Add(argument);
        var process = new Process { StartInfo = startInfo };
        // Drained so a chatty server never blocks on a full pipe; everything useful is in the log file.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var clock = Stopwatch.StartNew();
        string lastProblem = "no PING attempted yet";
        while (clock.Elapsed < ReadinessTimeout)
        {
            if (process.HasExited)
            {
                process.WaitForExit();
                _process = null;
                failure = $"redis-server exited with code {process.ExitCode} before it was ready. Log:{Environment.NewLine}{ReadLog()}";
                process.Dispose();
                return false;
            }
            try
            {
                using Socket socket = RespProbe.ConnectTcp(Host, Port, TimeSpan.FromSeconds(2));
                using var stream = new NetworkStream(socket, ownsSocket: false);
                string reply = RespProbe.Send(stream, "PING");
                if (reply == "+PONG")
                {
                    failure = "";
                    return true;
                }
                lastProblem = "PING answered " + reply; // -LOADING while it reads its files
            }
            catch (Exception ex) when (ex is SocketException || ex is IOException)
            {
                lastProblem = ex.Message;
            }
            Thread.Sleep(20);
        }
        Kill();
        failure = $"redis-server did not answer PING within {ReadinessTimeout.TotalSeconds:0} s (last problem: {lastProblem}). Log:{Environment.NewLine}{ReadLog()}";
        return false;
    }

    private IEnumerable<string> Arguments()
    {
        string[] defaults =
        {
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", Host, "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", WorkingDirectory, "--logfile", LogPath,
        };
        return defaults.Concat(_extraArgs);
    }

    private string ReadLog()
    {
        if (!File.Exists(LogPath)) return "(no log)";
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
