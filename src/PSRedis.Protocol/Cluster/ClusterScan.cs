using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Makes a cluster-wide SCAN complete while slots move. Each primary's SCAN cursor guarantees only the keys that stay
    /// on that node for the whole iteration; a key migrated from a node the cursor had not reached yet to a node whose
    /// cursor had already passed it is seen by neither. So the scan notes the slot map and the slots being migrated when
    /// it starts, and at the end lists the keys of every slot that changed owner or was in migration (CLUSTER
    /// GETKEYSINSLOT on the source, then the target: keys only ever move from source to target, so none slips between
    /// the two calls), filtered by the pattern and type locally. Those keys may repeat keys already returned, as SCAN's may.
    /// </summary>
    internal static class ClusterScan
    {
        internal sealed class Snapshot
        {
            public Snapshot(ClusterSlotMap map, IReadOnlyCollection<int> migrating)
            {
                Map = map;
                Migrating = migrating;
            }

            public ClusterSlotMap Map { get; }
            public IReadOnlyCollection<int> Migrating { get; }
        }

        public static Snapshot Begin(RedisCluster cluster) => new Snapshot(cluster.SlotMap, MigratingSlots(cluster));

        public static IEnumerable<ScanPage> End(RedisCluster cluster, Snapshot before, string? match, string? type)
        {
            cluster.RefreshSlotMap();
            ClusterSlotMap after = cluster.SlotMap;
            var slots = new SortedSet<int>(before.Migrating);
            slots.UnionWith(MigratingSlots(cluster));
            for (int slot = 0; slot < ClusterSlot.Count; slot++)
            {
                ClusterNode? was = before.Map.ShardFor(slot)?.Primary;
                ClusterNode? now = after.ShardFor(slot)?.Primary;
                if (was != null && now != null && !was.Equals(now)) slots.Add(slot);
            }
            foreach (int slot in slots)
            {
                var keys = new List<string>();
                foreach (ClusterNode node in Holders(before.Map, after, slot))
                {
                    RedisClient client = cluster.NodeClient(node);
                    long count = client.Execute(new object?[] { "CLUSTER", "COUNTKEYSINSLOT", slot }).Integer64;
                    if (count == 0) continue;
                    foreach (string? key in Reply.StringList(client.Execute(new object?[] { "CLUSTER", "GETKEYSINSLOT", slot, count })))
                    {
                        if (key != null && (match == null || RedisGlob.IsMatch(match, key))) keys.Add(key);
                    }
                }
                if (type != null) keys = keys.Where(k => string.Equals(cluster.Type(k), type, StringComparison.OrdinalIgnoreCase)).ToList();
                if (keys.Count > 0) yield return new ScanPage(0, keys);
            }
        }

        /// <summary>The primaries that may hold keys of <paramref name="slot"/>: its owner before, then after (source first).</summary>
        private static IEnumerable<ClusterNode> Holders(ClusterSlotMap before, ClusterSlotMap after, int slot)
        {
            ClusterNode? was = before.ShardFor(slot)?.Primary;
            ClusterNode? now = after.ShardFor(slot)?.Primary;
            var seen = new List<ClusterNode>();
            foreach (ClusterNode? node in new[] { was, now })
            {
                if (node != null && !seen.Contains(node)) seen.Add(node);
            }
            // A slot still in migration: its keys are split between the owner and the importing node.
            foreach (ClusterNode primary in after.Primaries)
            {
                if (!seen.Contains(primary)) seen.Add(primary);
            }
            return seen;
        }

        /// <summary>Slots any primary reports as MIGRATING or IMPORTING (CLUSTER NODES, its own line: [slot-&gt;-id] or [slot-&lt;-id]).</summary>
        private static IReadOnlyCollection<int> MigratingSlots(RedisCluster cluster)
        {
            var slots = new HashSet<int>();
            foreach (ClusterNode primary in cluster.Primaries)
            {
                string nodes;
                try
                {
                    nodes = cluster.NodeClient(primary).Execute(new object?[] { "CLUSTER", "NODES" }).AsString() ?? string.Empty;
                }
                catch (RedisException)
                {
                    continue; // a node that cannot answer now is the failover's business; the map comparison still runs
                }
                foreach (string line in nodes.Split('\n'))
                {
                    if (line.IndexOf("myself", StringComparison.Ordinal) < 0) continue;
                    foreach (string field in line.Split(' '))
                    {
                        if (!field.StartsWith("[", StringComparison.Ordinal)) continue;
                        int dash = field.IndexOf('-');
                        if (dash > 1 && int.TryParse(field.Substring(1, dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int slot)) slots.Add(slot);
                    }
                }
            }
            return slots;
        }
    }
}
