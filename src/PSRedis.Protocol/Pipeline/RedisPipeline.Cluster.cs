using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // A pipeline over a Redis Cluster: the same queue, positions and reply handling as on one server; only the wire
    // differs. Sent commands go to a ClusterStream (one pipeline per node, all written before any reply is read, MOVED
    // and ASK followed per command), and replies come back in the order queued, parsed and annotated here as always.
    public sealed partial class RedisPipeline
    {
        private int SendToNodes(RedisCluster cluster)
        {
            int count = Pending;
            if (count == 0) return 0;
            if (_scripts.Count > 0)
            {
                // Every primary may run one of the queued EVALSHAs: each must have the script.
                foreach (RedisScript script in _scripts.Values) cluster.ScriptLoad(script.Script);
                _scripts.Clear();
            }
            _stream ??= new ClusterStream(cluster);
            if (_stopRequested) _stream.RequestStop();
            int end = _queue.Count;
            for (int i = _sent; i < end; i++) _stream.Add(_queue[i].Args, _queue[i].BlockFor);
            _sent = end;
            _stream.Send();
            return count;
        }

        private void ReceiveFromNodes(int maxOutstanding, Action<PipelineReply>? onReply)
        {
            while (Outstanding > maxOutstanding)
            {
                if (_stopRequested) throw new OperationCanceledException("The pipeline was stopped before its replies were read.");
                int index = _received;
                RespValue reply = _stream!.Receive();
                _received++;
                PipelineReply outcome = Outcome(index, reply);
                _queue.Forget(index);
                _queue.DropBefore(_received);
                onReply?.Invoke(outcome);
            }
        }

        private void ResetCluster()
        {
            ClusterStream? stream = _stream;
            _stream = null;
            RedisPipeline? watchPart = _watchPart;
            _watchPart = null;
            try
            {
                stream?.Dispose();
                watchPart?.Dispose();
            }
            finally
            {
                _queue.Clear();
                // A cluster pipeline reads through per-node streams, none of which it can ask INFO on here: its errors
                // name the command and the server's text, not the server.
                _unidentified.Clear();
                _sent = 0;
                _received = 0;
                _scripts.Clear();
                _explicitMulti = false;
                _watching = false;
            }
        }

        /// <summary>
        /// MULTI/EXEC on a cluster: every key of every queued command must be in one slot (checked before anything is
        /// sent), and the whole transaction goes to that slot's owner. If the slot moved meanwhile, the transaction was
        /// refused as a whole (EXECABORT), so it goes once more to the new owner.
        /// </summary>
        private void ExecuteClusterTransaction(RedisCluster cluster, Action<PipelineReply> onReply)
        {
            int slot = TransactionSlot();
            ClusterNode node = slot >= 0 ? cluster.OwnerOf(slot) : cluster.Primaries[0];
            for (int attempt = 0; ; attempt++)
            {
                using RedisPipeline part = cluster.ClientFor(node).Pipeline(transaction: true);
                part.RepliesAsValues = true;
                foreach (RedisScript script in _scripts.Values) part.AddScript(script);
                for (int i = 0; i < _queue.Count; i++) part.Run(_queue[i].Args, Reply.Raw, _queue[i].BlockFor);
                try
                {
                    part.Execute(reply => onReply(Outcome(reply.Index, (RespValue)reply.Value!)));
                    _sent = _received = _queue.Count;
                    return;
                }
                catch (RedisExecAbortException ex) when (attempt < 2 && Moved(ex, node.Host, out ClusterRedirect redirect))
                {
                    node = cluster.Follow(redirect);
                }
            }
        }

        private static bool Moved(RedisExecAbortException abort, string host, out ClusterRedirect redirect)
        {
            foreach (RedisResponseException error in abort.Errors)
            {
                if (ClusterRedirect.TryParse(error.Message, host, out redirect) && redirect.IsMoved) return true;
            }
            redirect = default;
            return false;
        }

        /// <summary>The one slot every key of the queued commands is in (-1 when none has a key), or the cross-slot error.</summary>
        private int TransactionSlot()
        {
            int slot = -1;
            var keys = new List<object?>();
            bool crossed = false;
            for (int i = 0; i < _queue.Count; i++)
            {
                IReadOnlyList<object?> args = _queue[i].Args;
                if (ClusterKeys.Route(args).Kind == ClusterRouteKind.AllPrimaries)
                {
                    throw new RedisDataException(ClusterKeys.NameOf(args) + " runs on every primary of a cluster, so it cannot be part of a transaction"
                        + " (MULTI/EXEC runs on one node); send it outside the transaction.");
                }
                foreach (int k in ClusterKeys.KeyIndexes(args))
                {
                    keys.Add(args[k]);
                    int keySlot = ClusterSlot.OfArgument(args[k]);
                    if (slot < 0) slot = keySlot;
                    else if (keySlot != slot) crossed = true;
                }
            }
            if (crossed) throw ClusterKeys.CrossSlot("A transaction (MULTI/EXEC)", keys);
            return slot;
        }
    }
}
