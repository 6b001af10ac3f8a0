#Requires -Version 7.0
<#
.SYNOPSIS
    The ops story of PSRedis against a server you can throw away: build.ps1 -Demo runs it on a server of its own
    (Start-RedisTestServer: redis-server from PATH, else Garnet from the repository's tool manifest). It writes a few hundred cache:* keys and some others, dry-runs the clean-up, runs it, and shows what
    is left. Run it yourself only against a server whose data you do not need: it removes every cache:* key.
.PARAMETER Url
    A throwaway server to use instead, e.g. redis://127.0.0.1:6390/0.
.PARAMETER Engine
    Without -Url: the engine Start-RedisTestServer starts (Auto, Redis, Garnet or Docker).
#>
param([string] $Url, [string] $Engine = 'Auto')

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../out/PSRedis/PSRedis.psd1')

function Show([string] $Title) { Write-Host "`n== $Title" -ForegroundColor Cyan }

$server = $null
if (-not $Url) {
    Show 'Start a throwaway server: Start-RedisTestServer'
    # From the repository root, whose tool manifest lists garnet-server (the engine of last resort).
    Push-Location (Join-Path $PSScriptRoot '..')
    try { $server = Start-RedisTestServer -Engine $Engine } finally { Pop-Location }
    Write-Host ("Started {0} {1} ({2}) on port {3}, process {4}" -f $server.Engine, $server.Version, $server.Program, $server.Port, $server.ProcessId)
    $Url = $server.Url
}

try {
Show 'Connect and test'
Connect-Redis -Url $Url -Name demo -PassThru | Format-Table Name, Url, IsDefault -AutoSize | Out-Host
Test-RedisConnection | Format-Table Name, Success, RoundTrip -AutoSize | Out-Host

Show 'Write 300 cache entries, 20 user names, a hash and a queue'
1..300 | ForEach-Object { [pscustomobject]@{ Key = "cache:page:$_"; Value = "<html>page $_</html>" } } |
    Set-RedisValue -Expiry 3600
1..20 | ForEach-Object { [pscustomobject]@{ Key = "user:$($_):name"; Value = "user $_" } } | Set-RedisValue
Set-RedisHash -Key config:app -Value @{ theme = 'dark'; retries = 3 }
Push-RedisList -Key queue:jobs -Value 'resize:1', 'resize:2', 'resize:3'
Get-RedisKey -Detailed | Group-Object { ($_.Key -split ':')[0] } | Sort-Object Name |
    Format-Table @{ n = 'Prefix'; e = { $_.Name } }, Count -AutoSize | Out-Host
'A few of the cache keys, with their values:' | Out-Host
Get-RedisKey -Match 'cache:*' | Sort-Object { [int]($_.Key -split ':')[-1] } | Select-Object -First 3 |
    ForEach-Object { '  {0} = {1}' -f $_.Key, ($_ | Get-RedisValue) } | Out-Host

Show "Dry run: Get-RedisKey -Match 'cache:*' | Remove-RedisKey -WhatIf"
Get-RedisKey -Match 'cache:*' | Remove-RedisKey -WhatIf
"{0} cache keys still there" -f @(Get-RedisKey -Match 'cache:*').Count | Out-Host

Show "For real: Get-RedisKey -Match 'cache:*' | Remove-RedisKey -PassThru"
Get-RedisKey -Match 'cache:*' | Remove-RedisKey -PassThru | Format-List | Out-Host

Show 'What is left'
Get-RedisKey -Detailed | Sort-Object Key | Format-Table Key, Type, TimeToLive -AutoSize | Out-Host

Disconnect-Redis
}
finally {
    if ($server) {
        Write-Host "Stopping the $($server.Engine) server (process $($server.ProcessId))"
        $server | Stop-RedisTestServer
    }
}
