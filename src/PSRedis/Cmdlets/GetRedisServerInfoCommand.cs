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
        [ArgumentCompleter(typeof(PSRedis.Completion.InfoSectionCompleter))]
        public string[]? Section { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            IEnumerable<string?> sections = Section ?? new string?[] { null };
            foreach (string? section in sections)
            {
                WriteVerbose("INFO" + (section != null ? " " + section : string.Empty) + " on " + connection.Url);
                Commands.Add(connection, c => c.Info(section), section, (info, output) => Emit(section, info, output));
            }
        }

        private static void Emit(string? section, RedisInfo info, Cmdlet output)
        {
            if (section != null && info.Sections.Count == 0)
            {
                output.WriteError(new ErrorRecord(new ArgumentException("The server has no INFO section '" + section + "'."),
                    ErrorIds.UnknownInfoSection, ErrorCategory.ObjectNotFound, section));
                return;
            }
            foreach (KeyValuePair<string, IReadOnlyDictionary<string, object>> s in info.Sections)
            {
                foreach (KeyValuePair<string, object> field in s.Value) output.WriteObject(new RedisServerInfoEntry(s.Key, field.Key, field.Value));
            }
        }
    }
}
