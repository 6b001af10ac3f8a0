#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The PSRedis user stories as a PowerShell user writes them (Pester 5, real pwsh).
    Server: $env:REDIS_TEST_URL when set, else a redis-server started on a free port for this run.
    Build first (dotnet build or ./build.ps1); the module is imported from out/PSRedis.
    Run: Invoke-Pester ./tests/Pester -Output Detailed
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:TestServer = Start-TestRedisServer -Tag main
    $script:RedisUrl = $TestServer.Url

    $script:Prefix = "pester:$([guid]::NewGuid().ToString('N').Substring(0, 8)):"
    $script:Conn = Connect-Redis -Url $RedisUrl -Name pester -PassThru
}

AfterAll {
    Complete-TestFile -Server $TestServer -Connection $Conn -Prefix $Prefix
}

Describe 'The module' {
    It 'has a valid manifest for Desktop and Core' {
        $manifest = Test-ModuleManifest -Path $ModuleManifest
        $manifest.Version | Should -Be ([version]'0.1.0')
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $manifest.PowerShellVersion | Should -Be ([version]'5.1')
        $manifest.ProjectUri | Should -Not -BeNullOrEmpty
        $manifest.LicenseUri | Should -Not -BeNullOrEmpty
        $manifest.ReleaseNotes | Should -Match 'about_PSRedis'
        Test-Path (Join-Path $PSScriptRoot '../../LICENSE') | Should -BeTrue
    }

    It 'has an about_PSRedis topic on connections, URLs, batches, errors, secrets and Ctrl+C' {
        $about = Get-Help about_PSRedis | Out-String
        foreach ($part in 'CONNECTIONS AND THE DEFAULT', 'URLS', 'BATCHES', 'ERRORS AND THEIR IDS', 'SECRETS', 'CTRL+C') {
            $about | Should -Match ([regex]::Escape($part))
        }
    }

    It 'exports exactly the cmdlets of the manifest, with approved verbs' {
        $listed = (Import-PowerShellDataFile $ModuleManifest).CmdletsToExport | Sort-Object
        (Get-Command -Module PSRedis).Name | Sort-Object | Should -Be $listed
        $approved = (Get-Verb).Verb
        (Get-Command -Module PSRedis).Verb | Where-Object { $_ -notin $approved } | Should -BeNullOrEmpty
    }

    It 'ships no System.Management.Automation.dll' {
        Get-ChildItem (Split-Path $ModuleManifest) -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }

    It 'has full help for <_>' -ForEach @((Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../PSRedis.psd1')).CmdletsToExport) {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeLike "$_ *"
        $help.Description.Text | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 1
        foreach ($parameter in $help.Parameters.Parameter) {
            $parameter.Description.Text | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs help"
        }
    }
}

Describe 'Connect-Redis' {
    It 'connects with -Url and emits the connection with -PassThru' {
        $c = Connect-Redis -Url $RedisUrl -Name other -PassThru
        $c.Name | Should -Be 'other'
        $c.Client.Ping() | Should -BeTrue
        (Test-RedisConnection).Name | Should -Be 'other'
        Connect-Redis -Url $RedisUrl -Name pester   # back to the suite's connection as the default
    }

    It 'uses $env:REDIS_URL with no arguments' {
        $old = $env:REDIS_URL
        try {
            $env:REDIS_URL = $RedisUrl -replace '/0$', '/4'
            (Connect-Redis -PassThru).Database | Should -Be 4
        } finally {
            $env:REDIS_URL = $old
            Connect-Redis -Url $RedisUrl -Name pester
        }
    }

    It 'fails with a terminating ConnectionError when nothing listens' {
        $port = Get-FreeTcpPort
        { Connect-Redis -HostName 127.0.0.1 -Port $port -Timeout 2 } |
            Should -Throw -ErrorId 'PSRedis.ConnectionFailed,*'
    }

    It 'never shows the password in -Verbose output or in the connection' {
        $secret = 'n0t-a-real-p4ssword'
        $url = $RedisUrl -replace '^redis://', "redis://:$secret@"
        # The server may or may not require a password (a failed AUTH is a terminating error); either way
        # the secret must appear neither in the verbose lines, nor in the error, nor in the connection.
        $verbose = & { try { Connect-Redis -Url $url -Name secret -PassThru -Verbose 4>&1 } catch { $_; $_.Exception.Message } } | Out-String
        $verbose | Should -Not -Match $secret
        Connect-Redis -Url $RedisUrl -Name pester
    }
}

Describe 'Test-RedisConnection' {
    It 'reports Success and a round-trip time' {
        $result = Test-RedisConnection
        $result.Success | Should -BeTrue
        $result.RoundTrip | Should -BeOfType [timespan]
        $result.RoundTrip | Should -BeLessThan ([timespan]::FromSeconds(5))
    }

    It 'reports $false, without throwing, for a port nobody listens on' {
        $port = Get-FreeTcpPort
        $result = Test-RedisConnection -Url "redis://127.0.0.1:$port/0" -Timeout 2
        $result.Success | Should -BeFalse
        $result.Error | Should -Not -BeNullOrEmpty
        Test-RedisConnection -Url "redis://127.0.0.1:$port/0" -Timeout 1 -Quiet | Should -BeFalse
    }
}

Describe 'Set-RedisValue and Get-RedisValue' {
    It 'round-trips a string' {
        Set-RedisValue -Key "${Prefix}greeting" -Value 'héllo'
        Get-RedisValue -Key "${Prefix}greeting" | Should -Be 'héllo'
    }

    It 'gives $null for a missing key, in position' {
        Set-RedisValue "${Prefix}one" 1
        $values = Get-RedisValue "${Prefix}one", "${Prefix}missing"
        $values.Count | Should -Be 2
        $values[0] | Should -Be '1'
        $values[1] | Should -BeNullOrEmpty
    }

    It 'sets an expiry from seconds' {
        Set-RedisValue -Key "${Prefix}ttl" -Value v -Expiry 100
        $info = Get-RedisKey -Match "${Prefix}ttl" -Detailed
        $info.TimeToLive | Should -BeGreaterThan 90   # seconds
    }

    It 'honours -NotExists and reports it with -PassThru' {
        Set-RedisValue -Key "${Prefix}once" -Value first -NotExists -PassThru | Should -BeTrue
        Set-RedisValue -Key "${Prefix}once" -Value second -NotExists -PassThru | Should -BeFalse
        Get-RedisValue -Key "${Prefix}once" | Should -Be 'first'
    }

    It 'keeps bytes exact with -AsByteArray' {
        [byte[]] $bytes = 0..255
        Set-RedisValue -Key "${Prefix}bin" -Value $bytes
        $back = Get-RedisValue -Key "${Prefix}bin" -AsByteArray
        $back | Should -BeOfType [byte]
        [Convert]::ToBase64String($back) | Should -Be ([Convert]::ToBase64String($bytes))
    }

    It 'writes nothing with -WhatIf' {
        Set-RedisValue -Key "${Prefix}whatif" -Value v -WhatIf
        Get-RedisValue -Key "${Prefix}whatif" | Should -BeNullOrEmpty
    }

    It 'writes 1,000 objects from the pipeline' {
        1..1000 | ForEach-Object { [pscustomobject]@{ Key = "${Prefix}bulk:$_"; Value = "v$_" } } | Set-RedisValue
        @(Get-RedisKey -Match "${Prefix}bulk:*").Count | Should -Be 1000
        Get-RedisValue -Key "${Prefix}bulk:1000" | Should -Be 'v1000'
    }

    It 'refuses a hashtable with a clear error and writes the rest' {
        $objects = [pscustomobject]@{ Key = "${Prefix}h"; Value = @{ a = 1 } },
                   [pscustomobject]@{ Key = "${Prefix}fine"; Value = 'ok' }
        $objects | Set-RedisValue -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].TargetObject | Should -Be "${Prefix}h"
        $errors[0].Exception.Message | Should -Match 'Set-RedisHash'
        Get-RedisValue -Key "${Prefix}fine" | Should -Be 'ok'
    }
}

Describe 'Get-RedisKey' {
    BeforeAll {
        1..20 | ForEach-Object { Set-RedisValue -Key "${Prefix}cache:$_" -Value "c$_" }
        1..5 | ForEach-Object { Set-RedisValue -Key "${Prefix}other:$_" -Value "o$_" }
        $null = $Conn.Client.ExecuteCommand('HSET', "${Prefix}cache:hash", 'f', 'v')
    }

    It 'emits exactly the matching keys as objects' {
        $keys = Get-RedisKey -Match "${Prefix}cache:*"
        $keys.Count | Should -Be 21
        $keys[0] | Should -BeOfType ([PSRedis.RedisKeyInfo])
        $keys.Key | Where-Object { $_ -notlike "${Prefix}cache:*" } | Should -BeNullOrEmpty
    }

    It 'binds by property name into Get-RedisValue, and a wrong type does not stop the rest' {
        $values = Get-RedisKey -Match "${Prefix}cache:*" | Get-RedisValue -ErrorVariable errors -ErrorAction SilentlyContinue
        $values.Count | Should -Be 20
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidType'
        $errors[0].TargetObject | Should -Be "${Prefix}cache:hash"
    }

    It 'adds Type and TimeToLive with -Detailed' {
        $hash = Get-RedisKey -Match "${Prefix}cache:hash" -Detailed
        $hash.Type | Should -Be 'hash'
        $hash.TimeToLive | Should -BeNullOrEmpty
    }

    It 'filters by -Type' {
        (Get-RedisKey -Match "${Prefix}*" -Type hash).Key | Should -Be "${Prefix}cache:hash"
    }
}
