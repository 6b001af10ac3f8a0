#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    TLS as a PowerShell user meets it (Pester 5, real pwsh): a private certificate authority named in the URL,
    the warning of -SkipCertificateCheck, and errors that say what to change when TLS fails.
    Always a redis-server of its own (plain and TLS ports), with a CA and server certificate made here.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ModuleManifest = Import-PSRedisUnderTest
    $script:WorkDir = Join-Path ([IO.Path]::GetTempPath()) ("psredis-tls-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $WorkDir

    # A private CA, and a server certificate it signs for 127.0.0.1 only (so "localhost" is a name mismatch).
    $caKey = [Security.Cryptography.RSA]::Create(2048)
    $caRequest = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=PSRedis Pester CA', $caKey,
        [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $caRequest.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
    $ca = $caRequest.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-2), [DateTimeOffset]::UtcNow.AddDays(30))
    $serverKey = [Security.Cryptography.RSA]::Create(2048)
    $serverRequest = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=127.0.0.1', $serverKey,
        [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $san = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
    $san.AddIpAddress([Net.IPAddress]::Loopback)
    $serverRequest.CertificateExtensions.Add($san.Build())
    $serial = [byte[]](1..16 | ForEach-Object { Get-Random -Maximum 128 })
    $server = $serverRequest.Create($ca, [DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(10), $serial)
    $script:CaFile = Join-Path $WorkDir 'ca.pem'
    Set-Content -Path $CaFile -Value $ca.ExportCertificatePem()
    Set-Content -Path (Join-Path $WorkDir 'server.crt') -Value $server.ExportCertificatePem()
    Set-Content -Path (Join-Path $WorkDir 'server.key') -Value $serverKey.ExportPkcs8PrivateKeyPem()

    $script:TlsPort = Get-FreeTcpPort
    if ($IsGarnet) {
        # Garnet serves TLS on a port of its own (no --tls-port beside the plain one): a second Garnet, TLS only.
        $script:TestServer = Start-TestRedisServer -Tag tls -Private
        $script:TlsServer = Start-TestGarnetTlsServer -Tag tls -Port $TlsPort -Directory $WorkDir -Certificate ([Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($server, $serverKey))
    }
    else {
        $script:TestServer = Start-TestRedisServer -Tag tls -Private -ArgumentList @('--tls-port', $TlsPort,
            '--tls-cert-file', (Join-Path $WorkDir 'server.crt'), '--tls-key-file', (Join-Path $WorkDir 'server.key'), '--tls-auth-clients', 'no')
    }
    $script:PlainPort = ([uri]$TestServer.Url).Port
    $script:Trusted = "rediss://127.0.0.1:$TlsPort/0?ssl_ca_certs=$([uri]::EscapeDataString($CaFile))"
}

AfterAll {
    try {
        if ($TlsServer) { Stop-TestRedisServer $TlsServer }
        Complete-TestFile -Server $TestServer
    }
    finally { Remove-Item -Recurse -Force $WorkDir -ErrorAction SilentlyContinue }
}

Describe 'A private certificate authority' {
    It 'connects when the URL names the CA, without a warning' {
        $conn = Connect-Redis -Url $Trusted -Name tls-trusted -PassThru -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        $conn.UseTls | Should -BeTrue
        Set-RedisValue -Key tls:greeting -Value 'over TLS' -Connection $conn
        Get-RedisValue -Key tls:greeting -Connection $conn | Should -Be 'over TLS'
    }
}

Describe '-SkipCertificateCheck' {
    It 'warns once, when the connection is made, and not on every command' {
        $output = & {
            Connect-Redis -Url "rediss://127.0.0.1:$TlsPort" -SkipCertificateCheck -Name tls-unchecked
            Connect-Redis -Url "rediss://127.0.0.1:$TlsPort" -SkipCertificateCheck -Name tls-unchecked
            Set-RedisValue -Key tls:k -Value v
            Get-RedisValue -Key tls:k
        } 3>&1
        $warnings = @($output | Where-Object { $_ -is [Management.Automation.WarningRecord] })
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -BeLike "*'tls-unchecked'*without checking the server's certificate*ssl_ca_certs*"
        $output | Where-Object { $_ -isnot [Management.Automation.WarningRecord] } | Should -Be 'v'
    }

    It 'can be silenced the PowerShell way' {
        Disconnect-Redis -All
        { Connect-Redis -Url "rediss://127.0.0.1:$TlsPort" -SkipCertificateCheck -WarningAction Stop } | Should -Throw
        Connect-Redis -Url "rediss://127.0.0.1:$TlsPort" -SkipCertificateCheck -WarningAction SilentlyContinue -WarningVariable quiet
        @($quiet).Count | Should -Be 1
    }
}

Describe 'TLS failures say what to change' {
    It 'names the CA file when the authority is not trusted' {
        $err = { Connect-Redis -Url "rediss://127.0.0.1:$TlsPort" -Name tls-untrusted } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*not issued by a certification authority this machine trusts*ssl_ca_certs=*'
    }

    It 'names both names when the certificate is for another host' {
        $url = "rediss://localhost:$TlsPort/0?ssl_ca_certs=$([uri]::EscapeDataString($CaFile))"
        $err = { Connect-Redis -Url $url -Name tls-mismatch } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike "*does not name the host 'localhost'*"
    }

    It 'asks "Is this a TLS port?" for redis:// to a TLS port' {
        $err = { Connect-Redis -Url "redis://127.0.0.1:$TlsPort" -Timeout 3 } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*Is this a TLS port? If so, use rediss://*'
    }

    It 'asks "Is this a TLS port?" for -UseTls to a plain port' {
        $err = { Connect-Redis -HostName 127.0.0.1 -Port $PlainPort -UseTls -Timeout 2 } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*Is this a TLS port?*use redis://*'
    }
}
