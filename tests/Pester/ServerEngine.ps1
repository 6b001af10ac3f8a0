<#
    Which server engine the Pester suites run against, and the helpers a test uses where the engines differ.
    Dot-sourced by TestServer.ps1. $env:PSREDIS_TEST_ENGINE picks the engine: 'Redis' (the default) or 'Garnet'
    (Microsoft Garnet, a Redis-compatible server; CI runs the suites against both). Every difference a test allows
    for is listed in docs/garnet.md, with what the cmdlet does about it.
#>

$script:TestEngine = if ($env:PSREDIS_TEST_ENGINE) { $env:PSREDIS_TEST_ENGINE } else { 'Redis' }
if ($script:TestEngine -notin 'Redis', 'Garnet') {
    throw "PSREDIS_TEST_ENGINE must be 'Redis' or 'Garnet', not '$($script:TestEngine)'."
}
$script:IsGarnet = $script:TestEngine -eq 'Garnet'

# First line of an It block: under Garnet the test ends here, skipped, with the difference named (a row of
# docs/garnet.md) in the result; under Redis it does nothing. (Set-ItResult throws, so nothing after it runs.)
function Skip-KnownGarnetDifference {
    param([Parameter(Mandatory)] [string] $Because)
    if ($script:IsGarnet) { Set-ItResult -Skipped -Because "Known Garnet difference: $Because" }
}

# Garnet as restored by 'dotnet tool restore' (the tool manifest pins 2.2.8), run with 'dotnet exec' as one process:
# 'dotnet garnet-server' starts a child that would outlive a kill by PID.
$script:GarnetServerDll = Join-Path $HOME '.nuget/packages/garnet-server/2.2.8/tools/net10.0/any/GarnetServer.dll'

# A Garnet that speaks TLS only, on -Port (Garnet has no plain and TLS port side by side, as redis-server's --tls-port):
# @{ Url = rediss://...; Process }, stopped with Stop-TestRedisServer. -Certificate is the server certificate with its
# private key; Garnet reads it as a PFX file, written with the server's log into -Directory (the caller's work folder,
# which it removes). No client certificates are asked for (redis-server's --tls-auth-clients no).
function Start-TestGarnetTlsServer {
    param([Parameter(Mandatory)] [string] $Tag, [Parameter(Mandatory)] [int] $Port, [Parameter(Mandatory)] [string] $Directory,
        [Parameter(Mandatory)] [Security.Cryptography.X509Certificates.X509Certificate2] $Certificate, [string] $Password)
    if (-not (Test-Path $script:GarnetServerDll)) { throw "Garnet is missing: run 'dotnet tool restore' ($($script:GarnetServerDll))." }
    $pfx = Join-Path $Directory "garnet-tls-$Tag-$Port.pfx"
    $pfxPassword = [guid]::NewGuid().ToString('N')
    [IO.File]::WriteAllBytes($pfx, $Certificate.Export([Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $pfxPassword))
    $log = Join-Path $Directory "garnet-tls-$Tag-$Port.log"
    $process = Start-Process -FilePath 'dotnet' -PassThru -RedirectStandardOutput $log -ArgumentList (@('exec', $script:GarnetServerDll,
        '--port', $Port, '--bind', '127.0.0.1', '--lua', '--auth', 'ACL', '--tls', '--cert-file-name', $pfx, '--cert-password', $pfxPassword,
        '--client-certificate-required', 'false') + $(if ($Password) { @('--password', $Password) }))
    $global:PSRedisTestServers.Add($process)
    $auth = if ($Password) { ":$([uri]::EscapeDataString($Password))@" } else { '' }
    $server = [pscustomobject]@{ Url = "rediss://${auth}127.0.0.1:$Port/0"; Process = $process }
    # Ready once the port takes connections (a TLS handshake here would need the certificate trusted).
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect([Net.IPAddress]::Loopback, $Port); break } catch { } finally { $client.Dispose() }
        if ([DateTime]::UtcNow -gt $deadline -or $process.HasExited) {
            Stop-TestRedisServer $server
            throw "Garnet (TLS) did not start on port ${Port}: $(Get-Content $log -Raw -ErrorAction SilentlyContinue)"
        }
        Start-Sleep -Milliseconds 100
    }
    $server
}
