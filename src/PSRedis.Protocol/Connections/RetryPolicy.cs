using System;
using System.Security.Authentication;
using System.Threading;

namespace PSRedis.Protocol
{
    /// <summary>
    /// How often and how patiently a failed command is tried again (redis-py's <c>Retry</c> with
    /// <c>ExponentialWithJitterBackoff</c>). Transient failures are retried: a lost or refused connection, a server
    /// still loading its data, a failover in progress (READONLY, MASTERDOWN), TRYAGAIN and CLUSTERDOWN, and timeouts when
    /// <see cref="ConnectionOptions.RetryOnTimeout"/> is set. One rule keeps retries from applying a write twice: a
    /// command that may have reached the server is sent again only when repeating it is harmless
    /// (<see cref="CommandSafety"/>); any other gets a <see cref="RedisCommandInDoubtException"/>.
    /// </summary>
    public sealed class RetryPolicy
    {
        [ThreadStatic] private static Random? _random;

        /// <param name="retries">Attempts after the first; 0 turns retrying off.</param>
        /// <param name="backoffBase">The first wait; each further one may be twice as long.</param>
        /// <param name="backoffCap">No wait is longer than this.</param>
        public RetryPolicy(int retries, TimeSpan backoffBase, TimeSpan backoffCap)
        {
            if (retries < 0) throw new ArgumentOutOfRangeException(nameof(retries), retries, "Retries must be 0 or more.");
            if (backoffBase < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(backoffBase), "The backoff cannot be negative.");
            if (backoffCap < backoffBase) throw new ArgumentOutOfRangeException(nameof(backoffCap), "The backoff cap cannot be below its base.");
            Retries = retries;
            BackoffBase = backoffBase;
            BackoffCap = backoffCap;
        }

        /// <summary>A policy whose waits stop growing at 40 times <paramref name="backoffBase"/>, and never exceed 30 s.</summary>
        public RetryPolicy(int retries, TimeSpan backoffBase)
            : this(retries, backoffBase, CapFor(backoffBase))
        {
        }

        /// <summary>3 retries, waits of up to 50 ms, 100 ms, 200 ms (jittered), never over 2 s.</summary>
        public static RetryPolicy Default { get; } = new RetryPolicy(3, DefaultBackoffBase, TimeSpan.FromSeconds(2));

        /// <summary>No retries at all.</summary>
        public static RetryPolicy None { get; } = new RetryPolicy(0, TimeSpan.Zero, TimeSpan.Zero);

        internal static TimeSpan DefaultBackoffBase => TimeSpan.FromMilliseconds(50);

        private static TimeSpan CapFor(TimeSpan backoffBase) =>
            TimeSpan.FromTicks(Math.Max(backoffBase.Ticks, Math.Min(TimeSpan.FromSeconds(30).Ticks, backoffBase.Ticks * 40)));

        public int Retries { get; }
        public TimeSpan BackoffBase { get; }
        public TimeSpan BackoffCap { get; }

        /// <summary>
        /// The wait before the next attempt after <paramref name="failures"/> failures: anywhere from zero to
        /// min(cap, base × 2^(failures−1)), so clients that failed together do not come back together.
        /// </summary>
        public TimeSpan Backoff(int failures)
        {
            if (failures < 1 || BackoffBase <= TimeSpan.Zero) return TimeSpan.Zero;
            double ceiling = Math.Min(BackoffCap.Ticks, BackoffBase.Ticks * Math.Pow(2, Math.Min(failures - 1, 30)));
            Random random = _random ??= new Random(Guid.NewGuid().GetHashCode());
            return TimeSpan.FromTicks((long)(random.NextDouble() * ceiling));
        }

        /// <summary>Waits <see cref="Backoff"/>; a stop (Ctrl+C) cuts the wait short.</summary>
        internal void Wait(int failures, Func<bool>? isStopped = null)
        {
            TimeSpan wait = Backoff(failures);
            if (isStopped == null)
            {
                if (wait > TimeSpan.Zero) Thread.Sleep(wait);
                return;
            }
            DateTime until = DateTime.UtcNow + wait;
            while (!isStopped())
            {
                TimeSpan left = until - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return;
                Thread.Sleep(left < TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50));
            }
            throw new OperationCanceledException("Stopped while waiting to retry.");
        }

        /// <summary>
        /// True when <paramref name="error"/> is worth another attempt at all (before the in-doubt rule): the network
        /// or the server's state may be different a moment later. Wrong credentials, a rejected certificate, a full
        /// pool and a malformed reply are not: trying again only delays the same answer.
        /// </summary>
        internal static bool IsTransient(Exception error, ConnectionOptions options)
        {
            switch (error)
            {
                case RedisAuthenticationException _:
                case RedisPoolExhaustedException _:
                case RedisCommandInDoubtException _:
                    return false;
                case RedisBusyLoadingException _:
                    return true;
                case RedisTimeoutException _:
                    return options.RetryOnTimeout;
                case RedisConnectionException connection:
                    return !(connection.InnerException is AuthenticationException);
                case RedisResponseException response:
                    return IsTransientRefusal(response);
                default:
                    return false;
            }
        }

        /// <summary>An error reply that proves the command was not applied, and whose cause may pass.</summary>
        internal static bool IsTransientRefusal(RedisException error) =>
            error is RedisBusyLoadingException || error is RedisReadOnlyException
            || (error is RedisResponseException response
                && (response.ErrorCode == "MASTERDOWN" || response.ErrorCode == "TRYAGAIN" || response.ErrorCode == "CLUSTERDOWN"));

        public override string ToString() =>
            Retries == 0 ? "no retries" : Retries + " retries, backoff " + BackoffBase.TotalMilliseconds + " ms up to " + BackoffCap.TotalMilliseconds + " ms";
    }
}
