using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// Failures that used to surface as a .NET message that says nothing ("out of range", "Timeout writing") get an
/// error that says what happened, and lose nothing else.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ClearErrorTests : IDisposable
{
    private readonly RedisFixture _redis;
    private readonly PowerShellHost _ps = new();

    public ClearErrorTests(RedisFixture redis) => _redis = redis;

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void AHugeTimeoutWithAHostNameConnects()
    {
        var vars = new Dictionary<string, object?> { ["P"] = new Uri(_redis.Url).Port };
        PowerShellResult r = _ps.Run("""
            Connect-Redis -HostName localhost -Port $P -Timeout 99999999 -Name huge-timeout
            Invoke-RedisCommand PING
            Connect-Redis -HostName localhost -Port $P -Timeout ([timespan]::MaxValue) -Name max-timeout
            Invoke-RedisCommand PING
            """, vars).ShouldSucceed();
        Assert.Equal(new object[] { "PONG", "PONG" }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void AValueOverTheServersSizeLimitSaysSoAndTheOtherKeysAreWritten()
    {
        using RedisServerProcess server = RedisServerProcess.Start(new RedisServerOptions { ExtraArgs = new[] { "--proto-max-bulk-len", "1mb" } });
        var vars = new Dictionary<string, object?> { ["Url"] = server.Url };
        _ps.Run("""
            Connect-Redis -Url $Url -Name size-limit -Timeout 5
            Set-RedisValue -Key before -Value 1
            """, vars).ShouldSucceed();
        // The cmdlet fails as a statement (in a script the next statement runs); its error says what happened.
        PowerShellResult r = _ps.Run("Set-RedisValue -Key too-big -Value ('x' * 3MB)");
        ErrorRecord error = Assert.Single(r.AllErrors);
        Assert.StartsWith("PSRedis.ServerError", error.FullyQualifiedErrorId);
        Assert.Contains("invalid bulk length", error.Exception.Message);
        Assert.Contains("proto-max-bulk-len", error.Exception.Message);
        Assert.DoesNotContain("Timeout", error.Exception.Message);
        r = _ps.Run("""
            Set-RedisValue -Key after -Value 2
            Get-RedisValue -Key before, too-big, after
            """).ShouldSucceed();
        Assert.Equal(new object?[] { "1", null, "2" }, r.Output.Select(o => o?.BaseObject));

        using RedisClient client = RedisClient.FromUrl(server.Url);
        var ex = Assert.Throws<RedisResponseException>(() => client.Set("too-big", new string('y', 2 * 1024 * 1024)));
        Assert.Contains("closed the connection while the command was being sent", ex.Message);
        string guid = Guid.NewGuid().ToString("N");
        Assert.Equal(guid, client.Echo(guid));
    }
}
