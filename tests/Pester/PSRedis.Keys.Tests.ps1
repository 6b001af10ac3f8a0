#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Key, server and connection stories of PSRedis as a PowerShell user writes them (Pester 5, real pwsh).
    Server: $env:REDIS_TEST_URL when set, else a redis-server started on a free port for this run.
    Clear-RedisDatabase only ever flushes database 15. Build first; the module is imported from out/PSRedis.
    Run: Invoke-Pester ./tests/Pester -Output Detailed
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:TestServer = Start-TestRedisServer -Tag keys
    $script:RedisUrl = $TestServer.Url

    $script:Prefix = "pester:$([guid]::NewGuid().ToString('N').Substring(0, 8)):"
    $script:Conn = Connect-Redis -Url $RedisUrl -Name pester-keys -PassThru

    function New-TestKeys([string] $Name, [int] $Count) {
        for ($start = 0; $start -lt $Count; $start += 1000) {
            $pairs = foreach ($i in $start..([Math]::Min($Count, $start + 1000) - 1)) { "$Prefix$Name$i"; 'v' }
            $null = Invoke-RedisCommand MSET @pairs -Connection $Conn
        }
    }
}

AfterAll {
    Complete-TestFile -Server $TestServer -Connection $Conn -Prefix $Prefix
}

Describe 'Removing keys' {
    It 'removes exactly the keys matching a pattern, from Get-RedisKey' {
        New-TestKeys 'cache:' 20000
        New-TestKeys 'keep:' 5000
        $summary = Get-RedisKey -Match "${Prefix}cache:*" | Remove-RedisKey -PassThru
        $summary.Removed | Should -Be 20000
        $summary.Requested | Should -Be 20000
        @(Get-RedisKey -Match "${Prefix}cache:*").Count | Should -Be 0
        @(Get-RedisKey -Match "${Prefix}keep:*").Count | Should -Be 5000
    }

    It 'removes nothing with -WhatIf' {
        New-TestKeys 'what:' 10
        Get-RedisKey -Match "${Prefix}what:*" | Remove-RedisKey -WhatIf
        @(Get-RedisKey -Match "${Prefix}what:*").Count | Should -Be 10
    }

    It 'takes plain key names and batches them' {
        New-TestKeys 'plain:' 5
        $summary = Remove-RedisKey -Key "${Prefix}plain:0", "${Prefix}plain:1", "${Prefix}nope" -BatchSize 2 -PassThru
        $summary.Removed | Should -Be 2
        $summary.Batches | Should -Be 2
    }

    It 'takes strings and objects with Key and Connection properties from the pipeline' {
        New-TestKeys 'piped:' 4
        ("${Prefix}piped:0" | Remove-RedisKey -PassThru).Removed | Should -Be 1
        ([pscustomobject]@{ Key = @("${Prefix}piped:1", "${Prefix}piped:2"); Connection = $Conn } | Remove-RedisKey -PassThru).Removed | Should -Be 2
        Test-RedisKey "${Prefix}piped:3" -Connection $Conn | Should -BeTrue
    }

    It 'refuses a piped object without a Key property and removes nothing' {
        $summary = @{ Name = 'no key' } | Remove-RedisKey -PassThru -ErrorVariable bad -ErrorAction SilentlyContinue
        $summary.Requested | Should -Be 0
        $bad[0].FullyQualifiedErrorId | Should -Be 'PSRedis.NotAKey,PSRedis.Cmdlets.RemoveRedisKeyCommand'
    }
}

Describe 'Key objects bind to the key cmdlets' {
    BeforeAll { New-TestKeys 'bind:' 3 }

    It 'tests, expires and renames keys from Get-RedisKey' {
        $keys = @(Get-RedisKey -Match "${Prefix}bind:*")
        @($keys | Test-RedisKey) | Should -Be @($true, $true, $true)
        ($keys | Set-RedisKeyExpiry -TimeToLive 120 -PassThru).Applied | Should -Be @($true, $true, $true)
        (Get-RedisKey -Match "${Prefix}bind:0" -Detailed).TimeToLive | Should -BeGreaterThan 100
        ($keys | Where-Object Key -eq "${Prefix}bind:0" | Rename-RedisKey -NewName "${Prefix}renamed" -PassThru).Key | Should -Be "${Prefix}renamed"
        Test-RedisKey "${Prefix}renamed" | Should -BeTrue
    }

    It 'reports a missing key as KeyNotFound and goes on' {
        $results = Set-RedisKeyExpiry -Key "${Prefix}missing", "${Prefix}bind:1" -TimeToLive 60 -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue
        $results.Applied | Should -Be @($false, $true)
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PSRedis.KeyNotFound*'
        $errs[0].TargetObject | Should -Be "${Prefix}missing"
    }

    It 'refuses to clobber with -NoClobber' {
        Set-RedisValue "${Prefix}a" 1
        Set-RedisValue "${Prefix}b" 2
        { Rename-RedisKey "${Prefix}a" "${Prefix}b" -NoClobber -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.KeyExists*'
        Get-RedisValue "${Prefix}b" | Should -Be '2'
    }
}

Describe 'Any command, server info, flushing' {
    It 'runs any command with remaining arguments' {
        Invoke-RedisCommand SET "${Prefix}raw" 'x' | Should -Be 'OK'
        Invoke-RedisCommand GET "${Prefix}raw" | Should -Be 'x'
        $null = Invoke-RedisCommand RPUSH "${Prefix}list" a b c
        (Invoke-RedisCommand LRANGE "${Prefix}list" 0 -1).Count | Should -Be 3
    }

    It 'never shows the arguments in -Verbose' {
        $verbose = Invoke-RedisCommand ACL SETUSER pester-nobody '>not-a-real-secret' -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $null = Invoke-RedisCommand ACL DELUSER pester-nobody
        $verbose | Should -Not -BeNullOrEmpty
        $verbose.Message | Should -Not -Match 'not-a-real-secret'
    }

    It 'enumerates an array reply, and keeps it whole with -NoEnumerate' {
        $null = Add-RedisSetMember -Key "${Prefix}members" -Member a, b, c
        $seen = 0
        Invoke-RedisCommand SMEMBERS "${Prefix}members" | ForEach-Object { $seen++ }
        $seen | Should -Be 3
        $whole = 0
        Invoke-RedisCommand SMEMBERS "${Prefix}members" -NoEnumerate | ForEach-Object { $whole++ }
        $whole | Should -Be 1
        @(Invoke-RedisScript -Script "return {1, 2, 3}").Count | Should -Be 3
        @(Invoke-RedisScript -Script "return {1, 2, 3}" -NoEnumerate).Count | Should -Be 1
    }

    It 'refuses commands that would change a pooled connection, naming what to use' {
        { Invoke-RedisCommand SELECT 5 -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.CommandNotAllowed,*'
        { Invoke-RedisCommand SUBSCRIBE news -ErrorAction Stop } | Should -Throw '*Register-RedisEvent*'
        { Invoke-RedisCommand AUTH someone 'pw' -ErrorAction Stop } | Should -Throw '*Connect-Redis -Credential*'
        (Get-RedisConnection -Name pester-keys).Database | Should -Be 0
        Invoke-RedisCommand PING | Should -Be 'PONG'
    }

    # On Garnet a client that disconnects while blocked stays blocked in the server and would take (lose) the next
    # element pushed: the stop sends CLIENT UNBLOCK from another connection first. Both engines must keep the element.
    It 'ends a blocking <Name> on Ctrl+C, and consumes nothing afterwards' -ForEach @(
        @{ Name = 'BLPOP (Invoke-RedisCommand)'; Call = 'Invoke-RedisCommand BLPOP ''{0}'' 0' }
        @{ Name = 'Pop-RedisList -Timeout 0'; Call = 'Pop-RedisList -Key ''{0}'' -Timeout 0' }
    ) {
        $key = "${Prefix}blocked:$($Name.Split(' ')[0])"
        $ps = [powershell]::Create([System.Management.Automation.RunspaceMode]::NewRunspace)
        try {
            $null = $ps.AddScript("Import-Module '$ModuleManifest'; Connect-Redis -Url '$RedisUrl'; " + ($Call -f $key))
            $running = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $running.IsCompleted | Should -BeFalse
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            $null = Invoke-RedisCommand RPUSH $key kept
            Start-Sleep -Milliseconds 300
            Invoke-RedisCommand LLEN $key | Should -Be 1
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'emits INFO fields as typed objects' {
        # uptime_in_seconds: in the server section of Redis and Garnet alike (Garnet has no tcp_port there).
        $uptime = Get-RedisServerInfo -Section server | Where-Object Name -eq 'uptime_in_seconds'
        $uptime.Section | Should -Be 'Server'
        $uptime.Value | Should -BeOfType [long]
    }

    It 'flushes database 15 only with -Force, and nothing with -WhatIf' {
        $db15 = Connect-Redis -Url ($RedisUrl -replace '/\d+$', '/15') -Name pester-db15 -PassThru
        Set-RedisValue x 1 -Connection $db15
        Clear-RedisDatabase -Connection $db15 -WhatIf
        Invoke-RedisCommand DBSIZE -Connection $db15 | Should -Be 1
        Clear-RedisDatabase -Connection $db15 -Force
        Invoke-RedisCommand DBSIZE -Connection $db15 | Should -Be 0
        Disconnect-Redis -Connection $db15
    }
}

Describe 'Objects that export cleanly' {
    It 'serializes key objects as Key, Database, Type and TimeToLive, and Get-RedisValue -IncludeKey as Key/Value' {
        Set-RedisValue -Key "${Prefix}x:1" -Value one -Expiry 300
        $json = Get-RedisKey -Match "${Prefix}x:1" -Detailed -Connection $Conn | ConvertTo-Json -WarningVariable depth 3>$null | ConvertFrom-Json
        $depth | Should -BeNullOrEmpty
        ($json.PSObject.Properties.Name -join ',') | Should -Be 'Key,Database,Type,TimeToLive'
        $json.TimeToLive | Should -BeGreaterThan 200
        $csv = Get-RedisKey -Match "${Prefix}x:1" -Connection $Conn | Get-RedisValue -IncludeKey | ConvertTo-Csv
        $csv[0] | Should -Be '"Key","Value"'
        $csv[1] | Should -Be ('"{0}x:1","one"' -f $Prefix)
    }

    It 'emits a hash as a PSRedis.RedisHash with its Key' {
        Set-RedisHash -Key "${Prefix}user:1" -Value @{ name = 'Ann' } -Connection $Conn
        $h = Get-RedisKey -Match "${Prefix}user:*" -Connection $Conn | Get-RedisHash
        $h.PSObject.TypeNames[0] | Should -Be 'PSRedis.RedisHash'
        ($h | ConvertTo-Csv)[0] | Should -Be '"Key","name"'
    }
}

Describe 'Connections' {
    It 'lists connections, marks the default, and disconnects without leaving a client behind' {
        $name = "pester-disc-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        $c = Connect-Redis -Url "${RedisUrl}?client_name=$name" -Name disc -PassThru
        $null = Test-RedisKey x
        (Get-RedisConnection -Name disc).IsDefault | Should -BeTrue
        (Invoke-RedisCommand CLIENT LIST -Connection $Conn) | Should -Match $name
        Disconnect-Redis
        $c.IsClosed | Should -BeTrue
        # The most recently used connection left ($Conn, just above) is the default now.
        (Get-RedisConnection | Where-Object IsDefault).Name | Should -Be 'pester-keys'
        (Invoke-RedisCommand CLIENT LIST -Connection $Conn) | Should -Not -Match $name
        { Get-RedisValue -Key x -Connection $c -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.ConnectionClosed,*'
    }

    It 'never closes a connection a script holds when another Connect-Redis takes its name' {
        $a = Connect-Redis -Url $RedisUrl -Name pester-held -PassThru
        Connect-Redis -Url $RedisUrl -Name pester-held -Database 3
        $a.IsClosed | Should -BeFalse
        Test-RedisKey -Key x -Connection $a | Should -BeFalse
        (Get-RedisConnection -Name pester-held).Database | Should -Be 3
        Disconnect-Redis -Connection $a
        Disconnect-Redis -Name pester-held
        (Get-RedisConnection | Where-Object IsDefault) | Should -Not -BeNullOrEmpty
    }

    It 'takes a connection by name, and a piped connection in Get-RedisKey' {
        Set-RedisValue -Key "${Prefix}byname" -Value 1 -Connection pester-keys
        Get-RedisValue -Key "${Prefix}byname" -Connection pester-keys | Should -Be '1'
        @($Conn | Get-RedisKey -Match "${Prefix}byname").Count | Should -Be 1
        { Get-RedisValue -Key x -Connection no-such-name -ErrorAction Stop } | Should -Throw '*No connection is named*'
    }

    It 'takes only Redis type names for -Type, and completes them and INFO sections' {
        { Get-RedisKey -Type hashes -ErrorAction Stop } | Should -Throw
        $line = 'Get-RedisKey -Type h'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('hash')
        $line = 'Get-RedisServerInfo -Section key'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('keyspace')
    }

    It 'keeps the connection when the same Connect-Redis runs again' {
        $a = Connect-Redis -Url $RedisUrl -Name pester-again -PassThru
        $b = Connect-Redis -Url $RedisUrl -Name pester-again -PassThru
        [object]::ReferenceEquals($a, $b) | Should -BeTrue
        Disconnect-Redis -Name pester-again
    }

    It 'keeps the default when another connection is closed, and tests without throwing' {
        $other = Connect-Redis -Url $RedisUrl -Name pester-other -PassThru
        Connect-Redis -Url $RedisUrl -Name pester-keys
        Disconnect-Redis -Connection $other
        (Get-RedisConnection | Where-Object IsDefault).Name | Should -Be 'pester-keys'
        Test-RedisConnection -Timeout 3 -Quiet | Should -BeTrue
    }

    It 'completes connection names and keys' {
        Set-RedisValue "${Prefix}comp:one" 1
        $null = Connect-Redis -Url $RedisUrl -Name pester-default
        $line = 'Get-RedisConnection pester-d'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'pester-default'
        $line = "Get-RedisValue -Key ${Prefix}comp:"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @("${Prefix}comp:one")
    }
}
