<#
    Shared set-up for the PSRedis Pester suites; dot-source it in BeforeAll and end the file with Complete-TestFile:
        BeforeAll { . (Join-Path $PSScriptRoot 'TestServer.ps1'); $script:TestServer = Start-TestRedisServer -Tag x; ... }
        AfterAll  { Complete-TestFile -Server $TestServer -Connection $Conn -Prefix $Prefix }
    It imports the built module from out/PSRedis and finds a server: $env:REDIS_TEST_URL when set, else a
    throwaway server from the module's Start-RedisTestServer ($env:PSREDIS_TEST_ENGINE: Redis, the default, or
    Garnet), stopped by Complete-TestFile whatever else fails there.
    Every server started here is also listed in $global:PSRedisTestServers, so the suite runner
    (Invoke-PesterSuite.ps1) can end any that a broken AfterAll left behind, and report it.
#>

. (Join-Path $PSScriptRoot 'ServerEngine.ps1')

if (-not (Test-Path Variable:global:PSRedisTestServers)) {
    $global:PSRedisTestServers = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
}

function Get-FreeTcpPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# Imports out/PSRedis/PSRedis.psd1 and returns its path.
function Import-PSRedisUnderTest {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $manifest = Join-Path $repoRoot 'out/PSRedis/PSRedis.psd1'
    if (-not (Test-Path $manifest)) { throw "Build the module first: $manifest is missing." }
    Import-Module $manifest -Force -Global
    $manifest
}

# Returns @{ Url; Process; Server } where Process and Server are $null when $env:REDIS_TEST_URL names the server.
# The server comes from the module's own Start-RedisTestServer (so the suites exercise it daily), with the engine
# $env:PSREDIS_TEST_ENGINE names (Redis by default; CI runs the suites a second time with Garnet). Url carries the password.
# -Private always starts a server (for tests that flush, or need -Password or other -ArgumentList settings).
# -Port starts it on that port (implies -Private), e.g. the port of a server just stopped, to play a restart.
function Start-TestRedisServer {
    param([Parameter(Mandatory)] [string] $Tag, [string[]] $ArgumentList = @(), [string] $Password, [switch] $Private, [int] $Port)
    if ($env:REDIS_TEST_URL -and -not $Private -and -not $Port) {
        return [pscustomobject]@{ Url = $env:REDIS_TEST_URL; Process = $null; Server = $null }
    }
    $options = @{ Engine = $script:TestEngine; ArgumentList = $ArgumentList }
    if ($Port) { $options.Port = $Port }
    if ($Password) { $options.Password = $Password }
    # From the repository root, where the tool manifest that lists garnet-server is.
    Push-Location (Join-Path $PSScriptRoot '../..')
    try { $server = Start-RedisTestServer @options -ErrorAction Stop }
    finally { Pop-Location }
    $process = Get-Process -Id $server.ProcessId
    $global:PSRedisTestServers.Add($process)
    $url = if ($Password) { "redis://:$([uri]::EscapeDataString($Password))@127.0.0.1:$($server.Port)/0" } else { $server.Url }
    [pscustomobject]@{ Url = $url; Process = $process; Server = $server }
}

function Stop-TestRedisServer {
    param($Server)
    if (-not $Server.Process) { return }
    if ($Server.Server) { $Server.Server | Stop-RedisTestServer }
    elseif (-not $Server.Process.HasExited) { Stop-Process -Id $Server.Process.Id -Force -ErrorAction SilentlyContinue }
    $null = $global:PSRedisTestServers.Remove($Server.Process)
}

# A free cluster port: a Redis cluster node also listens on port + 10000 (its bus), so both must be free, and the port
# at most 55535. Ports outside the OS's ephemeral range (Linux: 32768-60999) are preferred, where no outgoing
# connection (the cluster's own bus links included) can take them meanwhile: 20000-22767 with buses at 30000-32767.
function Get-FreeClusterPort {
    param([int[]] $Exclude = @())
    $low = 20000; $high = 45000
    $rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'
    $ephemeralLow = if (Test-Path $rangeFile) { [int](((Get-Content $rangeFile -Raw).Trim() -split '\s+')[0]) } else { 49152 }
    if ($ephemeralLow - 1 - 10000 - $low -ge 500) { $high = [Math]::Min($high, $ephemeralLow - 1 - 10000) }
    for ($try = 0; $try -lt 2000; $try++) {
        $port = Get-Random -Minimum $low -Maximum ($high + 1)
        if ($Exclude -contains $port -or $Exclude -contains ($port + 10000) -or $Exclude -contains ($port - 10000)) { continue }
        $free = $true
        foreach ($candidate in $port, ($port + 10000)) {
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, $candidate)
            try { $listener.Start() } catch { $free = $false } finally { $listener.Stop() }
        }
        if ($free) { return $port }
    }
    throw "No free port pair (port, port + 10000) in $low-$high."
}

# redis-cli with the cluster's password (from the environment, so it neither warns nor shows in ps); its output
# (stdout and stderr) as one text without colour codes. Arguments as one array: "-p" would bind to -Password.
function Invoke-TestRedisCli {
    param([string] $Password, [string[]] $Arguments)
    $saved = $env:REDISCLI_AUTH
    try {
        $env:REDISCLI_AUTH = if ($Password) { $Password } else { $null }
        (& redis-cli @Arguments 2>&1 | ForEach-Object { "$_" }) -join "`n" -replace "`e\[[0-9;]*m", ''
    }
    finally { $env:REDISCLI_AUTH = $saved }
}

# redis-cli on every port at once (one process each, in parallel: starting a process is the slow part), with
# $Commands on its stdin; returns a hashtable port -> the reply text of each command (an ECHOed marker separates them;
# a node that does not answer gives fewer replies, and its error text).
function Invoke-TestRedisCliEach {
    param([string] $Password, [int[]] $Ports, [string[]] $Commands)
    $marker = 'psredis-reply-end-8c1f'
    $stdinText = (@($Commands | ForEach-Object { $_; "echo $marker" }) -join "`n") + "`n"
    $running = foreach ($port in $Ports) {
        $start = [Diagnostics.ProcessStartInfo]::new('redis-cli')
        $start.ArgumentList.Add('-p'); $start.ArgumentList.Add([string]$port)
        $start.UseShellExecute = $false
        $start.RedirectStandardInput = $true; $start.RedirectStandardOutput = $true; $start.RedirectStandardError = $true
        if ($Password) { $start.Environment['REDISCLI_AUTH'] = $Password }
        $process = [Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        try { $process.StandardInput.Write($stdinText); $process.StandardInput.Close() } catch [IO.IOException] { } # exited already
        [pscustomobject]@{ Port = $port; Process = $process; Stdout = $stdout; Stderr = $stderr }
    }
    $replies = @{}
    foreach ($run in $running) {
        if (-not $run.Process.WaitForExit(10000)) { $run.Process.Kill() }
        $run.Process.WaitForExit()
        $text = ($run.Stdout.GetAwaiter().GetResult() + $run.Stderr.GetAwaiter().GetResult()) -replace "`r", ''
        $replies[$run.Port] = @($text -split "(?m)^$marker\n?")
        $run.Process.Dispose()
    }
    $replies
}

# What is not ready yet in a new cluster, or $null when every node reports cluster_state:ok, every node sees the same
# nodes in the same roles with the same slots (all 16384 covered), every node's CLUSTER SLOTS lists every node (Redis
# 7.0 leaves out a replica that has not yet received anything from its primary), and every replica's link is up.
# redis-cli only: Connect-Redis detects clusters, and this must not depend on the module under test.
function Get-TestRedisClusterProblem {
    param($Cluster, [int] $Primaries)
    $replies = Invoke-TestRedisCliEach $Cluster.Password $Cluster.Ports @('cluster info', 'cluster nodes', 'cluster slots', 'info replication')
    $views = [ordered]@{}
    foreach ($port in $Cluster.Ports) {
        $reply = $replies[$port]
        $info = [string]$reply[0]; $nodes = [string]$reply[1]; $slotsReply = [string]$reply[2]; $replication = [string]$reply[3]
        if ($info -notmatch 'cluster_state:ok') { return "node $port is not ok yet: $(($info -split "`n")[0])" }
        $lines = @($nodes -split "`n" | Where-Object { $_.Trim() })
        if ($lines.Count -ne $Cluster.Ports.Count) { return "node $port knows $($lines.Count) of $($Cluster.Ports.Count) nodes" }
        $portOf = @{}
        foreach ($line in $lines) { $f = $line.Trim() -split ' '; $portOf[$f[0]] = (($f[1] -split '@')[0] -split ':')[-1] }
        $view = [Collections.Generic.List[string]]::new()
        foreach ($line in $lines) {
            $f = $line.Trim() -split ' '
            $flags = @($f[2] -split ',' | Where-Object { $_ -ne 'myself' }) -join ','
            if ($flags -match 'fail|handshake|noaddr') { return "node $port sees node $($portOf[$f[0]]) as $flags" }
            $primary = if ($f[3] -eq '-') { '-' } else { $portOf[$f[3]] }
            $slots = @($f | Select-Object -Skip 8 | Where-Object { $_ -notlike '`[*' })
            $view.Add((@($portOf[$f[0]], $flags, $primary) + $slots) -join ' ')
        }
        $views[[string]$port] = ($view | Sort-Object) -join '; '
        $unlisted = @($portOf.Keys | Where-Object { $slotsReply -notmatch $_ })
        if ($unlisted.Count) { return "CLUSTER SLOTS of node $port does not list node(s) $(@($unlisted | ForEach-Object { $portOf[$_] }) -join ', ') yet" }
        if ($replication -match 'role:slave' -and $replication -notmatch 'master_link_status:up') { return "replica $port has no link to its primary yet" }
    }
    $distinct = @($views.Values | Sort-Object -Unique)
    if ($distinct.Count -ne 1) { return "nodes disagree: $(@($views.Keys | ForEach-Object { "$_ sees [$($views[$_])]" }) -join ' / ')" }
    $masters = @($distinct[0] -split '; ' | Where-Object { $f = $_ -split ' '; $f[1] -eq 'master' -and $f.Count -gt 3 })
    if ($masters.Count -ne $Primaries) { return "$($masters.Count) primaries serve slots, expected $Primaries" }
    $covered = 0
    foreach ($master in $masters) {
        foreach ($range in ($master -split ' ' | Select-Object -Skip 3)) {
            $bounds = $range -split '-'
            $covered += if ($bounds.Count -eq 2) { [int]$bounds[1] - [int]$bounds[0] + 1 } else { 1 }
        }
    }
    if ($covered -ne 16384) { return "$covered of 16384 slots are covered" }
    $null
}

<#
    A Redis Cluster of throwaway redis-server processes on loopback (3 primaries with a replica each by default), joined
    with redis-cli --cluster create; returns once every node agrees and every replica is in sync:
        [pscustomobject]@{ Url; Urls; Processes; Ports; Directory; Password; StartupPhases }
    Url is the first node's redis://127.0.0.1:port/0 (with the password when -Password is given), Urls every node's;
    Ports and Processes are in the same order. Each node works in its own folder under Directory (its nodes.conf and
    redis.log). Every process is listed in $global:PSRedisTestServers; Stop-TestRedisCluster ends them and removes
    Directory. A failed start stops what it started.
#>
function Start-TestRedisCluster {
    param(
        [Parameter(Mandatory)] [string] $Tag,
        [ValidateRange(3, 100)] [int] $Primaries = 3,
        [ValidateRange(0, 10)] [int] $ReplicasPerPrimary = 1,
        [string[]] $ArgumentList = @(),
        [string] $Password,
        [timespan] $Timeout = [timespan]::FromSeconds(30)
    )
    $redisServer = Get-Command redis-server -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $redisServer -or -not (Get-Command redis-cli -CommandType Application -ErrorAction SilentlyContinue)) {
        throw 'A test cluster needs redis-server and redis-cli on PATH (apt-get install redis-server redis-tools).'
    }
    $total = $Primaries * (1 + $ReplicasPerPrimary)
    $root = Join-Path ([IO.Path]::GetTempPath()) "psredis-pester-cluster-$Tag-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $null = New-Item -ItemType Directory -Path $root
    $cluster = [pscustomobject]@{
        Url = $null; Urls = @(); Ports = [Collections.Generic.List[int]]::new()
        Processes = [Collections.Generic.List[Diagnostics.Process]]::new(); Directory = $root; Password = $Password
        StartupPhases = ''
    }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $nodeArguments = @('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000',
        # Replicas sync at once; and their primaries ping them every second, which is what makes Redis 7.0 list
        # them in CLUSTER SLOTS on an idle cluster (a replica with replication offset 0 is left out, up to 10 s).
        '--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '1')
    if ($Password) { $nodeArguments += @('--requirepass', $Password, '--masterauth', $Password) }
    $nodeArguments += $ArgumentList

    function Start-Node([int] $Index) {
        $port = Get-FreeClusterPort -Exclude $cluster.Ports
        $dir = Join-Path $root $port
        $null = New-Item -ItemType Directory -Path $dir -Force
        $start = [Diagnostics.ProcessStartInfo]::new($redisServer.Source)
        $start.UseShellExecute = $false
        $start.WorkingDirectory = $dir
        foreach ($argument in @('--port', $port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no',
                '--dir', $dir, '--logfile', (Join-Path $dir 'redis.log')) + $nodeArguments) {
            $start.ArgumentList.Add([string]$argument)
        }
        $process = [Diagnostics.Process]::Start($start)
        $global:PSRedisTestServers.Add($process)
        if ($Index -lt $cluster.Ports.Count) { $cluster.Ports[$Index] = $port; $cluster.Processes[$Index] = $process }
        else { $cluster.Ports.Add($port); $cluster.Processes.Add($process) }
    }

    try {
        for ($i = 0; $i -lt $total; $i++) { Start-Node $i }
        # Every node answers PING; one that lost its port (or bus port) to another process meanwhile starts again elsewhere.
        $deadline = [DateTime]::UtcNow + $Timeout
        $restarts = 0
        while ($true) {
            $pings = Invoke-TestRedisCliEach $Password $cluster.Ports @('ping')
            $waiting = @(for ($i = 0; $i -lt $total; $i++) { if ($pings[$cluster.Ports[$i]][0] -notmatch '^PONG') { $i } })
            if (-not $waiting.Count) { break }
            foreach ($i in $waiting) {
                $process = $cluster.Processes[$i]
                if (-not $process.HasExited) { continue }
                $log = Get-Content (Join-Path $root "$($cluster.Ports[$i])/redis.log") -Raw -ErrorAction SilentlyContinue
                if ($log -notmatch 'Address already in use' -or $restarts++ -ge 5) {
                    throw "Cluster node on port $($cluster.Ports[$i]) exited with $($process.ExitCode): $log"
                }
                $null = $global:PSRedisTestServers.Remove($process)
                Start-Node $i
            }
            if ([DateTime]::UtcNow -gt $deadline) { throw "Cluster node(s) on port(s) $(@($waiting | ForEach-Object { $cluster.Ports[$_] }) -join ', ') did not answer PING." }
            Start-Sleep -Milliseconds 20
        }

        $processesReady = $clock.Elapsed
        $seeds = @($cluster.Ports | ForEach-Object { "127.0.0.1:$_" })
        $created = Invoke-TestRedisCli $Password (@('--cluster', 'create') + $seeds + @('--cluster-replicas', $ReplicasPerPrimary, '--cluster-yes'))
        if ($LASTEXITCODE -ne 0 -or $created -notmatch 'All 16384 slots covered') {
            throw "redis-cli --cluster create failed ($LASTEXITCODE): $created"
        }
        $createdAt = $clock.Elapsed
        while ($problem = Get-TestRedisClusterProblem -Cluster $cluster -Primaries $Primaries) {
            if ([DateTime]::UtcNow -gt $deadline) {
                $logs = foreach ($port in $cluster.Ports) { "--- node $port ---"; Get-Content (Join-Path $root "$port/redis.log") -Tail 20 -ErrorAction SilentlyContinue }
                throw "The test cluster was not ready within $($Timeout.TotalSeconds) s: $problem`n$($logs -join "`n")"
            }
            Start-Sleep -Milliseconds 50
        }
    }
    catch {
        Stop-TestRedisCluster $cluster
        throw
    }
    $auth = if ($Password) { ":$([uri]::EscapeDataString($Password))@" } else { '' }
    $cluster.Urls = @($cluster.Ports | ForEach-Object { "redis://${auth}127.0.0.1:$_/0" })
    $cluster.Url = $cluster.Urls[0]
    $cluster.StartupPhases = 'processes {0:0} ms, create {1:0} ms, agreement {2:0} ms' -f $processesReady.TotalMilliseconds,
        ($createdAt - $processesReady).TotalMilliseconds, ($clock.Elapsed - $createdAt).TotalMilliseconds
    $cluster
}

# Kills every node of a Start-TestRedisCluster cluster (by PID) and removes its folder with the nodes' logs; each step
# runs even when another fails, and the failures are reported together.
function Stop-TestRedisCluster {
    param($Cluster)
    if (-not $Cluster) { return }
    $failures = [Collections.Generic.List[string]]::new()
    foreach ($process in @($Cluster.Processes)) {
        try {
            if (-not $process.HasExited) {
                $process.Kill()
                if (-not $process.WaitForExit(10000)) { $failures.Add("redis-server pid $($process.Id) did not exit within 10 s.") }
            }
            $null = $global:PSRedisTestServers.Remove($process)
        }
        catch { $failures.Add("pid $($process.Id): $_") }
    }
    try {
        if ($Cluster.Directory -and (Test-Path $Cluster.Directory)) { Remove-Item -LiteralPath $Cluster.Directory -Recurse -Force }
    }
    catch { $failures.Add("removing $($Cluster.Directory): $_") }
    if ($failures.Count) { throw "Stopping the test cluster failed: $($failures -join ' ')" }
}

# The end of every suite: remove its keys (on a shared server), close its connections, stop its server and unload
# the module. The server is stopped even when the clean-up before it fails.
function Complete-TestFile {
    param($Server, $Connection, [string] $Prefix)
    try {
        if ($Server -and -not $Server.Process -and $Connection -and -not $Connection.IsClosed -and $Prefix) {
            Get-RedisKey -Match "$Prefix*" -Connection $Connection | Remove-RedisKey -Force
        }
        Disconnect-Redis -All
    }
    finally {
        if ($Server) { Stop-TestRedisServer $Server }
        Remove-Module PSRedis -ErrorAction SilentlyContinue
    }
}
