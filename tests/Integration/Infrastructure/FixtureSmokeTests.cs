using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>Checks the fixture itself with raw RESP over sockets, independent of the PSRedis client.</summary>
[Collection(RedisCollection.Name)]
public sealed class FixtureSmokeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly RedisFixture _fixture;

    public FixtureSmokeTests(RedisFixture fixture) => _fixture = fixture;

    [Fact]
    public void DefaultServer_AnswersPing()
    {
        Assert.False(string.IsNullOrEmpty(_fixture.Source));
        Assert.StartsWith("redis", _fixture.Url, StringComparison.Ordinal);

        using Socket socket = RespProbe.ConnectTcp(_fixture.Host, _fixture.Port, Timeout);
        using var stream = new NetworkStream(socket);
        Assert.Equal("+PONG", RespProbe.Send(stream, "PING"));
    }

    [Fact]
    public void PasswordServer_RejectsUnauthenticated_AcceptsDefaultAndAclUser()
    {
        RedisServerProcess server = _fixture.PasswordServer;

        using (Socket socket = RespProbe.ConnectTcp(server.Host, server.Port, Timeout))
        using (var stream = new NetworkStream(socket))
        {
            Assert.StartsWith("-NOAUTH", RespProbe.Send(stream, "GET", "anything"), StringComparison.Ordinal);
            Assert.StartsWith("-WRONGPASS", RespProbe.Send(stream, "AUTH", "default", "not-the-password"), StringComparison.Ordinal);
            Assert.Equal("+OK", RespProbe.Send(stream, "AUTH", "default", RedisFixture.DefaultUserPassword));
            Assert.Equal("+PONG", RespProbe.Send(stream, "PING"));
        }

        using (Socket socket = RespProbe.ConnectTcp(server.Host, server.Port, Timeout))
        using (var stream = new NetworkStream(socket))
        {
            Assert.Equal("+OK", RespProbe.Send(stream, "AUTH", RedisFixture.AclUserName, RedisFixture.AclUserPassword));
            Assert.Equal("$" + RedisFixture.AclUserName, RespProbe.Send(stream, "ACL", "WHOAMI"));
            Assert.Equal("+OK", RespProbe.Send(stream, "SET", "smoke:key", "value"));
        }
    }

    [Fact]
    public void UnixSocketServer_AnswersPing()
    {
        RedisServerProcess server = _fixture.UnixSocketServer;
        Assert.True(File.Exists(server.SocketPath), $"no socket file at {server.SocketPath}");

        using Socket socket = RespProbe.ConnectUnix(server.SocketPath, Timeout);
        using var stream = new NetworkStream(socket);
        Assert.Equal("+PONG", RespProbe.Send(stream, "PING"));
    }

    [Fact]
    public void TlsServer_AnswersPing_WithChainValidatedAgainstTestCa()
    {
        RedisServerProcess server = _fixture.TlsServer;
        using X509Certificate2 ca = server.Certificates.LoadCaCertificate();

        using Stream stream = OpenTls(server, ca, clientCertificate: null);
        Assert.Equal("+PONG", RespProbe.Send(stream, "PING"));
    }

    [Fact]
    public void TlsServer_AcceptsClientCertificateFromPfx()
    {
        RedisServerProcess server = _fixture.TlsServer;
        using X509Certificate2 ca = server.Certificates.LoadCaCertificate();
        using X509Certificate2 client = server.Certificates.LoadClientCertificate();
        Assert.True(client.HasPrivateKey);

        using Stream stream = OpenTls(server, ca, client);
        Assert.Equal("+PONG", RespProbe.Send(stream, "PING"));
    }

    [Fact]
    public void TlsServer_IsRejectedWhenOnlyTheSystemTrustStoreIsUsed()
    {
        RedisServerProcess server = _fixture.TlsServer;
        Socket socket = RespProbe.ConnectTcp(server.Host, server.TlsPort, Timeout);
        using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        Assert.Throws<AuthenticationException>(() => ssl.AuthenticateAsClient(TestCertificates.ServerHostName));
    }

    [Fact]
    public void DebugServer_AllowsDebugPopulate()
    {
        RedisServerProcess server = _fixture.DebugServer;
        using Socket socket = RespProbe.ConnectTcp(server.Host, server.Port, Timeout);
        using var stream = new NetworkStream(socket);
        // Other tests share this server: count what POPULATE adds under a prefix nobody else uses.
        string before = RespProbe.Send(stream, "DBSIZE");
        string prefix = "smoke:" + Guid.NewGuid().ToString("N");
        Assert.Equal("+OK", RespProbe.Send(stream, "DEBUG", "POPULATE", "10", prefix));
        long added = long.Parse(RespProbe.Send(stream, "DBSIZE").Substring(1), CultureInfo.InvariantCulture) - long.Parse(before.Substring(1), CultureInfo.InvariantCulture);
        Assert.Equal(10, added);
    }

    [Fact]
    public void DisposedServerProcess_IsGone_AndItsDirectoryDeleted()
    {
        RedisServerProcess server = RedisServerProcess.Start();
        int pid = server.Pid;
        string directory = server.WorkingDirectory;
        Assert.True(Directory.Exists(directory));

        server.Dispose();

        Assert.False(Directory.Exists(directory));
        Assert.True(IsGone(pid), $"redis-server pid {pid} is still running after Dispose");
    }

    [Fact]
    public void ServerThatCannotStart_FailsWithItsOwnErrorOutput()
    {
        var options = new RedisServerOptions { ExtraArgs = new[] { "--no-such-directive", "x" } };
        var error = Assert.Throws<InvalidOperationException>(() => RedisServerProcess.Start(options));
        Assert.Contains("exited with code", error.Message, StringComparison.Ordinal);
        Assert.Contains("Bad directive", error.Message, StringComparison.Ordinal); // from the server's own output
    }

    [Fact]
    public void TestEnvironment_PointsXdgFoldersAwayFromHome()
    {
        string temp = Path.GetFullPath(Path.GetTempPath());
        foreach (string name in new[] { "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME" })
        {
            string? value = Environment.GetEnvironmentVariable(name);
            Assert.NotNull(value);
            Assert.StartsWith(temp, Path.GetFullPath(value), StringComparison.Ordinal);
            Assert.True(Directory.Exists(value), $"{name}={value} does not exist");
        }
    }

    private static bool IsGone(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no process with that id
        }
    }

    private static Stream OpenTls(RedisServerProcess server, X509Certificate2 ca, X509Certificate2? clientCertificate)
    {
        Socket socket = RespProbe.ConnectTcp(server.Host, server.TlsPort, Timeout);
        var ssl = new SslStream(
            new NetworkStream(socket, ownsSocket: true),
            leaveInnerStreamOpen: false,
            (_, certificate, _, errors) => ValidateAgainst(ca, certificate, errors));
        try
        {
            var options = new SslClientAuthenticationOptions { TargetHost = TestCertificates.ServerHostName };
            if (clientCertificate is not null)
            {
                options.ClientCertificates = new X509CertificateCollection { clientCertificate };
            }

            ssl.AuthenticateAsClient(options);
            return ssl;
        }
        catch
        {
            ssl.Dispose();
            throw;
        }
    }

    /// <summary>Host name must match; the chain must end in the test CA (and nothing else is trusted).</summary>
    private static bool ValidateAgainst(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
