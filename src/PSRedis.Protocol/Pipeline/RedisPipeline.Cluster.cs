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
                NoteUnsupportedOn(_stream.Answered);
                if (Outstanding == 0) IdentifyUnsupportedOnNodes(_cluster!);
                _queue.Forget(index);
                _queue.DropBefore(_received);
                onReply?.Invoke(outcome);
            }
        }

        /// <summary>
        /// An "unknown command" just read is kept with the node that answered it, to be named once every reply is in: the
        /// node pipelines' connections are mid-stream until then. Without a known node (a redirect, a split) it names
        /// the command and the server's text only.
        /// </summary>
        private void NoteUnsupportedOn(ClusterNode? node)
        {
            if (_unidentified.Count == 0) return;
            if (node != null) foreach (RedisUnsupportedCommandException error in _unidentified) _unidentifiedOnNodes.Add((error, node));
            _unidentified.Clear();
        }

        /// <summary>Asks INFO server once per node that refused a command, on a connection of that node's own pool.</summary>
        private void IdentifyUnsupportedOnNodes(RedisCluster cluster)
        {
            if (_unidentifiedOnNodes.Count == 0) return;
            var known = new Dictionary<string, ServerIdentity>(StringComparer.OrdinalIgnoreCase);
            foreach ((RedisUnsupportedCommandException error, ClusterNode node) in _unidentifiedOnNodes)
            {
                if (!known.TryGetValue(node.Endpoint, out ServerIdentity? server))
                {
                    try
                    {
                        server = cluster.ClientFor(node).WithConnection(ServerIdentity.Of);
                    }
                    catch (RedisException ex)
                    {
                        // No connection to be had (a full pool, the node gone): the error still names the command and node.
                        System.Diagnostics.Trace.WriteLine("PSRedis: could not ask " + node.Endpoint + " which server it is: " + ex.Message);
                        server = ServerIdentity.Unknown(node.Endpoint);
                    }
                    known[node.Endpoint] = server;
                }
                error.Identify(server);
            }
            _unidentifiedOnNodes.Clear();
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
                _unidentified.Clear();
                _unidentifiedOnNodes.Clear();
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
