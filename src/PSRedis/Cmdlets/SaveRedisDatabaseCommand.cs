using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Save-RedisDatabase: BGSAVE (every primary of a cluster). With -Wait it waits until the save has finished (INFO
    /// persistence polled every 100 ms, with progress) and emits LASTSAVE per server; a failed save or -Timeout is an
    /// error. A save already in progress is an error without -Wait; with -Wait the cmdlet waits for it, then saves.
    /// </summary>
    [Cmdlet(VerbsData.Save, "RedisDatabase", SupportsShouldProcess = true)]
    [OutputType(typeof(RedisSaveResult))]
    public sealed class SaveRedisDatabaseCommand : RedisCmdlet
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
        private readonly ManualResetEventSlim _stop = new ManualResetEventSlim(false);
        // Whether the server's INFO persistence says a save runs (rdb_bgsave_in_progress: Redis). Garnet (2.2) does not,
        // and its checkpoint runs on after BGSAVE answers: there the save has finished once LASTSAVE moves past
        // _lastSaveBefore (or failed once rdb_last_bgsave_status turns from ok to err).
        private bool _tracksProgress = true;
        private DateTimeOffset _lastSaveBefore;
        private string _statusBefore = "ok";

        /// <summary>Waits until the background save has finished and emits when it did.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: how long to wait at most per server (seconds or a TimeSpan); default 300 (5 minutes).</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

        protected override void ProcessRecord()
        {
            if (Timeout <= TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Timeout), "The timeout must be positive."),
                    ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, Timeout));
            }
            RedisConnection connection = ResolveConnection();
            ThrowIfBatching(connection, "it needs BGSAVE's answer at once to tell whether a save started.");
            foreach ((string node, RedisClientBase client) in ServerNodes.Each(connection, primariesOnly: true))
            {
                if (!ShouldProcess(node + " (" + connection.Name + ")", "BGSAVE: write the dataset to the server's RDB file")) continue;
                try
                {
                    SaveOne(node, client);
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    if (connection.Client is RedisCluster && !(e is ObjectDisposedException)) WriteError(ToErrorRecord(e, node));
                    else WriteRedisError(e, connection, node);
                }
            }
        }

        private void SaveOne(string node, RedisClientBase client)
        {
            var clock = Stopwatch.StartNew();
            WriteVerbose("BGSAVE on " + node);
            if (Wait) NoteLastSave(client);
            if (!StartSave(node, client, clock)) return;
            WriteVerbose("Background saving started on " + node + ".");
            if (!Wait) return;
            if (!WaitForSave(node, client, clock)) return;
            IReadOnlyDictionary<string, object> persistence = client.Info("persistence");
            string status = Convert.ToString(persistence.TryGetValue("rdb_last_bgsave_status", out object? s) ? s : "ok", CultureInfo.InvariantCulture) ?? "ok";
            if (!string.Equals(status, "ok", StringComparison.OrdinalIgnoreCase))
            {
                WriteError(new ErrorRecord(new InvalidOperationException("The background save on " + node + " failed (rdb_last_bgsave_status: " + status
                    + "); the server's log says why (often the directory is not writable or the disk is full)."), ErrorIds.SaveFailed,
                    ErrorCategory.WriteError, node));
                return;
            }
            WriteObject(new RedisSaveResult(node, client.LastSave().UtcDateTime, clock.Elapsed));
        }

        /// <summary>BGSAVE; a save already running is an error without -Wait, and with it is waited for before ours starts.</summary>
        private bool StartSave(string node, RedisClientBase client, Stopwatch clock)
        {
            try
            {
                client.BgSave();
                return true;
            }
            catch (RedisResponseException e) when (e.Message.IndexOf("in progress", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                if (!Wait)
                {
                    WriteError(new ErrorRecord(new InvalidOperationException("A background save (or AOF rewrite) is already in progress on " + node
                        + ": " + e.Message + " Use -Wait to wait for it and then save.", e), ErrorIds.SaveInProgress, ErrorCategory.ResourceBusy, node));
                    return false;
                }
                WriteWarning("A background save (or AOF rewrite) is already in progress on " + node + "; waiting for it to finish, then saving.");
            }
            if (!WaitForSave(node, client, clock)) return false;
            NoteLastSave(client);
            client.BgSave();
            return true;
        }

        /// <summary>Polls INFO persistence until no save or AOF rewrite runs; false (and an error) when -Timeout passed first.</summary>
        private bool WaitForSave(string node, RedisClientBase client, Stopwatch clock)
        {
            var progress = new ProgressRecord(2, "Save-RedisDatabase", "Waiting for the background save on " + node);
            long lastProgress = -1000;
            while (true)
            {
                IReadOnlyDictionary<string, object> info = client.Info("persistence");
                bool busy = _tracksProgress
                    ? Number(info, "rdb_bgsave_in_progress") != 0 || Number(info, "aof_rewrite_in_progress") != 0
                    : client.LastSave() <= _lastSaveBefore && !(_statusBefore == "ok" && Status(info) == "err");
                if (!busy)
                {
                    progress.RecordType = ProgressRecordType.Completed;
                    WriteProgress(progress);
                    return true;
                }
                TimeSpan left = Timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    progress.RecordType = ProgressRecordType.Completed;
                    WriteProgress(progress);
                    WriteError(new ErrorRecord(new TimeoutException("Timed out after " + Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)
                        + " s waiting for the background save on " + node + "; it goes on in the server (see Get-RedisServerInfo -Section persistence)."),
                        ErrorIds.WaitTimeout, ErrorCategory.OperationTimeout, node));
                    return false;
                }
                if (clock.ElapsedMilliseconds - lastProgress >= 500)
                {
                    lastProgress = clock.ElapsedMilliseconds;
                    progress.StatusDescription = "Saving on " + node + " for " + Number(info, "rdb_current_bgsave_time_sec").ToString(CultureInfo.InvariantCulture) + " s";
                    progress.PercentComplete = (int)Math.Min(99, 100 * clock.Elapsed.Ticks / Timeout.Ticks);
                    WriteProgress(progress);
                }
                if (_stop.Wait(left < PollInterval ? left : PollInterval)) throw new PipelineStoppedException();
            }
        }

        /// <summary>
        /// Before a BGSAVE with -Wait: whether the server reports a running save, and if not (Garnet), LASTSAVE and the
        /// save status to compare with. LASTSAVE counts whole seconds, so a save ending within the second of the one
        /// before would not move it: the BGSAVE then waits for the server's clock (TIME) to pass that second, at most 1 s.
        /// </summary>
        private void NoteLastSave(RedisClientBase client)
        {
            IReadOnlyDictionary<string, object> info = client.Info("persistence");
            _tracksProgress = info.ContainsKey("rdb_bgsave_in_progress");
            if (_tracksProgress) return;
            _statusBefore = Status(info);
            _lastSaveBefore = client.LastSave();
            while (client.Time() < _lastSaveBefore.AddSeconds(1))
            {
                if (_stop.Wait(PollInterval)) throw new PipelineStoppedException();
            }
        }

        private static string Status(IReadOnlyDictionary<string, object> info) =>
            (Convert.ToString(info.TryGetValue("rdb_last_bgsave_status", out object? s) ? s : "ok", CultureInfo.InvariantCulture) ?? "ok").ToLowerInvariant();

        private static long Number(IReadOnlyDictionary<string, object> info, string name) =>
            info.TryGetValue(name, out object? value) && value is long n ? n : 0;

        protected override void StopProcessing()
        {
            _stop.Set();
            base.StopProcessing();
        }

        private protected override void DisposeResources() => _stop.Dispose();
    }
}
