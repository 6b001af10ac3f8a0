using System;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace PSRedis.Protocol
{
    /// <summary>TLS for rediss://: server validation (system store or a CA file), host name check, client certificates.</summary>
    internal static class TlsHandshake
    {
        // SslProtocols.Tls13 is not in netstandard2.0's reference assemblies; the value is the runtime's.
        private const SslProtocols Tls13 = (SslProtocols)12288;

        /// <summary>What this process asks for (see <see cref="ProtocolsFor"/>).</summary>
        internal static readonly SslProtocols Protocols = ProtocolsFor(System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);

        /// <summary>
        /// The TLS versions to request on a runtime: on .NET (Core) the operating system's default (None), which follows the
        /// system's policy; on .NET Framework TLS 1.2 and 1.3 by name, because Windows PowerShell 5.1 is a native host with
        /// no target framework, where "system default" is off and None is refused, so every rediss:// connection from a 5.1
        /// runbook (Azure Cache for Redis on 6380) would fail.
        /// </summary>
        internal static SslProtocols ProtocolsFor(string frameworkDescription) =>
            frameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase) ? SslProtocols.Tls12 | Tls13 : SslProtocols.None;

        public static Stream Authenticate(Stream inner, ConnectionOptions options)
        {
            X509Certificate2Collection? trusted = options.CaCertificatePath != null ? LoadCaFile(options.CaCertificatePath) : null;
            string? rejection = null;
            var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (sender, certificate, chain, errors) =>
            {
                bool valid = Validate(options, trusted, certificate, errors);
                if (!valid) rejection = WhyRejected(options, trusted, certificate, chain, errors);
                return valid;
            });
            var clientCertificates = new X509CertificateCollection();
            X509Certificate2? client = LoadClientCertificate(options);
            if (client != null) clientCertificates.Add(client);
            string serverName = options.TlsServerName ?? options.Host;
            try
            {
                ssl.AuthenticateAsClient(serverName, clientCertificates, Protocols, checkCertificateRevocation: false);
            }
            catch (Exception e) when (!(e is RedisException))
            {
                ssl.Dispose();
                if (rejection != null)
                {
                    throw new RedisConnectionException("TLS: the certificate of " + options.Endpoint + " was rejected: " + rejection, e);
                }
                // The server did not complete a TLS handshake at all: most often a plain-TCP port.
                throw new RedisConnectionException("TLS handshake with " + options.Endpoint + " failed (" + e.Message
                    + "). Is this a TLS port? If the server speaks plain TCP there, use redis:// (or leave out -UseTls).", e);
            }
            catch
            {
                ssl.Dispose();
                throw;
            }
            return ssl;
        }

        /// <summary>Why a certificate was refused, in words a user can act on.</summary>
        private static string WhyRejected(ConnectionOptions options, X509Certificate2Collection? trusted, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return "the server sent no certificate.";
            var reasons = new System.Collections.Generic.List<string>();
            var cert = certificate == null ? null : certificate as X509Certificate2 ?? new X509Certificate2(certificate);
            if (options.CheckHostname && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                string names = cert == null ? "?" : cert.GetNameInfo(X509NameType.DnsName, forIssuer: false);
                reasons.Add("it does not name the host '" + (options.TlsServerName ?? options.Host) + "' (it is for '" + names
                    + "'): connect with a name the certificate has");
            }
            if (chain != null)
            {
                foreach (X509ChainStatus status in chain.ChainStatus)
                {
                    switch (status.Status)
                    {
                        case X509ChainStatusFlags.UntrustedRoot:
                        case X509ChainStatusFlags.PartialChain:
                            if (trusted == null) reasons.Add("it is not issued by a certification authority this machine trusts (name the CA with ssl_ca_certs=<file> in the URL)");
                            break;
                        case X509ChainStatusFlags.NotTimeValid:
                            reasons.Add("it has expired or is not yet valid (valid " + (cert == null ? "?" : cert.NotBefore.ToString("u", System.Globalization.CultureInfo.InvariantCulture)
                                + " to " + cert.NotAfter.ToString("u", System.Globalization.CultureInfo.InvariantCulture)) + ")");
                            break;
                        case X509ChainStatusFlags.NotValidForUsage:
                            reasons.Add("it is not a server certificate (its key usage does not allow server authentication)");
                            break;
                        case X509ChainStatusFlags.NoError:
                            break;
                        default:
                            reasons.Add(status.StatusInformation.Trim());
                            break;
                    }
                }
            }
            if (trusted != null && reasons.Count == 0) reasons.Add("it is not issued by the CA in " + options.CaCertificatePath);
            if (reasons.Count == 0) reasons.Add(errors.ToString());
            return string.Join("; ", reasons) + ".";
        }

        private static bool Validate(ConnectionOptions options, X509Certificate2Collection? trusted, X509Certificate? certificate, SslPolicyErrors errors)
        {
            if (options.CertificateRequirement == CertificateRequirement.None) return true;
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                return options.CertificateRequirement == CertificateRequirement.Optional;
            if (!options.CheckHostname) errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
            if (trusted == null) return errors == SslPolicyErrors.None;
            // With a CA file, the chain must end in one of its certificates, whatever the system store says.
            return certificate != null && ChainsTo(new X509Certificate2(certificate), trusted);
        }

        private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

        private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection trusted)
        {
            using (var chain = new X509Chain())
            {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                chain.ChainPolicy.ExtraStore.AddRange(trusted);
                // What SslStream asks of a server with the system store: the certificate must allow server authentication.
                chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthentication));
                if (!chain.Build(certificate)) return false;
                foreach (X509ChainStatus status in chain.ChainStatus)
                {
                    if (status.Status != X509ChainStatusFlags.UntrustedRoot && status.Status != X509ChainStatusFlags.NoError) return false;
                }
                X509Certificate2 root = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
                return trusted.Cast<X509Certificate2>().Any(ca => ca.Thumbprint == root.Thumbprint);
            }
        }

        private static X509Certificate2Collection LoadCaFile(string path)
        {
            if (!File.Exists(path)) throw new RedisConnectionException("CA certificate file not found: " + path);
            var collection = new X509Certificate2Collection();
            string text = File.ReadAllText(path);
            const string begin = "-----BEGIN CERTIFICATE-----";
            const string end = "-----END CERTIFICATE-----";
            int at = text.IndexOf(begin, StringComparison.Ordinal);
            if (at < 0)
            {
                collection.Import(File.ReadAllBytes(path)); // DER or PKCS#7
                return collection;
            }
            while (at >= 0)
            {
                int stop = text.IndexOf(end, at, StringComparison.Ordinal);
                if (stop < 0) throw new RedisConnectionException("CA certificate file is not valid PEM: " + path);
                string body = text.Substring(at + begin.Length, stop - at - begin.Length);
                collection.Add(new X509Certificate2(Convert.FromBase64String(body.Replace("\r", string.Empty).Replace("\n", string.Empty).Trim())));
                at = text.IndexOf(begin, stop, StringComparison.Ordinal);
            }
            return collection;
        }

        private static X509Certificate2? LoadClientCertificate(ConnectionOptions options)
        {
            if (options.ClientCertificate != null) return options.ClientCertificate;
            string? path = options.ClientCertificatePath;
            if (path == null) return null;
            if (!File.Exists(path)) throw new RedisConnectionException("Client certificate file not found: " + path);
            if (options.ClientKeyPath == null)
            {
                // PFX/PKCS#12 (the key travels inside the file).
                return new X509Certificate2(path, options.ClientCertificatePassword, X509KeyStorageFlags.Exportable);
            }
            return LoadPem(path, options.ClientKeyPath);
        }

        /// <summary>PEM pairs need X509Certificate2.CreateFromPemFile (.NET 5+); Windows PowerShell 5.1 gets a clear message instead.</summary>
        private static X509Certificate2 LoadPem(string certPath, string keyPath)
        {
            MethodInfo? create = typeof(X509Certificate2).GetMethod("CreateFromPemFile", new[] { typeof(string), typeof(string) });
            if (create == null)
                throw new RedisConnectionException("PEM client certificates need PowerShell 7 (.NET 5 or later); convert the certificate and key to a .pfx file for Windows PowerShell.");
            if (!File.Exists(keyPath)) throw new RedisConnectionException("Client key file not found: " + keyPath);
            X509Certificate2 pem;
            try
            {
                pem = (X509Certificate2)create.Invoke(null, new object[] { certPath, keyPath })!;
            }
            catch (TargetInvocationException ex) when (ex.InnerException != null)
            {
                throw new RedisConnectionException("Cannot load the client certificate and key: " + ex.InnerException.Message, ex.InnerException);
            }
            // SslStream on Windows cannot use the ephemeral key of a PEM import; a PKCS#12 round trip gives it a real one.
            return new X509Certificate2(pem.Export(X509ContentType.Pkcs12));
        }
    }
}
