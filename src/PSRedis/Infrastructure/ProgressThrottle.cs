using System.Diagnostics;
using System.Management.Automation;

namespace PSRedis
{
    /// <summary>
    /// When a long-running cmdlet writes progress: not at all for jobs done within 100 ms (no bar flashes by), then at
    /// most every 100 ms, because a progress record costs the host far more than the work between two of them.
    /// </summary>
    internal sealed class ProgressThrottle
    {
        private static readonly long Interval = Stopwatch.Frequency / 10;
        private readonly int _id;
        private readonly string _activity;
        private readonly Stopwatch _clock = new Stopwatch();
        private long _last;

        internal ProgressThrottle(int id, string activity)
        {
            _id = id;
            _activity = activity;
        }

        /// <summary>True once a record was written (so the bar must be completed at the end).</summary>
        internal bool Shown { get; private set; }

        /// <summary>Starts (or restarts) the clock of the first 100 ms.</summary>
        internal void Start() => _clock.Restart();

        /// <summary>True when a record is due now; the caller then writes one with <see cref="Record"/>.</summary>
        internal bool Due()
        {
            long now = Stopwatch.GetTimestamp();
            if (Shown ? now - _last < Interval : _clock.ElapsedMilliseconds < 100) return false;
            _last = now;
            Shown = true;
            return true;
        }

        /// <summary>A record of this activity with <paramref name="status"/>.</summary>
        internal ProgressRecord Record(string status) => new ProgressRecord(_id, _activity, status);

        /// <summary>Ends the bar, when one was shown.</summary>
        internal void Complete(Cmdlet output)
        {
            if (!Shown) return;
            Shown = false;
            output.WriteProgress(new ProgressRecord(_id, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
