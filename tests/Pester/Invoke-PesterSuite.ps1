#Requires -Version 7.0
<#
.SYNOPSIS
    Runs the Pester suites of tests/Pester with a given Pester module, writes NUnit XML and a summary, and exits
    non-zero when any test, block or file failed. build.ps1 -Test runs it in a child pwsh after the xunit tests.
.PARAMETER PesterManifest
    Pester.psd1 to import (build.ps1 restores Pester 5.9.1 from NuGet and passes its path).
.PARAMETER ResultDirectory
    Where pester.xml (NUnit 2.5) and pester-summary.txt (passed=, failed=, skipped= lines) are written.
.PARAMETER Path
    Test files or folders; default: every *.Tests.ps1 beside this script.
.PARAMETER Engine
    The server the suites start (Start-RedisTestServer -Engine, through $env:PSREDIS_TEST_ENGINE): Redis (default) or
    Garnet. A Garnet run writes pester-garnet.xml and pester-garnet-summary.txt, and leaves out the suites that cannot
    run on Garnet (docs/garnet.md says which and why).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ResultDirectory,
    [string[]] $Path = @($PSScriptRoot),
    [ValidateSet('Redis', 'Garnet')] [string] $Engine = 'Redis'
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$null = New-Item -ItemType Directory -Force -Path $ResultDirectory

$env:PSREDIS_TEST_ENGINE = $Engine
$resultName = if ($Engine -eq 'Redis') { 'pester' } else { "pester-$($Engine.ToLowerInvariant())" }

$config = New-PesterConfiguration
$config.Run.Path = $Path
if ($Engine -eq 'Garnet') {
    # Cluster suites build redis-server clusters with redis-cli (Garnet's cluster mode is another product), and the
    # test-server suite already starts both engines itself.
    $config.Run.ExcludePath = @('*/PSRedis.Cluster.Tests.ps1', '*/PSRedis.ClusterFixture.Tests.ps1', '*/PSRedis.TestServer.Tests.ps1')
    Write-Host ('Left out under Garnet: PSRedis.Cluster.Tests.ps1 and PSRedis.ClusterFixture.Tests.ps1 (redis-server clusters ' +
        'whatever the engine; the Redis run covers them), PSRedis.TestServer.Tests.ps1 (it starts both engines itself).')
}
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultDirectory "$resultName.xml"

$result = $null
$leaked = 0
try {
    $result = Invoke-Pester -Configuration $config
}
finally {
    # A suite's AfterAll stops its server; one that did not is a bug to see, and must not outlive the run.
    if (Test-Path Variable:global:PSRedisTestServers) {
        foreach ($process in @($global:PSRedisTestServers)) {
            if ($process.HasExited) { continue }
            $leaked++
            Write-Warning "A test left redis-server (pid $($process.Id)) running; stopping it."
            Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
        }
    }
}

# Every skipped test with its reason (Set-ItResult -Because: the known Garnet differences say which), as the NUnit
# XML keeps no reason.
if ($result) {
    foreach ($test in @($result.Skipped)) {
        $reason = @($test.ErrorRecord | ForEach-Object { $_.Exception.Message }) -join ' '
        Write-Host "Skipped: $($test.ExpandedPath)$(if ($reason) { " -- $reason" })"
    }
}

# Tests in a failed BeforeAll are reported failed by Pester; a failed AfterAll or file is counted here on its own.
$passed = $result.PassedCount
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount + $leaked
$skipped = $result.SkippedCount + $result.NotRunCount + $result.InconclusiveCount
@("passed=$passed", "failed=$failed", "skipped=$skipped") |
    Set-Content -Path (Join-Path $ResultDirectory "$resultName-summary.txt") -Encoding utf8NoBOM
Write-Host "Pester ($Engine): $passed passed, $failed failed, $skipped skipped"
exit ([int]($failed -gt 0 -or $passed -eq 0))
