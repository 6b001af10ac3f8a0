using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisKey: streams the keys matching a pattern from SCAN, one page at a time, as RedisKeyInfo
    /// objects; with -Detailed each page's Type and TimeToLive are fetched in one pipelined round trip.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisKey")]
    [OutputType(typeof(RedisKeyInfo))]
    public sealed class GetRedisKeyCommand : RedisCmdlet
    {
        internal const int DefaultCount = 1000;

        /// <summary>Glob-style pattern (SCAN MATCH): * ? [abc] and \ to escape. Default '*'.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [Alias("Pattern")]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string Match { get; set; } = "*";

        /// <summary>Only keys of this type (SCAN TYPE): string, list, set, zset, hash, stream, or a module type.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Type { get; set; }

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
            RedisClient client = connection.Client;
            int database = connection.Database;
            WriteVerbose("SCAN MATCH " + Match + " COUNT " + Count.ToString(CultureInfo.InvariantCulture)
                + (Type != null ? " TYPE " + Type : string.Empty) + (Detailed ? ", then TYPE and PTTL per page" : string.Empty)
                + " on " + connection.Url);
            try
            {
                if (!Detailed)
                {
                    // ScanIter holds one page; each key goes down the pipeline as soon as its page arrives.
                    foreach (string key in client.ScanIter(Match, Count, Type))
                    {
                        WriteObject(new RedisKeyInfo(key, database, connection));
                    }
                    return;
                }

                ulong cursor = 0;
                do
                {
                    ScanPage page = client.Scan(cursor, Match, Count, Type);
                    cursor = page.Cursor;
                    if (page.Keys.Count == 0) continue;
                    foreach (KeyDescription d in client.DescribeKeys(page.Keys))
                    {
                        if (!d.Exists) continue; // deleted or expired since the SCAN page was read
                        WriteObject(new RedisKeyInfo(d.Key, database, connection, d.Type, d.TimeToLive));
                    }
                }
                while (cursor != 0);
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                // A scan cannot skip a failed page and go on: every failure here ends the command.
                ThrowTerminatingError(ToErrorRecord(e, IsConnectionLevel(e) ? (object)connection : Match));
            }
        }
    }
}
