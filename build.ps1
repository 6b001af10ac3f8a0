#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the PSRedis module.
.DESCRIPTION
    ./build.ps1            Release build of PSRedis.slnx; the importable module lands in out/PSRedis.
    ./build.ps1 -Test      Also runs the unit and integration tests (dotnet test).
    ./build.ps1 -Package   Also writes out/PSRedis.zip with the PSRedis/ folder at its root
                           (the layout Azure Automation imports: zip name = folder name = manifest name).
    ./build.ps1 -Demo      Builds, then shows the module working against a local Redis: uses the server on
                           localhost:6379 if one answers, else starts redis-server on a free port and stops it after.
    ./build.ps1 -UpdateHelp Regenerates docs/help/en-US/PSRedis.dll-Help.xml from docs/cmdlets/*.md, then rebuilds.
.EXAMPLE
    ./build.ps1 -Demo
.EXAMPLE
    ./build.ps1 -Test -Package
#>
[CmdletBinding()]
param(
    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',
    [switch] $Test,
    [switch] $Package,
    [switch] $Demo,
    [switch] $UpdateHelp
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$solution = Join-Path $root 'PSRedis.slnx'
$moduleDir = Join-Path $root 'out/PSRedis'

function Invoke-Native {
    param([string] $FilePath, [string[]] $Arguments)
    Write-Host "> $FilePath $($Arguments -join ' ')" -ForegroundColor DarkGray
    & $FilePath @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$FilePath exited with code $LASTEXITCODE." }
}

function Test-TcpPort {
    param([int] $Port)
    $client = [Net.Sockets.TcpClient]::new()
    try {
        $client.ConnectAsync('127.0.0.1', $Port).Wait(500) -and $client.Connected
    } catch {
        $false
    } finally {
        $client.Dispose()
    }
}

function Get-FreeTcpPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# A module DLL cannot be replaced while a session has it loaded; build in a clean child when it is.
if (Get-Module PSRedis) {
    throw 'PSRedis is imported in this session; run ./build.ps1 from a new pwsh (the loaded DLL cannot be reloaded).'
}

Invoke-Native dotnet @('build', $solution, '-c', $Configuration, '--nologo')

if ($UpdateHelp) {
    $env:PSREDIS_UPDATE_HELP = '1'
    try {
        Invoke-Native dotnet @('test', (Join-Path $root 'tests/Integration'), '-c', $Configuration, '--no-build',
            '--filter', 'FullyQualifiedName~HelpSourceTests')
    } finally {
        Remove-Item Env:PSREDIS_UPDATE_HELP
    }
    # The build copies the regenerated help into out/PSRedis/en-US.
    Invoke-Native dotnet @('build', $solution, '-c', $Configuration, '--nologo')
}

if ($Test) {
    Invoke-Native dotnet @('test', $solution, '-c', $Configuration, '--no-build', '--nologo')
}

if ($Package) {
    $zip = Join-Path $root 'out/PSRedis.zip'
    if (Test-Path $zip) { Remove-Item $zip }
    # Compressing the folder itself (not its contents) puts PSRedis/ at the zip root.
    Compress-Archive -Path $moduleDir -DestinationPath $zip
    Write-Host "Package: $zip"
}

if ($Demo) {
    $server = $null
    $port = 6379
    if (-not (Test-TcpPort -Port $port)) {
        $redisServer = Get-Command redis-server -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $redisServer) {
            throw 'No Redis answers on localhost:6379 and redis-server is not on PATH. Install Redis (apt-get install redis-server, brew install redis) or start one.'
        }
        $port = Get-FreeTcpPort
        Write-Host "Starting redis-server on port $port"
        $server = Start-Process -FilePath $redisServer.Source -PassThru -NoNewWindow `
            -ArgumentList @('--port', $port, '--bind', '127.0.0.1', '--save', '""', '--appendonly', 'no')
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while (-not (Test-TcpPort -Port $port)) {
            if ([DateTime]::UtcNow -gt $deadline -or $server.HasExited) { throw "redis-server did not start on port $port." }
            Start-Sleep -Milliseconds 100
        }
    }
    try {
        # A child pwsh, so this session never loads the DLL (and the next build can overwrite it).
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$moduleDir/PSRedis.psd1'
`$conn = Connect-Redis -Url 'redis://127.0.0.1:$port/0' -PassThru
`$conn | Format-Table
Test-RedisConnection | Format-Table
1..5 | ForEach-Object { [pscustomobject]@{ Key = "demo:`$_"; Value = "value `$_" } } | Set-RedisValue
Set-RedisValue -Key 'demo:expiring' -Value 'gone in a minute' -Expiry 60
Get-RedisKey -Match 'demo:*' -Detailed | Sort-Object Key | Format-Table
Get-RedisKey -Match 'demo:*' | Sort-Object Key | ForEach-Object { '{0} = {1}' -f `$_.Key, (`$_ | Get-RedisValue) }
# Tidy up (Remove-RedisKey comes later; .Client is the compiled client underneath).
`$null = `$conn.Client.Delete([string[]]@(Get-RedisKey -Match 'demo:*').Key)
"@
        Invoke-Native (Get-Process -Id $PID).Path @('-NoProfile', '-NoLogo', '-Command', $script)
    } finally {
        if ($server -and -not $server.HasExited) {
            Write-Host "Stopping redis-server (pid $($server.Id))"
            Stop-Process -Id $server.Id
        }
    }
}
