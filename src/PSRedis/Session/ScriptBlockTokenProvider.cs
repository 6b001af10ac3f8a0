using System;
using System.Threading;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Security;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// Connect-Redis -AccessToken { ... }: runs the script block for a token when a connection is made and again
    /// before the token expires. The client asks from whichever thread needs a connection (the SCAN prefetcher, the
    /// pub/sub reader, ForEach-Object -Parallel), and a ScriptBlock must not run on a foreign thread while its own
    /// runspace is busy, so the block's text runs in a runspace of its own: opened at the first call, reused, closed
    /// with the connection. The variables and the script functions the block uses are copied in with the values they
    /// had at Connect-Redis time; commands from modules load there by module autoloading.
    /// </summary>
    internal sealed class ScriptBlockTokenProvider : ICredentialProvider, IDisposable
    {
        /// <summary>A block that has not returned after this long is stopped and counts as failed.</summary>
        internal static readonly TimeSpan InvokeTimeout = TimeSpan.FromSeconds(60);
        private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

        // Automatic variables: the private runspace has its own, and copying the caller's would be wrong or impossible.
        private static readonly HashSet<string> s_automatic = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "_", "PSItem", "args", "input", "this", "null", "true", "false", "ExecutionContext", "Host", "PSBoundParameters",
            "MyInvocation", "PSCmdlet", "PSScriptRoot", "PSCommandPath", "?", "^", "$", "Error", "Matches", "LASTEXITCODE",
            "foreach", "switch", "StackTrace", "PID", "PSHOME", "HOME", "ShellId", "PSVersionTable", "PSCulture",
            "PSUICulture", "PSEdition", "IsWindows", "IsLinux", "IsMacOS", "IsCoreCLR", "PWD", "Sender", "EventArgs",
            "Event", "EventSubscriber", "PSSenderInfo", "NestedPromptLevel", "ConsoleFileName",
        };

        private readonly string _script;
        private readonly string? _username;
        private readonly TimeSpan? _lifetime;
        private readonly InitialSessionState _state;
        private readonly object _gate = new object();
        private Runspace? _runspace;
        private bool _disposed;

        private ScriptBlockTokenProvider(string script, string? username, TimeSpan? lifetime, InitialSessionState state)
        {
            _script = script;
            _username = username;
            _lifetime = lifetime;
            _state = state;
        }

        /// <summary>Captures, now, what the block needs from the caller's session.</summary>
        internal static ScriptBlockTokenProvider Create(ScriptBlock block, SessionState caller, string? username, TimeSpan? lifetime)
        {
            InitialSessionState state = InitialSessionState.CreateDefault2();
            // The block must not gain rights by moving: a caller in ConstrainedLanguage mode stays in it.
            state.LanguageMode = caller.LanguageMode;
            var variables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var functions = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var pending = new Queue<Ast>();
            pending.Enqueue(block.Ast);
            while (pending.Count > 0)
            {
                Ast ast = pending.Dequeue();
                foreach (Ast found in ast.FindAll(a => a is VariableExpressionAst || a is CommandAst, searchNestedScriptBlocks: true))
                {
                    if (found is VariableExpressionAst variable)
                    {
                        VariablePath path = variable.VariablePath;
                        if (!path.IsVariable || path.UserPath.StartsWith("using:", StringComparison.OrdinalIgnoreCase)) continue;
                        // $script:x and $global:x are the variable x in the block's runspace (it has one scope).
                        string name = path.UserPath.Substring(path.UserPath.IndexOf(':') + 1);
                        if (s_automatic.Contains(name) || !variables.Add(name)) continue;
                        PSVariable? value = caller.PSVariable.Get(path.UserPath) ?? caller.PSVariable.Get(name);
                        if (value == null || (value.Options & (ScopedItemOptions.Constant | ScopedItemOptions.AllScope)) != 0) continue;
                        state.Variables.Add(new SessionStateVariableEntry(name, value.Value, null));
                    }
                    else if (found is CommandAst command)
                    {
                        string? name = command.GetCommandName();
                        if (name == null || !functions.Add(name)) continue;
                        // Script functions of the session (helpers, test stubs) are copied; those of modules are not:
                        // autoloading imports their module, with its own state, in the block's runspace.
                        if (caller.InvokeCommand.GetCommand(name, CommandTypes.Function | CommandTypes.Filter) is FunctionInfo function
                            && function.Module == null && function.ScriptBlock != null)
                        {
                            state.Commands.Add(new SessionStateFunctionEntry(function.Name, function.Definition));
                            pending.Enqueue(function.ScriptBlock.Ast);
                        }
                    }
                }
            }
            return new ScriptBlockTokenProvider(block.ToString(), username, lifetime, state);
        }

        public RedisCredentials GetCredentials()
        {
            // One call at a time: the runspace runs one pipeline at a time (the credential cache also asks one at a time).
            lock (_gate)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(ScriptBlockTokenProvider), "The connection was closed.");
                Runspace runspace = _runspace ?? Open();
                PSDataCollection<PSObject> output;
                string? firstError;
                using (PowerShell ps = PowerShell.Create())
                {
                    ps.Runspace = runspace;
                    ps.AddScript(_script);
                    IAsyncResult running = ps.BeginInvoke();
                    if (!running.AsyncWaitHandle.WaitOne(InvokeTimeout))
                    {
                        Abandon(ps, runspace);
                        throw new TimeoutException("The -AccessToken script block did not return a token within " +
                            InvokeTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + " s; it was stopped.");
                    }
                    try
                    {
                        output = ps.EndInvoke(running);
                    }
                    catch (RuntimeException e)
                    {
                        // Only the message: the exception and its error record hold on to the block's runspace.
                        throw new InvalidOperationException("The -AccessToken script block failed: " + e.Message);
                    }
                    firstError = ps.Streams.Error.Count > 0 ? ps.Streams.Error[0].ToString() : null;
                }
                return ToCredentials(output, firstError);
            }
        }

        private RedisCredentials ToCredentials(PSDataCollection<PSObject> output, string? firstError)
        {
            string because = firstError == null ? string.Empty : " It wrote the error: " + firstError;
            PSObject? last = null;
            foreach (PSObject item in output)
            {
                if (item != null && item.BaseObject != null) last = item;
            }
            if (last == null) throw new InvalidOperationException("The -AccessToken script block returned no token." + because);
            object value = last.BaseObject;
            DateTimeOffset? expiresOn = null;
            if (!(value is string) && !(value is SecureString))
            {
                // Get-AzAccessToken's result itself: its Token, and the ExpiresOn it reports.
                PSPropertyInfo? token = last.Properties["Token"];
                if (token?.Value == null)
                    throw new InvalidOperationException("The -AccessToken script block returned a " + value.GetType().Name + ", not a token (a SecureString or a string, or an object with a Token property).");
                value = token.Value is PSObject wrapped ? wrapped.BaseObject : token.Value;
                object? reported = last.Properties["ExpiresOn"]?.Value;
                if (reported is PSObject reportedWrapped) reported = reportedWrapped.BaseObject;
                if (reported is DateTimeOffset offset) expiresOn = offset;
                else if (reported is DateTime time) expiresOn = new DateTimeOffset(time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time);
            }
            string? text = value is SecureString secure ? new NetworkCredential(string.Empty, secure).Password : value as string;
            if (text == null)
                throw new InvalidOperationException("The -AccessToken script block returned a token of type " + value.GetType().Name + "; give a SecureString or a string.");
            if (text.Trim().Length == 0) throw new InvalidOperationException("The -AccessToken script block returned an empty token." + because);
            return RedisCredentials.ForToken(_username, text.Trim(), _lifetime, expiresOn);
        }

        private Runspace Open()
        {
            Runspace runspace = RunspaceFactory.CreateRunspace(_state);
            runspace.Open();
            _runspace = runspace;
            return runspace;
        }

        /// <summary>A block that hangs: stop it if it lets itself be stopped, else leave its runspace behind and use a new one.</summary>
        private void Abandon(PowerShell ps, Runspace runspace)
        {
            IAsyncResult stopping = ps.BeginStop(null, null);
            if (stopping.AsyncWaitHandle.WaitOne(StopTimeout))
            {
                // PowerShell's stop thread can still be inside PipelineProcessor.Stop when the stop is reported, and the
                // caller disposes this PowerShell next: a moment's grace keeps that thread from meeting a disposed pipeline.
                Thread.Sleep(50);
                return;
            }
            _runspace = null;
            runspace.CloseAsync();
        }

        public void Dispose()
        {
            Runspace? runspace;
            lock (_gate)
            {
                _disposed = true;
                runspace = _runspace;
                _runspace = null;
            }
            runspace?.Dispose();
        }

        /// <summary>Says what it is, never the block's variables or the token.</summary>
        public override string ToString() => "access token from a script block";
    }
}
