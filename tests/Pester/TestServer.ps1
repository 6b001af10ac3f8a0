<#
    Shared set-up for the PSRedis Pester suites; dot-source it in BeforeAll and end the file with Complete-TestFile:
        BeforeAll { . (Join-Path $PSScriptRoot 'TestServer.ps1'); $script:TestServer = Start-TestRedisServer -Tag x; ... }
        AfterAll  { Complete-TestFile -Server $TestServer -Connection $Conn -Prefix $Prefix }
    It imports the built module from out/PSRedis and finds a server: $env:REDIS_TEST_URL when set, else a
    throwaway redis-server on a free loopback port, stopped by Complete-TestFile whatever else fails there.
    Every server started here is also listed in $global:PSRedisTestServers, so the suite runner
    (Invoke-PesterSuite.ps1) can end any that a broken AfterAll left behind, and report it.
#>

if (-not (Test-Path Variable:global:PSRedisTestServers)) {
    $global:PSRedisTestServers = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
}

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
# -Private always starts a server (for tests that flush, or need -Password or other -ArgumentList settings).
# -Port starts it on that port (implies -Private), e.g. the port of a server just stopped, to play a restart.
function Start-TestRedisServer {
    param([Parameter(Mandatory)] [string] $Tag, [string[]] $ArgumentList = @(), [string] $Password, [switch] $Private, [int] $Port)
    if ($env:REDIS_TEST_URL -and -not $Private -and -not $Port) {
        return [pscustomobject]@{ Url = $env:REDIS_TEST_URL; Process = $null }
    }
    $redisServer = Get-Command redis-server -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $redisServer) {
        throw 'The Pester suites need redis-server on PATH (apt-get install redis-server, brew install redis), or $env:REDIS_TEST_URL naming a server.'
    }
    $port = if ($Port) { $Port } else { Get-FreeTcpPort }
    $log = Join-Path ([IO.Path]::GetTempPath()) "psredis-pester-$Tag-$port.log"
    $process = Start-Process -FilePath $redisServer.Source -PassThru -RedirectStandardOutput $log `
        -ArgumentList (@('--port', $port, '--bind', '127.0.0.1', '--save', '""', '--appendonly', 'no') + $ArgumentList +
            $(if ($Password) { @('--requirepass', $Password) }))
    $global:PSRedisTestServers.Add($process)
    $url = if ($Password) { "redis://:$([uri]::EscapeDataString($Password))@127.0.0.1:$port/0" } else { "redis://127.0.0.1:$port/0" }
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while (-not (Test-RedisConnection -Url $url -Timeout 1 -Quiet)) {
        if ([DateTime]::UtcNow -gt $deadline -or $process.HasExited) {
            Stop-TestRedisServer ([pscustomobject]@{ Url = $url; Process = $process })
            throw "redis-server did not start on port ${port}: $(Get-Content $log -Raw -ErrorAction SilentlyContinue)"
        }
        Start-Sleep -Milliseconds 100
    }
    [pscustomobject]@{ Url = $url; Process = $process }
}

function Stop-TestRedisServer {
    param($Server)
    $process = $Server.Process
    if (-not $process) { return }
    if (-not $process.HasExited) {
        Stop-Process -Id $process.Id -ErrorAction SilentlyContinue
        if (-not $process.WaitForExit(5000)) { Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue }
    }
    $null = $global:PSRedisTestServers.Remove($process)
}

# The end of every suite: remove its keys (on a shared server), close its connections, stop its server and unload
# the module. The server is stopped even when the clean-up before it fails.
function Complete-TestFile {
    param($Server, $Connection, [string] $Prefix)
    try {
        if ($Server -and -not $Server.Process -and $Connection -and -not $Connection.IsClosed -and $Prefix) {
            Get-RedisKey -Match "$Prefix*" -Connection $Connection | Remove-RedisKey -Force
        }
        Disconnect-Redis -All
    }
    finally {
        if ($Server) { Stop-TestRedisServer $Server }
        Remove-Module PSRedis -ErrorAction SilentlyContinue
    }
}
