using System;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Client
{
    /// <summary>AUTH (password and ACL user), unix sockets and TLS against real servers started for the purpose.</summary>
    [Collection("redis")]
    public sealed class SecurityTests
    {
        private readonly RedisFixture _fixture;

        public SecurityTests(RedisFixture fixture) => _fixture = fixture;

        private RedisServerProcess Secured => _fixture.PasswordServer;

        [Fact]
        public void PasswordAuthenticatesTheDefaultUser()
        {
            using RedisClient client = RedisClient.FromUrl("redis://:" + RedisFixture.DefaultUserPassword + "@127.0.0.1:" + Secured.Port + "/0");
            Assert.True(client.Ping());
            Assert.Equal("default", client.ExecuteCommand("ACL", "WHOAMI"));
        }

        [Fact]
        public void AclUserAuthenticatesWithUsernameAndPassword()
        {
            using var client = new RedisClient(new ConnectionOptions
            {
                Host = "127.0.0.1",
                Port = Secured.Port,
                Username = RedisFixture.AclUserName,
                Password = RedisFixture.AclUserPassword,
                ClientName = "psredis-acl-test",
            });
            Assert.True(client.Ping());
            Assert.Equal(RedisFixture.AclUserName, client.ExecuteCommand("ACL", "WHOAMI"));
            Assert.Equal("psredis-acl-test", client.ExecuteCommand("CLIENT", "GETNAME"));
        }

        [Fact]
        public void PercentEncodedCredentialsInTheUrlAreDecoded()
        {
            using RedisClient client = RedisClient.FromUrl("redis://" + RedisFixture.AclUserName + ":" + Uri.EscapeDataString(RedisFixture.AclUserPassword) + "@127.0.0.1:" + Secured.Port);
            Assert.Equal(RedisFixture.AclUserName, client.ExecuteCommand("ACL", "WHOAMI"));
        }

        [Fact]
        public void WrongPasswordIsAnAuthenticationErrorThatDoesNotShowThePassword()
        {
            const string wrong = "not-the-password-42";
            using var client = new RedisClient(new ConnectionOptions { Host = "127.0.0.1", Port = Secured.Port, Password = wrong });
            var error = Assert.Throws<RedisAuthenticationException>(() => client.Ping());
            Assert.Contains("WRONGPASS", error.Message);
            Assert.DoesNotContain(wrong, error.ToString());
            Assert.DoesNotContain(wrong, client.ToString());
            using var acl = new RedisClient(new ConnectionOptions { Host = "127.0.0.1", Port = Secured.Port, Username = RedisFixture.AclUserName, Password = wrong });
            Assert.Throws<RedisAuthenticationException>(() => acl.Ping());
        }

        [Fact]
        public void MissingPasswordIsAnAuthenticationError()
        {
            using var client = new RedisClient(new ConnectionOptions { Host = "127.0.0.1", Port = Secured.Port });
            var error = Assert.Throws<RedisAuthenticationException>(() => client.Get("k"));
            Assert.StartsWith("NOAUTH", error.Message);
        }

        [Fact]
        public void Resp3HelloAuthenticatesAndReturnsMaps()
        {
            using var client = new RedisClient(new ConnectionOptions
            {
                Host = "127.0.0.1",
                Port = Secured.Port,
                Username = RedisFixture.AclUserName,
                Password = RedisFixture.AclUserPassword,
                Protocol = 3,
                Database = 2,
            });
            client.Set("resp3:h", "v");
            client.ExecuteCommand("HSET", "resp3:map", "f", "1");
            var map = Assert.IsType<System.Collections.Generic.Dictionary<object, object?>>(client.ExecuteCommand("HGETALL", "resp3:map"));
            Assert.Equal("1", map["f"]);
            var hello = Assert.IsType<System.Collections.Generic.Dictionary<object, object?>>(client.ExecuteCommand("HELLO", 3));
            Assert.Equal(3L, hello["proto"]);
            Assert.Equal("v", client.Get("resp3:h"));
            Assert.Equal(1, client.Delete("resp3:h"));
        }

        [Fact]
        public void UnixSocketConnectionsWorkFromUrlAndOptions()
        {
            string path = _fixture.UnixSocketServer.SocketPath;
            using RedisClient client = RedisClient.FromUrl("unix://" + path + "?db=3");
            Assert.True(client.Set("unix:k", "over a socket"));
            using var viaOptions = new RedisClient(new ConnectionOptions { UnixSocketPath = path, Database = 3 });
            Assert.Equal("over a socket", viaOptions.Get("unix:k"));
            Assert.Equal(3, Convert.ToInt32(((System.Collections.Generic.Dictionary<object, object?>)ClientInfo(viaOptions))["db"]));
        }

        private static object ClientInfo(RedisClient client)
        {
            string line = (string)client.ExecuteCommand("CLIENT", "INFO")!;
            var fields = new System.Collections.Generic.Dictionary<object, object?>();
            foreach (string pair in line.Trim().Split(' '))
            {
                int eq = pair.IndexOf('=');
                if (eq > 0) fields[pair.Substring(0, eq)] = pair.Substring(eq + 1);
            }
            return fields;
        }

        [Fact]
        public void TlsWithTheTestCaValidatesChainAndHostName()
        {
            RedisServerProcess tls = _fixture.TlsServer;
            using RedisClient client = RedisClient.FromUrl(tls.TlsUrl, o => o.CaCertificatePath = tls.Certificates.CaCertPath);
            Assert.True(client.Ping());
            Assert.True(client.Set("tls:k", "secret data"));
            Assert.Equal("secret data", client.Get("tls:k"));
        }

        [Fact]
        public void TlsCaFileCanComeFromTheUrl()
        {
            RedisServerProcess tls = _fixture.TlsServer;
            using RedisClient client = RedisClient.FromUrl(tls.TlsUrl + "?ssl_ca_certs=" + Uri.EscapeDataString(tls.Certificates.CaCertPath));
            Assert.True(client.Ping());
        }

        [Fact]
        public void TlsWithoutTrustingTheCaFailsUnlessValidationIsSkipped()
        {
            RedisServerProcess tls = _fixture.TlsServer;
            using RedisClient untrusted = RedisClient.FromUrl(tls.TlsUrl);
            var error = Assert.Throws<RedisConnectionException>(() => untrusted.Ping());
            Assert.Contains("TLS", error.Message);
            using RedisClient skipping = RedisClient.FromUrl(tls.TlsUrl, o => o.CertificateRequirement = CertificateRequirement.None);
            Assert.True(skipping.Ping());
        }

        [Fact]
        public void TlsHostNameMismatchIsRejectedUnlessHostnameCheckIsOff()
        {
            RedisServerProcess tls = _fixture.TlsServer;
            // The certificate names localhost and 127.0.0.1; ask for another name on the same address.
            Action<ConnectionOptions> wrongName = o =>
            {
                o.Host = "127.0.0.1";
                o.TlsServerName = "not-the-server.example";
                o.CaCertificatePath = tls.Certificates.CaCertPath;
            };
            using RedisClient mismatched = RedisClient.FromUrl(tls.TlsUrl, wrongName);
            Assert.Throws<RedisConnectionException>(() => mismatched.Ping());
            using RedisClient lenient = RedisClient.FromUrl(tls.TlsUrl, o => { wrongName(o); o.CheckHostname = false; });
            Assert.True(lenient.Ping());
        }

        [Fact]
        public void TlsClientCertificateFromPemPairAndPfx()
        {
            RedisServerProcess tls = _fixture.TlsServer;
            TestCertificates certs = tls.Certificates;
            using RedisClient pem = RedisClient.FromUrl(tls.TlsUrl, o =>
            {
                o.CaCertificatePath = certs.CaCertPath;
                o.ClientCertificatePath = certs.ClientCertPath;
                o.ClientKeyPath = certs.ClientKeyPath;
            });
            Assert.True(pem.Ping());
            using RedisClient pfx = RedisClient.FromUrl(tls.TlsUrl, o =>
            {
                o.CaCertificatePath = certs.CaCertPath;
                o.ClientCertificatePath = certs.ClientPfxPath;
            });
            Assert.True(pfx.Ping());
        }

        [Fact]
        public void ServerRequiringClientCertificatesAcceptsOursAndRefusesNone()
        {
            TestCertificates certs = _fixture.TlsServer.Certificates;
            using RedisServerProcess strict = RedisServerProcess.Start(new RedisServerOptions { Tls = new RedisTlsOptions(certs, "yes") });
            using RedisClient withCertificate = RedisClient.FromUrl(strict.TlsUrl, o =>
            {
                o.CaCertificatePath = certs.CaCertPath;
                o.ClientCertificatePath = certs.ClientPfxPath;
            });
            Assert.True(withCertificate.Ping());
            using RedisClient without = RedisClient.FromUrl(strict.TlsUrl, o => o.CaCertificatePath = certs.CaCertPath);
            // TLS 1.3 reports the refusal at the first read rather than during the handshake.
            Assert.ThrowsAny<RedisConnectionException>(() => without.Ping());
        }
    }
}
