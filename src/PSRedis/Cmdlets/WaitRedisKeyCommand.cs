using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Wait-RedisKey: waits until a key exists, or with -Value until it holds that string. Polls every 50 ms (EXISTS, or GET
    /// with -Value/-PassThru), each command bounded by the connection's timeout; Ctrl+C ends the wait at once. Emits
    /// nothing on success (-PassThru: the value), and a PSRedis.WaitTimeout error when -Timeout passes first.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "RedisKey")]
    [OutputType(typeof(string))]
    public sealed class WaitRedisKeyCommand : RedisCmdlet
    {
        internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
        private readonly ManualResetEventSlim _stop = new ManualResetEventSlim(false);

        /// <summary>The key to wait for.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Key { get; set; }

        /// <summary>Waits until the key holds this string value, not only until it exists.</summary>
        [Parameter(Position = 1)]
        public string? Value { get; set; }

        /// <summary>How long to wait at most (seconds or a TimeSpan); default 30 seconds.</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Emits the key's value once the wait is over.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (Timeout <= TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Timeout), "The timeout must be positive."),
                    ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, Timeout));
            }
            RedisConnection connection = ResolveConnection();
            ThrowIfBatching(connection, "it polls the key until the wait is over, which a batch cannot do.");
            string key = Key!;
            bool read = Value != null || PassThru;
            WriteVerbose("Waiting up to " + Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s for " + key
                + (Value != null ? " to hold the given value" : " to exist") + " (" + (read ? "GET" : "EXISTS") + " every "
                + PollInterval.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms on " + connection.Url + ")");
            var clock = Stopwatch.StartNew();
            while (true)
            {
                string? value = null;
                bool done;
                try
                {
                    if (read)
                    {
                        value = connection.Client.Get(key);
                        done = value != null && (Value == null || string.Equals(value, Value, StringComparison.Ordinal));
                    }
                    else
                    {
                        done = connection.Client.Exists(key) > 0;
                    }
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    WriteRedisError(e, connection, key);
                    return;
                }
                if (done)
                {
                    WriteVerbose(key + (Value != null ? " holds the value" : " exists") + " after "
                        + clock.Elapsed.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s.");
                    if (PassThru) WriteObject(value);
                    return;
                }
                TimeSpan left = Timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    WriteError(new ErrorRecord(new TimeoutException("Timed out after " + Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)
                        + " s waiting for key '" + key + "' " + (Value != null ? "to hold the given value" : "to exist")
                        + (Value != null && value != null ? " (it holds another value)" : string.Empty) + "."),
                        ErrorIds.WaitTimeout, ErrorCategory.OperationTimeout, key));
                    return;
                }
                if (_stop.Wait(left < PollInterval ? left : PollInterval)) throw new PipelineStoppedException();
            }
        }

        protected override void StopProcessing()
        {
            _stop.Set();
            base.StopProcessing();
        }

        private protected override void DisposeResources() => _stop.Dispose();
    }
}
