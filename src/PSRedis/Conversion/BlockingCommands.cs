using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace PSRedis
{
    /// <summary>
    /// How long a raw blocking command (sent with Invoke-RedisCommand) may legitimately hold its reply, read from its own
    /// timeout argument, so the read waits that long on top of the socket timeout instead of failing at 30 s.
    /// </summary>
    internal static class BlockingCommands
    {
        // Commands whose last argument is the timeout in seconds (0: forever).
        private static readonly HashSet<string> s_lastSeconds = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BZPOPMIN", "BZPOPMAX",
        };

        // Commands whose first argument is the timeout in seconds.
        private static readonly HashSet<string> s_firstSeconds = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "BLMPOP", "BZMPOP" };

        /// <summary>The command's own wait, <see cref="Timeout.InfiniteTimeSpan"/> for forever, or null when it does not block.</summary>
        public static TimeSpan? WaitOf(IReadOnlyList<object?> args)
        {
            string name = Convert.ToString(args[0], CultureInfo.InvariantCulture) ?? string.Empty;
            if (s_lastSeconds.Contains(name) && args.Count > 2) return Seconds(args[args.Count - 1]);
            if (s_firstSeconds.Contains(name) && args.Count > 1) return Seconds(args[1]);
            if (string.Equals(name, "WAIT", StringComparison.OrdinalIgnoreCase) && args.Count > 2) return Milliseconds(args[args.Count - 1]);
            if (string.Equals(name, "WAITAOF", StringComparison.OrdinalIgnoreCase) && args.Count > 3) return Milliseconds(args[args.Count - 1]);
            if (string.Equals(name, "XREAD", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "XREADGROUP", StringComparison.OrdinalIgnoreCase))
            {
                for (int i = 1; i + 1 < args.Count; i++)
                {
                    string word = Convert.ToString(args[i], CultureInfo.InvariantCulture) ?? string.Empty;
                    if (string.Equals(word, "STREAMS", StringComparison.OrdinalIgnoreCase)) break;
                    if (string.Equals(word, "BLOCK", StringComparison.OrdinalIgnoreCase)) return Milliseconds(args[i + 1]);
                }
            }
            return null;
        }

        private static TimeSpan? Seconds(object? value) =>
            double.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out double s)
                ? (s <= 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(s)) : (TimeSpan?)null;

        private static TimeSpan? Milliseconds(object? value) =>
            double.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out double ms)
                ? (ms <= 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms)) : (TimeSpan?)null;
    }
}
