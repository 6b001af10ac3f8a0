using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>
/// A throwaway PKI for TLS tests, made with .NET's CertificateRequest (no openssl needed):
/// a self-signed CA, a server certificate for "localhost" (SAN DNS:localhost, IP:127.0.0.1) and a
/// client certificate, both signed by the CA. Written as PEM (certificate + PKCS#1 RSA key) and the
/// client additionally as a password-less PKCS#12 (.pfx). Dispose deletes the directory.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    /// <summary>The client .pfx is exported without a password.</summary>
    public const string? ClientPfxPassword = null;

    public const string ServerHostName = "localhost";

    private bool _disposed;

    private TestCertificates(string directory)
    {
        Directory = directory;
        CaCertPath = System.IO.Path.Combine(directory, "ca.crt");
        CaKeyPath = System.IO.Path.Combine(directory, "ca.key");
        ServerCertPath = System.IO.Path.Combine(directory, "server.crt");
        ServerKeyPath = System.IO.Path.Combine(directory, "server.key");
        ClientCertPath = System.IO.Path.Combine(directory, "client.crt");
        ClientKeyPath = System.IO.Path.Combine(directory, "client.key");
        ClientPfxPath = System.IO.Path.Combine(directory, "client.pfx");
    }

    public string Directory { get; }
    public string CaCertPath { get; }
    public string CaKeyPath { get; }
    public string ServerCertPath { get; }
    public string ServerKeyPath { get; }
    public string ClientCertPath { get; }
    public string ClientKeyPath { get; }
    public string ClientPfxPath { get; }

    /// <summary>Loads the CA certificate (public part only), e.g. for a custom trust store.</summary>
    public X509Certificate2 LoadCaCertificate() => X509Certificate2.CreateFromPem(File.ReadAllText(CaCertPath));

    /// <summary>Loads the client certificate with its private key from the .pfx.</summary>
    public X509Certificate2 LoadClientCertificate() => X509CertificateLoader.LoadPkcs12FromFile(ClientPfxPath, ClientPfxPassword);

    /// <summary>What is wrong with the server certificate, for tests of how a rejection is explained.</summary>
    public enum ServerFlaw
    {
        None,
        Expired,
        ClientUsageOnly,
    }

    /// <summary>Creates a fresh CA, server and client certificate in a new unique temp directory.</summary>
    public static TestCertificates Create() => Create(ServerFlaw.None);

    /// <summary>As <see cref="Create()"/>, with the server certificate spoiled as <paramref name="flaw"/> says.</summary>
    public static TestCertificates Create(ServerFlaw flaw)
    {
        string directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "psredis-certs-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var certs = new TestCertificates(directory);
        try
        {
            certs.Generate(flaw);
            return certs;
        }
        catch
        {
            certs.Dispose();
            throw;
        }
    }

    private void Generate(ServerFlaw flaw)
    {
        DateTimeOffset notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        DateTimeOffset caNotAfter = notBefore.AddYears(2);
        DateTimeOffset leafNotAfter = notBefore.AddYears(1);

        using RSA caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=PSRedis Test CA, O=PSRedis tests", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        // The CA predates every leaf, the expired one included: a leaf may not start before its issuer.
        using X509Certificate2 ca = caRequest.CreateSelfSigned(notBefore.AddDays(-60), caNotAfter);
        WritePem(ca, caKey, CaCertPath, CaKeyPath);

        var serverSan = new SubjectAlternativeNameBuilder();
        serverSan.AddDnsName(ServerHostName);
        serverSan.AddIpAddress(IPAddress.Loopback);
        using RSA serverKey = RSA.Create(2048);
        using X509Certificate2 server = CreateLeaf(
            ca, "CN=" + ServerHostName + ", O=PSRedis tests", serverKey,
            flaw == ServerFlaw.Expired ? notBefore.AddDays(-30) : notBefore,
            flaw == ServerFlaw.Expired ? notBefore.AddDays(-2) : leafNotAfter,
            flaw == ServerFlaw.ClientUsageOnly ? new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication") : new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication"),
            serverSan.Build());
        WritePem(server, serverKey, ServerCertPath, ServerKeyPath);

        using RSA clientKey = RSA.Create(2048);
        using X509Certificate2 client = CreateLeaf(
            ca, "CN=psredis-test-client, O=PSRedis tests", clientKey, notBefore, leafNotAfter,
            new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication"), san: null);
        WritePem(client, clientKey, ClientCertPath, ClientKeyPath);
        using X509Certificate2 clientWithKey = client.CopyWithPrivateKey(clientKey);
        File.WriteAllBytes(ClientPfxPath, clientWithKey.Export(X509ContentType.Pkcs12, ClientPfxPassword));
    }

    private static X509Certificate2 CreateLeaf(
        X509Certificate2 issuer, string subject, RSA key, DateTimeOffset notBefore, DateTimeOffset notAfter,
        Oid extendedUsage, X509Extension? san)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { extendedUsage }, critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }

        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // keep the serial number positive
        return request.Create(issuer, notBefore, notAfter, serial);
    }

    private static void WritePem(X509Certificate2 certificate, RSA key, string certPath, string keyPath)
    {
        File.WriteAllText(certPath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportRSAPrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
