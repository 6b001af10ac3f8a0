using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisKey: streams the keys matching a pattern from SCAN, one page at a time, as RedisKeyInfo
    /// objects; with -Detailed each page's Type and TimeToLive are fetched in one pipelined round trip.
    /// Without -Detailed the next SCAN page is fetched in the background while the current one goes down the
    /// pipeline (at most two pages in memory), so the round trips overlap PowerShell's own work. Long scans show
    /// Write-Progress, estimated from DBSIZE, at most every 100 ms.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisKey")]
    [OutputType(typeof(RedisKeyInfo))]
    public sealed class GetRedisKeyCommand : RedisCmdlet
    {
        internal const int DefaultCount = 1000;
        private const int ProgressId = 0x4B47;

        private readonly ProgressThrottle _progress = new ProgressThrottle(ProgressId, "Scanning Redis keys");
        private long _estimate = -1;

        /// <summary>Glob-style pattern (SCAN MATCH): * ? [abc] and \ to escape. Default '*'.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [Alias("Pattern")]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string Match { get; set; } = "*";

        /// <summary>Only keys of this type (SCAN TYPE): string, list, set, zset, hash, stream, or a module type.</summary>
        [Parameter]
        [ValidateSet("string", "list", "set", "zset", "hash", "stream")]
        public string? Type { get; set; }

        /// <summary>The connection to scan, as an object (also piped: `$conn | Get-RedisKey`) or by its name.</summary>
        [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ConnectionTransformation]
        [ArgumentCompleter(typeof(Completion.ConnectionNameCompleter))]
        public new RedisConnection? Connection
        {
            get => base.Connection;
            set => base.Connection = value;
        }

        /// <summary>The SCAN COUNT hint: keys examined per round trip (not a limit on the output).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; } = DefaultCount;

        /// <summary>Adds Type and TimeToLive to each key.</summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            ThrowIfBatching(connection, "SCAN needs each page's reply to ask for the next, and a batch sends nothing until its block ends.");
            RedisClientBase client = connection.Client;
            int database = connection.Database;
            WriteVerbose("SCAN MATCH " + Match + " COUNT " + Count.ToString(CultureInfo.InvariantCulture)
                + (Type != null ? " TYPE " + Type : string.Empty) + (Detailed ? ", then TYPE and PTTL per page" : string.Empty)
                + " on " + connection.Url);
            _progress.Start();
            long pages = 0;
            long found = 0;
            try
            {
                if (!Detailed)
                {
                    // The next page is on its way while this one's keys go down the pipeline.
                    foreach (ScanPage page in client.ScanPagesAhead(Match, Count, Type?.ToLowerInvariant()))
                    {
                        IReadOnlyList<string> keys = page.Keys;
                        for (int i = 0; i < keys.Count; i++) WriteObject(new RedisKeyInfo(keys[i], database, connection));
                        found += keys.Count;
                        Progress(client, ++pages, found);
                    }
                    return;
                }

                // TYPE and PTTL of a page's keys travel through the command queue while the next page is scanned.
                foreach (ScanPage page in client.ScanPagesAhead(Match, Count, Type?.ToLowerInvariant()))
                {
                    foreach (string key in page.Keys) Describe(connection, key, database);
                    found += page.Keys.Count;
                    Progress(client, ++pages, found);
                }
                Commands.Flush();
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                // A scan cannot skip a failed page and go on: every failure here ends the command.
                ThrowTerminatingError(ToErrorRecord(e, IsConnectionLevel(e) ? (object)connection : Match));
            }
            finally
            {
                _progress.Complete(this);
            }
        }

        private const string DetailedTypeName = "PSRedis.RedisKeyInfo#Detailed";

        /// <summary>Queues TYPE and PTTL of <paramref name="key"/>; the PTTL reply emits the key, unless it is gone meanwhile.</summary>
        private void Describe(RedisConnection connection, string key, int database)
        {
            var type = new string?[1];
            Commands.Add(connection, c => c.Type(key), key, (t, output) => type[0] = t);
            Commands.Add(connection, c => c.PTtl(key), key, (ms, output) =>
            {
                if (type[0] == null || type[0] == "none") return; // deleted or expired since the SCAN page was read
                var detailed = new PSObject(new RedisKeyInfo(key, database, connection, type[0], ms < 0 ? (TimeSpan?)null : TimeSpan.FromMilliseconds(ms)));
                detailed.TypeNames.Insert(0, DetailedTypeName); // its view shows Type and TimeToLive too
                output.WriteObject(detailed);
            });
        }

        /// <summary>
        /// Progress of a long scan. SCAN has no position to report, so the share done is estimated: about COUNT keys
        /// are examined per page, out of DBSIZE (asked once, only when the scan turns out to be long).
        /// </summary>
        private void Progress(RedisClientBase client, long pages, long found)
        {
            if (!_progress.Due()) return;
            if (_estimate < 0) _estimate = client.DbSize();
            long examined = pages * Count;
            ProgressRecord record = _progress.Record(
                found.ToString(CultureInfo.InvariantCulture) + " matching '" + Match + "' so far, about "
                + Math.Min(examined, _estimate).ToString(CultureInfo.InvariantCulture) + " of " + _estimate.ToString(CultureInfo.InvariantCulture) + " keys examined");
            if (_estimate > 0) record.PercentComplete = (int)Math.Min(99, examined * 100 / _estimate);
            WriteProgress(record);
        }
    }
}
