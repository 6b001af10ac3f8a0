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
    /// one round trip, then emits the block's own output followed by one object per queued command, in order.
    /// </summary>
    public abstract class RedisBatchCmdlet : RedisCmdlet
    {
        /// <summary>The commands to batch: PSRedis cmdlets (any number, in loops too) for the connection.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public ScriptBlock? ScriptBlock { get; set; }

        /// <summary>Runs the block and the batch; <paramref name="watch"/> and <paramref name="retries"/> only for transactions.</summary>
        protected void RunBatch(bool transaction, string[]? watch, int retries)
        {
            RedisConnection connection = ResolveConnection();
            string kind = transaction ? "transaction" : "pipeline";
            for (int attempt = 1; ; attempt++)
            {
                Collection<PSObject> blockOutput;
                IList<object?> results;
                Dictionary<int, BatchScope.Slot> slots;
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
                        using (BatchScope.Enter(connection, pipeline))
                        {
                            // Dot-sourced like ForEach-Object's block: variables it sets stay visible to the caller.
                            // If the block throws, the exception leaves here and nothing is sent (Dispose: UNWATCH).
                            blockOutput = InvokeCommand.InvokeScript(false, ScriptBlock!, null);
                            slots = BatchScope.Find(connection)!.Slots;
                        }
                        queued = pipeline.Count;
                        WriteVerbose("Sending " + queued.ToString(CultureInfo.InvariantCulture) + " queued command(s) in one round trip"
                            + (transaction ? " inside MULTI/EXEC" : string.Empty) + " on " + connection.Url
                            + (attempt > 1 ? " (attempt " + attempt.ToString(CultureInfo.InvariantCulture) + ")" : string.Empty));
                        results = pipeline.Execute(raiseOnError: false);
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
                        var record = new ErrorRecord(new RedisWatchException(message, e), "PSRedis.WatchConflict", ErrorCategory.ResourceBusy, watch);
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
                        ThrowTerminatingError(new ErrorRecord(e, "PSRedis.TransactionAborted", ErrorCategory.InvalidOperation, connection)
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

                foreach (PSObject item in blockOutput) WriteObject(item);
                WriteVerbose("The " + kind + " answered " + results.Count.ToString(CultureInfo.InvariantCulture) + " repl" + (results.Count == 1 ? "y." : "ies."));
                for (int i = 0; i < results.Count; i++)
                {
                    slots.TryGetValue(i, out BatchScope.Slot? slot);
                    if (results[i] is Exception error)
                    {
                        WriteError(SlotError(error, slot, i, results.Count));
                        continue;
                    }
                    object? reply = results[i];
                    if (slot?.Shape != null) reply = slot.Shape(reply);
                    WriteObject(reply, enumerateCollection: false);
                }
                return;
            }
        }

        /// <summary>A failed command of the batch: non-terminating, its target the key (or the command's name), its position told.</summary>
        private static ErrorRecord SlotError(Exception error, BatchScope.Slot? slot, int index, int count)
        {
            string? command = error.Data["PipelineCommand"] as string;
            string name = command == null ? "command" : command.Split(' ')[0].ToUpperInvariant();
            ErrorRecord record = ToErrorRecord(error, slot?.Target ?? name);
            record.ErrorDetails = new ErrorDetails("Command " + (index + 1).ToString(CultureInfo.InvariantCulture) + " of "
                + count.ToString(CultureInfo.InvariantCulture) + " in the batch (" + name
                + (slot?.Target is string key ? " " + key : string.Empty) + ") failed: " + error.Message);
            return record;
        }
    }
}
