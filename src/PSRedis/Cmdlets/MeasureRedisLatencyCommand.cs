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
    /// Measure-RedisLatency: PINGs a server -Count times (default 100) or for -Duration, -Interval apart (default 10 ms,
    /// as redis-cli --latency), and emits ONE object per server: Min, Average, P50, P99, Max in milliseconds and Count.
    /// Each PING waits at most the connection's timeout; Ctrl+C ends the pauses at once. On a cluster every node is
    /// measured in turn, one object each.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Measure, "RedisLatency")]
    [OutputType(typeof(RedisLatencyResult))]
    public sealed class MeasureRedisLatencyCommand : RedisCmdlet
    {
        private readonly ManualResetEventSlim _stop = new ManualResetEventSlim(false);

        /// <summary>How many PINGs to time (default 100; with -Duration alone, as many as fit).</summary>
        [Parameter(Position = 0)]
        [ValidateRange(1, 10_000_000)]
        public int Count { get; set; } = 100;

        /// <summary>Measure for this long (seconds or a TimeSpan); with -Count too, whichever ends first.</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan? Duration { get; set; }

        /// <summary>The pause between PINGs (seconds or a TimeSpan); default 0.01 (10 ms, as redis-cli --latency); 0 for none.</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(10);

        protected override void ProcessRecord()
        {
            if (Interval < TimeSpan.Zero || (Duration.HasValue && Duration.Value <= TimeSpan.Zero))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(Duration.HasValue && Duration.Value <= TimeSpan.Zero ? nameof(Duration) : nameof(Interval),
                    "-Duration must be positive and -Interval zero or more."), ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, null));
            }
            RedisConnection connection = ResolveConnection();
            ThrowIfBatching(connection, "it times each PING's round trip, which a batch cannot give.");
            int count = Duration.HasValue && !MyInvocation.BoundParameters.ContainsKey(nameof(Count)) ? int.MaxValue : Count;
            foreach ((string node, RedisClientBase client) in ServerNodes.Each(connection))
            {
                try
                {
                    WriteObject(Measure(node, client, count, connection));
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    if (connection.Client is RedisCluster) WriteError(ToErrorRecord(e, node));
                    else ThrowTerminatingError(ToErrorRecord(e, connection));
                }
            }
        }

        private RedisLatencyResult Measure(string node, RedisClientBase client, int count, RedisConnection connection)
        {
            WriteVerbose("PING " + node + (count == int.MaxValue ? string.Empty : " " + count.ToString(CultureInfo.InvariantCulture) + " times")
                + (Duration.HasValue ? " for up to " + Duration.Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : string.Empty)
                + ", " + Interval.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + " ms apart (the first, uncounted, may open a connection)");
            client.Ping();
            var samples = new List<double>(Math.Min(count, 100_000));
            var clock = Stopwatch.StartNew();
            var watch = new Stopwatch();
            var progress = new ProgressRecord(1, "Measure-RedisLatency", "PING " + node);
            long lastProgress = 0;
            while (samples.Count < count)
            {
                if (_stop.IsSet) throw new PipelineStoppedException();
                watch.Restart();
                client.Ping();
                watch.Stop();
                samples.Add(watch.Elapsed.TotalMilliseconds);
                if (Duration.HasValue && clock.Elapsed >= Duration.Value) break;
                if (clock.ElapsedMilliseconds - lastProgress >= 500)
                {
                    lastProgress = clock.ElapsedMilliseconds;
                    progress.StatusDescription = "PING " + node + ": " + samples.Count.ToString(CultureInfo.InvariantCulture) + " so far";
                    if (count != int.MaxValue) progress.PercentComplete = (int)(100L * samples.Count / count);
                    else if (Duration.HasValue) progress.PercentComplete = (int)Math.Min(100, 100 * clock.Elapsed.Ticks / Duration.Value.Ticks);
                    WriteProgress(progress);
                }
                if (samples.Count < count && Interval > TimeSpan.Zero && _stop.Wait(Interval)) throw new PipelineStoppedException();
            }
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            samples.Sort();
            return new RedisLatencyResult(node, samples.Count, Round(samples[0]), Round(samples.Average()), Round(Percentile(samples, 0.50)),
                Round(Percentile(samples, 0.99)), Round(samples[samples.Count - 1]), connection);
        }

        /// <summary>Nearest rank: the smallest sample with at least <paramref name="p"/> of the samples at or below it.</summary>
        private static double Percentile(List<double> sorted, double p) =>
            sorted[Math.Max(0, Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1))];

        private static double Round(double milliseconds) => Math.Round(milliseconds, 3);

        protected override void StopProcessing()
        {
            _stop.Set();
            base.StopProcessing();
        }

        private protected override void DisposeResources() => _stop.Dispose();
    }
}
