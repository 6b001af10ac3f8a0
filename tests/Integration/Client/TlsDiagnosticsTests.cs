using System;
using System.Collections.Generic;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Client
{
    /// <summary>
    /// A TLS failure says what to do about it: which check refused the certificate, or that the port speaks the
    /// other protocol. Real redis-servers, some serving deliberately spoiled certificates.
    /// </summary>
    [Collection("redis")]
    public sealed class TlsDiagnosticsTests
    {
        private static readonly TimeSpan Short = TimeSpan.FromSeconds(2);
        private readonly RedisFixture _fixture;

        public TlsDiagnosticsTests(RedisFixture fixture) => _fixture = fixture;

        private static RedisConnectionException Refused(string url, Action<ConnectionOptions>? configure = null)
        {
            using RedisClient client = RedisClient.FromUrl(url, o =>
            {
                o.ConnectTimeout = Short;
                o.SocketTimeout = Short;
                configure?.Invoke(o);
            });
            return Assert.ThrowsAny<RedisConnectionException>(() => client.Ping());
        }

        [Fact]
        public void AnUntrustedRootSaysToNameTheCa()
        {
            RedisConnectionException error = Refused(_fixture.TlsServer.TlsUrl);
            Assert.Contains("not issued by a certification authority this machine trusts", error.Message);
            Assert.Contains("ssl_ca_certs=", error.Message);
        }

        [Fact]
        public void ANameMismatchNamesBothNames()
        {
            RedisServerProcess tls = _fixture.TlsServer;
            RedisConnectionException error = Refused(tls.TlsUrl, o =>
            {
                o.Host = "127.0.0.1";
                o.TlsServerName = "cache.example.invalid";
                o.CaCertificatePath = tls.Certificates.CaCertPath;
            });
            Assert.Contains("does not name the host 'cache.example.invalid'", error.Message);
            Assert.Contains("'localhost'", error.Message);
            Assert.DoesNotContain("certification authority", error.Message);
        }

        [Theory]
        [InlineData(TestCertificates.ServerFlaw.Expired, "it has expired or is not yet valid")]
        [InlineData(TestCertificates.ServerFlaw.ClientUsageOnly, "it is not a server certificate")]
        public void ASpoiledCertificateIsRefusedEvenFromTheTrustedCa(TestCertificates.ServerFlaw flaw, string reason)
        {
            using TestCertificates certificates = TestCertificates.Create(flaw);
            using RedisServerProcess server = RedisServerProcess.Start(new RedisServerOptions { Tls = new RedisTlsOptions(certificates, "no") });
            RedisConnectionException error = Refused(server.TlsUrl, o => o.CaCertificatePath = certificates.CaCertPath);
            Assert.Contains("was rejected: " + reason, error.Message);
            // The same certificate without any check still connects: the refusal is ours, not the server's.
            using RedisClient lenient = RedisClient.FromUrl(server.TlsUrl, o => o.CertificateRequirement = CertificateRequirement.None);
            Assert.True(lenient.Ping());
        }

        [Fact]
        public void PlainTcpToATlsPortSuggestsRediss()
        {
            RedisServerProcess tls = _fixture.TlsServer;
            string plainToTls = "redis://127.0.0.1:" + tls.TlsPort;
            RedisConnectionException error = Refused(plainToTls);
            Assert.Contains("Is this a TLS port?", error.Message);
            Assert.Contains("rediss://", error.Message);

            // With a password, the first read is the AUTH reply: the same hint.
            error = Refused("redis://:not-a-secret-that-shows@127.0.0.1:" + tls.TlsPort);
            Assert.Contains("Is this a TLS port?", error.Message);
            Assert.DoesNotContain("not-a-secret-that-shows", error.ToString());
        }

        [Fact]
        public void TlsToAPlainPortSuggestsRedis()
        {
            RedisConnectionException error = Refused("rediss://" + _fixture.Host + ":" + _fixture.Port);
            Assert.Contains("Is this a TLS port?", error.Message);
            Assert.Contains("use redis://", error.Message);
        }

        [Fact]
        public void AConnectionThatAnsweredOnceGetsNoTlsHint()
        {
            using RedisServerProcess server = RedisServerProcess.Start(new RedisServerOptions());
            using RedisClient client = RedisClient.FromUrl(server.Url, o => o.SocketTimeout = Short);
            Assert.True(client.Ping());
            // The server goes away mid-session: a lost connection, not a protocol mix-up.
            server.Dispose();
            RedisException error = Assert.ThrowsAny<RedisException>(() => client.Ping());
            Assert.DoesNotContain("TLS", error.Message);
        }
    }
}
