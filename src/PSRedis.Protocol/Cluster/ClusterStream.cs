using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Commands for a cluster sent as one batch: each goes on a pipeline of the node that owns its slot, every node's
    /// pipeline is written before any reply is read (so the nodes work in parallel), and the replies come back in the
    /// order the commands were added. A reply that says the slot moved (MOVED, ASK) or that the cluster is busy (TRYAGAIN,
    /// CLUSTERDOWN) is followed for that command alone: none of those means the command ran. A command that cannot go on
    /// one node's pipeline (keys in several slots, or sent to every primary) runs on its own when its turn comes. Not
    /// thread-safe, like a pipeline; <see cref="RequestStop"/> may come from another thread.
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

        /// <summary>Queues <paramref name="args"/> on its node's pipeline (not sent until <see cref="Send"/>).</summary>
        public void Add(IReadOnlyList<object?> args, TimeSpan? blockFor)
        {
            ClusterRoute route = ClusterKeys.Route(args);
            if (route.Kind != ClusterRouteKind.Slot)
            {
                _entries.Enqueue(new Entry(args, blockFor, null, route.Slot, null));
                return;
            }
            ClusterNode node = _cluster.ServerOf(route.Slot, args);
            RedisPipeline part = PartFor(node);
            part.Run(args, Reply.Raw, blockFor);
            _entries.Enqueue(new Entry(args, blockFor, part, route.Slot, node));
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
            if (entry.Part == null) return RedisCluster.AsValue(() => _cluster.Run(entry.Args, Reply.Raw, entry.BlockFor));
            RespValue? reply = null;
            if (_stopRequested) entry.Part.RequestStop();
            try
            {
                entry.Part.Receive(entry.Part.Outstanding - 1, r => reply = (RespValue)r.Value!);
            }
            catch (RedisException ex) when (IsLostNode(ex))
            {
                // The node pipeline raised no in-doubt error, so each of its unanswered commands is harmless to repeat
                // (or never reached the node): they go again one by one, after the cluster has found the slot's owner.
                Abandon(entry.Part);
                return RedisCluster.AsValue(() => _cluster.Attempt(entry.Args, entry.Slot, null, Reply.Raw, entry.BlockFor));
            }
            RespValue answer = reply ?? throw new RedisInvalidResponseException("A node's pipeline gave no reply for " + CommandText.Name(entry.Args) + ".");
            if (answer.IsError && IsRedirectOrBusy(answer, entry.Node!.Host, out ClusterRedirect redirect, out bool busy))
            {
                answer = RedisCluster.AsValue(() => busy
                    ? _cluster.Attempt(entry.Args, entry.Slot, null, Reply.Raw, entry.BlockFor)
                    : _cluster.Attempt(entry.Args, entry.Slot, _cluster.Follow(redirect), Reply.Raw, entry.BlockFor, asking: !redirect.IsMoved));
            }
            return answer;
        }

        private static bool IsRedirectOrBusy(RespValue reply, string answeringHost, out ClusterRedirect redirect, out bool busy)
        {
            string message = reply.AsString() ?? string.Empty;
            busy = message.StartsWith("TRYAGAIN", StringComparison.Ordinal) || message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal);
            return busy | ClusterRedirect.TryParse(message, answeringHost, out redirect);
        }

        private bool IsLostNode(RedisException error) =>
            !_stopRequested && (error is RedisConnectionException || error is RedisTimeoutException) && !(error is RedisAuthenticationException)
            && !(error is RedisPoolExhaustedException) && RetryPolicy.IsTransient(error, _cluster.Options);

        /// <summary>A node pipeline whose connection was lost: its waiting commands are sent on their own, through the cluster.</summary>
        private void Abandon(RedisPipeline part)
        {
            foreach (KeyValuePair<string, RedisPipeline> pair in _parts)
            {
                if (!ReferenceEquals(pair.Value, part)) continue;
                _parts.Remove(pair.Key);
                break;
            }
            int count = _entries.Count;
            for (int i = 0; i < count; i++)
            {
                Entry entry = _entries.Dequeue();
                _entries.Enqueue(ReferenceEquals(entry.Part, part) ? new Entry(entry.Args, entry.BlockFor, null, entry.Slot, null) : entry);
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

        private readonly struct Entry
        {
            public Entry(IReadOnlyList<object?> args, TimeSpan? blockFor, RedisPipeline? part, int slot, ClusterNode? node)
            {
                Node = node;
                Args = args;
                BlockFor = blockFor;
                Part = part;
                Slot = slot;
            }

            public IReadOnlyList<object?> Args { get; }
            public TimeSpan? BlockFor { get; }
            public RedisPipeline? Part { get; }
            public int Slot { get; }
            public ClusterNode? Node { get; }
        }
    }
}
