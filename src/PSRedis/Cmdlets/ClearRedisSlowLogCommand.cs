using System;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>Clear-RedisSlowLog: SLOWLOG RESET (every node of a cluster); -WhatIf/-Confirm.</summary>
    [Cmdlet(VerbsCommon.Clear, "RedisSlowLog", SupportsShouldProcess = true)]
    [OutputType(typeof(void))]
    public sealed class ClearRedisSlowLogCommand : RedisCmdlet
    {
        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            if (!(connection.Client is RedisCluster))
            {
                string node = ServerNodes.Endpoint(connection);
                if (!ShouldProcess(node + " (" + connection.Name + ")", "SLOWLOG RESET: empty the slow log")) return;
                WriteVerbose("SLOWLOG RESET on " + connection.Url);
                Commands.Add(connection, c => c.SlowlogReset(), node);
                return;
            }
            foreach ((string node, RedisClientBase client) in ServerNodes.Each(connection))
            {
                if (!ShouldProcess("cluster node " + node + " (" + connection.Name + ")", "SLOWLOG RESET: empty the slow log")) continue;
                WriteVerbose("SLOWLOG RESET on cluster node " + node);
                try
                {
                    client.SlowlogReset();
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    WriteError(ToErrorRecord(e, node));
                }
            }
        }
    }
}
