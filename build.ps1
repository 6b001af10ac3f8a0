#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the PSRedis module.
.DESCRIPTION
    ./build.ps1            Release build of PSRedis.slnx; the importable module lands in out/PSRedis.
    ./build.ps1 -Demo      Builds, and in a child pwsh starts a throwaway server with Start-RedisTestServer on a free
                           loopback port (redis-server from PATH, else Garnet from the tool manifest; never touching
                           a server you run), shows the module working on it, and stops the server.
    ./build.ps1 -Test      Builds, runs the unit and integration tests (dotnet test, TRX in TestResults/), restores
                           Pester 5.9.1 from NuGet and runs tests/Pester in a child pwsh (NUnit XML in TestResults/),
                           prints "N passed, N failed" over both, and exits non-zero when any test failed.
    ./build.ps1 -Package   Also writes out/PSRedis.zip with the PSRedis/ folder at its root
                           (the layout Azure Automation imports: zip name = folder name = manifest name).
    ./build.ps1 -UpdateHelp Regenerates docs/help/en-US/PSRedis.dll-Help.xml from docs/cmdlets/*.md, then rebuilds.

    It runs the same under any pwsh 7: an installed one, the dotnet global tool, or the repository's local tool
    (dotnet tool restore; dotnet pwsh ./build.ps1 ...). Child pwsh processes are started the way this one was.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Demo
.EXAMPLE
    dotnet pwsh ./build.ps1 -Test
.EXAMPLE
    pwsh ./build.ps1 -Test -PesterOnly
#>
[CmdletBinding()]
param(
    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',
    [switch] $Test,
    # With -Test: skip dotnet test and run only the Pester suites (still builds first).
    [switch] $PesterOnly,
    [switch] $Package,
    [switch] $Demo,
    [switch] $UpdateHelp
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$solution = Join-Path $root 'PSRedis.slnx'
$moduleDir = Join-Path $root 'out/PSRedis'
$results = Join-Path $root 'TestResults'

function Invoke-Native {
    param([string] $FilePath, [string[]] $Arguments, [switch] $NoThrow)
    Write-Host "> $FilePath $($Arguments -join ' ')" -ForegroundColor DarkGray
    # Out-Host: the tool's output streams to the console instead of becoming this function's return value.
    & $FilePath @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0 -and -not $NoThrow) { throw "$FilePath exited with code $LASTEXITCODE." }
    $LASTEXITCODE
}

# How to start another pwsh like this one: under the dotnet tool the process is `dotnet` and pwsh is pwsh.dll in
# $PSHOME; an installed pwsh or the global tool's shim is the process itself.
function Get-PwshCommand {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        return @($process, (Join-Path $PSHOME 'pwsh.dll'))
    }
    @($process)
}

function Invoke-ChildPwsh {
    param([string[]] $Arguments, [switch] $NoThrow)
    $pwsh = @(Get-PwshCommand)
    $first, $rest = $pwsh
    Invoke-Native $first (@($rest) + @('-NoProfile', '-NoLogo', '-NonInteractive') + $Arguments) -NoThrow:$NoThrow
}

# Restores Pester from NuGet (no gallery) and returns the path of its manifest.
function Get-PesterManifest {
    $project = Join-Path $root 'tests/Pester/PesterModule.csproj'
    $null = Invoke-Native dotnet @('restore', $project, '--nologo', '-v', 'quiet')
    $assets = Get-Content (Join-Path $root 'tests/Pester/obj/project.assets.json') -Raw | ConvertFrom-Json -AsHashtable
    foreach ($folder in $assets['packageFolders'].Keys) {
        $manifest = Join-Path $folder 'pester/5.9.1/tools/Pester.psd1'
        if (Test-Path $manifest) { return $manifest }
    }
    throw "Pester 5.9.1 was restored, but Pester.psd1 is in none of: $($assets['packageFolders'].Keys -join ', ')."
}

# Passed/failed/skipped over every TRX file and the Pester summary in TestResults.
function Get-TestTotals {
    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0; Files = 0 }
    foreach ($trx in Get-ChildItem $results -Filter *.trx -ErrorAction SilentlyContinue) {
        $counters = ([xml](Get-Content -LiteralPath $trx.FullName -Raw)).TestRun.ResultSummary.Counters
        $totals.Passed += [int]$counters.passed
        $totals.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
        $totals.Skipped += [int]$counters.total - [int]$counters.executed
        $totals.Files++
    }
    foreach ($summary in Get-ChildItem $results -Filter 'pester*-summary.txt' -ErrorAction SilentlyContinue) {
        $pester = Get-Content $summary.FullName -Raw | ConvertFrom-StringData
        $totals.Passed += [int]$pester.passed
        $totals.Failed += [int]$pester.failed
        $totals.Skipped += [int]$pester.skipped
        $totals.Files++
    }
    [pscustomobject]$totals
}

# A module DLL cannot be replaced while a session has it loaded; build in a clean child when it is.
if (Get-Module PSRedis) {
    throw 'PSRedis is imported in this session; run ./build.ps1 from a new pwsh (the loaded DLL cannot be reloaded).'
}

$null = Invoke-Native dotnet @('build', $solution, '-c', $Configuration, '--nologo')

if ($UpdateHelp) {
    $env:PSREDIS_UPDATE_HELP = '1'
    try {
        $null = Invoke-Native dotnet @('test', (Join-Path $root 'tests/Integration'), '-c', $Configuration, '--no-build',
            '--filter', 'FullyQualifiedName~HelpSourceTests')
    } finally {
        Remove-Item Env:PSREDIS_UPDATE_HELP
    }
    # The build copies the regenerated help into out/PSRedis/en-US.
    $null = Invoke-Native dotnet @('build', $solution, '-c', $Configuration, '--nologo')
}

if ($Package) {
    $zip = Join-Path $root 'out/PSRedis.zip'
    if (Test-Path $zip) { Remove-Item $zip }
    # Compressing the folder itself (not its contents) puts PSRedis/ at the zip root.
    Compress-Archive -Path $moduleDir -DestinationPath $zip
    Write-Host "Package: $zip"
}

if ($Demo) {
    # A child pwsh, so this session never loads the DLL (and the next build can overwrite it); the demo starts its
    # own throwaway server with Start-RedisTestServer (redis-server, else Garnet from the tool manifest) and stops it.
    $null = Invoke-ChildPwsh @('-File', (Join-Path $root 'docs/demo.ps1'))
}

if ($Test) {
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $results
    $failures = 0
    if (-not $PesterOnly) {
        $code = Invoke-Native dotnet @('test', $solution, '-c', $Configuration, '--no-build', '--nologo',
            '--logger', 'trx', '--results-directory', $results) -NoThrow
        if ($code -ne 0) { $failures++ }
    }
    $pester = Get-PesterManifest
    # The Pester suites run twice: on redis-server, then on Garnet (the engine of last resort; docs/garnet.md).
    foreach ($engine in 'Redis', 'Garnet') {
        $code = Invoke-ChildPwsh @('-File', (Join-Path $root 'tests/Pester/Invoke-PesterSuite.ps1'),
            '-PesterManifest', $pester, '-ResultDirectory', $results, '-Engine', $engine) -NoThrow
        if ($code -ne 0) { $failures++ }
    }

    $totals = Get-TestTotals
    $line = "$($totals.Passed) passed, $($totals.Failed) failed" + $(if ($totals.Skipped) { ", $($totals.Skipped) skipped" })
    Write-Host $line
    if ($failures -gt 0 -or $totals.Failed -gt 0) {
        Write-Error "Tests failed ($line); results are in $results." -ErrorAction Continue
        exit 1
    }
}
