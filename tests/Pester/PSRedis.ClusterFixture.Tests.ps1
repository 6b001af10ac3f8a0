#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The test cluster itself (Start-TestRedisCluster / Stop-TestRedisCluster in TestServer.ps1): six nodes that answer
    and agree, and nothing left after stopping. Checked with redis-cli only, so it does not depend on the module.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:Clock = [Diagnostics.Stopwatch]::StartNew()
    $script:Cluster = Start-TestRedisCluster -Tag fixture
    $script:StartTime = $Clock.Elapsed
}

AfterAll {
    Stop-TestRedisCluster $Cluster # again: harmless when the last test stopped it already
}

Describe 'Start-TestRedisCluster' {
    It 'starts six nodes that all answer, as one cluster of 3 primaries and 3 replicas' {
        Write-Host "cluster ready in $([int]$StartTime.TotalMilliseconds) ms ($($Cluster.StartupPhases)): $($Cluster.Url)"
        $Cluster.Ports.Count | Should -Be 6
        $Cluster.Processes.Count | Should -Be 6
        $Cluster.Urls.Count | Should -Be 6
        $Cluster.Url | Should -Be "redis://127.0.0.1:$($Cluster.Ports[0])/0"
        $Cluster.Urls | Should -Be @($Cluster.Ports | ForEach-Object { "redis://127.0.0.1:$_/0" })
        $replies = Invoke-TestRedisCliEach '' $Cluster.Ports @('ping', 'cluster info', 'role')
        foreach ($port in $Cluster.Ports) {
            $port | Should -BeLessOrEqual 55535
            $ping = $replies[$port][0]; $info = $replies[$port][1]
            $ping | Should -Match '^PONG'
            $info | Should -Match 'cluster_state:ok'
            $info | Should -Match 'cluster_slots_assigned:16384'
            $info | Should -Match 'cluster_known_nodes:6'
        }
        foreach ($process in $Cluster.Processes) {
            $process.HasExited | Should -BeFalse
            $global:PSRedisTestServers | Should -Contain $process
        }
        $roles = $Cluster.Ports | ForEach-Object { ($replies[$_][2] -split "`n")[0] }
        @($roles | Where-Object { $_ -eq 'master' }).Count | Should -Be 3
        @($roles | Where-Object { $_ -eq 'slave' }).Count | Should -Be 3
        Get-TestRedisClusterProblem -Cluster $Cluster -Primaries 3 | Should -BeNullOrEmpty
    }

    It 'Stop-TestRedisCluster kills every node and removes their folders and logs' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Stop-TestRedisCluster $Cluster
        Write-Host "stopped in $($clock.ElapsedMilliseconds) ms"
        foreach ($process in $Cluster.Processes) {
            $process.HasExited | Should -BeTrue
            Get-Process -Id $process.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $global:PSRedisTestServers | Should -Not -Contain $process
        }
        $replies = Invoke-TestRedisCliEach '' $Cluster.Ports @('ping')
        foreach ($port in $Cluster.Ports) {
            $replies[$port][0] | Should -Not -Match 'PONG'
        }
        Test-Path $Cluster.Directory | Should -BeFalse
    }
}
