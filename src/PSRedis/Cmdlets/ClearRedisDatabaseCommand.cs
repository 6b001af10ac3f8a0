using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Clear-RedisDatabase: FLUSHDB of the connection's database, or FLUSHALL with -All. ConfirmImpact High. On a cluster
    /// (one database) both flush every primary, and the prompt says how many.
    /// </summary>
    [Cmdlet(VerbsCommon.Clear, "RedisDatabase", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class ClearRedisDatabaseCommand : RedisCmdlet
    {
        /// <summary>Every database of the server (FLUSHALL), not only the connection's.</summary>
        [Parameter]
        public SwitchParameter All { get; set; }

        /// <summary>The server frees the memory in the background (ASYNC).</summary>
        [Parameter]
        public SwitchParameter Async { get; set; }

        /// <summary>Skips the confirmation prompt (not -WhatIf).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string target = connection.Client is RedisCluster cluster
                ? "every key of the cluster " + connection.Name + ": all " + cluster.Primaries.Count.ToString(CultureInfo.InvariantCulture) + " primaries ("
                    + string.Join(", ", cluster.Primaries.Select(p => p.Endpoint)) + ")"
                : All
                ? "every database of " + connection.Host + ":" + connection.Port.ToString(CultureInfo.InvariantCulture) + " (" + connection.Name + ")"
                : "database " + connection.Database.ToString(CultureInfo.InvariantCulture) + " of " + connection.Host + ":" + connection.Port.ToString(CultureInfo.InvariantCulture) + " (" + connection.Name + ")";
            string action = (All ? "FLUSHALL" : "FLUSHDB") + (Async ? " ASYNC" : string.Empty) + ": delete every key";
            if (!Approve(target, action, Force)) return;
            WriteVerbose((All ? "FLUSHALL" : "FLUSHDB") + (Async ? " ASYNC" : string.Empty) + " on "
                + (connection.Client is RedisCluster nodes ? "all " + nodes.Primaries.Count.ToString(CultureInfo.InvariantCulture) + " primaries of " : string.Empty)
                + connection.Url);
            // In a batch block it is queued (a transaction can empty a database atomically with other writes).
            bool async = Async;
            if (All) Commands.Add(connection, c => c.FlushAll(async), null);
            else Commands.Add(connection, c => c.FlushDb(async), null);
        }
    }
}
