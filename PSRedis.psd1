@{
    RootModule           = 'PSRedis.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '15156737-0f9c-4a2c-bf7d-9b746fb0dcf0'
    Author               = 'PSRedis contributors'
    CompanyName          = 'PSRedis'
    Copyright            = 'Copyright (c) PSRedis contributors'
    Description          = 'Redis for PowerShell: binary cmdlets over a compiled Redis client (RESP2/RESP3, pooling, TLS). Keys and values as pipeline objects, SCAN streaming, batching.'
    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @(
        'PSRedis.Format.ps1xml'
        'PSRedis.Collections.Format.ps1xml'
        'PSRedis.SortedSetsStreams.Format.ps1xml'
        'PSRedis.Events.Format.ps1xml'
        'PSRedis.Admin.Format.ps1xml'
    )
    TypesToProcess       = @('PSRedis.Types.ps1xml')
    CmdletsToExport      = @(
        'Connect-Redis'
        'Test-RedisConnection'
        'Get-RedisKey'
        'Get-RedisValue'
        'Set-RedisValue'
        'Disconnect-Redis'
        'Get-RedisConnection'
        'Remove-RedisKey'
        'Rename-RedisKey'
        'Copy-RedisKey'
        'Measure-RedisKey'
        'Test-RedisKey'
        'Set-RedisKeyExpiry'
        'Invoke-RedisCommand'
        'Get-RedisServerInfo'
        'Clear-RedisDatabase'
        'Invoke-RedisPipeline'
        'Invoke-RedisTransaction'
        'Step-RedisCounter'
        'Get-RedisHash'
        'Set-RedisHash'
        'Remove-RedisHashField'
        'Push-RedisList'
        'Pop-RedisList'
        'Get-RedisList'
        'Add-RedisSetMember'
        'Get-RedisSetMember'
        'Remove-RedisSetMember'
        'Add-RedisSortedSetMember'
        'Get-RedisSortedSetMember'
        'Remove-RedisSortedSetMember'
        'Add-RedisStreamEntry'
        'Read-RedisStream'
        'Confirm-RedisStreamEntry'
        'Publish-RedisMessage'
        'Register-RedisEvent'
        'Invoke-RedisScript'
        'Use-RedisLock'
        'Measure-RedisLatency'
        'Get-RedisSlowLog'
        'Clear-RedisSlowLog'
        'Get-RedisClient'
        'Stop-RedisClient'
        'Watch-RedisCommand'
        'Get-RedisConfig'
        'Set-RedisConfig'
        'Save-RedisDatabase'
        'Wait-RedisKey'
        'Export-RedisKey'
        'Import-RedisKey'
        'Start-RedisTestServer'
        'Stop-RedisTestServer'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Redis', 'Cache', 'Database', 'NoSQL', 'AzureCacheForRedis', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/PSRedis/PSRedis'
            LicenseUri   = 'https://github.com/PSRedis/PSRedis/blob/main/LICENSE'
            ReleaseNotes = @'
0.1.0
- 52 cmdlets: connections, keys, strings, hashes, lists, sets, sorted sets, streams, pub/sub events, scripts,
  locks, pipelines and transactions, and ops tools (latency, slow log, clients, config, background saves,
  waiting for a key, watching commands, keyspace copy, export, import and analysis), over a compiled client with redis-py's feature set (no dependencies).
- Start-RedisTestServer/Stop-RedisTestServer: a throwaway Redis, Garnet or Docker server for Pester tests and demos.
- Every cmdlet writes the same output inside Invoke-RedisPipeline/-Transaction as outside.
- Ctrl+C ends blocking waits within about a second; a stopped connection is never reused.
- Only Disconnect-Redis closes a connection; the most recently used one becomes the default.
- See Get-Help about_PSRedis.
'@
        }
    }
}
