#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Pub/sub, script and lock stories of PSRedis as a PowerShell user writes them (Pester 5, real pwsh).
    Server: $env:REDIS_TEST_URL when set, else a redis-server started on a free port for this run. The keyspace
    story needs notify-keyspace-events, so it runs only on the server started here (a given server keeps its config).
    Build first; the module is imported from out/PSRedis.
    Run: Invoke-Pester ./tests/Pester/PSRedis.Events.Tests.ps1 -Output Detailed
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:TestServer = Start-TestRedisServer -Tag events
    $script:RedisUrl = $TestServer.Url

    $script:Prefix = "pester:$([guid]::NewGuid().ToString('N').Substring(0, 8)):"
    $script:Conn = Connect-Redis -Url $RedisUrl -Name pester-events -PassThru

    # Names of the clients connected now (CLIENT LIST from the test's own connection).
    function Get-ClientName {
        (Invoke-RedisCommand CLIENT LIST -Connection $Conn) -split "`n" |
            ForEach-Object { if ($_ -match '\bname=(\S*)') { $Matches[1] } } |
            Where-Object { $_ }
    }

    # Waits until $Condition is true (events and actions are processed between the sleeps).
    function Wait-Until([scriptblock] $Condition, [int] $Seconds = 15) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { return $false }
            Start-Sleep -Milliseconds 50
        }
        $true
    }
}

AfterAll {
    Get-EventSubscriber | Where-Object SourceIdentifier -like 'pester-*' | Unregister-Event
    Get-Event | Where-Object SourceIdentifier -like 'pester-*' | Remove-Event
    Complete-TestFile -Server $TestServer -Connection $Conn -Prefix $Prefix
}

Describe 'Messages as queued events' {
    AfterEach {
        Get-EventSubscriber | Where-Object SourceIdentifier -like 'pester-*' | Unregister-Event
        Get-Event | Where-Object SourceIdentifier -like 'pester-*' | Remove-Event
    }

    It 'delivers 1,000 published messages in order' {
        $channel = "${Prefix}orders"
        Register-RedisEvent -Channel $channel -SourceIdentifier pester-orders | Should -BeNullOrEmpty
        1..1000 | ForEach-Object { "m$_" } | Publish-RedisMessage -Channel $channel
        Wait-Until { @(Get-Event -SourceIdentifier pester-orders -ErrorAction SilentlyContinue).Count -ge 1000 } | Should -BeTrue
        $events = @(Get-Event -SourceIdentifier pester-orders)
        $events.Count | Should -Be 1000
        $events.SourceEventArgs.Message | Should -Be (1..1000 | ForEach-Object { "m$_" })
        $events[0].SourceEventArgs.Channel | Should -Be $channel
        $events[0].SourceEventArgs.Pattern | Should -BeNullOrEmpty
    }

    It 'waits for one message with Wait-Event and carries -MessageData' {
        Register-RedisEvent -Pattern "${Prefix}news.*" -SourceIdentifier pester-news -MessageData @{ Team = 'ops' }
        Publish-RedisMessage -Channel "${Prefix}news.eu" -Message 'hello' -PassThru | Should -Be 1
        $e = Wait-Event -SourceIdentifier pester-news -Timeout 5
        $e.SourceEventArgs.Channel | Should -Be "${Prefix}news.eu"
        $e.SourceEventArgs.Pattern | Should -Be "${Prefix}news.*"
        $e.SourceEventArgs.Message | Should -Be 'hello'
        $e.MessageData.Team | Should -Be 'ops'
        $e.Sender.SourceIdentifier | Should -Be 'pester-news'
    }

    It 'Unregister-Event closes the subscription connection' {
        Register-RedisEvent -Channel "${Prefix}bye" -SourceIdentifier pester-bye
        Get-ClientName | Should -Contain 'psredis-event:pester-bye'
        Unregister-Event -SourceIdentifier pester-bye
        Wait-Until { (Get-ClientName) -notcontains 'psredis-event:pester-bye' } -Seconds 2 | Should -BeTrue
        Publish-RedisMessage -Channel "${Prefix}bye" -Message 'anyone?' -PassThru | Should -Be 0
    }

    It 'refuses a source identifier in use and a subscription with no channel' {
        Register-RedisEvent -Channel "${Prefix}dup" -SourceIdentifier pester-dup
        { Register-RedisEvent -Channel "${Prefix}dup2" -SourceIdentifier pester-dup -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.SubscriptionExists*'
        { Register-RedisEvent -SourceIdentifier pester-none -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.NoChannel*'
    }

    It 'sees keyspace notifications through -Pattern' -Skip:([bool]$env:REDIS_TEST_URL) {
        Skip-KnownGarnetDifference -Because 'no keyspace notifications (CONFIG SET notify-keyspace-events is refused)'
        # Only on the server this run started: a shared server keeps its notify-keyspace-events.
        $null = Invoke-RedisCommand CONFIG SET notify-keyspace-events KEA
        Register-RedisEvent -Pattern "__keyspace@0__:${Prefix}ks:*" -SourceIdentifier pester-keyspace
        Set-RedisValue -Key "${Prefix}ks:1" -Value 'queued'
        Wait-Until { @(Get-Event -SourceIdentifier pester-keyspace -ErrorAction SilentlyContinue).Count -ge 1 } | Should -BeTrue
        $e = @(Get-Event -SourceIdentifier pester-keyspace)[0]
        $e.SourceEventArgs.Channel | Should -Be "__keyspace@0__:${Prefix}ks:1"
        $e.SourceEventArgs.Message | Should -Be 'set'
    }
}

Describe 'Messages with -Action' {
    AfterEach {
        Get-EventSubscriber | Where-Object SourceIdentifier -like 'pester-*' | Unregister-Event
        Get-Job | Where-Object Name -like 'pester-*' | Remove-Job -Force
    }

    It 'runs the action for each of 100 messages, in order, and returns the job' {
        $received = [System.Collections.ArrayList]::Synchronized([System.Collections.ArrayList]::new())
        $job = Register-RedisEvent -Channel "${Prefix}act" -SourceIdentifier pester-act -MessageData $received -Action {
            $null = $Event.MessageData.Add($EventArgs.Message)
        }
        $job | Should -BeOfType System.Management.Automation.PSEventJob
        $job.Name | Should -Be 'pester-act'
        1..100 | ForEach-Object { "a$_" } | Publish-RedisMessage -Channel "${Prefix}act"
        Wait-Until { $received.Count -ge 100 } | Should -BeTrue
        $received.Count | Should -Be 100
        @($received) | Should -Be (1..100 | ForEach-Object { "a$_" })
        Unregister-Event -SourceIdentifier pester-act
        $job.State | Should -Be 'Stopped'
        Wait-Until { (Get-ClientName) -notcontains 'psredis-event:pester-act' } -Seconds 2 | Should -BeTrue
    }
}

Describe 'Outages' {
    # Each test stops a server of its own; the file's shared server is never touched.
    AfterEach {
        Get-EventSubscriber | Where-Object SourceIdentifier -like 'pester-*' | Unregister-Event
        Get-Event | Where-Object SourceIdentifier -like 'pester-*' | Remove-Event
        Get-Job | Where-Object Name -like 'pester-*' | Remove-Job -Force
        if ($script:OutageServer) { Stop-TestRedisServer $script:OutageServer; $script:OutageServer = $null }
        # Connect-Redis made the outage servers' connections the default: close them, and make the file's own the default again.
        Get-RedisConnection | Where-Object Name -in 'pester-restart', 'pester-restart-publisher', 'pester-maxretry' | Disconnect-Redis
        $null = Connect-Redis -Url $RedisUrl -Name pester-events
    }

    It 'survives a server restart: events arrive after it, with one Disconnected and one Reconnected event' {
        $script:OutageServer = Start-TestRedisServer -Tag restart -Private
        $port = ([uri]$OutageServer.Url).Port
        $c = Connect-Redis -Url $OutageServer.Url -Name pester-restart -PassThru
        Register-RedisEvent -Channel "${Prefix}up" -SourceIdentifier pester-restart -Connection $c

        Stop-TestRedisServer $OutageServer
        Wait-Until { Get-Event -SourceIdentifier pester-restart.Disconnected -ErrorAction SilentlyContinue } | Should -BeTrue
        $script:OutageServer = Start-TestRedisServer -Tag restart -Port $port
        Wait-Until { Get-Event -SourceIdentifier pester-restart.Reconnected -ErrorAction SilentlyContinue } -Seconds 20 | Should -BeTrue

        $publisher = Connect-Redis -Url $OutageServer.Url -Name pester-restart-publisher -PassThru
        Publish-RedisMessage -Channel "${Prefix}up" -Message 'after the restart' -Connection $publisher -PassThru | Should -Be 1
        (Wait-Event -SourceIdentifier pester-restart -Timeout 10).SourceEventArgs.Message | Should -Be 'after the restart'
        @(Get-Event -SourceIdentifier pester-restart.Disconnected).Count | Should -Be 1
        @(Get-Event -SourceIdentifier pester-restart.Reconnected).Count | Should -Be 1
        @(Get-Event -SourceIdentifier pester-restart.Error -ErrorAction SilentlyContinue).Count | Should -Be 0
        (Get-EventSubscriber -SourceIdentifier pester-restart).SourceObject.IsRunning | Should -BeTrue
    }

    It 'ends an -Action subscription after -MaxRetry failed attempts, with one last Error event' {
        $script:OutageServer = Start-TestRedisServer -Tag maxretry -Private
        $c = Connect-Redis -Url $OutageServer.Url -Name pester-maxretry -PassThru
        $job = Register-RedisEvent -Channel "${Prefix}gone" -SourceIdentifier pester-maxretry -Connection $c -MaxRetry 2 -Action { }

        Stop-TestRedisServer $OutageServer # for good
        Wait-Until { Get-Event -SourceIdentifier pester-maxretry.Error -ErrorAction SilentlyContinue } | Should -BeTrue
        # The subscriber is unregistered and its job stopped, not left listed while receiving nothing.
        Wait-Until { -not (Get-EventSubscriber -SourceIdentifier pester-maxretry -ErrorAction SilentlyContinue) } -Seconds 5 | Should -BeTrue
        $job.State | Should -Be 'Stopped'
        $errors = @(Get-Event -SourceIdentifier pester-maxretry.Error)
        $errors.Count | Should -Be 1
        $errors[0].SourceEventArgs.ReaderStopped | Should -BeTrue
        $errors[0].SourceEventArgs.Exception.Message | Should -BeLike '*after 2 attempts*'
        @(Get-Event -SourceIdentifier pester-maxretry.Disconnected).Count | Should -Be 1
        # The hidden subscriber that ended it is gone too.
        Get-EventSubscriber -Force | Where-Object SourceIdentifier -like 'PSRedis.SubscriptionEnd.*' | Should -BeNullOrEmpty
    }
}

Describe 'Lua scripts' {
    It 'runs a script with keys and arguments' {
        $r = Invoke-RedisScript -Script "redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], tonumber(ARGV[2]) + 1}" -Key "${Prefix}s1" -ArgumentList 'v1', 41
        $r[0] | Should -Be "${Prefix}s1"
        $r[1] | Should -Be 42
        Get-RedisValue "${Prefix}s1" | Should -Be 'v1'
    }

    It 'runs for each key object from the pipeline' {
        Set-RedisValue "${Prefix}len:a" 'abc'
        Set-RedisValue "${Prefix}len:b" 'abcdef'
        $lengths = Get-RedisKey -Match "${Prefix}len:*" | Sort-Object Key | Invoke-RedisScript -Script "return redis.call('STRLEN', KEYS[1])"
        $lengths | Should -Be @(3, 6)
    }

    It 'reports a missing -Sha as NoScript' {
        { Invoke-RedisScript -Sha ('0' * 40) -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.NoScript*'
    }
}

Describe 'Locks' {
    It 'holds the lock while the block runs and releases it' {
        $name = "${Prefix}lock"
        $out = Use-RedisLock -Name $name -Timeout 30 -ScriptBlock {
            'inside'
            Test-RedisKey -Key $name
        }
        $out | Should -Be @('inside', $true)
        Test-RedisKey -Key $name | Should -BeFalse
    }

    It 'releases the lock when the block fails' {
        $name = "${Prefix}lock-error"
        { Use-RedisLock -Name $name -ScriptBlock { throw 'boom' } } | Should -Throw '*boom*'
        Test-RedisKey -Key $name | Should -BeFalse
    }

    It 'gives up after -BlockingTimeout with LockNotAcquired' {
        $name = "${Prefix}lock-busy"
        Set-RedisValue -Key $name -Value 'someone-else'
        { Use-RedisLock -Name $name -BlockingTimeout 0.3 -ScriptBlock { 'never' } -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.LockNotAcquired*'
        Get-RedisValue -Key $name | Should -Be 'someone-else'
    }

    It 'reports a lock lost while held (deleted from under the block), after the output' {
        # A -Timeout shorter than the block is renewed (PSRedis.Watch.Tests.ps1); a deleted lock cannot be.
        $name = "${Prefix}lock-short"
        $out = Use-RedisLock -Name $name -Timeout 0.2 -ScriptBlock { Remove-RedisKey -Key $name -Force; Start-Sleep -Milliseconds 400; 'work' } -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -Be 'work'
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PSRedis.LockNotOwned*'
    }
}
