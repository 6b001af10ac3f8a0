using System;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>
/// A throwaway redis-server for one test class alone (xunit makes one per class that names it), for tests that change
/// the server's settings, kill its clients, MONITOR it or flush it, so no other test's traffic or data mixes in.
/// </summary>
public sealed class OwnServerFixture : IDisposable
{
    public RedisServerProcess Server { get; } = RedisServerProcess.Start();

    public void Dispose() => Server.Dispose();
}
