using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// A command the server does not have fails with an error that names the command (never its arguments) and the server,
/// as a client exception and as a cmdlet's error record, alone, in a pipeline and in a transaction.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class UnsupportedCommandTests : System.IDisposable
{
    // Redis 7 gives no server_name in INFO, so the product is "redis"; the version is the server's own.
    private static readonly Regex s_redis = new(@"^The server redis \d+\.\d+\.\d+ at [^ ]+:\d+ does not support ");

    private readonly RedisFixture _redis;
    private readonly PowerShellHost _ps = new();

    public UnsupportedCommandTests(RedisFixture redis) => _redis = redis;

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void TheClientNamesTheCommandAndTheServerButNotTheArguments()
    {
        using RedisClient client = RedisClient.FromUrl(_redis.Url);
        var ex = Assert.Throws<RedisUnsupportedCommandException>(() => client.ExecuteCommand("nosuchcmd", "hunter2-secret"));
        Assert.Matches(s_redis, ex.Message);
        Assert.Contains("does not support NOSUCHCMD (ERR unknown command 'nosuchcmd')", ex.Message);
        Assert.DoesNotContain("hunter2", ex.Message);
        Assert.Equal("redis", ex.Server!.Name);

        var sub = Assert.Throws<RedisUnsupportedCommandException>(() => client.ExecuteCommand("OBJECT", "NOSUCHSUB", "key"));
        Assert.Equal("OBJECT NOSUCHSUB", sub.Command);
        Assert.Contains("unknown subcommand", sub.ServerError);
        Assert.Equal("PONG", client.ExecuteCommand("PING")); // the connection stayed usable
    }

    [Fact]
    public void InvokeRedisCommandGivesASpecificErrorIdWithTheCommandAsTarget()
    {
        var vars = new Dictionary<string, object?> { ["Url"] = _redis.Url };
        _ps.Run("Connect-Redis -Url $Url -Name unsupported | Out-Null", vars).ShouldSucceed();
        PowerShellResult r = _ps.Run("Invoke-RedisCommand NOSUCHCMD hunter2-secret");
        ErrorRecord error = Assert.Single(r.AllErrors);
        Assert.StartsWith("PSRedis.CommandNotSupported,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.NotImplemented, error.CategoryInfo.Category);
        Assert.Equal("NOSUCHCMD", error.TargetObject);
        Assert.Matches(s_redis, error.Exception.Message);
        Assert.DoesNotContain("hunter2", error.ToString());

        r = _ps.Run("""
            Invoke-RedisPipeline { Invoke-RedisCommand NOSUCHCMD a; Invoke-RedisCommand PING; Invoke-RedisCommand CLIENT NOSUCHSUB }
            """);
        Assert.Equal(new object[] { "PONG" }, r.Output.Select(o => o.BaseObject));
        Assert.Equal(2, r.AllErrors.Count);
        Assert.All(r.AllErrors, e => Assert.StartsWith("PSRedis.CommandNotSupported,", e.FullyQualifiedErrorId));
        Assert.Contains("does not support NOSUCHCMD", r.AllErrors[0].Exception.Message);
        Assert.Contains("does not support CLIENT NOSUCHSUB", r.AllErrors[1].Exception.Message);
        Assert.All(r.AllErrors, e => Assert.Matches(s_redis, e.Exception.Message));
    }

    [Fact]
    public void InATransactionTheAbortNamesTheUnsupportedCommand()
    {
        using RedisClient client = RedisClient.FromUrl(_redis.Url);
        using RedisPipeline pipe = client.Pipeline(transaction: true);
        pipe.Set("unsupported:tx", "1");
        pipe.ExecuteCommand("NOSUCHCMD", "pw-secret");
        var abort = Assert.Throws<RedisExecAbortException>(() => pipe.Execute());
        var refusal = Assert.IsType<RedisUnsupportedCommandException>(Assert.Single(abort.Errors));
        Assert.Matches(s_redis, refusal.Message);
        Assert.DoesNotContain("pw-secret", abort.Message);
        Assert.Null(client.Get("unsupported:tx"));
    }
}
