#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Start-RedisTestServer and Stop-RedisTestServer as a Pester author uses them: each engine starts, answers and
    leaves no process or folder behind; passwords are enforced and never shown; servers end with their runspace, the
    module or the process; a missing engine says what to install. Needs redis-server on PATH and garnet-server restored
    from the repository's tool manifest (dotnet tool restore).
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

    function Test-ProcessAlive([int] $Id) { $null -ne (Get-Process -Id $Id -ErrorAction SilentlyContinue) }

    # Waits (up to 10 s) for a process to be gone: ending a runspace or a process stops its servers as it goes.
    function Wait-ProcessGone([int] $Id) {
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Test-ProcessAlive $Id) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        -not (Test-ProcessAlive $Id)
    }

    function New-TestCredential([string] $Password) {
        [pscredential]::new('default', (ConvertTo-SecureString $Password -AsPlainText -Force))
    }
}

AfterAll {
    Stop-RedisTestServer -All -ErrorAction Continue
    Disconnect-Redis -All
    Remove-Module PSRedis -ErrorAction SilentlyContinue
}

Describe 'Start-RedisTestServer -Engine <Engine>' -ForEach @(@{ Engine = 'Redis' }, @{ Engine = 'Garnet' }) {
    BeforeAll { Push-Location $RepoRoot }
    AfterAll { Pop-Location }

    It 'starts a server that answers, and Stop-RedisTestServer leaves no process or folder' {
        $server = Start-RedisTestServer -Engine $Engine
        try {
            $server.Engine | Should -Be $Engine
            $server.Url | Should -Be "redis://127.0.0.1:$($server.Port)/0"
            $server.IsRunning | Should -BeTrue
            Test-ProcessAlive $server.ProcessId | Should -BeTrue
            Test-Path $server.Directory | Should -BeTrue
            $server.ServerName | Should -Be $(if ($Engine -eq 'Garnet') { 'garnet' } else { 'redis' })
            $server.Version | Should -Match '^\d+\.\d+'

            $conn = Connect-Redis -Url $server.Url -Name "ts-$Engine" -PassThru
            Set-RedisValue -Key answer -Value 42 -Connection $conn
            Get-RedisValue -Key answer -Connection $conn | Should -Be '42'
        }
        finally {
            $server | Stop-RedisTestServer
        }
        Wait-ProcessGone $server.ProcessId | Should -BeTrue
        Test-Path $server.Directory | Should -BeFalse
        $server.IsRunning | Should -BeFalse
        Test-RedisConnection -Url $server.Url -Timeout 1 -Quiet | Should -BeFalse
        Disconnect-Redis -Name "ts-$Engine"
    }

    It '-Password: the server refuses unauthenticated commands, the password never shows' {
        $secret = [guid]::NewGuid().ToString('N')
        $password = "pw-$secret `"quoted`" \back"

        $server = Start-RedisTestServer -Engine $Engine -Password $password -Verbose 4>&1 | Tee-Object -Variable verbose |
            Where-Object { $_ -is [PSRedis.RedisTestServer] }
        try {
            $server.HasPassword | Should -BeTrue
            { Connect-Redis -Url $server.Url -Name "noauth-$Engine" } | Should -Throw '*NOAUTH*'
            $conn = Connect-Redis -Url $server.Url -Credential (New-TestCredential $password) -Name "auth-$Engine" -PassThru
            Invoke-RedisCommand PING -Connection $conn | Should -Be 'PONG'

            $shown = ($verbose | Out-String) + ($server | Format-List * | Out-String) + ($server | ConvertTo-Json) + "$server"
            $shown | Should -Not -BeLike "*$secret*"
            Get-ChildItem $server.Directory -Recurse -File | Should -Not -BeNullOrEmpty # the settings file holds it, in a private folder
            if (-not $IsWindows) { (Get-Item $server.Directory).UnixMode | Should -Be 'drwx------' }
            $commandLine = Get-Content "/proc/$($server.ProcessId)/cmdline" -Raw -ErrorAction SilentlyContinue
            if ($commandLine) { $commandLine | Should -Not -BeLike "*$secret*" }
            Disconnect-Redis -Name "auth-$Engine"
        }
        finally {
            $server | Stop-RedisTestServer
        }
        Test-Path $server.Directory | Should -BeFalse
    }

    It '-Connect makes the server the default connection, and Stop-RedisTestServer closes it' {
        $server = Start-RedisTestServer -Engine $Engine -Connect
        try {
            $server.ConnectionName | Should -Not -BeNullOrEmpty
            (Get-RedisConnection | Where-Object IsDefault).Name | Should -Be $server.ConnectionName
            Set-RedisValue -Key k -Value v
            Get-RedisValue -Key k | Should -Be 'v'
        }
        finally {
            $server | Stop-RedisTestServer
        }
        Get-RedisConnection | Where-Object Name -EQ $server.ConnectionName | Should -BeNullOrEmpty
    }
}

Describe 'Several servers and stopping them' {
    It 'two servers at once get different ports, and both answer' {
        $first = Start-RedisTestServer -Engine Redis
        $second = Start-RedisTestServer -Engine Redis
        try {
            $first.Port | Should -Not -Be $second.Port
            foreach ($server in $first, $second) {
                Test-RedisConnection -Url $server.Url -Quiet | Should -BeTrue
            }
        }
        finally {
            $first, $second | Stop-RedisTestServer
        }
        Test-ProcessAlive $first.ProcessId | Should -BeFalse
        Test-ProcessAlive $second.ProcessId | Should -BeFalse
    }

    It '-WhatIf stops nothing; -Port and -All stop what this session started' {
        $a = Start-RedisTestServer -Engine Redis
        $b = Start-RedisTestServer -Engine Redis
        $c = Start-RedisTestServer -Engine Redis
        Stop-RedisTestServer -All -WhatIf
        Test-ProcessAlive $a.ProcessId | Should -BeTrue

        Stop-RedisTestServer -Port $a.Port
        Wait-ProcessGone $a.ProcessId | Should -BeTrue
        Test-ProcessAlive $b.ProcessId | Should -BeTrue

        Stop-RedisTestServer -All
        Wait-ProcessGone $b.ProcessId | Should -BeTrue
        Wait-ProcessGone $c.ProcessId | Should -BeTrue
        { $a | Stop-RedisTestServer -ErrorAction Stop } | Should -Not -Throw # stopping twice does nothing

        Stop-RedisTestServer -Port $a.Port -ErrorVariable notFound -ErrorAction SilentlyContinue
        $notFound[0].FullyQualifiedErrorId | Should -BeLike 'PSRedis.TestServerNotFound,*'
    }

    It '-Port starts on that port; a port in use is a start error that says so' {
        $first = Start-RedisTestServer -Engine Redis
        try {
            { Start-RedisTestServer -Engine Redis -Port $first.Port -Timeout 10 -ErrorAction Stop } |
                Should -Throw -ErrorId 'PSRedis.TestServerStartFailed,*' -ExpectedMessage '*in use*'
        }
        finally { $first | Stop-RedisTestServer }
        $reused = Start-RedisTestServer -Engine Redis -Port $first.Port
        try { $reused.Port | Should -Be $first.Port } finally { $reused | Stop-RedisTestServer }
    }

    It 'a server that exits at start is an error with its own output, and leaves nothing behind' {
        $before = @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'psredis-redis-*' -Directory).Count
        $failure = { Start-RedisTestServer -Engine Redis -ArgumentList '--no-such-directive', 'x' -ErrorAction Stop } |
            Should -Throw -ErrorId 'PSRedis.TestServerStartFailed,*' -PassThru
        $failure.Exception.Message | Should -BeLike '*exited before it answered*no-such-directive*'
        @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'psredis-redis-*' -Directory).Count | Should -Be $before
    }
}

Describe 'A server that does not answer' {
    BeforeAll {
        function Get-ServerFolders { @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'psredis-redis-*' -Directory).FullName }
        # --port 0 and a unix socket: redis-server runs, but PING on its TCP port never gets an answer.
        $script:Socket = Join-Path ([IO.Path]::GetTempPath()) "psredis-$([guid]::NewGuid().ToString('N').Substring(0, 8)).sock"
        $script:Silent = @('--port', '0', '--unixsocket', $Socket)
    }

    It 'exits at start: a start error with the server''s own output, at once' {
        $failure = { Start-RedisTestServer -Engine Redis -ArgumentList '--port', '0' -ErrorAction Stop } |
            Should -Throw -ErrorId 'PSRedis.TestServerStartFailed,*' -PassThru
        $failure.Exception.Message | Should -BeLike '*exited before it answered*not listen*'
    }

    It 'is a start error after -Timeout with the server''s output, and is stopped' {
        $before = Get-ServerFolders
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $failure = { Start-RedisTestServer -Engine Redis -ArgumentList $Silent -Timeout 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'PSRedis.TestServerStartFailed,*' -PassThru
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        $failure.Exception.Message | Should -BeLike '*did not answer PING*within 2 s*Ready to accept connections*'
        Get-ServerFolders | Where-Object { $_ -notin $before } | Should -BeNullOrEmpty
    }

    It 'Ctrl+C ends the wait at once and stops the server' {
        $before = Get-ServerFolders
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$ModuleManifest'; Start-RedisTestServer -Engine Redis -ArgumentList '--port', '0', '--unixsocket', '$Socket' -Timeout 60")
            $async = $ps.BeginInvoke()
            Start-Sleep -Seconds 1.5
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            $async.IsCompleted | Should -BeTrue
        }
        finally { $ps.Dispose() }
        Get-ServerFolders | Where-Object { $_ -notin $before } | Should -BeNullOrEmpty
    }
}

Describe 'Server settings' {
    It '-ArgumentList reaches the server as given, arguments with spaces included' {
        $server = Start-RedisTestServer -Engine Redis -ArgumentList '--maxmemory', '50mb', '--client-output-buffer-limit', 'pubsub 32mb 8mb 60'
        try {
            $conn = Connect-Redis -Url $server.Url -Name settings -PassThru
            (Get-RedisConfig -Name maxmemory -Connection $conn).Value | Should -Be '52428800'
            (Get-RedisConfig -Name client-output-buffer-limit -Connection $conn).Value | Should -BeLike '*pubsub 33554432 8388608 60*'
            (Get-RedisConfig -Name save -Connection $conn).Value | Should -BeNullOrEmpty
            (Get-RedisConfig -Name appendonly -Connection $conn).Value | Should -Be 'no'
            (Get-RedisConfig -Name bind -Connection $conn).Value | Should -Be '127.0.0.1'
        }
        finally {
            Disconnect-Redis -Name settings
            $server | Stop-RedisTestServer
        }
    }
}

Describe 'Start-RedisTestServer -Engine Docker, through a stand-in docker CLI' -Skip:$IsWindows {
    # No Docker engine runs here: tests/Pester/FakeDocker/docker answers as one would, running the redis-server
    # from PATH where the container would run the redis image, so the module's Docker path runs end to end.
    BeforeAll {
        $script:SavedPath = $env:PATH
        $script:FakeState = Join-Path ([IO.Path]::GetTempPath()) "psredis-fake-docker-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $env:FAKE_DOCKER_STATE = $FakeState
        $env:PATH = (Join-Path $PSScriptRoot 'FakeDocker') + [IO.Path]::PathSeparator + $env:PATH
    }
    AfterAll {
        $env:PATH = $SavedPath
        $env:FAKE_DOCKER_STATE = $null
        Remove-Item $FakeState -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'publishes the redis image on a loopback port, sets the password, and removes the container on stop' {
        $server = Start-RedisTestServer -Engine Docker -Password 'docker-only'
        try {
            $server.Engine | Should -Be 'Docker'
            $server.ContainerId | Should -Not -BeNullOrEmpty
            $server.ProcessId | Should -BeNullOrEmpty
            { Connect-Redis -Url $server.Url -Name docker-noauth } | Should -Throw '*NOAUTH*'
            $conn = Connect-Redis -Url $server.Url -Credential (New-TestCredential 'docker-only') -Name docker -PassThru
            Invoke-RedisCommand PING -Connection $conn | Should -Be 'PONG'
            Disconnect-Redis -Name docker
        }
        finally {
            $server | Stop-RedisTestServer
        }
        Test-RedisConnection -Url $server.Url -Timeout 1 -Quiet | Should -BeFalse
        $commands = Get-Content (Join-Path $FakeState 'commands.log')
        $commands | Should -Contain "run --detach --name $($server.ContainerId) --publish 127.0.0.1:$($server.Port):6379 redis redis-server --save  --appendonly no"
        $commands | Should -Contain "rm --force $($server.ContainerId)"
        ($commands -join "`n") | Should -Not -BeLike '*docker-only*' # the password went over the connection, not on a command line
    }
}

Describe 'A missing engine' {
    BeforeEach { $script:SavedPath = $env:PATH }
    AfterEach { $env:PATH = $SavedPath; Pop-Location -ErrorAction SilentlyContinue }

    It '-Engine Redis without redis-server says what to install' {
        $env:PATH = [IO.Path]::GetTempPath()
        $failure = { Start-RedisTestServer -Engine Redis -ErrorAction Stop } |
            Should -Throw -ErrorId 'PSRedis.TestServerEngineNotFound,*' -PassThru
        $failure.Exception.Message | Should -BeLike '*redis-server is not on PATH*'
        $failure.Exception.Message | Should -BeLike '*apt-get install redis-server*'
    }

    It '-Engine Garnet outside any tool manifest says how to install the dotnet tool' {
        $env:PATH = [IO.Path]::GetTempPath()
        Push-Location ([IO.Path]::GetTempPath())
        if (Test-Path (Join-Path $HOME '.dotnet/tools/garnet-server')) { Set-ItResult -Skipped -Because 'garnet-server is installed as a global tool here' }
        $failure = { Start-RedisTestServer -Engine Garnet -ErrorAction Stop } |
            Should -Throw -ErrorId 'PSRedis.TestServerEngineNotFound,*' -PassThru
        $failure.Exception.Message | Should -BeLike '*dotnet tool install --global garnet-server*'
    }

    It '-Engine Auto with nothing installed names all three engines' {
        $env:PATH = [IO.Path]::GetTempPath()
        Push-Location ([IO.Path]::GetTempPath())
        if (Test-Path (Join-Path $HOME '.dotnet/tools/garnet-server')) { Set-ItResult -Skipped -Because 'garnet-server is installed as a global tool here' }
        $failure = { Start-RedisTestServer -ErrorAction Stop } | Should -Throw -ErrorId 'PSRedis.TestServerEngineNotFound,*' -PassThru
        $failure.Exception.Message | Should -BeLike '*redis-server*garnet-server*docker*'
    }

    It '-Engine Auto takes Garnet when redis-server is missing' {
        $env:PATH = [IO.Path]::GetTempPath()
        Push-Location $RepoRoot
        $server = Start-RedisTestServer
        try { $server.Engine | Should -Be 'Garnet' } finally { $server | Stop-RedisTestServer }
    }
}

Describe 'Servers outlive neither their runspace, the module nor the process' {
    It 'closing the runspace without Stop-RedisTestServer ends the server' {
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $server = $ps.AddScript("Import-Module '$ModuleManifest'; Start-RedisTestServer -Engine Redis").Invoke()[0]
            Test-ProcessAlive $server.ProcessId | Should -BeTrue
        }
        finally {
            $ps.Dispose()
            $runspace.Close()
            $runspace.Dispose()
        }
        Wait-ProcessGone $server.ProcessId | Should -BeTrue
        Test-Path $server.Directory | Should -BeFalse
    }

    It 'Remove-Module PSRedis ends the servers of this session' {
        $server = Start-RedisTestServer -Engine Redis
        Remove-Module PSRedis
        try {
            Wait-ProcessGone $server.ProcessId | Should -BeTrue
            Test-Path $server.Directory | Should -BeFalse
        }
        finally { Import-Module $ModuleManifest -Force -Global }
    }

    It 'the end of the PowerShell process ends its servers' {
        $pwshCommand = (Get-Process -Id $PID).Path
        $arguments = @(if ((Split-Path $pwshCommand -Leaf) -like 'dotnet*') { [Environment]::GetCommandLineArgs()[0] }) +
            @('-NoProfile', '-Command', "Import-Module '$ModuleManifest'; (Start-RedisTestServer -Engine Redis).ProcessId")
        $childPid = [int](& $pwshCommand @arguments | Select-Object -Last 1)
        $childPid | Should -BeGreaterThan 0
        Wait-ProcessGone $childPid | Should -BeTrue
    }
}
