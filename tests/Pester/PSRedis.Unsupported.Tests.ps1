#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    A command the server does not have, as a PowerShell user meets it: the error names the command and the server
    (product, version, endpoint), never the arguments, and has its own error id (Pester 5, real pwsh).
    Server: $env:REDIS_TEST_URL when set, else a redis-server started on a free port for this run.
    Build first; the module is imported from out/PSRedis.
    Run: Invoke-Pester ./tests/Pester/PSRedis.Unsupported.Tests.ps1 -Output Detailed
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:TestServer = Start-TestRedisServer -Tag unsupported
    $script:RedisUrl = $TestServer.Url

    $script:Prefix = "pester:$([guid]::NewGuid().ToString('N').Substring(0, 8)):"
    $script:Conn = Connect-Redis -Url $RedisUrl -Name pester-unsupported -PassThru

    # The server's product as INFO names it (Garnet and Valkey say server_name; Redis does not, so "redis").
    $info = Invoke-RedisCommand INFO server -Connection $Conn
    $script:Product = if ($info -match '(?m)^server_name:(\S+)') { $Matches[1] } else { 'redis' }
}

AfterAll {
    Complete-TestFile -Server $TestServer -Connection $Conn -Prefix $Prefix
}

Describe 'A command the server does not have' {
    It 'names the command and the server, not the arguments' {
        $err = $null
        Invoke-RedisCommand NOSUCHCMD "${Prefix}hunter2" -Connection $Conn -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PSRedis.CommandNotSupported,*'
        $err[0].CategoryInfo.Category | Should -Be 'NotImplemented'
        $err[0].TargetObject | Should -Be 'NOSUCHCMD'
        $err[0].Exception.Message | Should -Match "^The server $Product \d+\.\d+\.\d+ at \S+:\d+ does not support NOSUCHCMD \(ERR unknown command"
        $err[0].Exception.Message | Should -Not -Match 'hunter2'
        $err[0].Exception.Server.Name | Should -Be $Product
    }

    It 'names an unknown subcommand with its command' {
        { Invoke-RedisCommand OBJECT NOSUCHSUB "${Prefix}k" -Connection $Conn -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "The server $Product * does not support OBJECT NOSUCHSUB (ERR unknown subcommand*"
    }

    It 'is caught as the server error it also is' {
        $caught = try { Invoke-RedisCommand NOSUCHCMD -Connection $Conn -ErrorAction Stop } catch [PSRedis.Protocol.RedisResponseException] { $_.Exception }
        $caught | Should -BeOfType ([PSRedis.Protocol.RedisUnsupportedCommandException])
        $caught.Command | Should -Be 'NOSUCHCMD'
    }

    It 'is the one command''s error in a pipeline, the others answer' {
        $err = $null
        $out = Invoke-RedisPipeline -Connection $Conn { Invoke-RedisCommand NOSUCHCMD a; Invoke-RedisCommand PING } -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -Be 'PONG'
        $err | Should -HaveCount 1
        $err[0].Exception.Message | Should -Match "^The server $Product .* does not support NOSUCHCMD"
    }
}
