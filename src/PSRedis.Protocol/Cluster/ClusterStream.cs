using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Commands for a cluster sent as one batch: each goes on a pipeline of the node that owns its slot, every node's
    /// pipeline is written before any reply is read (so the nodes work in parallel), and the replies come back in the
    /// order the commands were added. A multi-key command whose keys span slots (MGET, DEL, UNLINK, EXISTS, TOUCH, MSET)
    /// becomes one command per slot on the owners' pipelines, its replies made one again when its turn comes. A reply
    /// that says the slot moved (MOVED, ASK) or that the cluster is busy (TRYAGAIN, CLUSTERDOWN) is followed for that
    /// command alone: none of those means the command ran. A node whose connection is lost leaves its waiting commands
    /// to go one by one through the cluster (which waits for a failover). A command for every primary (FLUSHDB, DBSIZE)
    /// runs on its own when its turn comes. Not thread-safe, like a pipeline; <see cref="RequestStop"/> may come from
    /// another thread.
    /// </summary>
    internal sealed class ClusterStream : IDisposable
    {
        private readonly RedisCluster _cluster;
        private readonly Dictionary<string, RedisPipeline> _parts = new Dictionary<string, RedisPipeline>(StringComparer.OrdinalIgnoreCase);
        private readonly Queue<Entry> _entries = new Queue<Entry>();
        private volatile bool _stopRequested;

        public ClusterStream(RedisCluster cluster)
        {
            _cluster = cluster;
        }

        /// <summary>Commands added whose replies were not taken yet.</summary>
        public int Count => _entries.Count;

        /// <summary>The node whose pipeline gave the last reply; null when it came by another way (a split, a redirect, a retry).</summary>
        public ClusterNode? Answered { get; private set; }

        /// <summary>Queues <paramref name="args"/> on its node's pipeline, or its per-slot parts on theirs (sent by <see cref="Send"/>).</summary>
        public void Add(IReadOnlyList<object?> args, TimeSpan? blockFor)
        {
            ClusterRoute route = ClusterKeys.Route(args);
            switch (route.Kind)
            {
                case ClusterRouteKind.Slot:
                    _entries.Enqueue(new Entry(new[] { Queue(args, route.Slot, blockFor) }, null));
                    break;
                case ClusterRouteKind.Split:
                    SlotSplit split = SlotSplit.Of(args, route);
                    var parts = new Sub[split.Commands.Count];
                    for (int i = 0; i < parts.Length; i++) parts[i] = Queue(split.Commands[i], split.Slots[i], null);
                    _entries.Enqueue(new Entry(parts, split));
                    break;
                default:
                    // Every primary, or any: run through the cluster when its turn comes.
                    _entries.Enqueue(new Entry(new[] { new Sub(args, blockFor, null, -1, null) }, null));
                    break;
            }
        }

        private Sub Queue(IReadOnlyList<object?> args, int slot, TimeSpan? blockFor)
        {
            ClusterNode node = _cluster.ServerOf(slot, args);
            RedisPipeline part = PartFor(node);
            part.Run(args, Reply.Raw, blockFor);
            return new Sub(args, blockFor, part, slot, node);
        }

        /// <summary>Writes every node's queued commands; returns how many were written.</summary>
        public int Send()
        {
            int sent = 0;
            foreach (RedisPipeline part in new List<RedisPipeline>(_parts.Values))
            {
                if (part.Pending == 0) continue;
                int pending = part.Pending;
                try
                {
                    sent += part.Send();
                }
                catch (RedisException ex) when (IsLostNode(ex))
                {
                    // The node is unreachable (failing over?): its commands go one by one, routed anew when their turn comes.
                    Abandon(part);
                    sent += pending;
                }
            }
            return sent;
        }

        /// <summary>The next reply in the order commands were added; an error reply is a value (the command's own failure).</summary>
        public RespValue Receive()
        {
            Entry entry = _entries.Dequeue();
            Answered = null;
            if (entry.Split == null) return Receive(entry.Parts[0]);
            var replies = new RespValue[entry.Parts.Length];
            for (int i = 0; i < replies.Length; i++) replies[i] = Receive(entry.Parts[i]);
            return entry.Split.Combine(replies);
        }

        private RespValue Receive(Sub sub)
        {
            // A part abandoned while this command's other parts were read is gone too: same as never queued.
            if (sub.Part == null || !_parts.ContainsValue(sub.Part))
            {
                return RedisCluster.AsValue(() => sub.Slot >= 0
                    ? _cluster.Attempt(sub.Args, sub.Slot, null, Reply.Raw, sub.BlockFor)
                    : _cluster.Run(sub.Args, Reply.Raw, sub.BlockFor));
            }
            RespValue? reply = null;
            if (_stopRequested) sub.Part.RequestStop();
            try
            {
                sub.Part.Receive(sub.Part.Outstanding - 1, r => reply = (RespValue)r.Value!);
            }
            catch (RedisException ex) when (IsLostNode(ex))
            {
                // The node pipeline raised no in-doubt error, so each of its unanswered commands is harmless to repeat
                // (or never reached the node): they go again one by one, after the cluster has found the slot's owner.
                Abandon(sub.Part);
                return RedisCluster.AsValue(() => _cluster.Attempt(sub.Args, sub.Slot, null, Reply.Raw, sub.BlockFor));
            }
            RespValue answer = reply ?? throw new RedisInvalidResponseException("A node's pipeline gave no reply for " + CommandText.Name(sub.Args) + ".");
            Answered = sub.Node;
            if (answer.IsError && IsRedirectOrBusy(answer, sub.Node!.Host, out ClusterRedirect redirect, out bool busy))
            {
                Answered = null;
                answer = RedisCluster.AsValue(() => busy
                    ? _cluster.Attempt(sub.Args, sub.Slot, null, Reply.Raw, sub.BlockFor)
                    : _cluster.Attempt(sub.Args, sub.Slot, _cluster.Follow(redirect), Reply.Raw, sub.BlockFor, asking: !redirect.IsMoved));
            }
            return answer;
        }

        private static bool IsRedirectOrBusy(RespValue reply, string answeringHost, out ClusterRedirect redirect, out bool busy)
        {
            string message = reply.AsString() ?? string.Empty;
            busy = message.StartsWith("TRYAGAIN", StringComparison.Ordinal) || message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal);
            return busy | ClusterRedirect.TryParse(message, answeringHost, out redirect);
        }

        // IsTransient already leaves out wrong credentials, a full pool and commands in doubt.
        private bool IsLostNode(RedisException error) =>
            !_stopRequested && (error is RedisConnectionException || error is RedisTimeoutException) && RetryPolicy.IsTransient(error, _cluster.Options);

        /// <summary>A node pipeline whose connection was lost: its waiting commands are sent on their own, through the cluster.</summary>
        private void Abandon(RedisPipeline part)
        {
            foreach (KeyValuePair<string, RedisPipeline> pair in _parts)
            {
                if (!ReferenceEquals(pair.Value, part)) continue;
                _parts.Remove(pair.Key);
                break;
            }
            foreach (Entry entry in _entries)
            {
                for (int i = 0; i < entry.Parts.Length; i++)
                {
                    Sub sub = entry.Parts[i];
                    if (ReferenceEquals(sub.Part, part)) entry.Parts[i] = new Sub(sub.Args, sub.BlockFor, null, sub.Slot, null);
                }
            }
            part.Dispose();
        }

        /// <summary>From another thread: every node's pipeline gives up its wait and closes its connection.</summary>
        public void RequestStop()
        {
            _stopRequested = true;
            foreach (RedisPipeline part in _parts.Values) part.RequestStop();
        }

        private RedisPipeline PartFor(ClusterNode node)
        {
            if (_parts.TryGetValue(node.Endpoint, out RedisPipeline? part)) return part;
            part = _cluster.ClientFor(node).Pipeline(transaction: false);
            part.RepliesAsValues = true;
            if (_stopRequested) part.RequestStop();
            _parts[node.Endpoint] = part;
            return part;
        }

        /// <summary>Unread replies are drained (or their connections closed after a stop), every node's connection given back.</summary>
        public void Dispose()
        {
            _entries.Clear();
            foreach (RedisPipeline part in _parts.Values) part.Dispose();
            _parts.Clear();
        }

        /// <summary>One command as the caller added it: its per-node parts (one, unless it was split by slot).</summary>
        private sealed class Entry
        {
            public Entry(Sub[] parts, SlotSplit? split)
            {
                Parts = parts;
                Split = split;
            }

            public Sub[] Parts { get; }
            public SlotSplit? Split { get; }
        }

        /// <summary>A command on one node's pipeline (Part), or to be sent on its own through the cluster (Part null).</summary>
        private readonly struct Sub
        {
            public Sub(IReadOnlyList<object?> args, TimeSpan? blockFor, RedisPipeline? part, int slot, ClusterNode? node)
            {
                Args = args;
                BlockFor = blockFor;
                Part = part;
                Slot = slot;
                Node = node;
            }

            public IReadOnlyList<object?> Args { get; }
            public TimeSpan? BlockFor { get; }
            public RedisPipeline? Part { get; }
            public int Slot { get; }
            public ClusterNode? Node { get; }
        }
    }

    /// <summary>A multi-key command cut into one command per slot, and how their replies become the caller's one reply.</summary>
    internal sealed class SlotSplit
    {
        private readonly ClusterCombine _combine;
        private readonly List<IReadOnlyList<int>> _positions;
        private readonly int _keyCount;

        private SlotSplit(List<object?[]> commands, List<int> slots, ClusterCombine combine, List<IReadOnlyList<int>> positions, int keyCount)
        {
            Commands = commands;
            Slots = slots;
            _combine = combine;
            _positions = positions;
            _keyCount = keyCount;
        }

        public IReadOnlyList<object?[]> Commands { get; }
        public IReadOnlyList<int> Slots { get; }

        /// <summary>Groups the keys (and MSET's values) by slot, in the order each slot first appears.</summary>
        public static SlotSplit Of(IReadOnlyList<object?> args, ClusterRoute route)
        {
            IReadOnlyList<int> keys = route.KeyIndexes!;
            bool pairs = CommandText.Word(args[0]) == "MSET";
            var groups = new Dictionary<int, List<int>>();
            var slots = new List<int>();
            for (int k = 0; k < keys.Count; k++)
            {
                int slot = ClusterSlot.OfArgument(args[keys[k]]);
                if (!groups.TryGetValue(slot, out List<int>? members))
                {
                    groups[slot] = members = new List<int>();
                    slots.Add(slot);
                }
                members.Add(k);
            }
            var commands = new List<object?[]>(slots.Count);
            var positions = new List<IReadOnlyList<int>>(slots.Count);
            foreach (int slot in slots)
            {
                List<int> members = groups[slot];
                var sub = new object?[1 + members.Count * (pairs ? 2 : 1)];
                sub[0] = args[0];
                int at = 1;
                foreach (int k in members)
                {
                    sub[at++] = args[keys[k]];
                    if (pairs) sub[at++] = args[keys[k] + 1];
                }
                commands.Add(sub);
                positions.Add(members);
            }
            return new SlotSplit(commands, slots, route.Combine, positions, keys.Count);
        }

        public RespValue Combine(IReadOnlyList<RespValue> replies) => ClusterReplies.Combine(_combine, replies, _positions, _keyCount);
    }
}
