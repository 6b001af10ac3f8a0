#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Secrets stay secret (Pester 5, real pwsh): connect every way a password or token can be given, then look where a
    user can look (ConvertTo-Json -Depth 10, Export-Clixml -Depth 10, Format-List * -Force, $Error, the verbose,
    debug and warning streams, the errors of failed connects). Always a password-protected redis-server of its own.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:Password = 'pw-' + [guid]::NewGuid().ToString('N')
    $script:UserPassword = 'userpw-' + [guid]::NewGuid().ToString('N')
    $script:Token = 'token-' + [guid]::NewGuid().ToString('N')
    $script:Wrong = 'wrong-' + [guid]::NewGuid().ToString('N')
    $script:Secrets = @($Password, $UserPassword, $Token, $Wrong)
    $script:TestServer = Start-TestRedisServer -Tag secrets -Private -Password $Password
    $script:Port = ([uri]$TestServer.Url).Port
    $script:Admin = Connect-Redis -Url "redis://:$Password@127.0.0.1:$Port/0" -Name secrets-admin -PassThru
    # '&*' (every pub/sub channel) is a Redis 6.2+ rule that Garnet's ACL SETUSER does not know; there it is left out.
    $channels = @(if (-not $IsGarnet) { '&*' })
    $null = Invoke-RedisCommand ACL SETUSER app-user on ">$UserPassword" '~*' @channels '+@all' -Connection $Admin
    $null = Invoke-RedisCommand ACL SETUSER app-token on ">$Token" '~*' @channels '+@all' -Connection $Admin

    function ConvertTo-Secure([string] $Text) { [Net.NetworkCredential]::new('', $Text).SecurePassword }

    # Every rendering of $Object a user might produce.
    # -JsonDepth: ConvertTo-Json walks an exception's TargetSite reflection graph (117 MB of text at depth 5), so
    # exceptions are rendered as JSON shallowly; Export-Clixml stops at that graph and keeps depth 10.
    function Get-Rendering($Object, [int] $JsonDepth = 10) {
        $file = Join-Path ([IO.Path]::GetTempPath()) ("psredis-secrets-" + [guid]::NewGuid().ToString('N') + '.xml')
        try {
            $Object | Export-Clixml -Path $file -Depth 10
            Get-Content -Raw $file
        }
        finally { Remove-Item $file -ErrorAction SilentlyContinue }
        $Object | ConvertTo-Json -Depth $JsonDepth -WarningAction SilentlyContinue
        $Object | Format-List * -Force | Out-String -Width 4096
        "$Object"
    }

    function Assert-NoSecret([string[]] $Text) {
        $all = $Text -join "`n"
        $all.Length | Should -BeGreaterThan 100 -Because 'there must be something to search'
        foreach ($secret in $Secrets) { $all | Should -Not -BeLike "*$secret*" }
    }
}

AfterAll {
    Complete-TestFile -Server $TestServer
}

Describe 'No secret in any object a connection gives' {
    It 'holds for <Way>' -ForEach @(
        @{ Way = 'a password in the URL'; Connect = { Connect-Redis -Url "redis://:$Password@127.0.0.1:$Port/0" -Name s-url -PassThru } }
        @{ Way = '?password= in the URL'; Connect = { Connect-Redis -Url "redis://127.0.0.1:$Port/0?password=$Password" -Name s-query -PassThru } }
        @{ Way = '-Credential (default user)'; Connect = { Connect-Redis -HostName 127.0.0.1 -Port $Port -Credential ([pscredential]::new('default', (ConvertTo-Secure $Password))) -Name s-cred -PassThru } }
        @{ Way = '-Credential (ACL user)'; Connect = { Connect-Redis -HostName 127.0.0.1 -Port $Port -Credential ([pscredential]::new('app-user', (ConvertTo-Secure $UserPassword))) -Name s-acl -PassThru } }
        @{ Way = '-AccessToken'; Connect = { Connect-Redis -HostName 127.0.0.1 -Port $Port -Credential ([pscredential]::new('app-token', [securestring]::new())) -AccessToken (ConvertTo-Secure $Token) -Name s-token -PassThru } }
        # The block runs in a runspace of its own, with copies of $Token and of the ConvertTo-Secure function.
        @{ Way = '-AccessToken { script block }'; Connect = { Connect-Redis -HostName 127.0.0.1 -Port $Port -Credential ([pscredential]::new('app-token', [securestring]::new())) -AccessToken { ConvertTo-Secure $Token } -TokenLifetime 60 -Name s-token-block -PassThru } }
    ) {
        $streams = & { $conn = & $Connect -Verbose; $conn } 4>&1 5>&1 3>&1
        $conn = $streams | Where-Object { $_ -is [PSRedis.RedisConnection] }
        $conn | Should -Not -BeNullOrEmpty
        Set-RedisValue -Key "secrets:$($conn.Name)" -Value x -Connection $conn
        $key = Get-RedisKey -Match "secrets:$($conn.Name)" -Detailed -Connection $conn
        Assert-NoSecret @(
            Get-Rendering $conn
            Get-Rendering $conn.Client.Options
            Get-Rendering $key
            Get-Rendering (Get-RedisConnection)
            $streams | Out-String -Width 4096
        )
    }

    It 'holds for an event subscription' {
        Register-RedisEvent -Channel secrets-channel -SourceIdentifier secrets-events -Connection $Admin
        try {
            Assert-NoSecret @(Get-Rendering (Get-EventSubscriber -SourceIdentifier secrets-events))
        }
        finally { Unregister-Event -SourceIdentifier secrets-events }
    }
}

Describe 'No secret in the errors of a failed connect' {
    It 'holds for a wrong <Way>' -ForEach @(
        @{ Way = 'password in the URL'; Connect = { Connect-Redis -Url "redis://:$Wrong@127.0.0.1:$Port/0" -Name bad-url -Verbose } }
        @{ Way = 'credential'; Connect = { Connect-Redis -HostName 127.0.0.1 -Port $Port -Credential ([pscredential]::new('app-user', (ConvertTo-Secure $Wrong))) -Name bad-cred -Verbose } }
        @{ Way = 'access token'; Connect = { Connect-Redis -HostName 127.0.0.1 -Port $Port -AccessToken (ConvertTo-Secure $Wrong) -Name bad-token -Verbose } }
        @{ Way = 'access token from a script block'; Connect = { Connect-Redis -HostName 127.0.0.1 -Port $Port -Credential ([pscredential]::new('app-token', [securestring]::new())) -AccessToken { $Wrong } -Name bad-token-block -Verbose } }
        @{ Way = 'script block that returns nothing'; Connect = { Connect-Redis -HostName 127.0.0.1 -Port $Port -AccessToken { Write-Error "no token for $env:USER" } -Name empty-token-block -Verbose } }
        @{ Way = 'URL (malformed)'; Connect = { Connect-Redis -Url "redis://:$Wrong@127.0.0.1:notaport/0" -Name bad-form } }
    ) {
        $Error.Clear()
        $streams = & { try { & $Connect } catch { $caught = $_ } ; $caught } 4>&1 5>&1 3>&1
        $caught = $streams | Where-Object { $_ -is [Management.Automation.ErrorRecord] } | Select-Object -Last 1
        $caught | Should -Not -BeNullOrEmpty
        Assert-NoSecret @(
            $streams | Out-String -Width 4096
            $caught.Exception.ToString()
            $caught.InvocationInfo.BoundParameters | Out-String -Width 4096
            Get-Rendering $caught.Exception -JsonDepth 2
            ($Error | Out-String -Width 4096)
        )
    }

    It 'holds for a failed command in a pipeline next to secret arguments' {
        $Error.Clear()
        Invoke-RedisPipeline {
            Invoke-RedisCommand CONFIG SET masterauth $Password
            Invoke-RedisCommand ACL SETUSER app-token ">$Token" 'no-such-rule'
        } -Connection $Admin -ErrorAction SilentlyContinue | Out-Null
        $Error.Count | Should -BeGreaterThan 0
        $data = foreach ($e in $Error) { foreach ($k in $e.Exception.Data.Keys) { "$k=$($e.Exception.Data[$k])" } }
        Assert-NoSecret @(($Error | Out-String -Width 4096), ($data -join "`n"), ($Error | ForEach-Object { $_.Exception.ToString() }))
        # Garnet refuses CONFIG SET masterauth (one more failed command next to a secret, which is the point), so
        # there is nothing to reset there.
        if (-not $IsGarnet) { $null = Invoke-RedisCommand CONFIG SET masterauth '' -Connection $Admin }
    }
}
