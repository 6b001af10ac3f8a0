using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisServerInfo: INFO as one object per field (Node, Section, Name, Value), values typed (long, double,
    /// string, or a dictionary for "a=1,b=2" fields), in the server's order. On a cluster every node answers (its
    /// primaries first), or the nodes -Node names.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisServerInfo")]
    [OutputType(typeof(RedisServerInfoEntry))]
    public sealed class GetRedisServerInfoCommand : RedisCmdlet
    {
        private const string ClusterTypeName = "PSRedis.RedisServerInfoEntry#Cluster";

        /// <summary>INFO sections (server, clients, memory, persistence, stats, replication, cpu, keyspace, all, everything, ...).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PSRedis.Completion.InfoSectionCompleter))]
        public string[]? Section { get; set; }

        /// <summary>On a cluster: the nodes to ask, as host:port (wildcards allowed); default every node.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Node { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            IEnumerable<string?> sections = Section ?? new string?[] { null };
            if (connection.Client is RedisCluster cluster)
            {
                EachNode(connection, cluster, sections);
                return;
            }
            string node = connection.Host + ":" + connection.Port.ToString(CultureInfo.InvariantCulture);
            if (Node != null && !Node.Any(n => Matches(n, node)))
            {
                WriteError(new ErrorRecord(new ArgumentException("-Node picks nodes of a cluster; " + connection.Name + " is one server, " + node + "."),
                    ErrorIds.NodeNotFound, ErrorCategory.ObjectNotFound, string.Join(",", Node)));
                return;
            }
            foreach (string? section in sections)
            {
                WriteVerbose("INFO" + (section != null ? " " + section : string.Empty) + " on " + connection.Url);
                Commands.Add(connection, c => c.Info(section), section, (info, output) => Emit(node, section, info, output, cluster: false));
            }
        }

        /// <summary>INFO of each node in turn (primaries first), each entry naming its node; a node that fails is that node's error.</summary>
        private void EachNode(RedisConnection connection, RedisCluster cluster, IEnumerable<string?> sections)
        {
            List<ClusterNode> nodes = cluster.SlotMap.Nodes.Where(n => Node == null || Node.Any(p => Matches(p, n.Endpoint))).ToList();
            if (nodes.Count == 0)
            {
                WriteError(new ErrorRecord(new ArgumentException("No node of the cluster is " + string.Join(" or ", Node!) + "; its nodes are "
                    + string.Join(", ", cluster.SlotMap.Nodes.Select(n => n.Endpoint)) + "."), ErrorIds.NodeNotFound, ErrorCategory.ObjectNotFound, string.Join(",", Node!)));
                return;
            }
            foreach (ClusterNode node in nodes)
            {
                foreach (string? section in sections)
                {
                    WriteVerbose("INFO" + (section != null ? " " + section : string.Empty) + " on cluster node " + node);
                    RedisInfo info;
                    try
                    {
                        info = cluster.NodeClient(node).Info(section);
                    }
                    catch (RedisException e)
                    {
                        WriteError(ToErrorRecord(e, node.Endpoint));
                        continue;
                    }
                    Emit(node.Endpoint, section, info, this, cluster: true);
                }
            }
        }

        private static bool Matches(string pattern, string endpoint) =>
            new WildcardPattern(pattern, WildcardOptions.IgnoreCase).IsMatch(endpoint);

        private static void Emit(string node, string? section, RedisInfo info, Cmdlet output, bool cluster)
        {
            if (section != null && info.Sections.Count == 0)
            {
                output.WriteError(new ErrorRecord(new ArgumentException("The server has no INFO section '" + section + "'."),
                    ErrorIds.UnknownInfoSection, ErrorCategory.ObjectNotFound, section));
                return;
            }
            foreach (KeyValuePair<string, IReadOnlyDictionary<string, object>> s in info.Sections)
            {
                foreach (KeyValuePair<string, object> field in s.Value)
                {
                    var entry = new RedisServerInfoEntry(node, s.Key, field.Key, field.Value);
                    if (!cluster)
                    {
                        output.WriteObject(entry);
                        continue;
                    }
                    // Its own view: grouped by node, the section as a column.
                    var wrapped = new PSObject(entry);
                    wrapped.TypeNames.Insert(0, ClusterTypeName);
                    output.WriteObject(wrapped);
                }
            }
        }
    }
}
