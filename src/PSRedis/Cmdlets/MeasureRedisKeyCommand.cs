using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Measure-RedisKey: keyspace analysis by prefix. SCAN (every primary on a cluster), and for each page's keys TYPE,
    /// MEMORY USAGE and PTTL pipelined through the command queue while the next page is scanned; one object per prefix,
    /// biggest first. -MaxKeysPerSecond paces it for a production server; -SampleSize stops after that many keys.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Measure, "RedisKey")]
    [OutputType(typeof(RedisKeyPrefixStats))]
    public sealed class MeasureRedisKeyCommand : RedisCmdlet
    {
        internal const string NoPrefix = "(none)";
        private const int ProgressId = 0x4D4B;

        private readonly ProgressThrottle _progress = new ProgressThrottle(ProgressId, "Measuring Redis keys");
        private readonly Dictionary<string, RedisKeyPrefixStats> _prefixes = new Dictionary<string, RedisKeyPrefixStats>(StringComparer.Ordinal);
        private long _measured;
        private long _taken;
        private long _estimate = -1;

        /// <summary>Glob-style pattern of the keys to measure (SCAN MATCH). Default: every key.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Match { get; set; } = "*";

        /// <summary>What separates a key's segments. Default ':'.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Delimiter { get; set; } = ":";

        /// <summary>How many leading segments make the prefix. Default 1.</summary>
        [Parameter]
        [ValidateRange(1, 100)]
        public int Depth { get; set; } = 1;

        /// <summary>How many of each prefix's biggest keys to list in Top. Default 10; 0 lists none.</summary>
        [Parameter]
        [ValidateRange(0, 10000)]
        public int Top { get; set; } = 10;

        /// <summary>Stops after this many keys, in SCAN's order; the figures are then those of the sample (not scaled).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? SampleSize { get; set; }

        /// <summary>Measures at most this many keys a second, to go easy on a production server.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? MaxKeysPerSecond { get; set; }

        /// <summary>SCAN's COUNT hint: keys examined per page. Default 1000.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; } = 1000;

        /// <summary>Where the prefix of <paramref name="key"/> ends: its first <paramref name="depth"/> segments, never the whole key.</summary>
        internal static string PrefixOf(string key, string delimiter, int depth)
        {
            int end = -1;
            int from = 0;
            for (int i = 0; i < depth; i++)
            {
                int at = key.IndexOf(delimiter, from, StringComparison.Ordinal);
                if (at < 0) break;
                end = at;
                from = at + delimiter.Length;
            }
            return end < 0 ? NoPrefix : key.Substring(0, end);
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            ThrowIfBatching(connection, "SCAN needs each page's reply to ask for the next, and a batch sends nothing until its block ends.");
            RedisClientBase client = connection.Client;
            int scanCount = Count;
            // Paced: pages no bigger than a tenth of a second's keys, so the pace holds from the first page on.
            int chunk = MaxKeysPerSecond is int rate ? Math.Max(1, rate / 10) : int.MaxValue;
            if (MaxKeysPerSecond != null) scanCount = Math.Min(scanCount, chunk);
            WriteVerbose("SCAN MATCH " + Match + " COUNT " + scanCount.ToString(CultureInfo.InvariantCulture) + ", then TYPE, MEMORY USAGE and PTTL per key"
                + (SampleSize is int n ? ", the first " + n.ToString(CultureInfo.InvariantCulture) + " keys only" : string.Empty)
                + (MaxKeysPerSecond is int r ? ", at most " + r.ToString(CultureInfo.InvariantCulture) + " keys/s" : string.Empty)
                + " on " + connection.Url);
            _progress.Start();
            var clock = Stopwatch.StartNew();
            bool sample = false;
            try
            {
                foreach (ScanPage page in client.ScanPagesAhead(Match, scanCount))
                {
                    IReadOnlyList<string> keys = page.Keys;
                    for (int i = 0; i < keys.Count; i++)
                    {
                        if (SampleSize is int size && _taken >= size)
                        {
                            sample = true;
                            break;
                        }
                        Measure(connection, keys[i]);
                        _taken++;
                        if (MaxKeysPerSecond is int perSecond && _taken % chunk == 0) Pace(clock, perSecond);
                    }
                    Progress(client);
                    if (sample) break;
                }
                Commands.Flush();
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                ThrowTerminatingError(ToErrorRecord(e, IsConnectionLevel(e) ? (object)connection : Match));
            }
            finally
            {
                _progress.Complete(this);
            }
            if (sample) WriteVerbose("Stopped after " + _taken.ToString(CultureInfo.InvariantCulture) + " keys (-SampleSize): the figures are those of the sample.");
            foreach (RedisKeyPrefixStats stats in _prefixes.Values.OrderByDescending(s => s.Bytes).ThenBy(s => s.Prefix, StringComparer.Ordinal))
            {
                stats.Top = stats.Biggest.ToArray();
                stats.Sample = sample;
                WriteObject(stats);
            }
        }

        /// <summary>Sends what is queued and waits until the keys taken so far are due at <paramref name="perSecond"/>.</summary>
        private void Pace(Stopwatch clock, int perSecond)
        {
            Commands.Flush();
            double due = (double)_taken / perSecond;
            while (!Stopping)
            {
                double wait = due - clock.Elapsed.TotalSeconds;
                if (wait <= 0) return;
                Thread.Sleep(TimeSpan.FromSeconds(Math.Min(wait, 0.05)));
            }
            throw new PipelineStoppedException();
        }

        /// <summary>Queues TYPE, MEMORY USAGE and PTTL of <paramref name="key"/>; the PTTL reply counts it, unless it is gone meanwhile.</summary>
        private void Measure(RedisConnection connection, string key)
        {
            string? type = null;
            long bytes = 0;
            Commands.Add(connection, c => c.Type(key), key, (t, output) => type = t);
            Commands.Add(connection, c => c.MemoryUsage(key), key, (b, output) => bytes = b ?? 0);
            Commands.Add(connection, c => c.PTtl(key), key, (ms, output) =>
            {
                if (type == null || type == "none" || ms == -2) return; // deleted or expired since its SCAN page
                Tally(key, type, bytes, ms >= 0);
            });
        }

        private void Tally(string key, string type, long bytes, bool withTtl)
        {
            _measured++;
            string prefix = PrefixOf(key, Delimiter, Depth);
            if (!_prefixes.TryGetValue(prefix, out RedisKeyPrefixStats? stats))
            {
                stats = new RedisKeyPrefixStats(prefix);
                _prefixes.Add(prefix, stats);
            }
            stats.Count++;
            stats.Bytes += bytes;
            switch (type)
            {
                case "string": stats.String++; break;
                case "list": stats.List++; break;
                case "set": stats.Set++; break;
                case "zset": stats.ZSet++; break;
                case "hash": stats.Hash++; break;
                case "stream": stats.Stream++; break;
                default: stats.Other++; break;
            }
            if (withTtl) stats.WithTtl++;
            else stats.WithoutTtl++;
            if (Top > 0) KeepBiggest(stats.Biggest, new RedisKeySize(key, type, bytes));
        }

        /// <summary>Keeps the <see cref="Top"/> biggest, biggest first (a sorted insert: Top is small).</summary>
        private void KeepBiggest(List<RedisKeySize> biggest, RedisKeySize key)
        {
            if (biggest.Count >= Top && biggest[biggest.Count - 1].Bytes >= key.Bytes) return;
            int at = biggest.Count;
            while (at > 0 && biggest[at - 1].Bytes < key.Bytes) at--;
            biggest.Insert(at, key);
            if (biggest.Count > Top) biggest.RemoveAt(biggest.Count - 1);
        }

        private void Progress(RedisClientBase client)
        {
            if (!_progress.Due()) return;
            if (_estimate < 0) _estimate = SampleSize is int size ? size : client.DbSize();
            ProgressRecord record = _progress.Record(_measured.ToString(CultureInfo.InvariantCulture) + " keys measured, "
                + _prefixes.Count.ToString(CultureInfo.InvariantCulture) + " prefixes" + (_estimate > 0 ? ", of about " + _estimate.ToString(CultureInfo.InvariantCulture) + " keys" : string.Empty));
            if (_estimate > 0) record.PercentComplete = (int)Math.Min(99, _taken * 100 / _estimate);
            WriteProgress(record);
        }
    }
}
