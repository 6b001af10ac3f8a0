using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Completion;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Remove-RedisKey: deletes keys with UNLINK, -BatchSize keys per command, through the cmdlet's command queue with a
    /// window of <see cref="UnlinksInFlight"/> commands: batches travel while PowerShell binds the keys of the next one, and
    /// a batch's reply is read once that many newer batches were sent. Memory stays at a few batches whatever the key count.
    /// </summary>
    // Only -InputObject takes pipeline input, by value, as a PSObject; the cmdlet reads Key and Connection itself.
    // PowerShell binds every piped object anew, trying each pipeline parameter of each valid parameter set by value
    // and by property name: with -Key and -Connection also taking pipeline input that binding cost more per key than
    // all the rest of Get-RedisKey | Remove-RedisKey (2.4 s -> 1.8-2.2 s for 500,000 keys when they stopped).
    [Cmdlet(VerbsCommon.Remove, "RedisKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = InputObjectSet)]
    [OutputType(typeof(RedisKeyRemovalResult))]
    public sealed class RemoveRedisKeyCommand : RedisCmdlet
    {
        internal const int DefaultBatchSize = 1000;
        private const string KeySet = "Key";
        private const string InputObjectSet = "InputObject";
        private const int ProgressId = 0x5245;

        private List<string> _batch = new List<string>(DefaultBatchSize);
        private RedisConnection? _connection;
        private RedisConnection? _sessionConnection;
        private bool _started;
        private readonly Stopwatch _clock = new Stopwatch();
        private long _requested;
        private long _removed;
        private long _sent;
        private int _batches;
        private long _estimate = -1;
        private readonly ProgressThrottle _progress = new ProgressThrottle(ProgressId, "Removing Redis keys");

        /// <summary>Keys to remove, named on the command line (piped keys arrive through -InputObject).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = KeySet)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>
        /// Whatever is piped: Get-RedisKey's objects (checked first: the fast path), strings and numbers, or objects
        /// with a Key property (one key or several) and optionally a Connection property.
        /// </summary>
        // No [ValidateNotNull]: a mandatory parameter refuses null already, and the attribute ran once more per key.
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        public PSObject? InputObject { get; set; }

        /// <summary>The connection for every key (default: the one each piped object brings, else the session's).</summary>
        [Parameter(ParameterSetName = KeySet)]
        [Parameter(ParameterSetName = InputObjectSet)]
        [ValidateNotNull]
        [ConnectionTransformation]
        [ArgumentCompleter(typeof(Completion.ConnectionNameCompleter))]
        public new RedisConnection? Connection
        {
            get => base.Connection;
            set => base.Connection = value;
        }

        /// <summary>Keys per UNLINK command (default 1000).</summary>
        [Parameter]
        [ValidateRange(1, 1000000)]
        public int BatchSize { get; set; } = DefaultBatchSize;

        /// <summary>Skips confirmation (unless -WhatIf).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Emits one summary object at the end.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            _clock.Start();
            _progress.Start();
            _batch = new List<string>(BatchSize);
            // Keys named with -Key are all known now; keys from the pipeline are estimated from DBSIZE on first use.
            if (!MyInvocation.ExpectingInput && Key != null) _estimate = Key.Length;
        }

        protected override void ProcessRecord()
        {
            if (InputObject != null)
            {
                // Fast path first: Get-RedisKey's objects carry their key and connection.
                if (InputObject.BaseObject is RedisKeyInfo info)
                {
                    Take(info.Key, Connection ?? info.Connection);
                    return;
                }
                IReadOnlyList<string> keys = PipedKeys.Read(InputObject, out RedisConnection? from, out ErrorRecord? error);
                if (error != null) WriteError(error);
                foreach (string key in keys) Take(key, Connection ?? from);
                return;
            }
            RedisConnection connection = Connection ?? ResolveConnection();
            SwitchTo(connection);
            string[] named = Key!;
            for (int i = 0; i < named.Length; i++)
            {
                _batch.Add(named[i]);
                if (_batch.Count >= BatchSize) Flush();
            }
        }

        /// <summary>Adds one key to the batch for <paramref name="connection"/> (the session's when null).</summary>
        private void Take(string key, RedisConnection? connection)
        {
            SwitchTo(connection ?? (_sessionConnection ??= ResolveConnection()));
            _batch.Add(key);
            if (_batch.Count >= BatchSize) Flush();
        }

        /// <summary>Keys for another connection end the current batch and stream first.</summary>
        private void SwitchTo(RedisConnection connection)
        {
            if (_connection != null && !ReferenceEquals(_connection, connection)) Flush();
            if (!ReferenceEquals(_connection, connection)) EnsureOpen(connection);
            _connection = connection;
        }

        // With one UNLINK in flight the pipeline thread waited for its reply whenever the server was busy with the SCAN
        // that feeds this very pipeline; a few in flight let the server take them when it can.
        private const int UnlinksInFlight = 4;
        private protected override int CommandWindow => UnlinksInFlight;

        protected override void EndProcessing()
        {
            Flush();
            RedisConnection? connection = _connection;
            if (connection == null)
            {
                Summarize(this); // nothing came, or everything was declined: the summary says so
                return;
            }
            // After the last UNLINK's reply: here, or where an enclosing batch emits its replies.
            Commands.Then(connection, Summarize);
            base.EndProcessing();
        }

        private void Summarize(Cmdlet output)
        {
            _progress.Complete(output);
            output.WriteVerbose("Removed " + _removed.ToString(CultureInfo.InvariantCulture) + " of " + _requested.ToString(CultureInfo.InvariantCulture)
                + " key(s) in " + _batches.ToString(CultureInfo.InvariantCulture) + " UNLINK command(s), "
                + _clock.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s.");
            if (PassThru) output.WriteObject(new RedisKeyRemovalResult(_requested, _removed, _batches, _clock.Elapsed, _connection));
        }

        /// <summary>Queues the gathered batch (after ShouldProcess); the queue reads earlier replies as it goes.</summary>
        private void Flush()
        {
            if (_batch.Count == 0 || _connection == null) return;
            RedisConnection connection = _connection;
            string[] keys = _batch.ToArray();
            _batch.Clear();
            if (!Approve(keys, connection)) return;
            _requested += keys.Length;
            if (!_started)
            {
                _started = true;
                if (_estimate < 0 && MyInvocation.ExpectingInput && !CommandQueue.IsBatching(connection))
                {
                    try
                    {
                        _estimate = connection.Client.DbSize();
                    }
                    catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                    {
                        ThrowConnectionError(e, connection);
                    }
                }
                WriteVerbose("UNLINK in batches of up to " + BatchSize.ToString(CultureInfo.InvariantCulture)
                    + " keys on " + connection.Url + (_estimate >= 0 ? " (about " + _estimate.ToString(CultureInfo.InvariantCulture) + " keys to go through)" : string.Empty));
            }
            Commands.Add(connection, c => c.Unlink(keys), keys[0], (removed, output) => _removed += removed, (e, first) => BatchError(e, keys));
            _batches++;
            _sent += keys.Length;
            Progress();
        }

        /// <summary>A batch the server refused (e.g. NOPERM on some keys): the error names the batch's first key.</summary>
        private static ErrorRecord BatchError(RedisException e, string[] keys)
        {
            ErrorRecord record = ToErrorRecord(e, keys[0]);
            record.ErrorDetails = new ErrorDetails("UNLINK of " + keys.Length.ToString(CultureInfo.InvariantCulture)
                + " key(s) from '" + keys[0] + "' failed: " + e.Message);
            return record;
        }

        private bool Approve(string[] keys, RedisConnection connection)
        {
            // One ShouldProcess per batch: -WhatIf says what each batch would remove; -Confirm's "Yes to All"
            // and "No to All" are remembered by the engine for the rest of this command.
            string target = Describe(keys) + " on " + connection.Name;
            string action = "Remove " + keys.Length.ToString(CultureInfo.InvariantCulture) + (keys.Length == 1 ? " key" : " keys");
            return Approve(target, action, Force);
        }

        private static string Describe(string[] keys)
        {
            if (keys.Length <= 3) return "'" + string.Join("', '", keys) + "'";
            return "'" + keys[0] + "', '" + keys[1] + "' ... '" + keys[keys.Length - 1] + "' (" + keys.Length.ToString(CultureInfo.InvariantCulture) + " keys)";
        }

        private void Progress()
        {
            if (!_progress.Due()) return;
            ProgressRecord record = _progress.Record(
                _removed.ToString(CultureInfo.InvariantCulture) + " removed, " + _sent.ToString(CultureInfo.InvariantCulture) + " sent"
                + (_estimate > 0 ? " of about " + _estimate.ToString(CultureInfo.InvariantCulture) : string.Empty));
            if (_estimate > 0) record.PercentComplete = (int)Math.Min(99, _sent * 100 / Math.Max(_estimate, _sent + 1));
            WriteProgress(record);
        }
    }
}
