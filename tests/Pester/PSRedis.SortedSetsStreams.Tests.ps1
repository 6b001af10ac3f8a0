#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Sorted-set and stream stories of PSRedis as a PowerShell user writes them (Pester 5, real pwsh).
    Server: $env:REDIS_TEST_URL when set, else a redis-server started on a free port for this run.
    Build first; the module is imported from out/PSRedis.
    Run: Invoke-Pester ./tests/Pester -Output Detailed
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:TestServer = Start-TestRedisServer -Tag zsets-streams
    $script:RedisUrl = $TestServer.Url

    $script:Prefix = "pester:$([guid]::NewGuid().ToString('N').Substring(0, 8)):"
    $script:Conn = Connect-Redis -Url $RedisUrl -Name pester-zsets-streams -PassThru
}

AfterAll {
    Complete-TestFile -Server $TestServer -Connection $Conn -Prefix $Prefix
}

Describe 'Sorted sets' {
    It 'adds members and reads them by rank, score and lex, with scores' {
        Add-RedisSortedSetMember -Key "${Prefix}board" -Member alice -Score 1.5 -PassThru | Should -Be 1
        Add-RedisSortedSetMember -Key "${Prefix}board" -Mapping @{ bob = 3; carol = 2 } -PassThru | Should -Be 2
        Get-RedisSortedSetMember -Key "${Prefix}board" | Should -Be @('alice', 'carol', 'bob')
        Get-RedisSortedSetMember -Key "${Prefix}board" -Start 0 -End 0 -Descending | Should -Be 'bob'
        Get-RedisSortedSetMember -Key "${Prefix}board" -Min '(1.5' -Max '+inf' | Should -Be @('carol', 'bob')
        $top = Get-RedisSortedSetMember -Key "${Prefix}board" -Descending -WithScores
        $top[0].Member | Should -Be 'bob'
        $top[0].Score | Should -Be 3
        $top[0].Key | Should -Be "${Prefix}board"

        Add-RedisSortedSetMember -Key "${Prefix}names" -Mapping @{ apple = 0; banana = 0; cherry = 0 }
        Get-RedisSortedSetMember -Key "${Prefix}names" -MinLex '[b' -MaxLex '+' | Should -Be @('banana', 'cherry')
    }

    It 'adds Member/Score objects from the pipeline in batches' {
        $added = 1..1500 | ForEach-Object { [pscustomobject]@{ Member = "m$_"; Score = $_ } } |
            Add-RedisSortedSetMember -Key "${Prefix}many" -PassThru
        $added | Should -Be 1500
        Get-RedisSortedSetMember -Key "${Prefix}many" -Min 1498 | Should -Be @('m1498', 'm1499', 'm1500')
    }

    It 'increments a score and honours the conditions' {
        Add-RedisSortedSetMember -Key "${Prefix}views" -Member home -Score 1 -Increment | Should -Be 1
        Add-RedisSortedSetMember -Key "${Prefix}views" -Member home -Score 2 -Increment | Should -Be 3
        Add-RedisSortedSetMember -Key "${Prefix}views" -Member home -Score 1 -GreaterThan
        (Get-RedisSortedSetMember -Key "${Prefix}views" -WithScores).Score | Should -Be 3
    }

    It 'removes nothing with -WhatIf, then removes by member, rank and score' {
        Add-RedisSortedSetMember -Key "${Prefix}rm" -Mapping @{ a = 1; b = 2; c = 3; d = 4; e = 5 }
        'a', 'b' | Remove-RedisSortedSetMember -Key "${Prefix}rm" -WhatIf
        @(Get-RedisSortedSetMember -Key "${Prefix}rm").Count | Should -Be 5
        'a', 'b' | Remove-RedisSortedSetMember -Key "${Prefix}rm" -PassThru | Should -Be 2
        Remove-RedisSortedSetMember -Key "${Prefix}rm" -RankStart -1 -RankEnd -1 -PassThru | Should -Be 1
        Get-RedisSortedSetMember -Key "${Prefix}rm" -Max 3 -WithScores | Remove-RedisSortedSetMember -PassThru | Should -Be 1
        Get-RedisSortedSetMember -Key "${Prefix}rm" | Should -Be 'd'
    }

    It 'reports WRONGTYPE for one key and reads the others' {
        Add-RedisSortedSetMember -Key "${Prefix}z1" -Member one -Score 1
        Set-RedisValue -Key "${Prefix}text" -Value 'not a zset'
        Add-RedisSortedSetMember -Key "${Prefix}z2" -Member two -Score 2
        $members = "${Prefix}z1", "${Prefix}text", "${Prefix}z2" | Get-RedisSortedSetMember -ErrorVariable errs -ErrorAction SilentlyContinue
        $members | Should -Be @('one', 'two')
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PSRedis.WrongType*'
        $errs[0].TargetObject | Should -Be "${Prefix}text"
    }
}

Describe 'Streams' {
    BeforeEach { Skip-KnownGarnetDifference -Because 'no streams (XADD, XRANGE, XREAD, XGROUP are unknown commands)' }

    It 'adds entries from a dictionary and from objects, and reads them back' {
        $id = Add-RedisStreamEntry -Key "${Prefix}events" -Fields @{ type = 'login'; user = 'alice' }
        $id | Should -Match '^\d+-\d+$'
        [pscustomobject]@{ type = 'logout'; user = 'alice' } | Add-RedisStreamEntry -Key "${Prefix}events" | Should -Match '^\d+-\d+$'
        $entries = Read-RedisStream -Key "${Prefix}events"
        $entries.Count | Should -Be 2
        $entries[0].Id | Should -Be $id
        $entries[0].Fields.type | Should -Be 'login'
        $entries[1].Fields.user | Should -Be 'alice'
        (Read-RedisStream -Key "${Prefix}events" -Descending -Count 1).Fields.type | Should -Be 'logout'
    }

    It 'works a consumer group and confirms through the pipeline' {
        1..3 | ForEach-Object { Add-RedisStreamEntry -Key "${Prefix}jobs" -Fields @{ n = $_ } } | Out-Null
        $got = Read-RedisStream -Key "${Prefix}jobs" -Group workers -Consumer w1 -CreateGroup
        $got.Count | Should -Be 3
        $got[0].Group | Should -Be 'workers'
        $got | Confirm-RedisStreamEntry -PassThru | Should -Be 3
        (Invoke-RedisCommand XPENDING "${Prefix}jobs" workers)[0] | Should -Be 0
        @(Read-RedisStream -Key "${Prefix}jobs" -Group workers -Consumer w1 -Pending).Count | Should -Be 0
    }

    It 'ends a blocking read quietly when nothing comes' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $none = Read-RedisStream -Key "${Prefix}quiet" -Block 0.5 -ErrorVariable errs
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 0.4
        $none | Should -BeNullOrEmpty
        $errs.Count | Should -Be 0
    }

    It 'is woken by an entry another client adds' {
        if (-not (Get-Command Start-ThreadJob -ErrorAction SilentlyContinue)) {
            Set-ItResult -Skipped -Because 'Start-ThreadJob is not available'
            return
        }
        $url = $RedisUrl
        $key = "${Prefix}live"
        $module = $ModuleManifest
        $writer = Start-ThreadJob -ScriptBlock {
            Import-Module $using:module
            Start-Sleep -Milliseconds 500
            $c = Connect-Redis -Url $using:url -Name pester-writer -PassThru
            Add-RedisStreamEntry -Key $using:key -Fields @{ msg = 'hi' } -Connection $c
            Disconnect-Redis -Connection $c
        }
        $entry = Read-RedisStream -Key $key -Block 10
        $writer | Wait-Job | Remove-Job
        $entry.Fields.msg | Should -Be 'hi'
    }
}
