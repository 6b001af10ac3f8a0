using System.Security.Authentication;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit
{
    /// <summary>Which TLS versions a rediss:// connection asks for, per runtime (Windows PowerShell 5.1 runs on .NET Framework).</summary>
    public sealed class TlsProtocolTests
    {
        [Theory]
        [InlineData(".NET Framework 4.8.4645.0")]
        [InlineData(".NET Framework 4.7.3190.0")]
        public void DotNetFrameworkAsksForTls12And13ByName(string runtime) =>
            Assert.Equal(SslProtocols.Tls12 | (SslProtocols)12288, TlsHandshake.ProtocolsFor(runtime));

        [Theory]
        [InlineData(".NET 10.0.1")]
        [InlineData(".NET 8.0.11")]
        [InlineData(".NET Core 3.1.32")]
        public void DotNetCoreLeavesItToTheOperatingSystem(string runtime) =>
            Assert.Equal(SslProtocols.None, TlsHandshake.ProtocolsFor(runtime));

        [Fact]
        public void ThisProcessUsesTheRuleForItsOwnRuntime() =>
            Assert.Equal(TlsHandshake.ProtocolsFor(System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription), TlsHandshake.Protocols);
    }
}
