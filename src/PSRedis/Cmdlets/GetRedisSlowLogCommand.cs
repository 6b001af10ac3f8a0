using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisSlowLog: SLOWLOG GET as objects (Node, Id, Time in UTC, Duration, Command as string[], ClientAddress,
    /// ClientName), newest first. On a cluster every node's log, each entry naming its node.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisSlowLog")]
    [OutputType(typeof(RedisSlowLogEntry))]
    public sealed class GetRedisSlowLogCommand : RedisCmdlet
    {
        /// <summary>How many of the newest entries (per server); default 10 (the server's default), -1 for all.</summary>
        [Parameter(Position = 0)]
        [ValidateRange(-1, int.MaxValue)]
        public int Count { get; set; } = 10;

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            int count = Count;
            if (!(connection.Client is RedisCluster))
            {
                string node = ServerNodes.Endpoint(connection);
                WriteVerbose("SLOWLOG GET " + count + " on " + connection.Url);
                Commands.Add(connection, c => c.SlowlogGet(count), node, (entries, output) => Emit(node, entries, output));
                return;
            }
            foreach ((string node, RedisClientBase client) in ServerNodes.Each(connection))
            {
                WriteVerbose("SLOWLOG GET " + count + " on cluster node " + node);
                IList<SlowlogEntry> entries;
                try
                {
                    entries = client.SlowlogGet(count);
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    WriteError(ToErrorRecord(e, node));
                    continue;
                }
                Emit(node, entries, this);
            }
        }

        private static void Emit(string node, IList<SlowlogEntry> entries, Cmdlet output)
        {
            foreach (SlowlogEntry e in entries)
            {
                output.WriteObject(new RedisSlowLogEntry(node, e.Id, e.StartTime.UtcDateTime, e.Duration, e.Command.ToArray(),
                    e.ClientAddress, e.ClientName));
            }
        }
    }
}
