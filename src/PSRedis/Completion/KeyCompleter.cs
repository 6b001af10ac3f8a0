using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSRedis.Protocol;

namespace PSRedis.Completion
{
    /// <summary>
    /// Completes -Key and -Match with keys from a SCAN MATCH '&lt;typed prefix&gt;*' on -Connection (when already
    /// typed) or the session default. Bounded: at most <see cref="MaxResults"/> keys within <see cref="TimeBudget"/>;
    /// the scan runs on a worker so a slow or unreachable server costs the user no more than the budget and
    /// yields no completions. Never throws.
    /// </summary>
    internal sealed class KeyCompleter : IArgumentCompleter
    {
        internal const int MaxResults = 100;
        internal static readonly TimeSpan TimeBudget = TimeSpan.FromMilliseconds(250);
        private const int ScanCount = 1000;

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var results = new List<CompletionResult>();
            RedisConnection? connection = FromBound(fakeBoundParameters) ?? ConnectionRegistry.Current?.Default;
            if (connection == null || connection.IsClosed) return results;

            string prefix = CompletionText.Unquote(wordToComplete);
            var found = new SortedSet<string>(StringComparer.Ordinal);
            var gate = new object();
            var stop = new CancellationTokenSource();
            RedisClientBase client = connection.Client;
            // -Match takes a pattern as typed; -Key takes a literal name, so its glob characters are escaped.
            string match = (string.Equals(parameterName, "Match", StringComparison.OrdinalIgnoreCase) ? prefix : EscapeGlob(prefix)) + "*";
            Task scan = Task.Run(() =>
            {
                // Pages of every primary on a cluster; the iterator fetches the next page only when asked.
                foreach (string key in client.ScanIter(match, ScanCount))
                {
                    lock (gate)
                    {
                        if (found.Count >= MaxResults) return;
                        found.Add(key);
                    }
                    if (stop.IsCancellationRequested) return;
                }
            });
            try
            {
                scan.Wait(TimeBudget);
            }
            catch (AggregateException)
            {
                // Unreachable or failing server: completion offers what it has (usually nothing), never an error.
            }
            stop.Cancel();
            // A scan still running ends after its current page; observe its failure so it is not unobserved.
            scan.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);

            string[] keys;
            lock (gate)
            {
                keys = new string[found.Count];
                found.CopyTo(keys);
            }
            foreach (string key in keys)
            {
                results.Add(new CompletionResult(CompletionText.Quote(key), key, CompletionResultType.ParameterValue, key));
            }
            return results;
        }

        private static RedisConnection? FromBound(IDictionary? bound)
        {
            if (bound == null || !bound.Contains("Connection")) return null;
            object? value = bound["Connection"];
            return (value is PSObject ps ? ps.BaseObject : value) as RedisConnection;
        }

        /// <summary>The typed text as a literal SCAN MATCH prefix: glob characters are escaped.</summary>
        internal static string EscapeGlob(string text)
        {
            var sb = new StringBuilder(text.Length + 4);
            foreach (char c in text)
            {
                if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') sb.Append('\\');
                sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
