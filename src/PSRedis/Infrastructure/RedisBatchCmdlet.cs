using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// Base of Invoke-RedisPipeline and Invoke-RedisTransaction: runs the script block on this thread while a
    /// <see cref="BatchScope"/> makes every PSRedis cmdlet for the connection queue its commands, sends the batch in
    /// one round trip, then emits the block's own output followed by what the queued cmdlets write from their replies
    /// (each command carries its cmdlet's ReplyHandler), in order.
    /// </summary>
    public abstract class RedisBatchCmdlet : RedisCmdlet
    {
        /// <summary>The commands to batch: PSRedis cmdlets (any number, in loops too) for the connection.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public ScriptBlock? ScriptBlock { get; set; }

        private BlockRunner? _runner;

        /// <summary>Ctrl+C: stops the block if it is running (nothing is sent), and any wait for the batch's replies.</summary>
        protected override void StopProcessing()
        {
            base.StopProcessing();
            _runner?.Stop();
        }

        /// <summary>Runs the block and the batch; <paramref name="watch"/> and <paramref name="retries"/> only for transactions.</summary>
        protected void RunBatch(bool transaction, string[]? watch, int retries)
        {
            BlockRunner runner = _runner ??= new BlockRunner(this);
            RedisConnection connection = ResolveConnection();
            string kind = transaction ? "transaction" : "pipeline";
            for (int attempt = 1; ; attempt++)
            {
                int queued;
                using (RedisPipeline pipeline = connection.Client.Pipeline(transaction))
                {
                    try
                    {
                        if (watch != null && watch.Length > 0)
                        {
                            WriteVerbose("WATCH " + watch.Length.ToString(CultureInfo.InvariantCulture) + " key(s) on " + connection.Url);
                            pipeline.Watch(watch);
                            pipeline.Multi(); // the block queues; it does not read through the watching connection
                        }
                        Collection<PSObject> blockOutput;
                        BatchScope.Batch batch;
                        using (BatchScope.Enter(connection, pipeline, out batch))
                        {
                            // Dot-sourced like ForEach-Object's block: variables it sets stay visible to the caller.
                            // If the block throws or is stopped, the exception leaves here and nothing is sent (Dispose: UNWATCH).
                            blockOutput = runner.Run(ScriptBlock!, streamOutput: false);
                        }
                        // The block's errors reach the caller's error stream (-ErrorVariable, 2>&1, -ErrorAction Stop).
                        foreach (ErrorRecord error in runner.Errors) WriteError(error);
                        if (transaction && runner.Errors.Count > 0)
                        {
                            // All or nothing: a transaction whose block reported an error is never sent.
                            string message = "The transaction was not sent: its block reported " + runner.Errors.Count.ToString(CultureInfo.InvariantCulture)
                                + " error(s) before EXEC (the first: " + runner.Errors[0].Exception.Message + ").";
                            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message, runner.Errors[0].Exception),
                                ErrorIds.TransactionDiscarded, ErrorCategory.InvalidOperation, connection));
                        }
                        queued = pipeline.Count;
                        WriteVerbose("Sending " + queued.ToString(CultureInfo.InvariantCulture) + " queued command(s) in one round trip"
                            + (transaction ? " inside MULTI/EXEC" : string.Empty) + " on " + connection.Url
                            + (attempt > 1 ? " (attempt " + attempt.ToString(CultureInfo.InvariantCulture) + ")" : string.Empty));
                        // The block's own output first, once the batch is answered; then each cmdlet's output from its
                        // replies, made by the same handlers that would have made it outside the block.
                        batch.Execute(this, () =>
                        {
                            foreach (PSObject item in blockOutput) WriteObject(item);
                        });
                    }
                    catch (RedisWatchException e) when (attempt <= retries)
                    {
                        WriteVerbose("A watched key changed (" + e.Message + "); running the block again, "
                            + (retries - attempt + 1).ToString(CultureInfo.InvariantCulture) + " retr" + (retries - attempt + 1 == 1 ? "y" : "ies") + " left.");
                        continue;
                    }
                    catch (RedisWatchException e)
                    {
                        string message = "The transaction was not applied: a watched key (" + string.Join(", ", watch ?? new string[0])
                            + ") was changed by another client before EXEC"
                            + (retries > 0 ? ", on each of " + (retries + 1).ToString(CultureInfo.InvariantCulture) + " attempts." : ".");
                        var record = new ErrorRecord(new RedisWatchException(message, e), ErrorIds.WatchConflict, ErrorCategory.ResourceBusy, watch);
                        record.ErrorDetails = new ErrorDetails(message)
                        {
                            RecommendedAction = "Read the watched keys again and retry, or use -Retry to run the block again automatically.",
                        };
                        ThrowTerminatingError(record);
                        return;
                    }
                    catch (RedisExecAbortException e)
                    {
                        // The server refused to queue a command (unknown command, wrong arity): nothing ran.
                        ThrowTerminatingError(new ErrorRecord(e, ErrorIds.TransactionAborted, ErrorCategory.InvalidOperation, connection)
                        {
                            ErrorDetails = new ErrorDetails("The transaction was not applied: " + e.Message),
                        });
                        return;
                    }
                    catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                    {
                        // The batch as a whole failed (connection lost, timeout, ...): nothing more can be said per command.
                        ThrowTerminatingError(ToErrorRecord(e, connection));
                        return;
                    }
                }

                WriteVerbose("The " + kind + " answered " + queued.ToString(CultureInfo.InvariantCulture) + " repl" + (queued == 1 ? "y." : "ies."));
                return;
            }
        }
    }
}
