using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>Makes one reply of the replies of a command sent to several nodes or split by slot.</summary>
    internal static class ClusterReplies
    {
        /// <summary>
        /// <paramref name="replies"/> made one as <paramref name="how"/> says; the first error wins. For a split MGET,
        /// <paramref name="positions"/> says which of the caller's <paramref name="keyCount"/> keys each reply's items are.
        /// </summary>
        public static RespValue Combine(ClusterCombine how, IReadOnlyList<RespValue> replies, IReadOnlyList<IReadOnlyList<int>>? positions, int keyCount)
        {
            foreach (RespValue reply in replies)
            {
                if (reply.IsError) return reply;
            }
            switch (how)
            {
                case ClusterCombine.Sum:
                    long sum = 0;
                    foreach (RespValue reply in replies) sum += reply.Integer64;
                    return RespValue.Integer(sum);
                case ClusterCombine.Concatenate when positions != null:
                    var ordered = new RespValue[keyCount];
                    for (int r = 0; r < replies.Count; r++)
                    {
                        IReadOnlyList<RespValue> items = replies[r].Items;
                        for (int i = 0; i < items.Count && i < positions[r].Count; i++) ordered[positions[r][i]] = items[i];
                    }
                    for (int i = 0; i < ordered.Length; i++) ordered[i] ??= RespValue.Null;
                    return RespValue.Aggregate(RespType.Array, ordered);
                case ClusterCombine.Concatenate:
                    var all = new List<RespValue>();
                    foreach (RespValue reply in replies) all.AddRange(reply.Items);
                    return RespValue.Aggregate(RespType.Array, all.ToArray());
                case ClusterCombine.AllTrue:
                    if (replies.Count == 0) return RespValue.Aggregate(RespType.Array, Array.Empty<RespValue>());
                    var flags = new RespValue[replies[0].Items.Count];
                    for (int i = 0; i < flags.Length; i++)
                    {
                        bool all1 = true;
                        foreach (RespValue reply in replies) all1 &= i < reply.Items.Count && reply.Items[i].BooleanValue;
                        flags[i] = RespValue.Integer(all1 ? 1 : 0);
                    }
                    return RespValue.Aggregate(RespType.Array, flags);
                case ClusterCombine.AllOk:
                    return replies.Count > 0 ? replies[0] : RespValue.Ok;
                default:
                    return replies.Count > 0 ? replies[0] : RespValue.Null;
            }
        }
    }
}
