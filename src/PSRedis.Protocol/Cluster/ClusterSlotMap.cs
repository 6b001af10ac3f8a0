using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>One node of a cluster as the slot map names it.</summary>
    public sealed class ClusterNode : IEquatable<ClusterNode>
    {
        public ClusterNode(string host, int port, string? id = null, bool isPrimary = true, string? hostName = null)
        {
            Host = host ?? throw new ArgumentNullException(nameof(host));
            Port = port;
            Id = id;
            IsPrimary = isPrimary;
            HostName = string.IsNullOrEmpty(hostName) ? null : hostName;
        }

        /// <summary>Where the client connects: the endpoint the node announces (an IP unless the cluster prefers names).</summary>
        public string Host { get; }

        public int Port { get; }

        /// <summary>The node's 40-character cluster id (null when the map did not say).</summary>
        public string? Id { get; }

        public bool IsPrimary { get; }

        /// <summary>The host name the node announces (cluster-announce-hostname), if any.</summary>
        public string? HostName { get; }

        /// <summary>"host:port", how nodes are told apart and how -Node names one.</summary>
        public string Endpoint => ClusterSlotMap.EndpointOf(Host, Port);

        public bool Equals(ClusterNode? other) => other != null && string.Equals(Endpoint, other.Endpoint, StringComparison.OrdinalIgnoreCase);

        public override bool Equals(object? obj) => Equals(obj as ClusterNode);

        public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Endpoint);

        public override string ToString() => Endpoint + (IsPrimary ? " (primary)" : " (replica)");
    }

    /// <summary>A primary, its replicas and the slot ranges they serve.</summary>
    public sealed class ClusterShard
    {
        internal ClusterShard(ClusterNode primary, IReadOnlyList<ClusterNode> replicas, IReadOnlyList<(int Start, int End)> slots)
        {
            Primary = primary;
            Replicas = replicas;
            Slots = slots;
        }

        public ClusterNode Primary { get; }
        public IReadOnlyList<ClusterNode> Replicas { get; }
        public IReadOnlyList<(int Start, int End)> Slots { get; }

        /// <summary>How many of the 16,384 slots this shard serves.</summary>
        public int SlotCount => Slots.Sum(r => r.End - r.Start + 1);
    }

    /// <summary>
    /// Which node serves each of the 16,384 slots, read from CLUSTER SHARDS (Redis 7+) or CLUSTER SLOTS. Immutable: a
    /// MOVED reply makes a new map with one slot changed, a refresh a whole new one, so readers never lock.
    /// </summary>
    public sealed class ClusterSlotMap
    {
        private readonly ClusterShard?[] _bySlot;

        private ClusterSlotMap(IReadOnlyList<ClusterShard> shards, ClusterShard?[] bySlot)
        {
            Shards = shards;
            _bySlot = bySlot;
        }

        public IReadOnlyList<ClusterShard> Shards { get; }

        /// <summary>Every primary that serves at least one slot.</summary>
        public IReadOnlyList<ClusterNode> Primaries => Shards.Where(s => s.Slots.Count > 0).Select(s => s.Primary).ToList();

        /// <summary>Every node, primaries first.</summary>
        public IReadOnlyList<ClusterNode> Nodes => Shards.Select(s => s.Primary).Concat(Shards.SelectMany(s => s.Replicas)).ToList();

        /// <summary>How many slots have no owner (a cluster still being set up, or one that lost a shard).</summary>
        public int UncoveredSlots => _bySlot.Count(s => s == null);

        /// <summary>The shard serving <paramref name="slot"/>, or null if none does.</summary>
        public ClusterShard? ShardFor(int slot)
        {
            if (slot < 0 || slot >= ClusterSlot.Count) throw new ArgumentOutOfRangeException(nameof(slot));
            return _bySlot[slot];
        }

        internal static string EndpointOf(string host, int port) =>
            (host.IndexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// The map after a MOVED: <paramref name="slot"/> now belongs to <paramref name="owner"/> (a primary already known,
        /// or a new shard of its own until the next refresh says more).
        /// </summary>
        internal ClusterSlotMap WithOwner(int slot, ClusterNode owner)
        {
            var shards = Shards.ToList();
            ClusterShard? target = shards.FirstOrDefault(s => s.Primary.Equals(owner));
            if (target == null)
            {
                target = new ClusterShard(new ClusterNode(owner.Host, owner.Port), Array.Empty<ClusterNode>(), new[] { (slot, slot) });
                shards.Add(target);
            }
            var bySlot = (ClusterShard?[])_bySlot.Clone();
            bySlot[slot] = target;
            return new ClusterSlotMap(shards, bySlot);
        }

        /// <summary>
        /// Reads a CLUSTER SHARDS reply. <paramref name="seedHost"/> stands in for a node that announces no endpoint ("?"
        /// or empty, as a single-host cluster may); <paramref name="useTls"/> picks each node's TLS port when it has one.
        /// </summary>
        public static ClusterSlotMap FromShards(RespValue reply, string seedHost, bool useTls)
        {
            var shards = new List<ClusterShard>();
            foreach (RespValue shardValue in Items(reply, "CLUSTER SHARDS"))
            {
                Dictionary<string, RespValue> shard = Fields(shardValue);
                var ranges = new List<(int, int)>();
                if (shard.TryGetValue("slots", out RespValue? slots))
                {
                    IReadOnlyList<RespValue> bounds = slots.Items;
                    for (int i = 0; i + 1 < bounds.Count; i += 2) ranges.Add(((int)bounds[i].Integer64, (int)bounds[i + 1].Integer64));
                }
                ClusterNode? primary = null;
                var replicas = new List<ClusterNode>();
                if (shard.TryGetValue("nodes", out RespValue? nodes))
                {
                    foreach (RespValue nodeValue in nodes.Items)
                    {
                        Dictionary<string, RespValue> node = Fields(nodeValue);
                        string health = Text(node, "health") ?? "online";
                        bool isPrimary = string.Equals(Text(node, "role"), "master", StringComparison.OrdinalIgnoreCase);
                        string host = Endpoint(Text(node, "endpoint") ?? Text(node, "ip"), seedHost);
                        int port = (int)(useTls && node.TryGetValue("tls-port", out RespValue? tls) ? tls.Integer64 : Number(node, "port"));
                        var parsed = new ClusterNode(host, port, Text(node, "id"), isPrimary, Text(node, "hostname"));
                        if (isPrimary) primary = parsed;
                        // A replica still loading or marked failed cannot serve reads; the primary is listed whatever its health.
                        else if (string.Equals(health, "online", StringComparison.OrdinalIgnoreCase)) replicas.Add(parsed);
                    }
                }
                if (primary != null) shards.Add(new ClusterShard(primary, replicas, ranges));
            }
            return Build(shards);
        }

        /// <summary>Reads a CLUSTER SLOTS reply (servers before 7.0): one entry per slot range, primary first, then replicas.</summary>
        public static ClusterSlotMap FromSlots(RespValue reply, string seedHost)
        {
            var byPrimary = new Dictionary<string, (ClusterNode Primary, List<ClusterNode> Replicas, List<(int, int)> Ranges)>(StringComparer.OrdinalIgnoreCase);
            foreach (RespValue range in Items(reply, "CLUSTER SLOTS"))
            {
                IReadOnlyList<RespValue> parts = range.Items;
                if (parts.Count < 3) continue;
                int start = (int)parts[0].Integer64;
                int end = (int)parts[1].Integer64;
                ClusterNode primary = SlotsNode(parts[2], seedHost, isPrimary: true);
                if (!byPrimary.TryGetValue(primary.Endpoint, out var entry))
                {
                    entry = (primary, new List<ClusterNode>(), new List<(int, int)>());
                    for (int i = 3; i < parts.Count; i++) entry.Replicas.Add(SlotsNode(parts[i], seedHost, isPrimary: false));
                    byPrimary[primary.Endpoint] = entry;
                }
                entry.Ranges.Add((start, end));
            }
            return Build(byPrimary.Values.Select(e => new ClusterShard(e.Primary, e.Replicas, e.Ranges)).ToList());
        }

        private static ClusterNode SlotsNode(RespValue value, string seedHost, bool isPrimary)
        {
            IReadOnlyList<RespValue> fields = value.Items;
            string host = Endpoint(fields.Count > 0 ? fields[0].AsString() : null, seedHost);
            int port = fields.Count > 1 ? (int)fields[1].Integer64 : 0;
            string? id = fields.Count > 2 ? fields[2].AsString() : null;
            string? hostName = null;
            if (fields.Count > 3 && fields[3].IsAggregate && Fields(fields[3]).TryGetValue("hostname", out RespValue? announced)) hostName = announced.AsString();
            return new ClusterNode(host, port, id, isPrimary, hostName);
        }

        private static ClusterSlotMap Build(IReadOnlyList<ClusterShard> shards)
        {
            var bySlot = new ClusterShard?[ClusterSlot.Count];
            foreach (ClusterShard shard in shards)
            {
                foreach ((int start, int end) in shard.Slots)
                {
                    for (int slot = Math.Max(0, start); slot <= end && slot < ClusterSlot.Count; slot++) bySlot[slot] = shard;
                }
            }
            return new ClusterSlotMap(shards, bySlot);
        }

        private static string Endpoint(string? announced, string seedHost) =>
            string.IsNullOrEmpty(announced) || announced == "?" ? seedHost : announced!;

        private static IReadOnlyList<RespValue> Items(RespValue reply, string command)
        {
            if (!reply.IsAggregate) throw new RedisInvalidResponseException(command + " answered " + reply.Describe() + " instead of a list.");
            return reply.Items;
        }

        private static Dictionary<string, RespValue> Fields(RespValue value)
        {
            var fields = new Dictionary<string, RespValue>(StringComparer.OrdinalIgnoreCase);
            IReadOnlyList<RespValue> items = value.Items;
            for (int i = 0; i + 1 < items.Count; i += 2)
            {
                string? name = items[i].AsString();
                if (name != null) fields[name] = items[i + 1];
            }
            return fields;
        }

        private static string? Text(Dictionary<string, RespValue> fields, string name) =>
            fields.TryGetValue(name, out RespValue? value) && !value.IsNull ? value.AsString() : null;

        private static long Number(Dictionary<string, RespValue> fields, string name) =>
            fields.TryGetValue(name, out RespValue? value) ? value.Integer64 : 0;
    }
}
