using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>Connect-Redis and Test-RedisConnection in a hosted engine, against the fixture's servers.</summary>
[Collection(RedisCollection.Name)]
public sealed class ConnectionCmdletTests : IDisposable
{
    private readonly RedisFixture _redis;
    private readonly PowerShellHost _ps = new();

    public ConnectionCmdletTests(RedisFixture redis) => _redis = redis;

    public void Dispose() => _ps.Dispose();

    private Dictionary<string, object?> Vars(params (string Name, object? Value)[] extra)
    {
        var vars = new Dictionary<string, object?> { ["Url"] = _redis.Url };
        foreach (var (name, value) in extra) vars[name] = value;
        return vars;
    }

    [Fact]
    public void ConnectWithUrlAndPassThruEmitsTheConnectionWithItsClient()
    {
        PowerShellResult r = _ps.Run("Connect-Redis -Url $Url -Name main -PassThru", Vars()).ShouldSucceed();
        PSObject conn = Assert.Single(r.Output);
        Assert.Equal("PSRedis.RedisConnection", conn.BaseObject.GetType().FullName);
        Assert.Equal("main", conn.Properties["Name"].Value);
        Assert.Equal(_redis.Port, conn.Properties["Port"].Value);
        Assert.Equal(0, conn.Properties["Database"].Value);
        Assert.Equal(false, conn.Properties["UseTls"].Value);
        Assert.IsType<PSRedis.Protocol.RedisClient>(conn.Properties["Client"].Value);

        // .Client is the compiled client, and the connection became the session default.
        r = _ps.Run("$c = Connect-Redis -Url $Url -PassThru; $c.Client.Ping(); (Test-RedisConnection).Name -eq $c.Name", Vars()).ShouldSucceed();
        Assert.Equal(new object[] { true, true }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void ConnectWithoutPassThruEmitsNothingAndSetsTheDefault()
    {
        PowerShellResult r = _ps.Run("Connect-Redis -Url $Url; (Test-RedisConnection).Success", Vars()).ShouldSucceed();
        Assert.Equal(true, r.Single());
    }

    [Fact]
    public void ConnectWithNoArgumentsUsesRedisUrlEnvironmentVariable()
    {
        // $env: is process-wide; the collection runs serially, and the script restores it.
        string url = $"redis://{_redis.Host}:{_redis.Port}/3";
        PowerShellResult r = _ps.Run(
            "$old = $env:REDIS_URL; try { $env:REDIS_URL = $EnvUrl; Connect-Redis -PassThru } finally { $env:REDIS_URL = $old }",
            Vars(("EnvUrl", url))).ShouldSucceed();
        PSObject conn = Assert.Single(r.Output);
        Assert.Equal(3, conn.Properties["Database"].Value);
        Assert.Equal(_redis.Port, conn.Properties["Port"].Value);
    }

    [Fact]
    public void ConnectWithHostNamePortAndDatabase()
    {
        PowerShellResult r = _ps.Run("Connect-Redis -HostName $H -Port $P -Database 2 -PassThru",
            Vars(("H", _redis.Host), ("P", _redis.Port))).ShouldSucceed();
        PSObject conn = Assert.Single(r.Output);
        Assert.Equal(2, conn.Properties["Database"].Value);
        Assert.Equal(_redis.Host, conn.Properties["Host"].Value);
    }

    [Fact]
    public void WrongPasswordIsATerminatingAuthenticationErrorThatNeverShowsThePassword()
    {
        RedisServerProcess server = _redis.PasswordServer;
        const string wrong = "not-the-password-4711";
        PowerShellResult r = _ps.Run(
            "$cred = [pscredential]::new('default', [Net.NetworkCredential]::new('', $Pw).SecurePassword); Connect-Redis -HostName $H -Port $P -Credential $cred -Verbose; 'not reached'",
            Vars(("H", server.Host), ("P", server.Port), ("Pw", wrong)));
        Assert.Empty(r.Output);
        ErrorRecord error = Assert.IsType<ErrorRecord>(r.TerminatingError);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.StartsWith("PSRedis.AuthenticationFailed", error.FullyQualifiedErrorId);
        Assert.DoesNotContain(wrong, error.ToString());
        Assert.DoesNotContain(wrong, error.Exception.Message);
        Assert.All(r.Verbose, line => Assert.DoesNotContain(wrong, line));
    }

    [Fact]
    public void RightPasswordAndAclUserConnectAndVerboseNeverShowsThem()
    {
        RedisServerProcess server = _redis.PasswordServer;
        PowerShellResult r = _ps.Run("""
            $c1 = Connect-Redis -HostName $H -Port $P -Credential ([pscredential]::new('default', [Net.NetworkCredential]::new('', $Pw).SecurePassword)) -PassThru -Verbose
            $c2 = Connect-Redis -HostName $H -Port $P -Credential ([pscredential]::new($User, [Net.NetworkCredential]::new('', $UserPw).SecurePassword)) -Name acl -PassThru -Verbose
            $c3 = Connect-Redis -Url "redis://${User}:${UserPw}@${H}:${P}/0" -Name url -PassThru -Verbose
            $c1.Client.Ping(); $c2.Client.Ping(); $c3.Client.Ping()
            "$c1 $c2 $c3 $($c1.Url) $($c2.Url) $($c3.Url)"
            """,
            Vars(("H", server.Host), ("P", server.Port), ("Pw", RedisFixture.DefaultUserPassword),
                 ("User", RedisFixture.AclUserName), ("UserPw", RedisFixture.AclUserPassword))).ShouldSucceed();
        Assert.Equal(new object[] { true, true, true }, r.Output.Take(3).Select(o => o.BaseObject));
        string text = (string)r.Output[3].BaseObject;
        Assert.Contains("alice:***@", text);
        Assert.NotEmpty(r.Verbose);
        foreach (string line in r.Verbose.Append(text))
        {
            Assert.DoesNotContain(RedisFixture.DefaultUserPassword, line);
            Assert.DoesNotContain(":" + RedisFixture.AclUserPassword, line);
        }
        Assert.Contains(r.Verbose, line => line.Contains($"{server.Host}:{server.Port}", StringComparison.Ordinal));
    }

    [Fact]
    public void UnreachableServerIsATerminatingConnectionErrorWithinTheTimeout()
    {
        int port = RedisServerProcess.GetFreeLoopbackPort();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        PowerShellResult r = _ps.Run("Connect-Redis -HostName 127.0.0.1 -Port $P -Timeout 2", Vars(("P", port)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        ErrorRecord error = Assert.IsType<ErrorRecord>(r.TerminatingError);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.StartsWith("PSRedis.ConnectionFailed", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void CmdletsWithoutAConnectionSayRunConnectRedis()
    {
        PowerShellResult r = _ps.Run("Get-RedisValue -Key a");
        ErrorRecord error = Assert.IsType<ErrorRecord>(r.TerminatingError);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.StartsWith("PSRedis.NoConnection", error.FullyQualifiedErrorId);
        Assert.Contains("Run Connect-Redis first", error.Exception.Message);
    }

    [Fact]
    public void TimeoutAcceptsSecondsAndTimeSpans()
    {
        PowerShellResult r = _ps.Run("""
            (Connect-Redis -Url $Url -Timeout 2.5 -PassThru).Client.Options.SocketTimeout.TotalMilliseconds
            (Connect-Redis -Url $Url -Timeout ([timespan]::FromSeconds(7)) -PassThru).Client.Options.ConnectTimeout.TotalSeconds
            (Connect-Redis -Url $Url -Timeout '00:00:09' -PassThru).Client.Options.ConnectTimeout.TotalSeconds
            """, Vars()).ShouldSucceed();
        Assert.Equal(new object[] { 2500d, 7d, 9d }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void TestRedisConnectionReportsSuccessAndRoundTrip()
    {
        PowerShellResult r = _ps.Run("Connect-Redis -Url $Url -Name t; Test-RedisConnection; Test-RedisConnection -Quiet", Vars()).ShouldSucceed();
        Assert.Equal(2, r.Output.Count);
        PSObject result = r.Output[0];
        Assert.Equal(true, result.Properties["Success"].Value);
        var roundTrip = Assert.IsType<TimeSpan>(result.Properties["RoundTrip"].Value);
        Assert.True(roundTrip > TimeSpan.Zero && roundTrip < TimeSpan.FromSeconds(5));
        Assert.Equal("t", result.Properties["Name"].Value);
        Assert.Null(result.Properties["Error"].Value);
        Assert.Equal(true, r.Output[1].BaseObject);
    }

    [Fact]
    public void TestRedisConnectionToAnUnusedPortIsFalseWithinTheTimeoutAndThrowsNothing()
    {
        int port = RedisServerProcess.GetFreeLoopbackPort();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        PowerShellResult r = _ps.Run("Test-RedisConnection -Url \"redis://127.0.0.1:$P/0\" -Timeout 2; Test-RedisConnection -Url \"redis://127.0.0.1:$P/0\" -Timeout 1 -Quiet",
            Vars(("P", port))).ShouldSucceed();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        PSObject result = r.Output[0];
        Assert.Equal(false, result.Properties["Success"].Value);
        Assert.Null(result.Properties["RoundTrip"].Value);
        Assert.False(string.IsNullOrEmpty((string?)result.Properties["Error"].Value));
        Assert.Equal(false, r.Output[1].BaseObject);
    }

    [Fact]
    public void TestRedisConnectionOfAConnectionWhoseServerStoppedIsFalse()
    {
        RedisServerProcess server = RedisServerProcess.Start();
        try
        {
            PowerShellResult r = _ps.Run("$script:c = Connect-Redis -Url $U -Timeout 2 -PassThru; (Test-RedisConnection -Connection $c).Success",
                Vars(("U", server.Url))).ShouldSucceed();
            Assert.Equal(true, r.Single());
            server.Dispose();
            r = _ps.Run("Test-RedisConnection -Connection $c").ShouldSucceed();
            Assert.Equal(false, Assert.Single(r.Output).Properties["Success"].Value);
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public void RunspacesDoNotShareDefaultConnections()
    {
        _ps.Run("Connect-Redis -Url $Url", Vars()).ShouldSucceed();
        using var other = new PowerShellHost();
        PowerShellResult r = other.Run("Test-RedisKey x");
        Assert.StartsWith("PSRedis.NoConnection", Assert.IsType<ErrorRecord>(r.TerminatingError).FullyQualifiedErrorId);
    }

    [Fact]
    public void TestRedisConnectionWithoutAnyConnectionIsFalseAndNeverThrows()
    {
        PowerShellResult r = _ps.Run("Test-RedisConnection -Quiet; Test-RedisConnection").ShouldSucceed();
        Assert.Equal(false, r.Output[0].BaseObject);
        Assert.Equal(false, r.Output[1].Properties["Success"].Value);
        Assert.Contains("Connect-Redis", (string?)r.Output[1].Properties["Error"].Value);
        Assert.Empty(r.Errors);
    }

    [Fact]
    public void TestRedisConnectionTimeoutTestsTheDefaultConnection()
    {
        PowerShellResult r = _ps.Run("Connect-Redis -Url $Url -Name t; $r = Test-RedisConnection -Timeout 3; $r.Success; $r.Name", Vars()).ShouldSucceed();
        Assert.Equal(new object[] { true, "t" }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void ConnectingAgainWithTheSameNameAndSettingsKeepsTheConnection()
    {
        PowerShellResult r = _ps.Run("""
            $a = Connect-Redis -Url $Url -Name same -PassThru
            $b = Connect-Redis -Url $Url -Name same -PassThru -Verbose
            [object]::ReferenceEquals($a, $b)
            $a.IsClosed
            $a.IsDefault
            """, Vars()).ShouldSucceed();
        Assert.Equal(new object[] { true, false, true }, r.Output.Select(o => o.BaseObject));
        Assert.Contains(r.Verbose, v => v.Contains("Already connected", StringComparison.Ordinal));
    }

    [Fact]
    public void AConnectionAScriptHoldsIsNeverClosedBehindItsBack()
    {
        PowerShellResult r = _ps.Run("""
            $a = Connect-Redis -Url $Url -PassThru
            Connect-Redis -Url $Url -Database 2 -Name ($a.Name) -Verbose
            $a.IsClosed
            $a.Client.Ping()
            (Test-RedisConnection -Connection $a).Success
            (Get-RedisConnection -Name $a.Name).Database
            Disconnect-Redis -Connection $a
            $a.IsClosed
            """, Vars()).ShouldSucceed();
        Assert.Equal(new object[] { false, true, true, 2, true }, r.Output.Select(o => o.BaseObject));
        Assert.Contains(r.Verbose, v => v.Contains("stays open until Disconnect-Redis", StringComparison.Ordinal));

        // Also a plain second Connect-Redis to the default URL keeps the first object working.
        r = _ps.Run("$x = Connect-Redis -Url $Url -Name x -PassThru; Connect-Redis -Url $Url; $x.IsClosed; (Test-RedisKey nothing-here -Connection $x)", Vars()).ShouldSucceed();
        Assert.Equal(new object[] { false, false }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void UsingAConnectionDisconnectRedisClosedSaysSo()
    {
        PowerShellResult r = _ps.Run("$c = Connect-Redis -Url $Url -Name gone -PassThru; Disconnect-Redis -Connection $c; Get-RedisValue -Key k -Connection $c", Vars());
        ErrorRecord error = Assert.IsType<ErrorRecord>(r.TerminatingError);
        Assert.StartsWith("PSRedis.ConnectionClosed", error.FullyQualifiedErrorId);
        Assert.Contains("was closed by Disconnect-Redis", error.Exception.Message);
    }

    [Fact]
    public void ConnectionTakesANameAndAPipedConnectionBindsToGetRedisKey()
    {
        PowerShellResult r = _ps.Run("""
            $c = Connect-Redis -Url ($Url -replace '/0$', '/6') -Name db6 -PassThru
            Connect-Redis -Url $Url -Name main
            Set-RedisValue -Key named:1 -Value x -Connection db6
            (Get-RedisValue -Key named:1 -Connection db6)
            @($c | Get-RedisKey -Match 'named:*').Count
            @(Get-RedisKey -Match 'named:*' -Connection db6).Key
            Remove-RedisKey -Key named:1 -Connection db6 -Force
            """, Vars()).ShouldSucceed();
        Assert.Equal(new object[] { "x", 1, "named:1" }, r.Output.Select(o => o.BaseObject));
        r = _ps.Run("Get-RedisValue -Key k -Connection nosuchname");
        Assert.NotNull(r.TerminatingError);
        Assert.Contains("No connection is named 'nosuchname'", r.TerminatingError!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TypeTakesOnlyRedisTypeNamesAndCompletesThem()
    {
        _ps.Run("Connect-Redis -Url $Url", Vars()).ShouldSucceed();
        PowerShellResult r = _ps.Run("Get-RedisKey -Type hashes");
        Assert.NotNull(r.TerminatingError);
        Assert.Contains("ParameterArgumentValidationError", r.TerminatingError!.FullyQualifiedErrorId, StringComparison.Ordinal);
        r = _ps.Run("""
            $line = 'Get-RedisKey -Type s'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ','
            $line = 'Get-RedisServerInfo -Section mem'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ','
            $null = Connect-Redis -Url $Url -Name completes-me
            $line = 'Get-RedisValue -Key x -Connection completes'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ','
            @(Get-RedisKey -Type HASH -Match 'nothing-matches-this:*').Count
            """, Vars()).ShouldSucceed();
        Assert.Equal(new object[] { "set,stream,string", "memory", "completes-me", 0 }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void SkipCertificateCheckWarnsOnceWhenTheConnectionIsMade()
    {
        RedisServerProcess tls = _redis.TlsServer;
        PowerShellResult r = _ps.Run("""
            Connect-Redis -Url $TlsUrl -SkipCertificateCheck -Name unchecked
            Connect-Redis -Url $TlsUrl -SkipCertificateCheck -Name unchecked
            Set-RedisValue -Key tls-warn:k -Value v -Connection unchecked
            Get-RedisValue -Key tls-warn:k -Connection unchecked
            Remove-RedisKey -Key tls-warn:k -Connection unchecked
            Connect-Redis -Url ($TlsUrl + '?ssl_ca_certs=' + [uri]::EscapeDataString($Ca)) -Name checked
            """, Vars(("TlsUrl", tls.TlsUrl), ("Ca", tls.Certificates.CaCertPath))).ShouldSucceed();
        Assert.Equal("v", r.Single());
        string warning = Assert.Single(r.Warnings);
        Assert.Contains("'unchecked'", warning);
        Assert.Contains("without checking the server's certificate", warning);
        Assert.Contains("ssl_ca_certs", warning);
    }

    [Fact]
    public void ATlsFailureExplainsItselfInTheErrorRecord()
    {
        RedisServerProcess tls = _redis.TlsServer;
        PowerShellResult r = _ps.Run("""
            try { Connect-Redis -Url $TlsUrl -Timeout 2 } catch { $_.Exception.Message }
            try { Connect-Redis -Url ('redis://127.0.0.1:' + $TlsPort) -Timeout 2 } catch { $_.Exception.Message }
            """, Vars(("TlsUrl", tls.TlsUrl), ("TlsPort", tls.TlsPort))).ShouldSucceed();
        Assert.Equal(2, r.Output.Count);
        Assert.Contains("ssl_ca_certs=", (string)r.Output[0].BaseObject);
        Assert.Contains("Is this a TLS port? If so, use rediss://", (string)r.Output[1].BaseObject);
    }
}
