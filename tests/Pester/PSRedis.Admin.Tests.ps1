#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The ops toolbox as a PowerShell user writes it (Pester 5, real pwsh): latency, the slow log, clients, settings,
    background saves and waiting for a key. They change settings, kill clients and make the server save, so they run
    on a server of this file's own (its dump.rdb in a temp folder), and on a 3-primary cluster for the per-node stories.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $null = Import-PSRedisUnderTest
    $script:DataDir = Join-Path ([IO.Path]::GetTempPath()) ("psredis-pester-admin-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $DataDir
    # Where the server saves: redis-server's --dir (dump.rdb), Garnet's --checkpointdir (a checkpoint folder).
    # RandomAccess: Garnet's default (native) storage device needs libaio, which a host may lack; its checkpoint then fails.
    $saveDir = if ($IsGarnet) { @('--checkpointdir', $DataDir, '--device-type', 'RandomAccess') } else { @('--dir', $DataDir) }
    $script:TestServer = Start-TestRedisServer -Tag admin -Private -ArgumentList $saveDir
    $script:Node = ([uri]$TestServer.Url).Host + ':' + ([uri]$TestServer.Url).Port
    $script:Conn = Connect-Redis -Url $TestServer.Url -Name pester-admin -PassThru
}

AfterAll {
    Complete-TestFile -Server $TestServer
    if ($DataDir -and (Test-Path $DataDir)) { Remove-Item $DataDir -Recurse -Force }
}

Describe 'Measure-RedisLatency' {
    It 'gives one object with the count and ordered percentiles' {
        $latency = Measure-RedisLatency -Count 30 -Interval 0
        @($latency).Count | Should -Be 1
        $latency.Count | Should -Be 30
        $latency.Node | Should -Be $Node
        $latency.Min | Should -BeLessOrEqual $latency.P50
        $latency.P50 | Should -BeLessOrEqual $latency.P99
        $latency.P99 | Should -BeLessOrEqual $latency.Max
        $latency.Average | Should -BeLessOrEqual $latency.Max
    }

    It 'measures for a -Duration' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $latency = Measure-RedisLatency -Duration 0.5 -Interval 0.05
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.4
        $latency.Count | Should -BeGreaterThan 1
    }
}

Describe 'The slow log' {
    AfterAll { Set-RedisConfig -Name slowlog-log-slower-than -Value 10000 }

    It 'shows a command made slow, and Clear-RedisSlowLog empties it' {
        Skip-KnownGarnetDifference -Because 'slowlog-log-slower-than 0 turns the slow log off (Redis: logs every command), and a threshold set with CONFIG SET applies only to connections opened after it'
        Set-RedisConfig -Name slowlog-log-slower-than -Value 0
        Set-RedisValue -Key 'pester:slow' -Value 'v'
        $entry = Get-RedisSlowLog -Count 20 | Where-Object { $_.Command[0] -eq 'SET' -and $_.Command[1] -eq 'pester:slow' }
        @($entry).Count | Should -Be 1
        $entry.Command | Should -Be @('SET', 'pester:slow', 'v')
        $entry.Time.Kind | Should -Be 'Utc'
        $entry.Duration | Should -BeOfType [timespan]
        $entry.ClientAddress | Should -Match ':\d+$'

        Clear-RedisSlowLog -WhatIf
        @(Get-RedisSlowLog -Count -1 | Where-Object { $_.Command[1] -eq 'pester:slow' }).Count | Should -Be 1
        Clear-RedisSlowLog
        @(Get-RedisSlowLog -Count -1 | Where-Object { $_.Command[1] -eq 'pester:slow' }).Count | Should -Be 0
    }
}

Describe 'Clients' {
    It 'stops a named client piped from Get-RedisClient, and it is gone' {
        $job = Connect-Redis -Url "$($TestServer.Url)?client_name=pester-job" -Name pester-job -PassThru
        $clients = Get-RedisClient -Name 'pester-j*' -Connection $Conn
        @($clients).Count | Should -Be 1
        $clients.Name | Should -Be 'pester-job'
        $clients.Id | Should -BeGreaterThan 0
        $clients.Idle | Should -BeOfType [timespan]

        $clients | Stop-RedisClient -WhatIf
        @(Get-RedisClient -Name pester-job -Connection $Conn).Count | Should -Be 1

        $result = $clients | Stop-RedisClient -Force -PassThru
        $result.Stopped | Should -Be 1
        @(Get-RedisClient -Name pester-job -Connection $Conn).Count | Should -Be 0
        Disconnect-Redis -Connection $job
    }

    It 'warns instead of stopping its own connection' {
        $solo = Connect-Redis -Url $TestServer.Url -Name pester-solo -MaxConnections 1 -PassThru
        $id = Invoke-RedisCommand CLIENT ID -Connection $solo
        Stop-RedisClient -Id $id -Connection $solo -Force -WarningVariable warned -WarningAction SilentlyContinue
        $warned | Should -Match 'own connection'
        @(Get-RedisClient -Connection $solo | Where-Object Id -eq $id).Count | Should -Be 1
        Disconnect-Redis -Connection $solo
    }

    It 'reports a client that is not there' {
        { Stop-RedisClient -Id 987654321 -Force -Connection $Conn -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.ClientNotFound*'
    }
}

Describe 'Settings' {
    It 'changes a value, read back by Get-RedisConfig; -WhatIf changes nothing; saved objects put it back' {
        # Garnet has no slowlog-max-len setting; slowlog-log-slower-than is one of the few it lets CONFIG SET change.
        $setting = if ($IsGarnet) { 'slowlog-log-slower-than' } else { 'slowlog-max-len' }
        $saved = Get-RedisConfig -Name $setting
        Set-RedisConfig -Name $setting -Value 4242 -WhatIf
        (Get-RedisConfig -Name $setting).Value | Should -Be $saved.Value
        Set-RedisConfig -Name $setting -Value 4242
        (Get-RedisConfig -Name $setting).Value | Should -Be '4242'
        $saved | Set-RedisConfig
        (Get-RedisConfig -Name $setting).Value | Should -Be $saved.Value
    }

    It 'lists settings sorted by name, with wildcards' {
        Skip-KnownGarnetDifference -Because 'CONFIG GET takes exact names only: a pattern such as slowlog-* matches nothing'
        $names = (Get-RedisConfig -Name 'slowlog-*', 'maxmemory*').Name
        $names | Should -Contain 'slowlog-max-len'
        $names | Should -Contain 'maxmemory-policy'
        $names | Should -Be ($names | Sort-Object -CaseSensitive)
    }

    It 'masks passwords unless -ShowSecret, and never writes the mask back' {
        Skip-KnownGarnetDifference -Because 'no password setting in CONFIG (CONFIG SET masterauth is refused), so nothing to mask'
        try {
            Set-RedisConfig -Name masterauth -Value 'pester-secret'
            (Get-RedisConfig -Name masterauth).Value | Should -Be '********'
            (Get-RedisConfig -Name masterauth -ShowSecret).Value | Should -Be 'pester-secret'
            { Get-RedisConfig -Name masterauth | Set-RedisConfig -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.MaskedValue*'
            (Get-RedisConfig -Name masterauth -ShowSecret).Value | Should -Be 'pester-secret'
        }
        finally {
            Set-RedisConfig -Name masterauth -Value ''
        }
    }
}

Describe 'Save-RedisDatabase' {
    It 'waits for the background save, which moves LASTSAVE and writes the file' {
        $before = Invoke-RedisCommand LASTSAVE
        [Threading.Thread]::Sleep(1100)   # LASTSAVE counts whole seconds
        $result = Save-RedisDatabase -Wait -Timeout 30
        $result.Node | Should -Be $Node
        [DateTimeOffset]::new($result.LastSave).ToUnixTimeSeconds() | Should -BeGreaterThan $before
        # redis-server writes dump.rdb; Garnet a checkpoint under Store/checkpoints.
        Join-Path $DataDir $(if ($IsGarnet) { 'Store/checkpoints' } else { 'dump.rdb' }) | Should -Exist
    }
}

Describe 'Wait-RedisKey' {
    It 'returns when another connection sets the key' {
        $manifest = Join-Path (Get-Module PSRedis).ModuleBase 'PSRedis.psd1'
        $writer = Start-ThreadJob -ArgumentList $TestServer.Url, $manifest -ScriptBlock {
            param($Url, $Manifest)
            Import-Module $Manifest
            [Threading.Thread]::Sleep(300)
            Connect-Redis -Url $Url -Name writer
            Set-RedisValue -Key pester:ready -Value yes
            Disconnect-Redis -Name writer
        }
        Wait-RedisKey -Key pester:ready -Value yes -Timeout 10 -PassThru | Should -Be 'yes'
        $writer | Wait-Job -Timeout 10 | Remove-Job -Force
    }

    It 'times out with PSRedis.WaitTimeout' {
        { Wait-RedisKey -Key pester:never -Timeout 0.3 -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.WaitTimeout*'
    }
}

# A redis-server cluster whatever the engine (Garnet's cluster mode is not set up by Start-TestRedisCluster), so under
# Garnet it would only repeat the Redis run: skipped there (docs/garnet.md).
Describe 'On a cluster' -Skip:($env:PSREDIS_TEST_ENGINE -eq 'Garnet') {
    BeforeAll {
        $script:Cluster = Start-TestRedisCluster -Tag admin -ReplicasPerPrimary 0
        $script:ClusterConn = Connect-Redis -Url $Cluster.Url -Name pester-admin-cluster -PassThru
        $script:Nodes = @($Cluster.Ports | ForEach-Object { "127.0.0.1:$_" })
    }

    AfterAll {
        if ($ClusterConn) { Disconnect-Redis -Connection $ClusterConn }
        Stop-TestRedisCluster $Cluster
    }

    It 'measures, lists clients and reads settings per node' {
        $latency = Measure-RedisLatency -Count 5 -Interval 0 -Connection $ClusterConn
        @($latency).Count | Should -Be 3
        $latency.Node | Sort-Object | Should -Be ($Nodes | Sort-Object)
        (Get-RedisClient -Connection $ClusterConn).Node | Sort-Object -Unique | Should -Be ($Nodes | Sort-Object)
        @(Get-RedisConfig -Name maxmemory -Connection $ClusterConn).Count | Should -Be 3
    }

    It 'sets a value on every primary' {
        Set-RedisConfig -Name slowlog-max-len -Value 321 -Connection $ClusterConn
        (Get-RedisConfig -Name slowlog-max-len -Connection $ClusterConn).Value | Should -Be @('321', '321', '321')
    }

    It 'reads and clears every node''s slow log' {
        Set-RedisConfig -Name slowlog-log-slower-than -Value 0 -Connection $ClusterConn
        foreach ($i in 1..30) { Set-RedisValue -Key "pester:slow:$i" -Value $i -Connection $ClusterConn }
        $logged = Get-RedisSlowLog -Count -1 -Connection $ClusterConn | Where-Object { $_.Command[0] -eq 'SET' }
        @($logged.Node | Sort-Object -Unique).Count | Should -Be 3
        Clear-RedisSlowLog -Connection $ClusterConn
        Set-RedisConfig -Name slowlog-log-slower-than -Value 10000 -Connection $ClusterConn
        @(Get-RedisSlowLog -Count -1 -Connection $ClusterConn | Where-Object { $_.Command[0] -eq 'SET' }).Count | Should -Be 0
    }

    It 'saves every primary' {
        $saved = Save-RedisDatabase -Wait -Timeout 30 -Connection $ClusterConn
        $saved.Node | Sort-Object | Should -Be ($Nodes | Sort-Object)
    }
}
