using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>The built module folder, its manifest and its help, as users and Azure Automation meet them.</summary>
public sealed class ModuleTests : IDisposable
{
    internal static readonly string[] Cmdlets =
    {
        "Connect-Redis", "Test-RedisConnection", "Get-RedisKey", "Get-RedisValue", "Set-RedisValue",
        "Disconnect-Redis", "Get-RedisConnection", "Remove-RedisKey", "Rename-RedisKey", "Test-RedisKey",
        "Set-RedisKeyExpiry", "Invoke-RedisCommand", "Get-RedisServerInfo", "Clear-RedisDatabase",
        "Invoke-RedisPipeline", "Invoke-RedisTransaction",
        "Step-RedisCounter", "Get-RedisHash", "Set-RedisHash", "Remove-RedisHashField", "Push-RedisList", "Pop-RedisList",
        "Get-RedisList", "Add-RedisSetMember", "Get-RedisSetMember", "Remove-RedisSetMember",
        "Add-RedisSortedSetMember", "Get-RedisSortedSetMember", "Remove-RedisSortedSetMember",
        "Add-RedisStreamEntry", "Read-RedisStream", "Confirm-RedisStreamEntry",
        "Publish-RedisMessage", "Register-RedisEvent", "Invoke-RedisScript", "Use-RedisLock",
        "Measure-RedisLatency", "Get-RedisSlowLog", "Clear-RedisSlowLog", "Get-RedisClient", "Stop-RedisClient", "Watch-RedisCommand",
        "Get-RedisConfig", "Set-RedisConfig", "Save-RedisDatabase", "Wait-RedisKey", "Copy-RedisKey", "Measure-RedisKey",
        "Export-RedisKey", "Import-RedisKey", "Start-RedisTestServer", "Stop-RedisTestServer",
    };

    private readonly PowerShellHost _ps = new();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void ModuleFolderHoldsExactlyTheShippedFiles()
    {
        string[] files = Directory.GetFiles(PowerShellHost.ModuleFolder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(PowerShellHost.ModuleFolder, f).Replace('\\', '/'))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(new[]
        {
            "PSRedis.Admin.Format.ps1xml",
            "PSRedis.Collections.Format.ps1xml",
            "PSRedis.Events.Format.ps1xml",
            "PSRedis.Format.ps1xml",
            "PSRedis.Protocol.dll",
            "PSRedis.SortedSetsStreams.Format.ps1xml",
            "PSRedis.Types.ps1xml",
            "PSRedis.dll",
            "PSRedis.psd1",
            "en-US/PSRedis.dll-Help.xml",
            "en-US/about_PSRedis.help.txt",
        }.OrderBy(f => f, StringComparer.Ordinal), files);
    }

    [Fact]
    public void ManifestPassesTestModuleManifestAndExportsTheCmdlets()
    {
        PowerShellResult r = _ps.Run("Test-ModuleManifest -Path $M", new() { ["M"] = PowerShellHost.ModuleManifest }).ShouldSucceed();
        PSObject module = Assert.Single(r.Output);
        Assert.Equal(new Version(0, 1, 0), module.Properties["Version"].Value);
        r = _ps.Run("(Get-Command -Module PSRedis).Name").ShouldSucceed();
        Assert.Equal(Cmdlets.OrderBy(c => c), r.Output.Select(o => (string)o.BaseObject).OrderBy(c => c));
        r = _ps.Run("$m = Get-Module PSRedis; $m.CompatiblePSEditions; $m.PowerShellVersion.ToString()").ShouldSucceed();
        Assert.Equal(new object[] { "Desktop", "Core", "5.1" }, r.Output.Select(o => o.BaseObject.ToString()!));
    }

    [Fact]
    public void EveryCmdletDeclaresItsOutputType()
    {
        foreach (string cmdlet in Cmdlets)
        {
            PowerShellResult r = _ps.Run("@((Get-Command $C).OutputType).Count", new() { ["C"] = cmdlet }).ShouldSucceed();
            Assert.True((int)r.Single()! > 0, cmdlet + " has no [OutputType]");
        }
    }

    public static IEnumerable<object[]> CmdletNames() => Cmdlets.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void GetHelpFullShowsSynopsisDescriptionParametersAndExamples(string cmdlet)
    {
        PowerShellResult r = _ps.Run("""
            $h = Get-Help $C -Full
            $h.Synopsis
            ($h.Description | ForEach-Object { $_.Text }) -join "`n"
            @($h.Examples.Example).Count
            @($h.Examples.Example)[0].Code
            ($h.Parameters.Parameter | ForEach-Object { $_.Name + '=' + (($_.Description | ForEach-Object { $_.Text }) -join ' ') }) -join "`n"
            """, new() { ["C"] = cmdlet }).ShouldSucceed();
        string synopsis = (string)r.Output[0].BaseObject;
        string description = (string)r.Output[1].BaseObject;
        int examples = (int)r.Output[2].BaseObject;
        string firstExample = (string)r.Output[3].BaseObject;
        string parameters = (string)r.Output[4].BaseObject;
        Assert.False(string.IsNullOrWhiteSpace(synopsis));
        Assert.DoesNotContain(cmdlet + " [", synopsis); // the engine's fallback synopsis is the syntax line
        Assert.True(description.Length > 40, cmdlet + " description: " + description);
        Assert.True(examples >= 1);
        Assert.Contains(cmdlet, firstExample);
        // Every parameter of the cmdlet (common parameters aside) has a description.
        PowerShellResult names = _ps.Run(
            "(Get-Command $C).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters -and $_ -notin [System.Management.Automation.PSCmdlet]::OptionalCommonParameters }",
            new() { ["C"] = cmdlet }).ShouldSucceed();
        var documented = parameters.Split('\n').Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        foreach (string name in names.Output.Select(o => (string)o.BaseObject))
        {
            Assert.True(documented.TryGetValue(name, out string? text) && text.Trim().Length > 0, $"{cmdlet} -{name} has no help");
        }
    }
}
