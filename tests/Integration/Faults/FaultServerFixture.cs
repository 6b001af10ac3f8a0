using System;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Faults;

/// <summary>Fault tests share one <see cref="FaultServerFixture"/> and run one at a time: their timings must not compete with each other.</summary>
[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultServerFixture>
{
    public const string Name = "faults";
}

/// <summary>
/// A redis-server of the fault tests' own, so proxies, stalls and killed connections never disturb the shared server
/// other collections use, and those tests run beside these.
/// </summary>
public sealed class FaultServerFixture : IDisposable
{
    public FaultServerFixture()
    {
        Server = RedisServerProcess.Start();
    }

    public RedisServerProcess Server { get; }

    /// <summary>A new proxy in front of <see cref="Server"/>; the test disposes it.</summary>
    public FaultProxy NewProxy() => new(Server.Host, Server.Port);

    public void Dispose() => Server.Dispose();
}
