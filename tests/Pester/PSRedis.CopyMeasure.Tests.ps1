#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Copying and measuring keys as a PowerShell user writes it (Pester 5, real pwsh): Copy-RedisKey on one server with
    COPY, into another database, and to a second server of this file's own with DUMP/RESTORE, from a Get-RedisKey
    pipeline; Measure-RedisKey's per-prefix figures on a keyspace the tests make.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $null = Import-PSRedisUnderTest
    $script:SourceServer = Start-TestRedisServer -Tag copy-source -Private
    $script:TargetServer = Start-TestRedisServer -Tag copy-target -Private
    # Connected first, so that the source stays the default connection.
    $script:Db3 = Connect-Redis -Url ($SourceServer.Url -replace '/0$', '/3') -Name pester-db3 -PassThru
    $script:Target = Connect-Redis -Url $TargetServer.Url -Name pester-target -PassThru
    $script:Source = Connect-Redis -Url $SourceServer.Url -Name pester-source -PassThru
}

AfterAll {
    Stop-TestRedisServer $TargetServer
    Complete-TestFile -Server $SourceServer
}

Describe 'Copy-RedisKey' {
    BeforeEach {
        Clear-RedisDatabase -Connection $Source -Confirm:$false
        Clear-RedisDatabase -Connection $Target -Confirm:$false
        Set-RedisValue -Key 'user:1:name' -Value 'Ann' -Expiry 600
        Set-RedisHash -Key 'user:1' -Value @{ Name = 'Ann'; Email = 'ann@example.com' }
        Push-RedisList -Key 'user:1:log' -Value 'a', 'b', 'c'
        Set-RedisValue -Key 'user:1:avatar' -Value ([byte[]](0..255))
    }

    It 'copies a key under a new name, keeping its value and TTL' {
        $summary = Copy-RedisKey -Key 'user:1:name' -Destination 'user:1:name:bak' -PassThru
        $summary.Copied | Should -Be 1
        # Garnet has no COPY; Copy-RedisKey sees server_name:garnet in INFO and copies with DUMP/RESTORE there.
        $summary.Method | Should -Be $(if ($IsGarnet) { 'DUMP/RESTORE' } else { 'COPY' })
        Get-RedisValue -Key 'user:1:name:bak' | Should -Be 'Ann'
        (Get-RedisKey -Match 'user:1:name:bak' -Detailed).TimeToLive | Should -BeGreaterThan 500
    }

    It 'copies into another database' {
        Skip-KnownGarnetDifference -Because 'no COPY ... DB, so Copy-RedisKey refuses -DestinationDatabase there (see the next test)'
        Copy-RedisKey -Key 'user:1', 'user:1:log' -DestinationDatabase 3
        (Get-RedisHash -Key 'user:1' -Connection $Db3).Name | Should -Be 'Ann'
        Get-RedisList -Key 'user:1:log' -Connection $Db3 | Should -Be @('a', 'b', 'c')
        Clear-RedisDatabase -Connection $Db3 -Confirm:$false
    }

    It 'refuses -DestinationDatabase on Garnet, naming the missing COPY' {
        if (-not $IsGarnet) { Set-ItResult -Skipped -Because 'Garnet only: Redis 6.2+ has COPY ... DB' }
        { Copy-RedisKey -Key 'user:1' -DestinationDatabase 3 -ErrorAction Stop } | Should -Throw '*needs COPY*Garnet*'
    }

    It 'says that Garnet cannot DUMP a hash or a list, rather than that the key is missing' {
        if (-not $IsGarnet) { Set-ItResult -Skipped -Because 'Garnet only: Redis dumps every type' }
        $summary = Get-RedisKey -Match 'user:*' -Connection $Source |
            Copy-RedisKey -DestinationConnection $Target -PassThru -ErrorVariable copyErrors -ErrorAction SilentlyContinue
        $summary.Copied | Should -Be 2
        $summary.Failed | Should -Be 2
        @($copyErrors.TargetObject | Sort-Object) | Should -Be @('user:1', 'user:1:log')
        $copyErrors | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'PSRedis.KeyNotDumpable*' }
        Get-RedisValue -Key 'user:1:name' -Connection $Target | Should -Be 'Ann'
    }

    It 'copies a keyspace to another server from Get-RedisKey, binary data and TTL included' {
        Skip-KnownGarnetDifference -Because 'DUMP gives nil for a hash or a list (Garnet dumps only strings), so only the strings of this keyspace copy (see the test before)'
        $summary = Get-RedisKey -Match 'user:*' -Connection $Source | Copy-RedisKey -DestinationConnection $Target -PassThru
        $summary.Requested | Should -Be 4
        $summary.Copied | Should -Be 4
        $summary.Failed | Should -Be 0
        $summary.Method | Should -Be 'DUMP/RESTORE'
        Get-RedisValue -Key 'user:1:name' -Connection $Target | Should -Be 'Ann'
        (Get-RedisKey -Match 'user:1:name' -Detailed -Connection $Target).TimeToLive | Should -BeGreaterThan 500
        (Get-RedisHash -Key 'user:1' -Connection $Target).Email | Should -Be 'ann@example.com'
        Get-RedisList -Key 'user:1:log' -Connection $Target | Should -Be @('a', 'b', 'c')
        $bytes = Get-RedisValue -Key 'user:1:avatar' -AsByteArray -Connection $Target
        $bytes.Length | Should -Be 256
        $bytes[255] | Should -Be 255
    }

    It 'reports an existing destination by name and goes on, and -Replace overwrites it' {
        Set-RedisValue -Key 'user:1:name' -Value 'Old' -Connection $Target
        # Garnet dumps only strings (see above): there the keyspace is its string keys, so the one error is the existing key.
        $onlyStrings = if ($IsGarnet) { @{ Type = 'string' } } else { @{} }
        $summary = Get-RedisKey -Match 'user:*' @onlyStrings -Connection $Source |
            Copy-RedisKey -DestinationConnection $Target -PassThru -ErrorVariable copyErrors -ErrorAction SilentlyContinue
        $copyErrors.Count | Should -Be 1
        $copyErrors[0].FullyQualifiedErrorId | Should -BeLike 'PSRedis.KeyExists*'
        $copyErrors[0].TargetObject | Should -Be 'user:1:name'
        $summary.Copied | Should -Be $(if ($IsGarnet) { 1 } else { 3 })
        $summary.Failed | Should -Be 1
        Get-RedisValue -Key 'user:1:name' -Connection $Target | Should -Be 'Old'

        # The part above ran; -Replace (RESTORE ... REPLACE) cannot.
        Skip-KnownGarnetDifference -Because "RESTORE has no REPLACE option ('wrong number of arguments'), so -Replace across servers fails there"
        Copy-RedisKey -Key 'user:1:name' -DestinationConnection $Target -Replace
        Get-RedisValue -Key 'user:1:name' -Connection $Target | Should -Be 'Ann'
    }

    It 'says which source key does not exist' {
        Copy-RedisKey -Key 'nope' -Destination 'nope2' -ErrorVariable copyErrors -ErrorAction SilentlyContinue
        $copyErrors.Count | Should -Be 1
        $copyErrors[0].FullyQualifiedErrorId | Should -BeLike 'PSRedis.KeyNotFound*'
        $copyErrors[0].TargetObject | Should -Be 'nope'
    }

    It 'copies nothing with -WhatIf' {
        Get-RedisKey -Match 'user:*' -Connection $Source | Copy-RedisKey -DestinationConnection $Target -WhatIf
        @(Get-RedisKey -Connection $Target).Count | Should -Be 0
    }

    It 'refuses -Destination with several keys' {
        { Copy-RedisKey -Key 'user:1', 'user:1:log' -Destination 'x' -ErrorAction Stop } | Should -Throw '*-Destination names one new key*'
    }
}

Describe 'Measure-RedisKey' {
    BeforeAll {
        Clear-RedisDatabase -Connection $Source -Confirm:$false
        1..30 | ForEach-Object { Set-RedisHash -Key "user:$_" -Value @{ name = "u$_" } }
        Set-RedisHash -Key 'user:7' -Value @{ bio = 'x' * 5000 }
        1..20 | ForEach-Object { Set-RedisValue -Key "session:$_" -Value 'token' -Expiry 600 }
        1..5 | ForEach-Object { Push-RedisList -Key "q:${_}:items" -Value 'a', 'b' }
        Set-RedisValue -Key 'counter' -Value 1
    }

    It 'gives one object per prefix, biggest first, with exact counts' {
        $rows = Measure-RedisKey
        # Biggest by MEMORY USAGE: Garnet counts a two-element list (288 bytes) above a short string (24), Redis not.
        $rows.Prefix | Should -Be $(if ($IsGarnet) { @('user', 'q', 'session', '(none)') } else { @('user', 'session', 'q', '(none)') })
        $user = $rows | Where-Object Prefix -EQ 'user'
        $user.Count | Should -Be 30
        $user.Hash | Should -Be 30
        $user.WithoutTtl | Should -Be 30
        $session = $rows | Where-Object Prefix -EQ 'session'
        $session.String | Should -Be 20
        $session.WithTtl | Should -Be 20
        ($rows | Where-Object Prefix -EQ 'q').List | Should -Be 5
        ($rows | Where-Object Prefix -EQ '(none)').Top[0].Key | Should -Be 'counter'
        $rows | ForEach-Object { $_.Bytes | Should -BeGreaterThan 0 }
    }

    It 'lists the biggest keys of a prefix first' {
        $user = Measure-RedisKey -Match 'user:*' -Top 3
        $user.Top.Count | Should -Be 3
        $user.Top[0].Key | Should -Be 'user:7'
        $user.Top[0].Bytes | Should -BeGreaterThan 5000
    }

    It 'goes two segments deep with -Depth 2' {
        $rows = Measure-RedisKey -Depth 2
        ($rows | Where-Object Prefix -EQ 'q:3').Count | Should -Be 1
        ($rows | Where-Object Prefix -EQ 'user').Count | Should -Be 30
    }

    It 'measures a sample and says so' {
        $rows = Measure-RedisKey -SampleSize 10
        ($rows | Measure-Object -Property Count -Sum).Sum | Should -Be 10
        $rows | ForEach-Object { $_.Sample | Should -BeTrue }
    }

    It 'keeps to -MaxKeysPerSecond' {
        $elapsed = Measure-Command { Measure-RedisKey -MaxKeysPerSecond 100 -Match 'user:*' }
        $elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.2
    }
}
