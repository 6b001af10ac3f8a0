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
.NOTES
    $env:PSREDIS_TEST_ENGINE = 'Garnet' runs the suites against Microsoft Garnet instead of redis-server (see
    ServerEngine.ps1 and docs/garnet.md). The cluster suites (PSRedis.Cluster*.Tests.ps1) are left out then: they start
    redis-server clusters with redis-cli whatever the engine, so under Garnet they would only repeat the Redis run.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ResultDirectory,
    [string[]] $Path = @($PSScriptRoot)
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$null = New-Item -ItemType Directory -Force -Path $ResultDirectory

$config = New-PesterConfiguration
if ($env:PSREDIS_TEST_ENGINE -eq 'Garnet') {
    $files = @(Get-ChildItem -Path $Path -Filter '*.Tests.ps1' -File -Recurse)
    $cluster = @($files | Where-Object Name -like 'PSRedis.Cluster*.Tests.ps1')
    foreach ($file in $cluster) {
        Write-Host "Left out under Garnet: $($file.Name) (a redis-server cluster whatever the engine; the Redis run covers it)."
    }
    $Path = @($files | Where-Object Name -notlike 'PSRedis.Cluster*.Tests.ps1' | ForEach-Object FullName)
    if (-not $Path.Count) { Write-Host 'Pester: nothing to run under Garnet.'; exit 0 }
}
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultDirectory 'pester.xml'

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
    Set-Content -Path (Join-Path $ResultDirectory 'pester-summary.txt') -Encoding utf8NoBOM
Write-Host "Pester: $passed passed, $failed failed, $skipped skipped"
exit ([int]($failed -gt 0 -or $passed -eq 0))
