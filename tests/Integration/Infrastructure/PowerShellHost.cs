using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using Xunit;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>What one script run produced: output, the error stream, the terminating error that ended it (as try/catch sees it), verbose and warning lines.</summary>
public sealed record PowerShellResult(
    Collection<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    ErrorRecord? TerminatingError,
    IReadOnlyList<string> Verbose,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Every error: the error stream, then the terminating one.</summary>
    public IReadOnlyList<ErrorRecord> AllErrors =>
        TerminatingError is null ? Errors : Errors.Append(TerminatingError).ToList();

    /// <summary>Fails with the error text when the script reported any error.</summary>
    public PowerShellResult ShouldSucceed()
    {
        if (AllErrors.Count > 0)
        {
            throw new Xunit.Sdk.XunitException("The script reported errors:\n" + string.Join("\n", AllErrors.Select(e =>
                $"{e.FullyQualifiedErrorId} [{e.CategoryInfo.Category}]: {e}")));
        }
        return this;
    }

    public object? Single() => Assert.Single(Output)?.BaseObject;
}

/// <summary>
/// A hosted PowerShell engine (the System.Management.Automation package) with the built module imported from
/// out/PSRedis/PSRedis.psd1, exactly as users import it. One runspace per instance; dispose it to close the
/// runspace (which also closes the module's connections of that runspace).
/// </summary>
public sealed class PowerShellHost : IDisposable
{
    private const string CaughtVariable = "__PSRedisTestCaught";
    private static readonly Lazy<string> s_repoRoot = new(FindRepoRoot);
    private readonly Runspace _runspace;

    public PowerShellHost(bool importModule = true)
    {
        // Before any runspace exists: the engine writes its caches under XDG_* folders.
        TestEnvironment.Isolate();
        InitialSessionState state = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
        if (importModule)
        {
            Run("Import-Module -Name $ModulePath -ErrorAction Stop", new Dictionary<string, object?> { ["ModulePath"] = ModuleManifest })
                .ShouldSucceed();
        }
    }

    public static string RepoRoot => s_repoRoot.Value;

    public static string ModuleFolder => Path.Combine(RepoRoot, "out", "PSRedis");

    public static string ModuleManifest => Path.Combine(ModuleFolder, "PSRedis.psd1");

    public Runspace Runspace => _runspace;

    /// <summary>Runs <paramref name="script"/> with <paramref name="variables"/> set first; never throws for script errors: the first
    /// terminating error ends the script and lands in <see cref="PowerShellResult.TerminatingError"/>.</summary>
    public PowerShellResult Run(string script, Dictionary<string, object?>? variables = null)
    {
        if (variables is not null)
        {
            foreach (KeyValuePair<string, object?> pair in variables)
            {
                _runspace.SessionStateProxy.SetVariable(pair.Key, pair.Value);
            }
        }
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = _runspace;
        // A terminating error from a cmdlet ends only its statement, so the script would go on; the try/catch
        // stops at the first one and keeps it apart from the non-terminating errors of the error stream.
        _runspace.SessionStateProxy.SetVariable(CaughtVariable, null);
        ps.AddScript("try {\n" + script + "\n} catch { $global:" + CaughtVariable + " = $_ }");
        Collection<PSObject> output;
        ErrorRecord? terminating;
        try
        {
            output = ps.Invoke();
            terminating = _runspace.SessionStateProxy.GetVariable(CaughtVariable) as ErrorRecord;
        }
        catch (RuntimeException e)
        {
            output = new Collection<PSObject>();
            terminating = e.ErrorRecord;
        }
        return new PowerShellResult(
            output,
            ps.Streams.Error.ToList(),
            terminating,
            ps.Streams.Verbose.Select(v => v.Message).ToList(),
            ps.Streams.Warning.Select(w => w.Message).ToList());
    }

    /// <summary>
    /// Starts <paramref name="script"/>, checks it is still running after <paramref name="runFor"/>, then stops it as
    /// Ctrl+C does and asserts it stopped within 5 s. BeginStop rather than Stop: a script that ignores the stop must
    /// fail the test, not hang it.
    /// </summary>
    public void AssertStopsWhileRunning(string script, TimeSpan runFor)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        IAsyncResult running = ps.BeginInvoke();
        Thread.Sleep(runFor);
        Assert.False(running.IsCompleted, "the script should still be running: " + script);
        IAsyncResult stopping = ps.BeginStop(null, null);
        Assert.True(stopping.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5)), "the pipeline did not stop within 5 s: " + script);
        ps.EndStop(stopping);
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        // PowerShell's stop thread may still be inside PipelineProcessor.Stop when the stop is reported; disposing the
        // PowerShell under it crashes the test process (ObjectDisposedException on that thread). Let it finish.
        Thread.Sleep(50);
    }

    public void Dispose() => _runspace.Dispose();

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PSRedis.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find the repository root (PSRedis.slnx) above " + AppContext.BaseDirectory);
    }
}
