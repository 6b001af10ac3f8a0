using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using DotNet.Testcontainers.Builders;
using Testcontainers.Redis;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>Tests marked [Collection("redis")] share one <see cref="RedisFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

/// <summary>
/// Finds the Redis server the integration tests talk to, in this order:
/// 1. the REDIS_TEST_URL environment variable, used as given;
/// 2. a Testcontainers "redis:7.0" container, when a Docker engine answers;
/// 3. a throwaway redis-server from PATH on a free loopback port;
/// otherwise it fails, saying what to install.
/// Special-purpose local servers (password/ACL, unix socket, TLS, DEBUG) start on first use and need redis-server on PATH.
/// Everything started here is stopped on Dispose (and on process exit as a backstop).
/// This fixture only hands out addresses; it does not depend on the PSRedis client.
/// </summary>
public sealed class RedisFixture : IDisposable
{
    public const string UrlEnvironmentVariable = "REDIS_TEST_URL";
    public const string TestcontainersImage = "redis:7.0";

    public const string SourceEnvironmentVariable = "REDIS_TEST_URL";
    public const string SourceTestcontainers = "Testcontainers";
    public const string SourceLocalProcess = "redis-server";

    /// <summary>PasswordServer: --requirepass, i.e. the password of the "default" user.</summary>
    public const string DefaultUserPassword = "psredis-default-pw";

    /// <summary>PasswordServer: an ACL user with all permissions.</summary>
    public const string AclUserName = "alice";

    public const string AclUserPassword = "secret";

    private readonly IMessageSink? _diagnostics;
    private readonly RedisContainer? _container;
    private readonly RedisServerProcess? _localServer;
    private readonly Lazy<TestCertificates> _certificates;
    private readonly Lazy<RedisServerProcess> _passwordServer;
    private readonly Lazy<RedisServerProcess> _unixSocketServer;
    private readonly Lazy<RedisServerProcess> _tlsServer;
    private readonly Lazy<RedisServerProcess> _debugServer;
    private readonly EventHandler _processExitHandler;
    private int _disposed;

    public RedisFixture(IMessageSink diagnostics)
    {
        _diagnostics = diagnostics;
        TestEnvironment.Isolate();

        _certificates = new Lazy<TestCertificates>(TestCertificates.Create, LazyThreadSafetyMode.ExecutionAndPublication);
        _passwordServer = LazyServer(() => new RedisServerOptions
        {
            Password = DefaultUserPassword,
            AclUser = $"{AclUserName} on >{AclUserPassword} ~* &* +@all",
        });
        _unixSocketServer = LazyServer(() => new RedisServerOptions { UnixSocket = true });
        _tlsServer = LazyServer(() => new RedisServerOptions { Tls = new RedisTlsOptions(Certificates, "optional") });
        _debugServer = LazyServer(() => new RedisServerOptions { EnableDebugCommand = true });

        _processExitHandler = (_, _) => Dispose();
        AppDomain.CurrentDomain.ProcessExit += _processExitHandler;

        var clock = Stopwatch.StartNew();
        string? url = Environment.GetEnvironmentVariable(UrlEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(url))
        {
            Url = url.Trim();
            (Host, Port) = ParseUrl(Url);
            Source = SourceEnvironmentVariable;
        }
        else if (TryBuildContainer(out RedisContainer? container, out string dockerProblem))
        {
            _container = container;
            _container.StartAsync().GetAwaiter().GetResult();
            Host = _container.Hostname;
            Port = _container.GetMappedPublicPort(RedisBuilder.RedisPort);
            Url = string.Create(CultureInfo.InvariantCulture, $"redis://{Host}:{Port}/0");
            Source = SourceTestcontainers;
        }
        else if (RedisServerProcess.FindExecutable() is not null)
        {
            _localServer = RedisServerProcess.Start();
            Host = _localServer.Host;
            Port = _localServer.Port;
            Url = _localServer.Url;
            Source = SourceLocalProcess;
            IsLocalProcess = true;
        }
        else
        {
            throw new InvalidOperationException(
                "The integration tests need a Redis server and found none. Either set REDIS_TEST_URL " +
                "(e.g. redis://127.0.0.1:6379/0), or make a Docker engine available, or install redis-server " +
                $"so it is on PATH (`apt-get install redis-server`). Docker: {dockerProblem}");
        }

        StartupTime = clock.Elapsed;
        Log($"Redis test server: {Url} from {Source}, ready in {StartupTime.TotalMilliseconds:0} ms.");
    }

    /// <summary>The default server's URL: REDIS_TEST_URL as given, else redis://host:port/0.</summary>
    public string Url { get; }

    public string Host { get; }

    public int Port { get; }

    /// <summary>True when the default server is a redis-server process this fixture started.</summary>
    public bool IsLocalProcess { get; }

    /// <summary>Where the default server came from: "REDIS_TEST_URL", "Testcontainers" or "redis-server".</summary>
    public string Source { get; }

    /// <summary>How long resolving and starting the default server took.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>The CA, server and client certificates the TLS server uses (created on first use).</summary>
    public TestCertificates Certificates => NotDisposed(_certificates).Value;

    /// <summary>requirepass <see cref="DefaultUserPassword"/> plus ACL user <see cref="AclUserName"/>/<see cref="AclUserPassword"/>.</summary>
    public RedisServerProcess PasswordServer => NotDisposed(_passwordServer).Value;

    /// <summary>Also listens on a unix socket: see <see cref="RedisServerProcess.SocketPath"/>.</summary>
    public RedisServerProcess UnixSocketServer => NotDisposed(_unixSocketServer).Value;

    /// <summary>TLS only (TlsPort), --tls-auth-clients optional; certificates in <see cref="RedisServerProcess.Certificates"/>.</summary>
    public RedisServerProcess TlsServer => NotDisposed(_tlsServer).Value;

    /// <summary>Started with --enable-debug-command local (DEBUG POPULATE etc.).</summary>
    public RedisServerProcess DebugServer => NotDisposed(_debugServer).Value;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _processExitHandler;

        // Stop everything even when one cleanup step fails; report all failures together.
        var failures = new List<Exception>();
        void Run(Action cleanup)
        {
            try
            {
                cleanup();
            }
            catch (Exception ex)
            {
                failures.Add(ex);
            }
        }

        Run(() => DisposeIfCreated(_passwordServer));
        Run(() => DisposeIfCreated(_unixSocketServer));
        Run(() => DisposeIfCreated(_tlsServer));
        Run(() => DisposeIfCreated(_debugServer));
        Run(() => _localServer?.Dispose());
        Run(() => _container?.DisposeAsync().AsTask().GetAwaiter().GetResult());
        Run(() => DisposeIfCreated(_certificates));
        if (failures.Count > 0)
        {
            throw new AggregateException("Cleaning up the Redis test servers failed.", failures);
        }
    }

    private static (string Host, int Port) ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new InvalidOperationException($"{UrlEnvironmentVariable} is not an absolute URL like redis://host:6379/0: '{url}'.");
        }

        return (uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
    }

    /// <summary>Builds the container definition; a missing Docker engine shows up here as DockerUnavailableException.</summary>
    private bool TryBuildContainer([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RedisContainer? container, out string problem)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            container = new RedisBuilder(TestcontainersImage).Build();
            problem = "";
            return true;
        }
        catch (DockerUnavailableException ex)
        {
            container = null;
            problem = ex.Message;
            Log($"No Docker engine ({clock.Elapsed.TotalMilliseconds:0} ms to find out): {ex.Message}");
            return false;
        }
    }

    private Lazy<RedisServerProcess> LazyServer(Func<RedisServerOptions> options) =>
        new(() => RedisServerProcess.Start(options()), LazyThreadSafetyMode.ExecutionAndPublication);

    private Lazy<T> NotDisposed<T>(Lazy<T> lazy) =>
        Volatile.Read(ref _disposed) == 0 ? lazy : throw new ObjectDisposedException(nameof(RedisFixture));

    private static void DisposeIfCreated<T>(Lazy<T> lazy)
        where T : IDisposable
    {
        if (lazy.IsValueCreated)
        {
            lazy.Value.Dispose();
        }
    }

    private void Log(string message) => _diagnostics?.OnMessage(new DiagnosticMessage(message));
}
