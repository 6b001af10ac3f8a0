using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// The servers behind a connection for the per-server cmdlets (slow log, clients, config, saves, latency): the one
    /// server, or on a cluster each node (primaries first) with a client of its own, each named host:port as
    /// Get-RedisServerInfo's Node.
    /// </summary>
    internal static class ServerNodes
    {
        /// <summary>host:port of a one-server connection, or its unix socket's path.</summary>
        public static string Endpoint(RedisConnection connection) =>
            connection.Client.Options.UnixSocketPath is string socket && connection.Host == socket
                ? socket
                : connection.Host + ":" + connection.Port.ToString(CultureInfo.InvariantCulture);

        /// <summary>Each server with the client that talks to it alone; <paramref name="primariesOnly"/> skips a cluster's replicas.</summary>
        public static IReadOnlyList<(string Node, RedisClientBase Client)> Each(RedisConnection connection, bool primariesOnly = false)
        {
            if (!(connection.Client is RedisCluster cluster)) return new[] { (Endpoint(connection), connection.Client) };
            IEnumerable<ClusterNode> nodes = primariesOnly
                ? cluster.Primaries
                : cluster.SlotMap.Nodes.OrderBy(n => n.IsPrimary ? 0 : 1);
            return nodes.Select(n => (n.Endpoint, (RedisClientBase)cluster.NodeClient(n))).ToList();
        }
    }
}
