using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>Tests marked [Collection("sentinel")] share one <see cref="SentinelFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SentinelCollection : ICollectionFixture<SentinelFixture>
{
    public const string Name = "sentinel";
}

/// <summary>
/// One Sentinel-managed group on loopback: a master, a replica and one redis-sentinel watching them as
/// <see cref="ServiceName"/>. Tests that fail over start a group of their own with <see cref="SentinelGroup.Start"/>
/// so the shared one keeps its roles.
/// </summary>
public sealed class SentinelFixture : IDisposable
{
    public const string ServiceName = SentinelGroup.ServiceName;

    public SentinelFixture()
    {
        Group = SentinelGroup.Start();
    }

    public SentinelGroup Group { get; }

    public void Dispose() => Group.Dispose();
}

/// <summary>A master, a replica and a sentinel process; everything is killed (by PID) on Dispose.</summary>
public sealed class SentinelGroup : IDisposable
{
    public const string ServiceName = "mymaster";
    public const string SentinelExecutable = "redis-sentinel";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(15);

    private Process? _sentinel;
    private readonly StringBuilder _sentinelOutput = new();
    private int _disposed;

    private SentinelGroup()
    {
        SentinelDirectory = Path.Combine(Path.GetTempPath(), "psredis-sentinel-" + Guid.NewGuid().ToString("N")[..12]);
    }

    public RedisServerProcess Master { get; private set; } = null!;
    public RedisServerProcess Replica { get; private set; } = null!;
    public int SentinelPort { get; private set; }
    public string SentinelDirectory { get; }
    public int SentinelPid => _sentinel?.Id ?? 0;
    public SentinelAddress SentinelAddress => new(RedisServerProcess.LoopbackHost, SentinelPort);

    /// <summary>A plain client on the sentinel itself (for SENTINEL commands).</summary>
    public RedisClient SentinelClient(int protocol = 2) =>
        new(new ConnectionOptions { Host = RedisServerProcess.LoopbackHost, Port = SentinelPort, Protocol = protocol, SocketTimeout = TimeSpan.FromSeconds(5) });

    /// <summary>Starts master, replica and sentinel and waits until the replica is in sync and the sentinel lists it.</summary>
    public static SentinelGroup Start()
    {
        var group = new SentinelGroup();
        try
        {
            group.StartAll();
            return group;
        }
        catch
        {
            group.Dispose();
            throw;
        }
    }

    private void StartAll()
    {
        // Diskless sync without delay on both, so the first sync and the one after a failover take milliseconds.
        Master = RedisServerProcess.Start(new RedisServerOptions { ExtraArgs = new[] { "--repl-diskless-sync-delay", "0" } });
        Replica = RedisServerProcess.Start(new RedisServerOptions
        {
            ExtraArgs = new[] { "--repl-diskless-sync-delay", "0", "--replicaof", Master.Host, Master.Port.ToString(CultureInfo.InvariantCulture) },
        });

        Directory.CreateDirectory(SentinelDirectory);
        SentinelPort = RedisServerProcess.GetFreeLoopbackPort();
        string conf = Path.Combine(SentinelDirectory, "sentinel.conf");
        File.WriteAllText(conf, string.Join("\n", new[]
        {
            "port " + SentinelPort.ToString(CultureInfo.InvariantCulture),
            "bind 127.0.0.1",
            "sentinel resolve-hostnames no",
            "sentinel monitor " + ServiceName + " " + Master.Host + " " + Master.Port.ToString(CultureInfo.InvariantCulture) + " 1",
            "sentinel down-after-milliseconds " + ServiceName + " 1000",
            "sentinel failover-timeout " + ServiceName + " 5000",
            "dir " + SentinelDirectory,
            "logfile \"\"",
            "",
        }));
        var start = new ProcessStartInfo(SentinelExecutable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = SentinelDirectory,
        };
        start.ArgumentList.Add(conf);
        _sentinel = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + SentinelExecutable + ".");
        _sentinel.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_sentinelOutput) _sentinelOutput.AppendLine(e.Data); };
        _sentinel.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_sentinelOutput) _sentinelOutput.AppendLine(e.Data); };
        _sentinel.BeginOutputReadLine();
        _sentinel.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;

        WaitUntil(() => InfoField(Replica.Port, "master_link_status") == "up", "the replica to sync");
        using RedisClient sentinel = SentinelClient();
        WaitUntil(() =>
        {
            try
            {
                foreach (IDictionary<string, object?> replica in sentinel.SentinelSlaves(ServiceName))
                {
                    if ((long)replica["port"]! == Replica.Port && !(bool)replica["is_sdown"]! && !(bool)replica["is_disconnected"]!) return true;
                }
            }
            catch (RedisConnectionException)
            {
                // Not listening yet.
            }
            return false;
        }, "the sentinel to list the replica");
    }

    /// <summary>One field of INFO replication of the server on <paramref name="port"/>, or null.</summary>
    public static string? InfoField(int port, string field)
    {
        using var client = new RedisClient(new ConnectionOptions { Host = RedisServerProcess.LoopbackHost, Port = port, SocketTimeout = TimeSpan.FromSeconds(5) });
        string text = (string)client.ExecuteCommand("INFO", "replication")!;
        foreach (string line in text.Split('\n'))
        {
            string trimmed = line.TrimEnd('\r');
            if (trimmed.StartsWith(field + ":", StringComparison.Ordinal)) return trimmed.Substring(field.Length + 1);
        }
        return null;
    }

    public void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_sentinel != null && _sentinel.HasExited)
                throw new InvalidOperationException("redis-sentinel exited: " + SentinelLog());
            if (clock.Elapsed > ReadyTimeout)
                throw new TimeoutException("Timed out waiting for " + what + ". Sentinel output: " + SentinelLog());
            Thread.Sleep(50);
        }
    }

    // Backstop for a test run that ends without disposing the fixture.
    private void KillOnExit(object? sender, EventArgs e)
    {
        try
        {
            if (_sentinel != null && !_sentinel.HasExited) _sentinel.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    public string SentinelLog()
    {
        lock (_sentinelOutput) return _sentinelOutput.ToString();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        try
        {
            if (_sentinel != null)
            {
                if (!_sentinel.HasExited)
                {
                    _sentinel.Kill(entireProcessTree: true);
                    if (!_sentinel.WaitForExit(TimeSpan.FromSeconds(10)))
                        throw new InvalidOperationException($"redis-sentinel pid {_sentinel.Id} did not exit within 10 s.");
                }
                _sentinel.WaitForExit();
                _sentinel.Dispose();
            }
        }
        finally
        {
            Replica?.Dispose();
            Master?.Dispose();
            if (Directory.Exists(SentinelDirectory)) Directory.Delete(SentinelDirectory, recursive: true);
        }
    }
}
