using System;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Use-RedisLock: takes a distributed lock (the client's RedisLock: SET NX with a random token), runs the script
    /// block on this cmdlet's thread while holding it, and releases it in all cases (success, error, Ctrl+C).
    /// Waiting for the lock can be interrupted with Ctrl+C; failing to get it within -BlockingTimeout is the
    /// terminating error PSRedis.LockNotAcquired. A lock that expired while the block ran (-Timeout too short) is
    /// reported after the block's output as the non-terminating error PSRedis.LockNotOwned. With -Timeout the lock is
    /// renewed (RedisLock.StartRenewal: PEXPIRE with the owner's token) every third of it while the block runs, and the
    /// renewal is stopped before the release whatever ends the block; a renewal that finds the lock gone (deleted, or
    /// taken) is the same PSRedis.LockNotOwned error after the block (the block is not interrupted).
    /// </summary>
    [Cmdlet(VerbsOther.Use, "RedisLock")]
    [OutputType(typeof(object))]
    public sealed class UseRedisLockCommand : RedisCmdlet
    {
        private readonly ManualResetEventSlim _stopping = new ManualResetEventSlim(false);

        /// <summary>The key that holds the lock.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>The work to do while holding the lock; its output is this cmdlet's output.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNull]
        public ScriptBlock? ScriptBlock { get; set; }

        /// <summary>The lock's life in Redis (seconds or a TimeSpan): it expires by itself after that, even if this process dies. Default: until released.</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan? Timeout { get; set; }

        /// <summary>How long to wait for the lock (seconds or a TimeSpan); 0 tries once. Default: until it is free (Ctrl+C stops waiting).</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan? BlockingTimeout { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string name = Name!;
            if (CommandQueue.IsBatching(connection))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("Use-RedisLock needs the lock before the block runs, so it cannot be queued in Invoke-RedisPipeline/Invoke-RedisTransaction; put the batch inside the lock's block instead."),
                    ErrorIds.LockInBatch, ErrorCategory.InvalidOperation, name));
            }
            if (Timeout.HasValue && Timeout.Value < TimeSpan.FromMilliseconds(1))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Timeout), "-Timeout must be at least one millisecond."),
                    ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, name));
            }
            if (BlockingTimeout.HasValue && BlockingTimeout.Value < TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(BlockingTimeout), "-BlockingTimeout cannot be negative."),
                    ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, name));
            }

            RedisLock redisLock;
            try
            {
                redisLock = connection.Client.Lock(name, Timeout);
                WriteVerbose("Acquiring lock " + name + " (SET NX" + (Timeout.HasValue ? " PX " + ((long)Timeout.Value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : string.Empty) + ") on " + connection.Url);
                Acquire(redisLock, name);
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                // Could not even ask: the connection is the problem.
                ThrowTerminatingError(ToErrorRecord(e, IsConnectionLevel(e) ? (object)connection : name));
                return;
            }

            // With a -Timeout the lock is renewed every third of it while the block runs, so a long block keeps it.
            RedisLockRenewal? renewal = null;
            if (Timeout.HasValue)
            {
                renewal = redisLock.StartRenewal();
                WriteVerbose("Renewing lock " + name + " every " + renewal.Interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)
                    + " s while the block runs");
            }

            // The block's output streams as it is produced; its errors reach this cmdlet's error stream.
            var runner = new BlockRunner(this);
            _runner = runner;
            try
            {
                runner.Run(ScriptBlock!, streamOutput: true);
            }
            catch (Exception blockFailure)
            {
                // The block failed or was stopped: stop renewing, release, then let its error end this cmdlet.
                renewal?.Dispose();
                Exception? releaseFailure = Release(redisLock);
                if (renewal?.Lost != null && !(blockFailure is PipelineStoppedException))
                    WriteWarning(LostMessage(name, renewal));
                else if (releaseFailure != null && !(blockFailure is PipelineStoppedException))
                    WriteWarning("Lock " + name + ": " + releaseFailure.Message);
                throw;
            }
            finally
            {
                renewal?.Dispose(); // never left running, whatever ended the block
            }
            Exception? notReleased = Release(redisLock);
            WriteVerbose("Released lock " + name + (renewal != null ? " (renewed " + renewal.Renewals.ToString(CultureInfo.InvariantCulture) + " time(s))" : string.Empty));
            foreach (ErrorRecord error in runner.Errors) WriteError(error);
            if (renewal?.Lost != null)
            {
                var record = new ErrorRecord(renewal.Lost, ErrorIds.LockNotOwned, ErrorCategory.InvalidOperation, name);
                record.ErrorDetails = new ErrorDetails(LostMessage(name, renewal));
                WriteError(record);
            }
            else if (notReleased is RedisLockNotOwnedException)
            {
                var record = new ErrorRecord(notReleased, ErrorIds.LockNotOwned, ErrorCategory.InvalidOperation, name);
                record.ErrorDetails = new ErrorDetails("The lock " + name + " was no longer held when the block ended (it was deleted, or expired while it could not be renewed), so the block was not protected all the time.");
                WriteError(record);
            }
            else if (notReleased != null)
            {
                WriteError(ToErrorRecord(notReleased, name));
            }
        }

        private static string LostMessage(string name, RedisLockRenewal renewal) =>
            "The lock " + name + " was lost while the block ran (found at " + renewal.LostAt?.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)
            + " UTC when renewing it: the key was deleted, or it expired and someone else took it), so the block was not protected all the time.";

        private BlockRunner? _runner;

        protected override void StopProcessing()
        {
            base.StopProcessing();
            _runner?.Stop();
            _stopping.Set();
        }

        private protected override void DisposeResources() => _stopping.Dispose();

        /// <summary>Single attempts every RedisLock.DefaultSleep until -BlockingTimeout, so Ctrl+C can end the wait.</summary>
        private void Acquire(RedisLock redisLock, string name)
        {
            Stopwatch clock = Stopwatch.StartNew();
            while (!redisLock.Acquire(blocking: false))
            {
                TimeSpan pause = RedisLock.DefaultSleep;
                if (BlockingTimeout.HasValue)
                {
                    TimeSpan left = BlockingTimeout.Value - clock.Elapsed;
                    if (left <= TimeSpan.Zero)
                    {
                        ThrowTerminatingError(new ErrorRecord(
                            new RedisLockException("Could not acquire the lock " + name + " within " + BlockingTimeout.Value.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s: someone else holds it."),
                            ErrorIds.LockNotAcquired, ErrorCategory.ResourceBusy, name));
                    }
                    if (left < pause) pause = left;
                }
                if (_stopping.Wait(pause)) throw new PipelineStoppedException();
            }
        }

        /// <summary>Releases the lock; the failure, if any, for the caller to report.</summary>
        private static Exception? Release(RedisLock redisLock)
        {
            try
            {
                redisLock.Release();
                return null;
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                return e;
            }
        }
    }
}
