#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Counter, hash, list and set stories of PSRedis as a PowerShell user writes them (Pester 5, real pwsh).
    Server: $env:REDIS_TEST_URL when set, else a redis-server started on a free port for this run.
    Build first; the module is imported from out/PSRedis.
    Run: Invoke-Pester ./tests/Pester/PSRedis.Collections.Tests.ps1 -Output Detailed
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:TestServer = Start-TestRedisServer -Tag collections
    $script:RedisUrl = $TestServer.Url

    $script:Prefix = "pester:$([guid]::NewGuid().ToString('N').Substring(0, 8)):"
    $script:Conn = Connect-Redis -Url $RedisUrl -Name pester-collections -PassThru
}

AfterAll {
    Complete-TestFile -Server $TestServer -Connection $Conn -Prefix $Prefix
}

Describe 'A -WhatIf dry run' {
    It 'writes nothing through any cmdlet that changes data' {
        Set-RedisValue -Key "${Prefix}w:n" -Value 1
        Push-RedisList -Key "${Prefix}w:l" -Value a
        Push-RedisList -Key "${Prefix}w:l" -Value b -WhatIf
        Pop-RedisList -Key "${Prefix}w:l" -WhatIf
        Add-RedisSetMember -Key "${Prefix}w:s" -Member m -WhatIf
        Step-RedisCounter -Key "${Prefix}w:n" -WhatIf
        Add-RedisStreamEntry -Key "${Prefix}w:x" -Fields @{ f = 1 } -WhatIf
        Publish-RedisMessage -Channel "${Prefix}w:ch" -Message hi -WhatIf
        Invoke-RedisScript -Script "return redis.call('INCR', KEYS[1])" -Key "${Prefix}w:n" -WhatIf
        Invoke-RedisCommand INCR "${Prefix}w:n" -WhatIf
        Invoke-RedisCommand GET "${Prefix}w:n" -WhatIf | Should -Be '1'
        Get-RedisList -Key "${Prefix}w:l" | Should -Be @('a')
        Test-RedisKey -Key "${Prefix}w:s", "${Prefix}w:x" | Should -Be @($false, $false)
    }
}

Describe 'Counters' {
    It 'steps by whole and fractional amounts' {
        Step-RedisCounter "${Prefix}views" | Should -Be 1
        Step-RedisCounter "${Prefix}views" -By 10 | Should -Be 11
        Step-RedisCounter "${Prefix}views" -By 4 -Decrement | Should -Be 7
        Step-RedisCounter "${Prefix}views" -By -2 | Should -Be 5
        $f = Step-RedisCounter "${Prefix}ratio" -By 0.25
        $f | Should -BeOfType [double]
        $f | Should -Be 0.25
    }

    It 'reports a hash key as WrongType and steps the others' {
        Set-RedisHash "${Prefix}not-a-counter" @{ a = 1 }
        $out = "${Prefix}c1", "${Prefix}not-a-counter", "${Prefix}c2" | Step-RedisCounter -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -Be @(1, 1)
        $errs.Count | Should -Be 1
        $errs[0].TargetObject | Should -Be "${Prefix}not-a-counter"
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidType'
    }
}

Describe 'Hashes' {
    It 'stores a PSCustomObject and reads it back as an object' {
        [pscustomobject]@{ Name = 'a'; Age = 3 } | Set-RedisHash -Key "${Prefix}user:1"
        $user = Get-RedisHash "${Prefix}user:1"
        $user.Name | Should -Be 'a'
        $user.Age | Should -Be '3'
        (Get-RedisHash "${Prefix}user:1" | Select-Object -ExpandProperty Name) | Should -Be 'a'
    }

    It 'stores a hashtable and reads it back as a hashtable or only some fields' {
        Set-RedisHash -Key "${Prefix}user:2" -Value @{ Name = 'b'; Email = 'b@example.com'; Age = 4 } -PassThru | Should -Be 3
        $h = Get-RedisHash "${Prefix}user:2" -AsHashtable
        $h | Should -BeOfType [hashtable]
        $h['Email'] | Should -Be 'b@example.com'
        $some = Get-RedisHash "${Prefix}user:2" -Field Name, Nope
        $some.Name | Should -Be 'b'
        $some.Nope | Should -BeNullOrEmpty
    }

    It 'writes many hashes named by a Key property' {
        1..3 | ForEach-Object { [pscustomobject]@{ Key = "${Prefix}many:$_"; N = $_ } } | Set-RedisHash
        (Get-RedisKey -Match "${Prefix}many:*" | Get-RedisHash | ForEach-Object N | Sort-Object) | Should -Be @('1', '2', '3')
    }

    It 'binds Get-RedisKey objects and keeps going past a WrongType key' {
        Set-RedisHash "${Prefix}mix:1" @{ n = 'one' }
        Set-RedisValue "${Prefix}mix:2" 'a string'
        $out = Get-RedisKey -Match "${Prefix}mix:*" | Get-RedisHash -ErrorVariable errs -ErrorAction SilentlyContinue
        $out.n | Should -Be 'one'
        $errs.Count | Should -Be 1
        $errs[0].TargetObject | Should -Be "${Prefix}mix:2"
    }

    It 'removes nothing with -WhatIf and fields for real without it' {
        Set-RedisHash "${Prefix}rm" @{ a = 1; b = 2; c = 3 }
        Remove-RedisHashField "${Prefix}rm" a, b -WhatIf
        (Get-RedisHash "${Prefix}rm" -AsHashtable).Count | Should -Be 3
        Remove-RedisHashField "${Prefix}rm" a, b -PassThru | Should -Be 2
        (Get-RedisHash "${Prefix}rm" -AsHashtable).Keys | Should -Be 'c'
    }
}

Describe 'Lists' {
    It 'appends from the pipeline and streams the list back in order' {
        1..2500 | Push-RedisList "${Prefix}big" -PassThru | Should -Be 2500
        $all = Get-RedisList "${Prefix}big" -ChunkSize 1000
        $all.Count | Should -Be 2500
        $all[0] | Should -Be '1'
        $all[-1] | Should -Be '2500'
        Get-RedisList "${Prefix}big" -Start -2 | Should -Be @('2499', '2500')
    }

    It 'pops from either end' {
        Push-RedisList "${Prefix}q" a, b, c
        Pop-RedisList "${Prefix}q" | Should -Be 'a'
        Pop-RedisList "${Prefix}q" -Right | Should -Be 'c'
        Pop-RedisList "${Prefix}q" -Count 10 | Should -Be 'b'
        Pop-RedisList "${Prefix}q" | Should -BeNullOrEmpty
    }

    It 'times out quietly when nothing arrives' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $out = Pop-RedisList "${Prefix}nothing" -Timeout 0.5 -Verbose 4>&1
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.4
        @($out | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }).Count | Should -Be 0
        @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'Timed out*' }).Count | Should -Be 1
    }

    It 'is served by a push from another client while it waits' {
        $job = Start-ThreadJob -ScriptBlock {
            param($Manifest, $Url, $Key)
            Import-Module $Manifest
            Start-Sleep -Milliseconds 500
            Push-RedisList -Key $Key -Value 'job-1' -Connection (Connect-Redis -Url $Url -Name pusher -PassThru)
        } -ArgumentList $ModuleManifest, $RedisUrl, "${Prefix}jobs:low"
        try {
            $item = Pop-RedisList "${Prefix}jobs:high", "${Prefix}jobs:low" -Timeout 10
            $item.Key | Should -Be "${Prefix}jobs:low"
            $item.Value | Should -Be 'job-1'
        } finally {
            $job | Wait-Job | Remove-Job
        }
    }

    It 'ends a forever wait when the pipeline is stopped (Ctrl+C)' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                param($Manifest, $Url, $Key)
                Import-Module $Manifest
                Connect-Redis -Url $Url -Name waiter
                Pop-RedisList $Key -Timeout 0
            }).AddArgument($ModuleManifest).AddArgument($RedisUrl).AddArgument("${Prefix}never")
            $running = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 2500
            $running.IsCompleted | Should -BeFalse
            $stopping = $ps.BeginStop($null, $null)
            $stopping.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(5)) | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $ps.Dispose()
        }
    }
}

Describe 'Sets' {
    It 'adds members from the pipeline, lists and tests them' {
        1..1200 | Add-RedisSetMember "${Prefix}s" -PassThru | Should -Be 1200
        @(Get-RedisSetMember "${Prefix}s").Count | Should -Be 1200
        Get-RedisSetMember "${Prefix}s" -Member 7, 'nope' | Should -Be '7'
        [bool](Get-RedisSetMember "${Prefix}s" -Member 'nope') | Should -BeFalse
    }

    It 'binds Get-RedisKey objects to Get-RedisSetMember' {
        Add-RedisSetMember "${Prefix}tags:1" redis
        Add-RedisSetMember "${Prefix}tags:2" pwsh
        (Get-RedisKey -Match "${Prefix}tags:*" | Get-RedisSetMember | Sort-Object) | Should -Be @('pwsh', 'redis')
    }

    It 'removes nothing with -WhatIf' {
        Add-RedisSetMember "${Prefix}rs" a, b, c
        'a', 'b' | Remove-RedisSetMember "${Prefix}rs" -WhatIf
        @(Get-RedisSetMember "${Prefix}rs").Count | Should -Be 3
        'a', 'b' | Remove-RedisSetMember "${Prefix}rs" -PassThru | Should -Be 2
        Get-RedisSetMember "${Prefix}rs" | Should -Be 'c'
    }
}
