using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Help;

/// <summary>
/// Keeps the committed MAML help in step with docs/cmdlets/*.md and with the cmdlets' real parameters.
/// After editing a page or a cmdlet, regenerate with PSREDIS_UPDATE_HELP=1 (./build.ps1 -UpdateHelp),
/// then build again so out/PSRedis gets the new file.
/// </summary>
public sealed class HelpSourceTests : IDisposable
{
    public const string UpdateVariable = "PSREDIS_UPDATE_HELP";
    private readonly PowerShellHost _ps = new();

    public void Dispose() => _ps.Dispose();

    public static string MarkdownFolder => Path.Combine(PowerShellHost.RepoRoot, "docs", "cmdlets");

    public static string MamlPath => Path.Combine(PowerShellHost.RepoRoot, "docs", "help", "en-US", "PSRedis.dll-Help.xml");

    private List<(CmdletMarkdown Doc, CmdletInfo Cmdlet)> Load()
    {
        PowerShellResult r = _ps.Run("Get-Command -Module PSRedis -CommandType Cmdlet").ShouldSucceed();
        var cmdlets = r.Output.Select(o => (CmdletInfo)o.BaseObject).ToList();
        Runspace? previous = Runspace.DefaultRunspace;
        Runspace.DefaultRunspace = _ps.Runspace; // parameter metadata is resolved through the engine
        try
        {
            var result = new List<(CmdletMarkdown, CmdletInfo)>();
            foreach (CmdletInfo cmdlet in cmdlets)
            {
                string page = Path.Combine(MarkdownFolder, cmdlet.Name + ".md");
                Assert.True(File.Exists(page), $"{cmdlet.Name} has no help page at {page}");
                _ = cmdlet.ParameterSets; // resolve while the engine is the default runspace
                result.Add((CmdletMarkdown.Load(page), cmdlet));
            }
            string[] orphans = Directory.GetFiles(MarkdownFolder, "*.md").Select(Path.GetFileNameWithoutExtension)
                .Where(n => !cmdlets.Any(c => c.Name == n)).ToArray()!;
            Assert.True(orphans.Length == 0, "Help pages for cmdlets the module does not export: " + string.Join(", ", orphans));
            return result;
        }
        finally
        {
            Runspace.DefaultRunspace = previous;
        }
    }

    [Fact]
    public void EveryCmdletHasACompletePageAndEveryParameterIsDocumented()
    {
        foreach ((CmdletMarkdown doc, CmdletInfo cmdlet) in Load())
        {
            Assert.Equal(cmdlet.Name, doc.Name);
            Assert.False(string.IsNullOrWhiteSpace(doc.Synopsis), cmdlet.Name);
            Assert.NotEmpty(doc.Description);
            Assert.NotEmpty(doc.Examples);
            Assert.All(doc.Examples, e => Assert.Contains(cmdlet.Name, e.Code));
            Assert.NotEmpty(doc.Outputs);
            var names = MamlGenerator.DocumentedParameterNames(cmdlet);
            Assert.Equal(names.OrderBy(n => n), doc.Parameters.Keys.OrderBy(n => n), StringComparer.OrdinalIgnoreCase);
            Assert.All(doc.Parameters, p => Assert.NotEmpty(p.Value));
        }
    }

    [Fact]
    public void CommittedMamlMatchesTheMarkdownAndTheCmdlets()
    {
        string generated;
        Runspace? previous = Runspace.DefaultRunspace;
        var loaded = Load();
        Runspace.DefaultRunspace = _ps.Runspace;
        try
        {
            generated = MamlGenerator.Generate(loaded);
        }
        finally
        {
            Runspace.DefaultRunspace = previous;
        }
        string committed = File.Exists(MamlPath) ? File.ReadAllText(MamlPath).Replace("\r\n", "\n") : string.Empty;
        if (committed == generated) return;
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(MamlPath)!);
            File.WriteAllText(MamlPath, generated);
            return;
        }
        Assert.Fail($"{MamlPath} is out of date with docs/cmdlets/*.md or the cmdlets' parameters. " +
            $"Regenerate it with {UpdateVariable}=1 dotnet test tests/Integration --filter FullyQualifiedName~HelpSourceTests " +
            "(or ./build.ps1 -UpdateHelp), rebuild, and commit the result.");
    }
}
