using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Management.Automation;

namespace PSRedis
{
    /// <summary>
    /// Runs a user's script block for a cmdlet (Invoke-RedisPipeline, Invoke-RedisTransaction, Use-RedisLock) as
    /// ForEach-Object does: dot-sourced in the caller's scope, on the pipeline thread, in a nested pipeline of the same
    /// runspace. Its error records are kept for the cmdlet to write through its own error stream, so -ErrorVariable,
    /// 2&gt;&amp;1, -ErrorAction Stop and try/catch see them as for any script block; warnings, verbose, debug and
    /// information records are passed on as they come; output is either collected or passed on as it comes.
    /// </summary>
    internal sealed class BlockRunner
    {
        private readonly PSCmdlet _cmdlet;
        private volatile PowerShell? _running;
        private volatile bool _stopped;

        internal BlockRunner(PSCmdlet cmdlet) => _cmdlet = cmdlet;

        /// <summary>The error records the last <see cref="Run"/> collected (a thrown error ends the run instead).</summary>
        internal List<ErrorRecord> Errors { get; } = new List<ErrorRecord>();

        /// <summary>
        /// Runs <paramref name="block"/>. With <paramref name="streamOutput"/> each output object is written at once and
        /// the result is empty; otherwise the output is returned. A terminating error in the block, or a stop, is thrown.
        /// </summary>
        internal Collection<PSObject> Run(ScriptBlock block, bool streamOutput)
        {
            Errors.Clear();
            if (_stopped) throw new PipelineStoppedException();
            // With -ErrorAction given to the cmdlet, the block's errors are the cmdlet's to report under that preference
            // (as an advanced function's -ErrorAction governs its body): inside the block they only go on record.
            if (!_cmdlet.MyInvocation.BoundParameters.ContainsKey("ErrorAction")) return RunBlock(block, streamOutput);
            PSVariableIntrinsics variables = _cmdlet.SessionState.PSVariable;
            PSVariable? own = variables.Get("local:ErrorActionPreference");
            object? ownValue = own?.Value;
            variables.Set("local:ErrorActionPreference", ActionPreference.Continue);
            try
            {
                return RunBlock(block, streamOutput);
            }
            finally
            {
                if (own != null) variables.Set("local:ErrorActionPreference", ownValue);
                else variables.Remove("local:ErrorActionPreference");
            }
        }

        private Collection<PSObject> RunBlock(ScriptBlock block, bool streamOutput)
        {
            using (PowerShell ps = PowerShell.Create(RunspaceMode.CurrentRunspace))
            {
                ps.AddCommand("ForEach-Object").AddParameter("Process", block).AddParameter("InputObject", null);
                ps.Streams.Error.DataAdded += (sender, e) => Errors.Add(ps.Streams.Error[e.Index]);
                ps.Streams.Warning.DataAdded += (sender, e) => _cmdlet.WriteWarning(ps.Streams.Warning[e.Index].Message);
                ps.Streams.Verbose.DataAdded += (sender, e) => _cmdlet.WriteVerbose(ps.Streams.Verbose[e.Index].Message);
                ps.Streams.Debug.DataAdded += (sender, e) => _cmdlet.WriteDebug(ps.Streams.Debug[e.Index].Message);
                ps.Streams.Information.DataAdded += (sender, e) => _cmdlet.WriteInformation(ps.Streams.Information[e.Index]);
                var output = new PSDataCollection<PSObject>();
                if (streamOutput) output.DataAdded += (sender, e) => _cmdlet.WriteObject(output[e.Index]);
                _running = ps;
                try
                {
                    ps.Invoke(null, output);
                }
                catch (ActionPreferenceStopException e) when (e.ErrorRecord != null)
                {
                    // -ErrorAction Stop (or $ErrorActionPreference) inside the block: the error that stopped it.
                    throw new RuntimeException(e.ErrorRecord.Exception.Message, e.ErrorRecord.Exception, e.ErrorRecord);
                }
                finally
                {
                    _running = null;
                }
                if (_stopped || ps.InvocationStateInfo.State == PSInvocationState.Stopped) throw new PipelineStoppedException();
                return streamOutput ? new Collection<PSObject>() : new Collection<PSObject>(new List<PSObject>(output));
            }
        }

        /// <summary>From StopProcessing (the stop thread): stops the block that is running.</summary>
        internal void Stop()
        {
            _stopped = true;
            _running?.BeginStop(null, null);
        }
    }
}
