<#
    Shared set-up for the PSRedis Pester suites; dot-source it in BeforeAll:
        . (Join-Path $PSScriptRoot 'TestServer.ps1')
    It imports the built module from out/PSRedis and finds a server: $env:REDIS_TEST_URL when set, else a
    throwaway redis-server on a free loopback port (stop it in AfterAll with Stop-Process on .Process).
#>

function Get-FreeTcpPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# Imports out/PSRedis/PSRedis.psd1 and returns its path.
function Import-PSRedisUnderTest {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $manifest = Join-Path $repoRoot 'out/PSRedis/PSRedis.psd1'
    if (-not (Test-Path $manifest)) { throw "Build the module first: $manifest is missing." }
    Import-Module $manifest -Force -Global
    $manifest
}

# Returns @{ Url; Process } where Process is $null when $env:REDIS_TEST_URL names the server.
function Start-TestRedisServer {
    param([Parameter(Mandatory)] [string] $Tag)
    if ($env:REDIS_TEST_URL) {
        return [pscustomobject]@{ Url = $env:REDIS_TEST_URL; Process = $null }
    }
    $redisServer = (Get-Command redis-server -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    $port = Get-FreeTcpPort
    $process = Start-Process -FilePath $redisServer -PassThru `
        -ArgumentList @('--port', $port, '--bind', '127.0.0.1', '--save', '""', '--appendonly', 'no') `
        -RedirectStandardOutput (Join-Path ([IO.Path]::GetTempPath()) "psredis-pester-$Tag-$port.log")
    $url = "redis://127.0.0.1:$port/0"
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while (-not (Test-RedisConnection -Url $url -Timeout 1 -Quiet)) {
        if ([DateTime]::UtcNow -gt $deadline -or $process.HasExited) {
            if (-not $process.HasExited) { Stop-Process -Id $process.Id }
            throw "redis-server did not start on port $port."
        }
        Start-Sleep -Milliseconds 100
    }
    [pscustomobject]@{ Url = $url; Process = $process }
}
