#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    A Redis Cluster through the cmdlets, as a PowerShell user writes it: the scripts written for one server, run
    unchanged against a 3-primary, 3-replica cluster of this file's own.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $null = Import-PSRedisUnderTest
    $script:Cluster = Start-TestRedisCluster -Tag cluster
    $script:Conn = Connect-Redis -Url $Cluster.Url -Name pester-cluster -PassThru
}

AfterAll {
    Get-RedisConnection | Disconnect-Redis
    Stop-TestRedisCluster $Cluster
}

Describe 'Connect-Redis on a cluster node' {
    It 'finds the cluster and its primaries' {
        $Conn.Topology | Should -Be 'Cluster'
        $Conn.Primaries | Should -Be 3
        $Conn.Client | Should -BeOfType ([PSRedis.Protocol.RedisCluster])
    }

    It 'takes a seed list whose first node is down' {
        $seeds = ($Cluster.Ports | Select-Object -Skip 1 | ForEach-Object { "127.0.0.1:$_" }) -join ','
        $c = Connect-Redis -Url "redis://127.0.0.1:1,$seeds" -Name pester-seeds -PassThru
        $c.Topology | Should -Be 'Cluster'
        Set-RedisValue -Key 'pc:seed' -Value 'ok' -Connection $c
        Get-RedisValue -Key 'pc:seed' -Connection $Conn | Should -Be 'ok'
        Disconnect-Redis -Connection $c
    }
}

Describe 'Keys on every shard' {
    BeforeAll {
        Clear-RedisDatabase -Force
        Invoke-RedisPipeline { foreach ($i in 1..3000) { Set-RedisValue -Key "cache:$i" -Value $i }; foreach ($i in 1..500) { Set-RedisValue -Key "keep:$i" -Value $i } }
    }

    It 'counts and reads them across the slots' {
        # SCAN may return a key twice while a table rehashes: count distinct names.
        (Get-RedisKey -Match 'cache:*' | ForEach-Object Key | Sort-Object -Unique | Measure-Object).Count | Should -Be 3000
        Invoke-RedisCommand DBSIZE | Should -Be 3500
        Get-RedisValue -Key 'cache:1', 'cache:2', 'cache:2999', 'missing' | Should -Be @('1', '2', '2999', $null)
        Test-RedisKey -Key 'cache:7', 'nope' | Should -Be @($true, $false)
    }

    It 'deletes exactly the matching keys of every shard' {
        Get-RedisKey -Match 'cache:*' | Remove-RedisKey -Confirm:$false
        (Get-RedisKey -Match 'cache:*' | Measure-Object).Count | Should -Be 0
        (Get-RedisKey -Match 'keep:*' | ForEach-Object Key | Sort-Object -Unique | Measure-Object).Count | Should -Be 500
    }

    It 'answers a pipeline of mixed keys in the order queued' {
        $out = Invoke-RedisPipeline {
            foreach ($i in 1..50) { Step-RedisCounter -Key "n:$i" -By $i }
            Get-RedisValue -Key (1..50 | ForEach-Object { "n:$_" })
        }
        $out | Should -Be (@(1..50) + @(1..50 | ForEach-Object { "$_" }))
    }
}

Describe 'Transactions and commands that need one slot' {
    It 'runs a transaction whose keys share a hash tag' {
        Invoke-RedisTransaction {
            Set-RedisValue -Key '{order:42}:status' -Value 'paid'
            Step-RedisCounter -Key '{order:42}:version'
        } | Should -Be 1
        Get-RedisValue -Key '{order:42}:status' | Should -Be 'paid'
    }

    It 'refuses a transaction across slots before sending anything, suggesting a hash tag' {
        { Invoke-RedisTransaction { Set-RedisValue -Key 'tx:a' -Value 1; Set-RedisValue -Key 'tx:b' -Value 2 } -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*hash tag*'
        Test-RedisKey -Key 'tx:a', 'tx:b' | Should -Be @($false, $false)
    }

    It 'renames within a slot and explains a rename across slots' {
        Set-RedisValue -Key '{u1}:draft' -Value 'text'
        Rename-RedisKey -Key '{u1}:draft' -NewName '{u1}:final'
        Get-RedisValue -Key '{u1}:final' | Should -Be 'text'
        Set-RedisValue -Key 'r:a' -Value 1
        Rename-RedisKey -Key 'r:a' -NewName 'r:b' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].Exception.Message | Should -BeLike '*slot*hash tag*'
    }
}

Describe 'Whole-cluster cmdlets' {
    It 'shows INFO of every node, or of the nodes named' {
        $all = Get-RedisServerInfo -Section server
        ($all | Select-Object -ExpandProperty Node -Unique).Count | Should -Be 6
        $port = $Cluster.Ports[1]
        $one = Get-RedisServerInfo -Section server -Node "*:$port"
        ($one | Where-Object Name -eq 'tcp_port').Value | Should -Be $port
    }

    It 'flushes every primary' {
        1..100 | ForEach-Object { Set-RedisValue -Key "f:$_" -Value 1 }
        Clear-RedisDatabase -Force
        Invoke-RedisCommand DBSIZE | Should -Be 0
    }
}
