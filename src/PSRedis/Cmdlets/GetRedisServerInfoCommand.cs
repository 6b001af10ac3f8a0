using System;
using System.Collections.Generic;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisServerInfo: INFO as one object per field (Section, Name, Value), values typed (long, double,
    /// string, or a dictionary for "a=1,b=2" fields), in the server's order.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisServerInfo")]
    [OutputType(typeof(RedisServerInfoEntry))]
    public sealed class GetRedisServerInfoCommand : RedisCmdlet
    {
        /// <summary>INFO sections (server, clients, memory, persistence, stats, replication, cpu, keyspace, all, everything, ...).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Section { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            IEnumerable<string?> sections = Section ?? new string?[] { null };
            if (IsBatching(connection))
            {
                // Inside Invoke-RedisPipeline/-Transaction: one INFO per section; the batch emits each as a RedisInfo object.
                foreach (string? section in sections) QueueInBatch(connection, section, c => c.Info(section));
                return;
            }
            foreach (string? section in sections)
            {
                WriteVerbose("INFO" + (section != null ? " " + section : string.Empty) + " on " + connection.Url);
                RedisInfo info;
                try
                {
                    info = connection.Client.Info(section);
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    WriteRedisError(e, connection, section);
                    continue;
                }
                if (section != null && info.Sections.Count == 0)
                {
                    WriteError(new ErrorRecord(new ArgumentException("The server has no INFO section '" + section + "'."),
                        "PSRedis.UnknownInfoSection", ErrorCategory.ObjectNotFound, section));
                    continue;
                }
                foreach (KeyValuePair<string, IReadOnlyDictionary<string, object>> s in info.Sections)
                {
                    foreach (KeyValuePair<string, object> field in s.Value)
                    {
                        WriteObject(new RedisServerInfoEntry(s.Key, field.Key, field.Value));
                    }
                }
            }
        }
    }
}
