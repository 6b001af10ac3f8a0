#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    RESP3 as a PowerShell user meets it (Pester 5, real pwsh): Connect-Redis -Protocol 3 gives the same objects as
    RESP2 from every data cmdlet, and CLIENT TRACKING invalidations (RESP3 pushes) never stand in for a reply.
    Server: $env:REDIS_TEST_URL when set, else a redis-server started on a free port for this run.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:TestServer = Start-TestRedisServer -Tag resp3
    $script:RedisUrl = $TestServer.Url
    $script:Prefix = "pester:$([guid]::NewGuid().ToString('N').Substring(0, 8)):"
    $script:Resp2 = Connect-Redis -Url $RedisUrl -Name pester-resp2 -PassThru
    $script:Resp3 = Connect-Redis -Url $RedisUrl -Name pester-resp3 -Protocol 3 -PassThru

    Set-RedisValue -Key "${Prefix}s" -Value 'text' -Connection $Resp2
    Set-RedisValue -Key "${Prefix}n" -Value 41 -Connection $Resp2
    Set-RedisHash -Key "${Prefix}h" -Value @{ a = '1'; b = '2' } -Connection $Resp2
    Push-RedisList -Key "${Prefix}l" -Value x, y, z -Connection $Resp2
    Add-RedisSetMember -Key "${Prefix}set" -Member m1, m2 -Connection $Resp2
    Add-RedisSortedSetMember -Key "${Prefix}z" -Mapping @{ one = 1.5; two = 2 } -Connection $Resp2
    # Garnet (2.2) has no streams (XADD is an unknown command there); the Read-RedisStream case is skipped on it.
    if (-not $IsGarnet) { $null = Add-RedisStreamEntry -Key "${Prefix}x" -Fields @{ f = 'v' } -Connection $Resp2 }
    Set-RedisKeyExpiry -Key "${Prefix}s" -TimeToLive ([timespan]::FromHours(1)) -Connection $Resp2

    # Both renderings of a cmdlet's output, side by side, for a comparison that ignores the connection.
    function Get-BothWays([scriptblock] $Run) {
        $render = {
            param($c)
            & $Run $c | ForEach-Object {
                $item = if ($null -ne $_ -and $_.PSObject.Properties['Connection']) { $_ | Select-Object -Property * -ExcludeProperty Connection } else { $_ }
                [Management.Automation.PSSerializer]::Serialize($item, 3)
            }
        }
        @{ Two = @(& $render $Resp2); Three = @(& $render $Resp3) }
    }
}

AfterAll {
    Complete-TestFile -Server $TestServer -Connection $Resp2 -Prefix $Prefix
}

Describe 'Connect-Redis -Protocol 3' {
    It 'speaks RESP3 (HELLO 3)' {
        $info = Invoke-RedisCommand CLIENT INFO -Connection $Resp3
        "$info" | Should -Match 'resp=3'
        "$(Invoke-RedisCommand CLIENT INFO -Connection $Resp2)" | Should -Match 'resp=2'
    }

    It 'refuses a protocol that does not exist' {
        { Connect-Redis -Url $RedisUrl -Protocol 4 -Name bad-protocol } | Should -Throw -ErrorId 'ParameterArgumentValidationError,PSRedis.Cmdlets.ConnectRedisCommand'
    }

    It 'gives the same output as RESP2 from <Name>' -ForEach @(
        @{ Name = 'Get-RedisValue'; Run = { param($c) Get-RedisValue -Key "${Prefix}s", "${Prefix}n", "${Prefix}missing" -Connection $c } }
        @{ Name = 'Get-RedisHash'; Run = { param($c) Get-RedisHash -Key "${Prefix}h" -Connection $c } }
        @{ Name = 'Get-RedisList'; Run = { param($c) Get-RedisList -Key "${Prefix}l" -Connection $c } }
        @{ Name = 'Get-RedisSetMember'; Run = { param($c) Get-RedisSetMember -Key "${Prefix}set" -Connection $c | Sort-Object } }
        @{ Name = 'Get-RedisSortedSetMember -WithScores'; Run = { param($c) Get-RedisSortedSetMember -Key "${Prefix}z" -WithScores -Connection $c } }
        @{ Name = 'Read-RedisStream'; Run = { param($c) Read-RedisStream -Key "${Prefix}x" -Connection $c } }
        @{ Name = 'Get-RedisKey -Detailed'; Run = { param($c) Get-RedisKey -Match "${Prefix}*" -Detailed -Connection $c | Sort-Object Key | Select-Object Key, Type, @{ n = 'Ttl'; e = { [bool]$_.TimeToLive } } } }
        @{ Name = 'Test-RedisKey'; Run = { param($c) Test-RedisKey -Key "${Prefix}h", "${Prefix}missing" -Connection $c } }
        @{ Name = 'Step-RedisCounter -Decrement'; Run = { param($c) Step-RedisCounter -Key "${Prefix}n" -Connection $c; Step-RedisCounter -Key "${Prefix}n" -Decrement -Connection $c } }
        @{ Name = 'Invoke-RedisPipeline'; Run = { param($c) Invoke-RedisPipeline { Get-RedisHash -Key "${Prefix}h"; Get-RedisValue -Key "${Prefix}s"; Get-RedisList -Key "${Prefix}l" } -Connection $c } }
        @{ Name = 'Invoke-RedisTransaction'; Run = { param($c) Invoke-RedisTransaction { Get-RedisSortedSetMember -Key "${Prefix}z" -WithScores; Test-RedisKey -Key "${Prefix}set" } -Connection $c } }
        @{ Name = 'Get-RedisServerInfo'; Run = { param($c) (Get-RedisServerInfo -Section server -Connection $c).redis_version } }
    ) {
        if ($Name -eq 'Read-RedisStream') { Skip-KnownGarnetDifference -Because 'no streams (XADD, XRANGE are unknown commands)' }
        $both = Get-BothWays $Run
        $both.Two.Count | Should -BeGreaterThan 0
        $both.Three | Should -Be $both.Two
    }
}

Describe 'CLIENT TRACKING over RESP3' {
    It 'never returns an invalidation as the reply to a later command' {
        Skip-KnownGarnetDifference -Because 'no client-side caching (CLIENT TRACKING is an unknown subcommand), so no invalidation pushes to mix up'
        $tracked = Connect-Redis -Url $RedisUrl -Name pester-tracking -Protocol 3 -MaxConnections 1 -PassThru
        try {
            # Invoke-RedisCommand refuses CLIENT TRACKING on a pooled connection; with one connection in the pool the
            # client's own ExecuteCommand can turn it on for every later cmdlet.
            $tracked.Client.ExecuteCommand('CLIENT', 'TRACKING', 'ON') | Should -Be 'OK'
            foreach ($i in 1..25) {
                Set-RedisValue -Key "${Prefix}t$i" -Value old -Connection $Resp2
                Get-RedisValue -Key "${Prefix}t$i" -Connection $tracked | Should -Be 'old'
                Set-RedisValue -Key "${Prefix}t$i" -Value "new$i" -Connection $Resp2
                Start-Sleep -Milliseconds 5
                Get-RedisValue -Key "${Prefix}t$i" -Connection $tracked | Should -Be "new$i"
                Test-RedisKey -Key "${Prefix}t$i", "${Prefix}none" -Connection $tracked | Should -Be @($true, $false)
            }
            $guid = [guid]::NewGuid().ToString()
            Invoke-RedisCommand ECHO $guid -Connection $tracked | Should -Be $guid
        }
        finally { Disconnect-Redis -Name pester-tracking }
    }
}
