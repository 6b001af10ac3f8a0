#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Batch stories of PSRedis (Invoke-RedisPipeline, Invoke-RedisTransaction) as a PowerShell user writes them
    (Pester 5, real pwsh). Server: $env:REDIS_TEST_URL when set, else a redis-server started on a free port for
    this run; the round-trip count is only checked on a server of our own. Build first; the module is imported
    from out/PSRedis. Run: Invoke-Pester ./tests/Pester -Output Detailed
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:TestServer = Start-TestRedisServer -Tag batch
    $script:RedisUrl = $TestServer.Url

    $script:Prefix = "pester:$([guid]::NewGuid().ToString('N').Substring(0, 8)):"
    $script:Spy = Connect-Redis -Url $RedisUrl -Name pester-batch-spy -PassThru
    $script:Conn = Connect-Redis -Url $RedisUrl -Name pester-batch -PassThru   # the default from here on

    function Get-ServerStat([string] $Name) {
        [long](Get-RedisServerInfo -Section stats -Connection $Spy | Where-Object Name -eq $Name).Value
    }
}

AfterAll {
    Complete-TestFile -Server $TestServer -Connection $Conn -Prefix $Prefix
}

Describe 'Invoke-RedisPipeline' {
    It 'emits what each cmdlet emits outside a batch, in order' {
        $replies = Invoke-RedisPipeline {
            Set-RedisValue -Key "${Prefix}a" -Value 1
            Set-RedisValue -Key "${Prefix}b" -Value 1 -PassThru
            Invoke-RedisCommand INCR "${Prefix}a"
            Get-RedisValue -Key "${Prefix}a", "${Prefix}missing"
            Test-RedisKey -Key "${Prefix}a"
        }
        $replies.Count | Should -Be 5
        $replies[0] | Should -BeTrue
        $replies[1] | Should -Be 2
        $replies[2] | Should -Be '2'
        $replies[3] | Should -BeNullOrEmpty
        $replies[4] | Should -BeTrue
    }

    It 'gives the same objects inside and outside a batch' {
        Set-RedisHash -Key "${Prefix}h" -Value @{ name = 'Ann'; lang = 'en' }
        Push-RedisList -Key "${Prefix}l" -Value x, y, z
        $outside = @(Get-RedisHash -Key "${Prefix}h"; Get-RedisList -Key "${Prefix}l")
        $inside = Invoke-RedisPipeline { Get-RedisHash -Key "${Prefix}h"; Get-RedisList -Key "${Prefix}l" }
        $inside.Count | Should -Be $outside.Count
        ($inside | ConvertTo-Json -Compress) | Should -Be ($outside | ConvertTo-Json -Compress)
    }

    It 'queues every command of a loop and sends them in one round trip' -Skip:([bool]$env:REDIS_TEST_URL) {
        Set-RedisValue -Key "${Prefix}warm" -Value 1          # the pool holds a ready connection
        $reads = Get-ServerStat total_reads_processed
        $replies = Invoke-RedisPipeline {
            foreach ($i in 1..100) { Set-RedisValue -Key "${Prefix}k$i" -Value $i -PassThru }
        }
        $after = Get-ServerStat total_reads_processed
        @($replies).Count | Should -Be 100
        ($after - $reads) | Should -BeLessOrEqual 4   # the INFO reads and the batch, not 100 reads
        Get-RedisValue -Key "${Prefix}k100" | Should -Be '100'
    }

    It 'reports a failed command as a non-terminating error in its place' {
        $null = Invoke-RedisCommand RPUSH "${Prefix}list" x
        $replies = Invoke-RedisPipeline {
            Set-RedisValue -Key "${Prefix}before" -Value 1
            Get-RedisValue -Key "${Prefix}list"
            Set-RedisValue -Key "${Prefix}after" -Value 2
        } -ErrorVariable failed -ErrorAction SilentlyContinue
        @($replies).Count | Should -Be 0
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'PSRedis.WrongType*'
        $failed[0].TargetObject | Should -Be "${Prefix}list"
        Get-RedisValue -Key "${Prefix}after" | Should -Be '2'
    }

    It 'refuses Get-RedisKey inside the batch' {
        { Invoke-RedisPipeline { Get-RedisKey -Match "${Prefix}*" -ErrorAction Stop } } |
            Should -Throw -ErrorId 'PSRedis.NotBatchable*'
    }
}

Describe 'Invoke-RedisTransaction' {
    It 'applies the queued commands atomically in MULTI/EXEC' {
        $replies = Invoke-RedisTransaction {
            Set-RedisValue -Key "${Prefix}from" -Value 100
            Invoke-RedisCommand DECRBY "${Prefix}from" 30
            Invoke-RedisCommand INCRBY "${Prefix}to" 30
        }
        $replies | Should -Be @(70, 30)
        Get-RedisValue -Key "${Prefix}from" | Should -Be '70'
    }

    It 'raises PSRedis.WatchConflict and applies nothing when a watched key changed' {
        Set-RedisValue -Key "${Prefix}balance" -Value 100
        {
            Invoke-RedisTransaction -Watch "${Prefix}balance" {
                Set-RedisValue -Key "${Prefix}balance" -Value 50
                Set-RedisValue -Key "${Prefix}audit" -Value 'spent 50'
                Set-RedisValue -Key "${Prefix}balance" -Value 0 -Connection $Spy   # another client, at once
            }
        } | Should -Throw -ErrorId 'PSRedis.WatchConflict*'
        Get-RedisValue -Key "${Prefix}balance" | Should -Be '0'
        Test-RedisKey -Key "${Prefix}audit" | Should -BeFalse
    }

    It 'runs the block again with -Retry and commits the second attempt' {
        Set-RedisValue -Key "${Prefix}counter" -Value 10
        $script:attempts = 0
        Invoke-RedisTransaction -Watch "${Prefix}counter" -Retry 3 {
            $script:attempts++
            $current = [int]$Spy.Client.Get("${Prefix}counter")
            if ($script:attempts -eq 1) { Set-RedisValue -Key "${Prefix}counter" -Value 500 -Connection $Spy }
            Set-RedisValue -Key "${Prefix}counter" -Value ($current * 2) -PassThru
        } | Should -BeTrue
        $script:attempts | Should -Be 2
        Get-RedisValue -Key "${Prefix}counter" | Should -Be '1000'
    }

    It 'is all or nothing: an error in the block discards the transaction and reaches the caller' {
        Set-RedisValue -Key "${Prefix}n" -Value 1
        {
            Invoke-RedisTransaction {
                Invoke-RedisCommand INCR "${Prefix}n"
                Set-RedisValue -Key "${Prefix}o" -Value ([pscustomobject]@{ a = 1 })
            } -ErrorAction Stop
        } | Should -Throw -ErrorId 'PSRedis.UnsupportedValue,*'
        Get-RedisValue -Key "${Prefix}n" | Should -Be '1'
        $discarded = try { Invoke-RedisTransaction { Set-RedisValue -Key "${Prefix}o" -Value @{ a = 1 } } -ErrorVariable tx -ErrorAction SilentlyContinue } catch { $_ }
        $discarded.FullyQualifiedErrorId | Should -BeLike 'PSRedis.TransactionDiscarded,*'
        $tx[0].FullyQualifiedErrorId | Should -BeLike 'PSRedis.UnsupportedValue,*'
        Test-RedisKey -Key "${Prefix}o" | Should -BeFalse
    }

    It 'sends nothing when the block throws' {
        { Invoke-RedisTransaction { Set-RedisValue -Key "${Prefix}never" -Value 1; throw 'changed my mind' } } |
            Should -Throw '*changed my mind*'
        Test-RedisKey -Key "${Prefix}never" | Should -BeFalse
    }
}

Describe 'Errors and output of blocks' {
    It 'passes a pipeline block''s errors to -ErrorVariable and 2>&1' {
        Invoke-RedisPipeline { Set-RedisValue -Key "${Prefix}bad" -Value @{ a = 1 } } -ErrorVariable pe -ErrorAction SilentlyContinue
        $pe.Count | Should -Be 1
        $merged = Invoke-RedisPipeline { Set-RedisValue -Key "${Prefix}bad" -Value @{ a = 1 } } -ErrorAction Continue 2>&1
        @($merged | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Count | Should -Be 1
        { Invoke-RedisPipeline { Set-RedisValue -Key "${Prefix}bad" -Value @{ a = 1 } } -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.UnsupportedValue,*'
    }

    It 'streams Use-RedisLock output as the block produces it' {
        $script:got = $false
        $seen = Use-RedisLock -Name "${Prefix}lock" -ScriptBlock { 'first'; $script:early = $script:got; 'second' } |
            ForEach-Object { $script:got = $true; $_ }
        $seen | Should -Be @('first', 'second')
        $script:early | Should -BeTrue
    }
}

