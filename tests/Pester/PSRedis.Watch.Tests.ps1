#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Issue 14's watch stories as a PowerShell user writes them (Pester 5, real pwsh): Watch-RedisCommand (MONITOR as
    objects), Use-RedisLock renewing its lock while a long block runs, and Register-RedisEvent -KeyEvent.
    Server: always a redis-server of this file's own (MONITOR sees every client, so other files' traffic would mix in).
    Build first; the module is imported from out/PSRedis.
    Run: Invoke-Pester ./tests/Pester/PSRedis.Watch.Tests.ps1 -Output Detailed
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:TestServer = Start-TestRedisServer -Tag watch -Private
    $script:RedisUrl = $TestServer.Url
    $script:Prefix = "pester:$([guid]::NewGuid().ToString('N').Substring(0, 8)):"
    $script:Conn = Connect-Redis -Url $RedisUrl -Name pester-watch -PassThru

    # Another "user" sending commands on a connection of its own after a short delay (a second runspace).
    # -AfterMonitor: first waits (up to 10 s) until a MONITOR connection is on, as a watch under load may take longer
    # to start than the delay.
    function Start-Sender([scriptblock] $Commands, [int] $DelayMs = 500, [switch] $AfterMonitor) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($Manifest, $Url, $Delay, $Body, $AfterMonitor)
                Import-Module $Manifest
                $null = Connect-Redis -Url $Url
                $deadline = [DateTime]::UtcNow.AddSeconds(10)
                while ($AfterMonitor -and [DateTime]::UtcNow -lt $deadline -and -not ((Invoke-RedisCommand CLIENT LIST) -match '\bflags=\S*O')) {
                    [Threading.Thread]::Sleep(20)
                }
                [Threading.Thread]::Sleep($Delay)
                & ([scriptblock]::Create($Body))
                Disconnect-Redis
            }).AddArgument($ModuleManifest).AddArgument($RedisUrl).AddArgument($DelayMs).AddArgument($Commands.ToString()).AddArgument([bool]$AfterMonitor)
        [pscustomobject]@{ PowerShell = $ps; Async = $ps.BeginInvoke() }
    }

    function Wait-Sender($Sender) {
        $Sender.PowerShell.EndInvoke($Sender.Async) | Out-Null
        $Sender.PowerShell.Dispose()
    }

    function Get-MonitorCount {
        @((Invoke-RedisCommand CLIENT LIST -Connection $Conn) -split "`n" | Where-Object { $_ -match '\bflags=\S*O' }).Count
    }
}

AfterAll {
    Complete-TestFile -Server $TestServer -Connection $Conn -Prefix $Prefix
}

Describe 'Watch-RedisCommand' {
    It 'writes the commands another client sends as objects, and -Count ends it' {
        Skip-KnownGarnetDifference -Because 'no MONITOR (an unknown command)'
        $sender = Start-Sender -AfterMonitor -Commands ([scriptblock]::Create("Set-RedisValue -Key '${Prefix}greeting' -Value 'hello world'; `$null = Invoke-RedisCommand GET '${Prefix}greeting'"))
        $seen = @(Watch-RedisCommand -Match set, get -Count 2 -Duration 10)
        Wait-Sender $sender
        $seen.Count | Should -Be 2
        $seen[0].PSObject.TypeNames[0] | Should -Be 'PSRedis.RedisMonitorEntry'
        $seen[0].Command | Should -Be 'SET'
        $seen[0].Arguments | Should -Be @("${Prefix}greeting", 'hello world')
        $seen[0].Database | Should -Be 0
        $seen[0].Time.Kind | Should -Be 'Utc'
        $seen[0].Client | Should -Match '^127\.0\.0\.1:\d+$'
        $seen[1].Command | Should -Be 'GET'
        "$($seen[0])" | Should -Be "SET ${Prefix}greeting `"hello world`""
        Get-MonitorCount | Should -Be 0
    }

    It 'ends on time with -Duration, and -Match filters on the whole command' {
        Skip-KnownGarnetDifference -Because 'no MONITOR (an unknown command)'
        $sender = Start-Sender -AfterMonitor -DelayMs 300 -Commands ([scriptblock]::Create("Set-RedisValue -Key '${Prefix}user:1' -Value x; Set-RedisValue -Key '${Prefix}other' -Value y"))
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $seen = @(Watch-RedisCommand -Duration 1.5 -Match '* *user:*')
        $clock.Stop()
        Wait-Sender $sender
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.4
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        @($seen | ForEach-Object ToString) | Should -Contain "SET ${Prefix}user:1 x"
        @($seen | Where-Object { $_.Arguments -contains "${Prefix}other" }).Count | Should -Be 0
    }

    It 'stops at once when stopped (Ctrl+C) and closes the monitor connection' {
        Skip-KnownGarnetDifference -Because 'no MONITOR (an unknown command)'
        $ps = [powershell]::Create()
        $null = $ps.AddScript({ param($Manifest, $Url) Import-Module $Manifest; $null = Connect-Redis -Url $Url; Watch-RedisCommand }).
            AddArgument($ModuleManifest).AddArgument($RedisUrl)
        $async = $ps.BeginInvoke()
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while ((Get-MonitorCount) -eq 0 -and [DateTime]::UtcNow -lt $deadline) { [Threading.Thread]::Sleep(50) }
            Get-MonitorCount | Should -Be 1
            $async.IsCompleted | Should -BeFalse
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            [Threading.Thread]::Sleep(200)
            Get-MonitorCount | Should -Be 0
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'never shows a password' {
        Skip-KnownGarnetDifference -Because 'no MONITOR (an unknown command)'
        $user = "watch$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        $null = Invoke-RedisCommand ACL SETUSER $user on '>pa55-word' '~*' '+@all' -Connection $Conn
        try {
            # Connecting as that user sends its password (HELLO ... AUTH, or AUTH).
            $userUrl = $RedisUrl -replace '^redis://', "redis://${user}:pa55-word@"
            $sender = Start-Sender -AfterMonitor -Commands ([scriptblock]::Create("Connect-Redis -Url '$userUrl' -Name as-user; Disconnect-Redis -Connection as-user"))
            $seen = @(Watch-RedisCommand -Match auth, hello -Count 1 -Duration 10)
            Wait-Sender $sender
            $seen.Count | Should -Be 1
            "$($seen[0])" | Should -Match '\(redacted\)$'
            ($seen | Out-String) + ($seen.Arguments -join ' ') | Should -Not -Match 'pa55'
        }
        finally {
            $null = Invoke-RedisCommand ACL DELUSER $user -Connection $Conn
        }
    }

    It 'refuses to run inside a batch for its connection' {
        { Invoke-RedisPipeline { Watch-RedisCommand -Count 1 } -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.NotBatchable*'
    }
}

Describe 'Use-RedisLock renewal' {
    It 'keeps a 1-second lock through a 3-second block, and stops renewing when the block ends' {
        $name = "${Prefix}renewed"
        # A rival in another runspace tries to take the lock every 100 ms while the block runs.
        $rival = Start-Sender -DelayMs 200 -Commands ([scriptblock]::Create(@"
            `$taken = 0
            for (`$i = 0; `$i -lt 25; `$i++) {
                if (Invoke-RedisCommand SET '$name' rival NX PX 10000) { `$taken++ }
                [Threading.Thread]::Sleep(100)
            }
            Set-RedisValue -Key '${name}:rival' -Value `$taken
"@))
        $out = Use-RedisLock -Name $name -Timeout 1 -ScriptBlock {
            Set-RedisValue -Key "${name}:token" -Value (Get-RedisValue -Key $name)
            Start-Sleep -Seconds 3
            'done'
        } -ErrorVariable errs
        Wait-Sender $rival
        $out | Should -Be 'done'
        $errs | Should -BeNullOrEmpty
        Get-RedisValue -Key "${name}:rival" | Should -Be '0'
        Test-RedisKey -Key $name | Should -BeFalse

        # Nothing renews the owner's token any more: put back with a 1 s life, it expires.
        Set-RedisValue -Key $name -Value (Get-RedisValue -Key "${name}:token") -Expiry 1
        Start-Sleep -Milliseconds 1500
        Test-RedisKey -Key $name | Should -BeFalse
    }

    It 'reports a lock deleted from under the block' {
        $name = "${Prefix}stolen"
        $out = Use-RedisLock -Name $name -Timeout 0.3 -ScriptBlock { Remove-RedisKey -Key $name -Force; Start-Sleep -Milliseconds 600; 'work' } -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -Be 'work'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PSRedis.LockNotOwned*'
        "$($errs[0])" | Should -BeLike '*was lost while the block ran*'
    }
}

Describe 'Register-RedisEvent -KeyEvent' {
    BeforeEach {
        Skip-KnownGarnetDifference -Because 'no keyspace notifications (CONFIG SET/GET notify-keyspace-events is refused)'
        $null = Invoke-RedisCommand CONFIG SET notify-keyspace-events '' -Connection $Conn
    }
    AfterEach {
        Get-EventSubscriber | Where-Object SourceIdentifier -like 'pester-kev*' | Unregister-Event
        Get-Event | Where-Object SourceIdentifier -like 'pester-kev*' | Remove-Event
        if (-not $IsGarnet) { $null = Invoke-RedisCommand CONFIG SET notify-keyspace-events '' -Connection $Conn }
    }

    It 'with -EnableNotifications delivers set and del events with Key, Event and Database, only for keys that match' {
        Register-RedisEvent -KeyEvent set, del -Match "${Prefix}keep:*" -EnableNotifications -SourceIdentifier pester-kev -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -BeLike '*Enabled keyspace notifications*'
        Set-RedisValue -Key "${Prefix}skip:1" -Value x
        Set-RedisValue -Key "${Prefix}keep:1" -Value x
        Remove-RedisKey -Key "${Prefix}skip:1", "${Prefix}keep:1" -Force
        $first = Wait-Event -SourceIdentifier pester-kev -Timeout 5
        $first | Should -Not -BeNullOrEmpty
        $first.SourceEventArgs.Key | Should -Be "${Prefix}keep:1"
        $first.SourceEventArgs.Event | Should -Be 'set'
        $first.SourceEventArgs.Database | Should -Be 0
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        while (@(Get-Event -SourceIdentifier pester-kev -ErrorAction SilentlyContinue).Count -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        Start-Sleep -Milliseconds 200
        $events = @(Get-Event -SourceIdentifier pester-kev)
        $events.Count | Should -Be 2
        $events[1].SourceEventArgs.Event | Should -Be 'del'
        $events[1].SourceEventArgs.Key | Should -Be "${Prefix}keep:1"
    }

    It 'without -EnableNotifications warns how to enable them, and changes nothing' {
        Register-RedisEvent -KeyEvent expired -SourceIdentifier pester-kev-off -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -BeLike '*-EnableNotifications*'
        (Get-RedisConfig -Name notify-keyspace-events).Value | Should -BeNullOrEmpty
    }
}
