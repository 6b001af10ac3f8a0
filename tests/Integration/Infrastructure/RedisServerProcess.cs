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

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>TLS settings for a <see cref="RedisServerProcess"/>: the server certificate, key and CA come from <paramref name="Certificates"/>.</summary>
/// <param name="AuthClients">Value of --tls-auth-clients: "no", "optional" or "yes".</param>
public sealed record RedisTlsOptions(TestCertificates Certificates, string AuthClients = "optional");

/// <summary>How to start a <see cref="RedisServerProcess"/>. Every option maps to redis-server command-line arguments.</summary>
public sealed class RedisServerOptions
{
    /// <summary>--requirepass: the password of the "default" user.</summary>
    public string? Password { get; init; }

    /// <summary>An ACL user rule line passed as --user, e.g. "alice on >secret ~* +@all".
    /// Split on spaces into separate arguments (redis-server 7.0 quotes each argument, so the line must not be one argument).</summary>
    public string? AclUser { get; init; }

    /// <summary>Listen on a unix socket &lt;WorkingDirectory&gt;/redis.sock with --unixsocketperm 700.</summary>
    public bool UnixSocket { get; init; }

    /// <summary>Serve TLS on a free port and disable the plain TCP port (--port 0).
    /// Such a server also gets a unix socket, which the readiness check uses.</summary>
    public RedisTlsOptions? Tls { get; init; }

    /// <summary>--enable-debug-command local (for DEBUG POPULATE, DEBUG SLEEP ...).</summary>
    public bool EnableDebugCommand { get; init; }

    /// <summary>
    /// The plain TCP port to listen on, e.g. the port of a server just stopped, to play a restart; a free port when
    /// null. With a fixed port a port in use is an error, not a reason to try another.
    /// </summary>
    public int? Port { get; init; }

    /// <summary>Any further arguments, appended last (e.g. "--maxmemory", "10mb").</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = Array.Empty<string>();
}

/// <summary>
/// One throwaway redis-server started from PATH on free loopback port(s), in its own temp working directory,
/// with persistence off. It is killed (by PID) and its directory deleted on Dispose; an AppDomain.ProcessExit
/// hook kills any instance that was not disposed.
/// </summary>
public sealed class RedisServerProcess : IDisposable
{
    public const string LoopbackHost = "127.0.0.1";
    public const string ExecutableName = "redis-server";
    public static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(10);
    private const int MaxPortAttempts = 5;

    private static readonly object s_liveLock = new();
    private static readonly HashSet<RedisServerProcess> s_live = new();

    private readonly Process _process;
    private readonly StringBuilder _consoleOutput = new();
    private readonly int _port;
    private readonly int _tlsPort;
    private readonly string? _socketPath;
    private readonly string[] _arguments;
    private int _disposed;

    static RedisServerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLive();
    }

    private RedisServerProcess(string executable, RedisServerOptions options)
    {
        Options = options;
        WorkingDirectory = Path.Combine(Path.GetTempPath(), "psredis-srv-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(WorkingDirectory);
        LogPath = Path.Combine(WorkingDirectory, "redis.log");

        if (options.Tls is null)
        {
            _port = options.Port ?? GetFreeLoopbackPort();
        }
        else
        {
            _tlsPort = GetFreeLoopbackPort();
        }

        if (options.UnixSocket || options.Tls is not null)
        {
            _socketPath = Path.Combine(WorkingDirectory, "redis.sock");
        }

        _arguments = BuildArguments(options).ToArray();
        var startInfo = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            WorkingDirectory = WorkingDirectory,
        };
        foreach (string argument in _arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = startInfo };
        _process.OutputDataReceived += OnConsoleLine;
        _process.ErrorDataReceived += OnConsoleLine;
        try
        {
            _process.Start();
        }
        catch
        {
            _process.Dispose();
            Directory.Delete(WorkingDirectory, recursive: true);
            throw;
        }

        lock (s_liveLock)
        {
            s_live.Add(this);
        }

        Pid = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public RedisServerOptions Options { get; }

    /// <summary>Always the IPv4 loopback address the server binds to.</summary>
    public string Host => LoopbackHost;

    /// <summary>The plain TCP port. Throws for a TLS-only server.</summary>
    public int Port => _port != 0
        ? _port
        : throw new InvalidOperationException("This redis-server has no plain TCP port (it serves TLS only): use TlsPort.");

    /// <summary>The TLS port. Throws when the server was started without TLS.</summary>
    public int TlsPort => _tlsPort != 0
        ? _tlsPort
        : throw new InvalidOperationException("This redis-server was started without TLS.");

    /// <summary>The unix socket path. Throws when the server has no unix socket.</summary>
    public string SocketPath => _socketPath
        ?? throw new InvalidOperationException("This redis-server was started without a unix socket.");

    /// <summary>The certificates a TLS server uses (CA, server and client files). Throws when started without TLS.</summary>
    public TestCertificates Certificates => Options.Tls?.Certificates
        ?? throw new InvalidOperationException("This redis-server was started without TLS.");

    public int Pid { get; }

    /// <summary>A unique directory under the temp path: --dir, the log file and the unix socket live here.</summary>
    public string WorkingDirectory { get; }

    public string LogPath { get; }

    /// <summary>redis://127.0.0.1:port/0 for the plain port.</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"redis://{Host}:{Port}/0");

    /// <summary>rediss://localhost:tlsport/0 (host name "localhost", which the test server certificate names).</summary>
    public string TlsUrl => string.Create(CultureInfo.InvariantCulture, $"rediss://{TestCertificates.ServerHostName}:{TlsPort}/0");

    public IReadOnlyList<string> Arguments => _arguments;

    public bool HasExited => _process.HasExited;

    /// <summary>Full path of redis-server on PATH, or null when it is not there.</summary>
    public static string? FindExecutable()
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        string fileName = OperatingSystem.IsWindows() ? ExecutableName + ".exe" : ExecutableName;
        foreach (string directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts a server and waits until it answers PING (or NOAUTH). Retries on another port when the chosen one was taken meanwhile.</summary>
    public static RedisServerProcess Start(RedisServerOptions? options = null)
    {
        options ??= new RedisServerOptions();
        string executable = FindExecutable() ?? throw new InvalidOperationException(
            "This test requires redis-server on PATH (e.g. `apt-get install redis-server`).");

        for (int attempt = 1; ; attempt++)
        {
            var server = new RedisServerProcess(executable, options);
            try
            {
                ReadinessResult result = server.WaitUntilReady(out string failure);
                if (result == ReadinessResult.Ready)
                {
                    return server;
                }

                if (result == ReadinessResult.PortInUse && attempt < MaxPortAttempts && options.Port is null)
                {
                    server.Dispose();
                    continue;
                }

                throw new InvalidOperationException(failure);
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }
    }

    /// <summary>The server's log file plus anything it printed on stdout/stderr.</summary>
    public string ReadLog()
    {
        var text = new StringBuilder();
        if (File.Exists(LogPath))
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text.Append(reader.ReadToEnd());
        }

        lock (_consoleOutput)
        {
            if (_consoleOutput.Length > 0)
            {
                text.AppendLine("--- stdout/stderr ---").Append(_consoleOutput);
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

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    throw new InvalidOperationException($"redis-server pid {Pid} did not exit within 10 s after being killed.");
                }
            }

            _process.WaitForExit(); // drains the redirected output and reaps the process
            _process.Dispose();
        }
        finally
        {
            lock (s_liveLock)
            {
                s_live.Remove(this);
            }
        }

        if (Directory.Exists(WorkingDirectory))
        {
            Directory.Delete(WorkingDirectory, recursive: true);
        }
    }

    /// <summary>Binds a listener on 127.0.0.1:0 and releases it, returning the port the OS picked.</summary>
    public static int GetFreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private IEnumerable<string> BuildArguments(RedisServerOptions options)
    {
        yield return "--port";
        yield return _port.ToString(CultureInfo.InvariantCulture);
        yield return "--bind";
        yield return LoopbackHost;
        yield return "--save";
        yield return "";
        yield return "--appendonly";
        yield return "no";
        yield return "--daemonize";
        yield return "no";
        yield return "--dir";
        yield return WorkingDirectory;
        yield return "--logfile";
        yield return LogPath;

        if (options.Password is not null)
        {
            yield return "--requirepass";
            yield return options.Password;
        }

        if (options.AclUser is not null)
        {
            yield return "--user";
            foreach (string part in options.AclUser.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return part;
            }
        }

        if (_socketPath is not null)
        {
            yield return "--unixsocket";
            yield return _socketPath;
            yield return "--unixsocketperm";
            yield return "700";
        }

        if (options.Tls is { } tls)
        {
            yield return "--tls-port";
            yield return _tlsPort.ToString(CultureInfo.InvariantCulture);
            yield return "--tls-cert-file";
            yield return tls.Certificates.ServerCertPath;
            yield return "--tls-key-file";
            yield return tls.Certificates.ServerKeyPath;
            yield return "--tls-ca-cert-file";
            yield return tls.Certificates.CaCertPath;
            yield return "--tls-auth-clients";
            yield return tls.AuthClients;
        }

        if (options.EnableDebugCommand)
        {
            yield return "--enable-debug-command";
            yield return "local";
        }

        foreach (string extra in options.ExtraArgs)
        {
            yield return extra;
        }
    }

    private enum ReadinessResult
    {
        Ready,
        PortInUse,
        Failed,
    }

    private ReadinessResult WaitUntilReady(out string failure)
    {
        var clock = Stopwatch.StartNew();
        string lastProblem = "no PING attempted yet";
        TimeSpan probeTimeout = TimeSpan.FromSeconds(2);
        while (clock.Elapsed < ReadinessTimeout)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                string log = ReadLog();
                failure = $"redis-server exited with code {_process.ExitCode} before it was ready.{Describe(log)}";
                return log.Contains("Address already in use", StringComparison.Ordinal) ? ReadinessResult.PortInUse : ReadinessResult.Failed;
            }

            try
            {
                using Socket socket = _port != 0
                    ? RespProbe.ConnectTcp(LoopbackHost, _port, probeTimeout)
                    : RespProbe.ConnectUnix(_socketPath!, probeTimeout);
                using var stream = new NetworkStream(socket, ownsSocket: false);
                string reply = RespProbe.Send(stream, "PING");
                if (reply == "+PONG" || reply.StartsWith("-NOAUTH", StringComparison.Ordinal))
                {
                    failure = "";
                    return ReadinessResult.Ready;
                }

                lastProblem = "PING answered " + reply;
            }
            catch (SocketException ex)
            {
                lastProblem = ex.Message; // not listening yet
            }
            catch (IOException ex)
            {
                lastProblem = ex.Message; // accepted, then closed while starting
            }

            Thread.Sleep(20);
        }

        failure = $"redis-server pid {Pid} did not answer PING within {ReadinessTimeout.TotalSeconds:0} s (last problem: {lastProblem}).{Describe(ReadLog())}";
        return ReadinessResult.Failed;
    }

    private string Describe(string log) =>
        $"{Environment.NewLine}Command line: redis-server {string.Join(' ', _arguments.Select(a => a.Length == 0 ? "''" : a))}" +
        $"{Environment.NewLine}Server log:{Environment.NewLine}{(log.Length == 0 ? "(empty)" : log)}";

    private void OnConsoleLine(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
        {
            return;
        }

        lock (_consoleOutput)
        {
            _consoleOutput.AppendLine(e.Data);
        }
    }

    private static void KillAllLive()
    {
        RedisServerProcess[] live;
        lock (s_liveLock)
        {
            live = s_live.ToArray();
        }

        foreach (RedisServerProcess server in live)
        {
            try
            {
                server.Dispose();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
            {
                // The process is exiting: report and carry on with the other servers.
                Console.Error.WriteLine($"PSRedis test fixture: could not clean up redis-server pid {server.Pid}: {ex.Message}");
            }
        }
    }
}
