#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Every example of the compiled help (Get-Help <cmdlet> -Examples) and every PowerShell code block of README.md,
    run as written against a real server, each in a fresh runspace with a time limit. A test fails naming the
    example and the errors it wrote or threw.

    What the runner supplies, and why (nothing else about an example is changed):
    - A server of this file's own (password, plain and TLS ports), flushed before each example, so examples that
      delete or flush touch nothing else. Its URL is $env:REDIS_URL and the runspace's default connection.
    - Host names that exist only in a reader's world (cache01, mycache.redis.cache.windows.net, localhost:6379, ...)
      are pointed at that server (see $HostMap); TLS examples reach its TLS port, and since no system trusts its
      self-signed certificate, Connect-Redis gets -SkipCertificateCheck through $PSDefaultParameterValues.
    - Second parties an example presumes: Azure's Get-AutomationPSCredential and Get-AzAccessToken, a user's
      Get-Credential answer, the user's own work functions (Invoke-MyJob, ...), input files (users.csv, ...), and
      per-example keys where an example reads existing data ($Setup).
    - The Cluster examples' nodes (node1:7000, ...) are a 3-primary, 3-replica cluster of this file's own.
    - Examples that loop forever by design ($RunsUntilStopped) run for a few seconds and are then stopped, as
      Ctrl+C would; they pass when they wrote no error until then and stopped promptly.
#>

BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Import-Module (Join-Path $repoRoot 'out/PSRedis/PSRedis.psd1') -Force
    $examples = [System.Collections.Generic.List[object]]::new()
    foreach ($name in (Get-Command -Module PSRedis).Name | Sort-Object) {
        $number = 0
        foreach ($example in (Get-Help $name -Examples).Examples.Example) {
            $number++
            $examples.Add(@{ Id = "$name #$number"; SetupKey = "$name #$number"; Code = $example.Code })
        }
    }
    $readme = Get-Content (Join-Path $repoRoot 'README.md') -Raw
    $number = 0
    foreach ($match in [regex]::Matches($readme, '(?ms)^```powershell\r?\n(.*?)^```')) {
        $number++
        $code = $match.Groups[1].Value
        $firstLine = ($code -split '\r?\n')[0].Trim()
        $examples.Add(@{ Id = "README block $number ($firstLine)"; SetupKey = "README: $firstLine"; Code = $code })
    }
    Remove-Module PSRedis
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:Password = 'ex-' + [guid]::NewGuid().ToString('N')
    $script:Token = 'token-' + [guid]::NewGuid().ToString('N')
    $script:WorkDir = Join-Path ([IO.Path]::GetTempPath()) ("psredis-examples-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $WorkDir

    # A self-signed certificate for the TLS port (127.0.0.1 and localhost).
    $rsa = [Security.Cryptography.RSA]::Create(2048)
    $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $rsa,
        [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $san = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
    $san.AddDnsName('localhost'); $san.AddIpAddress([Net.IPAddress]::Loopback)
    $request.CertificateExtensions.Add($san.Build())
    $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(1))
    Set-Content -Path (Join-Path $WorkDir 'server.crt') -Value $certificate.ExportCertificatePem()
    Set-Content -Path (Join-Path $WorkDir 'server.key') -Value $rsa.ExportPkcs8PrivateKeyPem()

    $script:TlsPort = Get-FreeTcpPort
    # The examples flush databases and need a password and TLS: they run on a server of their own, always.
    # --dir: Save-RedisDatabase's examples write dump.rdb there, not in the folder the suite runs from.
    if ($IsGarnet) {
        # Garnet saves to --checkpointdir (RandomAccess: the native device needs libaio), and serves TLS on a port of
        # its own: a second Garnet, TLS only, with the same password (its keys are its own).
        $script:TestServer = Start-TestRedisServer -Tag examples -Private -Password $Password -ArgumentList @('--checkpointdir', $WorkDir, '--device-type', 'RandomAccess')
        $script:TlsServer = Start-TestGarnetTlsServer -Tag examples -Port $TlsPort -Directory $WorkDir -Certificate $certificate -Password $Password
    }
    else {
        $script:TestServer = Start-TestRedisServer -Tag examples -Private -Password $Password -ArgumentList @('--dir', $WorkDir, '--tls-port', $TlsPort,
            '--tls-cert-file', (Join-Path $WorkDir 'server.crt'), '--tls-key-file', (Join-Path $WorkDir 'server.key'), '--tls-auth-clients', 'no')
    }
    $script:Port = ([uri]$TestServer.Url).Port
    $script:Url = "redis://:$Password@127.0.0.1:$Port/0"
    $script:Admin = Connect-Redis -Url $Url -Name examples-admin -PassThru
    # `Connect-Redis` with no argument reads $env:REDIS_URL (process-wide: restored in AfterAll).
    $script:SavedRedisUrl = $env:REDIS_URL
    $env:REDIS_URL = $Url
    # The Entra ID example's identity: an ACL user whose password is the access token.
    # '&*' is a Redis 6.2+ rule Garnet's ACL SETUSER does not know; there it is left out.
    $channels = @(if (-not $IsGarnet) { '&*' })
    $null = Invoke-RedisCommand ACL SETUSER psredis-example-app on ">$Token" '~*' @channels '+@all' -Connection $Admin
    if ($TlsServer) {
        # The TLS-only Garnet has users of its own: the Entra ID examples connect there.
        $tlsAdmin = Connect-Redis -Url $TlsServer.Url -SkipCertificateCheck -Name examples-tls-admin -PassThru -WarningAction SilentlyContinue
        $null = Invoke-RedisCommand ACL SETUSER psredis-example-app on ">$Token" '~*' @channels '+@all' -Connection $tlsAdmin
        Disconnect-Redis -Connection $tlsAdmin
    }

    # Examples that cannot run as written on Garnet, and why (docs/garnet.md has the table).
    $streams = 'no streams (XADD, XRANGE, XREAD, XGROUP are unknown commands)'
    $monitor = 'no MONITOR (an unknown command)'
    $script:GarnetDifferences = @{
        'Add-RedisStreamEntry #1' = $streams; 'Add-RedisStreamEntry #2' = $streams; 'Add-RedisStreamEntry #3' = $streams
        'Confirm-RedisStreamEntry #1' = $streams; 'Confirm-RedisStreamEntry #2' = $streams
        'Read-RedisStream #1' = $streams; 'Read-RedisStream #2' = $streams; 'Read-RedisStream #3' = $streams; 'Read-RedisStream #4' = $streams
        'README: Add-RedisSortedSetMember -Key board -Member alice -Score 1200' = $streams
        'Watch-RedisCommand #1' = $monitor; 'Watch-RedisCommand #2' = $monitor; 'Watch-RedisCommand #3' = $monitor; 'Watch-RedisCommand #4' = $monitor
        'README: Measure-RedisLatency                                       # 100 PINGs: Min, Average, P50, P99, Max (ms)' = $monitor
        'Copy-RedisKey #2' = 'DUMP gives nil for a hash (Garnet dumps only strings), and RESTORE has no REPLACE option'
        'Copy-RedisKey #3' = 'no COPY, so no -DestinationDatabase'
        'Copy-RedisKey #4' = 'no COPY, so no -DestinationDatabase'
        'Get-RedisConfig #2' = 'no requirepass or masterauth setting in CONFIG'
        'Set-RedisConfig #3' = 'no slowlog-max-len setting in CONFIG'
        'Publish-RedisMessage #4' = 'sharded pub/sub (SPUBLISH, SSUBSCRIBE) only in cluster mode'
        'Register-RedisEvent #6' = 'sharded pub/sub (SPUBLISH, SSUBSCRIBE) only in cluster mode'
        'Register-RedisEvent #3' = 'no keyspace notifications (CONFIG SET notify-keyspace-events is refused)'
        'README: Connect-Redis                                   # $env:REDIS_URL, else redis://localhost:6379/0' =
            'TLS is a second, TLS-only Garnet with keys of its own (no plain and TLS port side by side), so the key set up for this block is not on the TLS connection it makes the default'
    }

    # The Sentinel example's sentinel: it monitors this file's server as 'mymaster'.
    $script:SentinelPort = Get-FreeTcpPort
    $sentinelConf = Join-Path $WorkDir 'sentinel.conf'
    @("port $SentinelPort", 'bind 127.0.0.1', "dir $WorkDir", 'sentinel resolve-hostnames no',
        "sentinel monitor mymaster 127.0.0.1 $Port 1", "sentinel auth-pass mymaster $Password") | Set-Content $sentinelConf
    $sentinelExe = (Get-Command redis-sentinel -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    $script:Sentinel = Start-Process -FilePath $sentinelExe -ArgumentList $sentinelConf -PassThru -RedirectStandardOutput (Join-Path $WorkDir 'sentinel.log')
    $global:PSRedisTestServers.Add($Sentinel)
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while (-not (Test-RedisConnection -Url "redis://127.0.0.1:$SentinelPort" -Timeout 1 -Quiet)) {
        if ([DateTime]::UtcNow -gt $deadline -or $Sentinel.HasExited) { throw "redis-sentinel did not start: $(Get-Content (Join-Path $WorkDir 'sentinel.log') -Raw)" }
        Start-Sleep -Milliseconds 100
    }

    # The Cluster examples' cluster: three primaries with a replica each, no password.
    $script:Cluster = Start-TestRedisCluster -Tag examples
    $clusterSeeds = ($Cluster.Ports | Select-Object -First 3 | ForEach-Object { "127.0.0.1:$_" }) -join ','

    $script:HostMap = [ordered]@{
        'redis://node1:7000,node2:7000,node3:7000'   = "redis://$clusterSeeds"
        "'*:7000'"                                    = "'*:$($Cluster.Ports[0])'"
        "'sentinel1:26379', 'sentinel2:26379'"        = "'127.0.0.1:$SentinelPort'"
        'redis://localhost:6379'                      = "redis://:$Password@127.0.0.1:$Port"
        'redis://cache01:6379'                        = "redis://:$Password@127.0.0.1:$Port"
        'redis://queue01:6379'                        = "redis://:$Password@127.0.0.1:$Port"
        'rediss://cache.example.com:6380'             = "rediss://127.0.0.1:$TlsPort"
        "'mycache.redis.cache.windows.net' -Port 6380" = "'127.0.0.1' -Port $TlsPort"
        # The self-signed server certificate is its own authority: the example checks the chain for real.
        'rediss://redis.internal:6380/0?ssl_ca_certs=/etc/ssl/private-ca.pem' = "rediss://:$Password@127.0.0.1:$TlsPort/0?ssl_ca_certs=$([uri]::EscapeDataString((Join-Path $WorkDir 'server.crt')))"
    }

    # Input files the examples read, in the folder they run in.
    @('alice', 'bob', 'carol') | Set-Content (Join-Path $WorkDir 'users.txt')
    @('bob') | Set-Content (Join-Path $WorkDir 'expired.txt')
    @('powershell', 'redis', 'power-tools') | Set-Content (Join-Path $WorkDir 'tags.txt')
    @([pscustomobject]@{ Id = 1; Name = 'Ann'; Email = 'ann@example.com' }, [pscustomobject]@{ Id = 2; Name = 'Bob'; Email = 'bob@example.org' }) |
        Export-Csv (Join-Path $WorkDir 'users.csv')
    @([pscustomobject]@{ Name = 'alice'; Points = 1200 }, [pscustomobject]@{ Name = 'bob'; Points = 800 }) |
        Export-Csv (Join-Path $WorkDir 'scores.csv')
    @([pscustomobject]@{ Member = 'alice'; Score = 1200 }, [pscustomobject]@{ Member = 'bob'; Score = 800 }) |
        Export-Csv (Join-Path $WorkDir 'leaderboard.csv')
    @('started', 'stopped') | Set-Content (Join-Path $WorkDir 'events.log')
    'x' | Set-Content (Join-Path $WorkDir 'app.log')
    @([pscustomobject]@{ Key = 'setting:mode'; Value = 'fast' }, [pscustomobject]@{ Key = 'setting:level'; Value = '3' }) |
        Export-Csv (Join-Path $WorkDir 'settings.csv')
    # README's `Import-Module ./out/PSRedis/PSRedis.psd1` runs from the repository root; here it finds the same build.
    $null = New-Item -ItemType SymbolicLink -Path (Join-Path $WorkDir 'out') -Target (Join-Path $PSScriptRoot '../../out')

    # Runs in every example's runspace before its set-up: the module, the default connection, the second parties.
    $script:Prelude = @'
param($Url, $Password, $Token, $WorkDir, $UseTls)
$ErrorActionPreference = 'Continue'
Set-Location $WorkDir
Import-Module ./out/PSRedis/PSRedis.psd1   # the path README's own Import-Module line uses, so that line is a no-op here
$null = Connect-Redis -Url $Url
if ($UseTls) { $PSDefaultParameterValues['Connect-Redis:SkipCertificateCheck'] = $true }
function global:Get-AutomationPSCredential { param($Name) [pscredential]::new('default', (ConvertTo-SecureString $Password -AsPlainText -Force)) }
function global:Get-Credential { param($UserName) [pscredential]::new($UserName, (ConvertTo-SecureString $Password -AsPlainText -Force)) }
function global:Get-AzAccessToken { param($ResourceUrl, [switch] $AsSecureString) [pscustomobject]@{ Token = ConvertTo-SecureString $Token -AsPlainText -Force } }
function global:Invoke-MyJob { param($Fields) }
function global:Invoke-Job { param($Value) }
function global:Invoke-CacheRebuild { }
function global:Invoke-Rebuild { }
function global:New-Report { 'report' }
$global:objectId = 'psredis-example-app'
'@

    # Keys (and other state) an example reads, keyed by its id; run after the flush, in its runspace.
    $script:Setup = @{
        'Add-RedisSortedSetMember #5'    = { Add-RedisSortedSetMember -Key leaderboard -Mapping @{ alice = 1200; bob = 800 } }
        'Confirm-RedisStreamEntry #1'    = {
            $null = Add-RedisStreamEntry -Key jobs -Fields @{ task = 'resize' }
            $null = Invoke-RedisCommand XGROUP CREATE jobs workers 0
        }
        'Confirm-RedisStreamEntry #2'    = { $null = Invoke-RedisCommand XGROUP CREATE jobs workers 0 MKSTREAM }
        'Get-RedisHash #1'               = { Set-RedisHash -Key user:1 -Value @{ Name = 'Ann'; Email = 'ann@example.com' } }
        'Get-RedisHash #2'               = {
            Set-RedisHash -Key user:1 -Value @{ Name = 'Ann'; Email = 'ann@example.com' }
            Set-RedisHash -Key user:2 -Value @{ Name = 'Bob'; Email = 'bob@example.org' }
        }
        'Get-RedisHash #3'               = { Set-RedisHash -Key app:settings -Value @{ theme = 'dark'; retries = 3 } }
        'Copy-RedisKey #1'               = { Set-RedisValue -Key config:app -Value '{"mode":"fast"}' -Expiry 3600 }
        'Copy-RedisKey #2'               = {
            Set-RedisHash -Key user:1 -Value @{ Name = 'Ann' }
            Set-RedisValue -Key user:2 -Value Bob -Expiry 600
        }
        'Copy-RedisKey #3'               = { Set-RedisValue -Key session:1 -Value a; Set-RedisValue -Key session:2 -Value b }
        'Copy-RedisKey #4'               = { Set-RedisHash -Key user:1 -Value @{ Name = 'Ann' } }
        'Measure-RedisKey #1'            = { Set-RedisHash -Key user:1 -Value @{ Name = 'Ann' }; Set-RedisValue -Key session:1 -Value a -Expiry 600 }
        'Measure-RedisKey #2'            = { Set-RedisHash -Key user:1 -Value @{ Name = 'Ann' }; Set-RedisValue -Key user:1:name -Value Ann }
        'Measure-RedisKey #3'            = { 1..50 | ForEach-Object { Set-RedisValue -Key "cache:$_" -Value $_ } }
        'Get-RedisKey #2'                = { Set-RedisValue -Key user:1:name -Value Ann }
        'Get-RedisKey #3'                = { Set-RedisValue -Key a -Value 1; Set-RedisHash -Key h -Value @{ f = 1 } }
        'Get-RedisKey #4'                = { Set-RedisHash -Key session:1 -Value @{ user = 'ann' } }
        'Get-RedisList #1'               = { Push-RedisList -Key jobs -Value a, b }
        'Get-RedisList #2'               = { 1..20 | Push-RedisList -Key log:app }
        'Get-RedisList #3'               = { Push-RedisList -Key queue:1 -Value a, b, c, d, e, f }
        'Get-RedisSetMember #1'          = { Add-RedisSetMember -Key article:7:tags -Member redis, powershell }
        'Get-RedisSetMember #2'          = { $global:userName = 'alice'; Add-RedisSetMember -Key users:banned -Member mallory }
        'Get-RedisSetMember #3'          = { Add-RedisSetMember -Key tags:1 -Member powershell, redis }
        'Get-RedisSortedSetMember #1'    = { Add-RedisSortedSetMember -Key leaderboard -Mapping @{ alice = 1200; bob = 800 } }
        'Get-RedisSortedSetMember #2'    = { Add-RedisSortedSetMember -Key leaderboard -Mapping @{ alice = 150; bob = 200 } }
        'Get-RedisSortedSetMember #3'    = { Add-RedisSortedSetMember -Key events -Member e1 -Score 1700000000 }
        'Get-RedisSortedSetMember #4'    = { Add-RedisSortedSetMember -Key names -Mapping @{ anna = 0; bert = 0; carl = 0 } }
        'Get-RedisSortedSetMember #5'    = { Add-RedisSortedSetMember -Key board:1 -Member alice -Score 1 }
        'Get-RedisValue #1'              = { Set-RedisValue -Key greeting -Value hello }
        'Get-RedisValue #2'              = { Set-RedisValue -Key user:1:name -Value Ann }
        'Get-RedisValue #3'              = { Set-RedisValue -Key config:mode -Value fast }
        'Get-RedisValue #4'              = { Set-RedisValue -Key thumbnail:42 -Value ([byte[]](137, 80, 78, 71)) }
        'Invoke-RedisCommand #2'         = { Add-RedisSetMember -Key tags:42 -Member a, b }
        'Invoke-RedisCommand #3'         = { Set-RedisValue -Key thumbnail:42 -Value ([byte[]](137, 80, 78, 71)) }
        'Invoke-RedisPipeline #3'        = { Set-RedisValue -Key session:1 -Value x }
        'Invoke-RedisScript #2'          = { Set-RedisValue -Key session:1 -Value abc }
        'Invoke-RedisTransaction #2'     = { Set-RedisValue -Key stock:42 -Value 3 }
        'Pop-RedisList #1'               = { Push-RedisList -Key jobs -Value a }
        'Pop-RedisList #2'               = { Push-RedisList -Key jobs:high -Value a; Push-RedisList -Key jobs:low -Value b }
        'Pop-RedisList #3'               = { Push-RedisList -Key events -Value '{"a":1}', '{"a":2}' }
        'Read-RedisStream #1'            = { $null = Add-RedisStreamEntry -Key events -Fields @{ type = 'login' } }
        'Read-RedisStream #2'            = { $null = Add-RedisStreamEntry -Key events -Fields @{ type = 'login' } }
        'Read-RedisStream #4'            = { $null = Add-RedisStreamEntry -Key jobs -Fields @{ task = 'resize' } }
        'Remove-RedisHashField #1'       = { Set-RedisHash -Key user:1 -Value @{ Name = 'Ann'; Email = 'ann@example.com' } }
        'Remove-RedisHashField #2'       = { Set-RedisHash -Key session:1 -Value @{ token = 't'; csrf = 'c'; user = 'ann' } }
        'Remove-RedisHashField #3'       = { Set-RedisHash -Key user:1 -Value @{ Name = 'Ann'; Age = 42 } }
        'Remove-RedisKey #1'             = { 1..10 | ForEach-Object { Set-RedisValue -Key "cache:$_" -Value $_ } }
        'Remove-RedisKey #2'             = { Set-RedisValue -Key session:1 -Value x }
        'Remove-RedisSetMember #1'       = { Add-RedisSetMember -Key article:7:tags -Member draft, wip, redis }
        'Remove-RedisSetMember #2'       = { Add-RedisSetMember -Key users:active -Member alice, bob }
        'Remove-RedisSetMember #3'       = { Add-RedisSetMember -Key users:active -Member alice, bob; $global:gone = 'bob' }
        'Remove-RedisSortedSetMember #1' = { Add-RedisSortedSetMember -Key leaderboard -Mapping @{ alice = 1; bob = 2; carol = 3 } }
        'Remove-RedisSortedSetMember #2' = { $m = @{}; 1..150 | ForEach-Object { $m["p$_"] = $_ }; Add-RedisSortedSetMember -Key leaderboard -Mapping $m }
        'Remove-RedisSortedSetMember #3' = { Add-RedisSortedSetMember -Key events -Member old -Score 1 }
        'Remove-RedisSortedSetMember #4' = { Add-RedisSortedSetMember -Key leaderboard -Mapping @{ alice = -1; bob = 2 } }
        'Export-RedisKey #1'             = { Set-RedisHash -Key user:1 -Value @{ Name = 'Ann' }; Set-RedisValue -Key user:2:name -Value Bob }
        'Export-RedisKey #3'             = { Set-RedisHash -Key session:1 -Value @{ user = 'ann' } }
        'Import-RedisKey #1'             = { Set-RedisHash -Key user:1 -Value @{ Name = 'Ann' }; Export-RedisKey -Path users.jsonl -Force; Remove-RedisKey -Key user:1 }
        'Import-RedisKey #2'             = { Set-RedisHash -Key user:1 -Value @{ Name = 'Ann' }; Export-RedisKey -Path users.jsonl -Force }
        'Import-RedisKey #3'             = { Set-RedisHash -Key session:1 -Value @{ user = 'ann' } }
        'Rename-RedisKey #1'             = { Set-RedisValue -Key report:draft -Value text }
        'Rename-RedisKey #2'             = { Set-RedisValue -Key tmp:upload -Value bytes }
        'Set-RedisKeyExpiry #1'          = { Set-RedisValue -Key session:1 -Value x }
        'Set-RedisKeyExpiry #2'          = { Set-RedisValue -Key otp:42 -Value 123456; Set-RedisValue -Key promo -Value on }
        'Step-RedisCounter #4'           = { Set-RedisValue -Key quota:alice -Value 5 }
        'Test-RedisKey #1'               = { Set-RedisValue -Key config:ready -Value 1 }
        'Wait-RedisKey #2'               = { Set-RedisValue -Key job:42:result -Value done }
        'Push-RedisList #3'              = { $global:change = 'rename a to b' }
        'Invoke-RedisTransaction #3'     = { $global:newBody = 'body' }
        'Disconnect-Redis #2'            = { Connect-Redis -Url $env:REDIS_URL -Name reporting; Connect-Redis -Url $env:REDIS_URL -Name tmp-import }
        'README: Connect-Redis                                   # $env:REDIS_URL, else redis://localhost:6379/0' = {
            Set-RedisValue -Key report:draft -Value 'text'
        }
        'README: Step-RedisCounter -Key stats:views                   # INCRBY 1; -By 5, -By -2 or -Decrement (DECRBY), -By 0.5 (INCRBYFLOAT)' = {
            Push-RedisList -Key jobs:low -Value 'resize:7'
        }
        # The Pester story of the README needs Pester: the version running this file (its path comes through the
        # environment, which every runspace of the process shares).
        "README: Describe 'my cache clean-up script' {" = { Import-Module $env:PSREDIS_EXAMPLES_PESTER }
    }

    # Loops that wait for work forever: stopped after a few seconds, as Ctrl+C would.
    $env:PSREDIS_EXAMPLES_PESTER = (Get-Module Pester).Path
    $script:RunsUntilStopped = @('Pop-RedisList #2', 'Read-RedisStream #3', 'Watch-RedisCommand #4')

    function Invoke-Example {
        param([string] $Id, [string] $SetupKey, [string] $Code, [TimeSpan] $TimeLimit = [TimeSpan]::FromSeconds(30))
        foreach ($entry in $HostMap.GetEnumerator()) { $Code = $Code.Replace($entry.Key, $entry.Value) }
        if ($Code -match '^\s*Describe\b') {
            # A Pester example runs as Pester runs a file (a Describe run directly needs a saved file); a failed test throws.
            $Code = "`$pester = New-PesterConfiguration; `$pester.Run.Throw = `$true; `$pester.Output.Verbosity = 'None'`n" +
                "`$pester.Run.Container = New-PesterContainer -ScriptBlock {`n$Code`n}`nInvoke-Pester -Configuration `$pester"
        }
        $useTls = $Code.Contains("-Port $TlsPort") -or $Code.Contains("rediss://127.0.0.1:$TlsPort")
        $null = Invoke-RedisCommand FLUSHALL -Connection $Admin -Force
        Get-Event | Remove-Event

        $runspace = [runspacefactory]::CreateRunspace([initialsessionstate]::CreateDefault2())
        $runspace.Open()
        $ps = [powershell]::Create($runspace)
        try {
            $null = $ps.AddScript($Prelude).AddParameters(@{ Url = $Url; Password = $Password;
                Token = $Token; WorkDir = $WorkDir; UseTls = $useTls })
            $ps.Invoke()
            if ($ps.HadErrors) { throw "The prelude failed for ${Id}: $($ps.Streams.Error -join '; ')" }
            if ($Setup.ContainsKey($SetupKey)) {
                $ps.Commands.Clear()
                $null = $ps.AddScript($Setup[$SetupKey].ToString())
                $ps.Invoke()
                if ($ps.HadErrors) { throw "The set-up failed for ${Id}: $($ps.Streams.Error -join '; ')" }
            }

            $ps.Commands.Clear()
            $ps.Streams.Error.Clear()
            $null = $ps.AddScript($Code)
            $until = if ($Id -in $RunsUntilStopped) { [TimeSpan]::FromSeconds(3) } else { $TimeLimit }
            $async = $ps.BeginInvoke()
            $thrown = $null
            if ($async.AsyncWaitHandle.WaitOne($until)) {
                try { $null = $ps.EndInvoke($async) } catch { $thrown = $_.Exception.InnerException ?? $_.Exception }
            } else {
                $stopClock = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $stopClock.Stop()
                if ($Id -notin $RunsUntilStopped) { throw "$Id did not finish within $($TimeLimit.TotalSeconds) s." }
                if ($stopClock.Elapsed -gt [TimeSpan]::FromSeconds(5)) { throw "$Id took $($stopClock.Elapsed) to stop." }
            }
            $errors = @($ps.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" } | Select-Object -Unique -First 5)
            if ($thrown) { $errors += "$($thrown.GetType().Name): $($thrown.Message)" }
            if ($errors) { throw "$Id failed:`n$($errors -join "`n")`n--- code ---`n$Code" }
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }
}

AfterAll {
    $env:REDIS_URL = $SavedRedisUrl
    if ($Sentinel) { Stop-TestRedisServer ([pscustomobject]@{ Process = $Sentinel }) }
    Stop-TestRedisCluster $Cluster
    if ($TlsServer) { Stop-TestRedisServer $TlsServer }
    Get-EventSubscriber | Unregister-Event
    Complete-TestFile -Server $TestServer
    if ($WorkDir -and (Test-Path $WorkDir)) { Remove-Item $WorkDir -Recurse -Force }
}

Describe 'Examples' {
    It '<Id> runs as written' -ForEach $examples {
        if ($GarnetDifferences.ContainsKey($SetupKey)) { Skip-KnownGarnetDifference -Because $GarnetDifferences[$SetupKey] }
        Invoke-Example -Id $Id -SetupKey $SetupKey -Code $Code
    }
}
