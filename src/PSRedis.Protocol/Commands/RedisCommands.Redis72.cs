using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Commands Redis 7.2 added, which the redis-py reference this client was built from does not name: WAITAOF,
    // CLIENT NO-TOUCH, CLIENT SETINFO (also sent at connect, see ConnectionOptions.SendLibraryInfo), and the
    // WITHSCORE option of ZRANK/ZREVRANK.
    public abstract partial class RedisCommands
    {
        /// <summary>
        /// WAITAOF: blocks until this connection's writes are fsynced to the AOF of the local server (when
        /// <paramref name="numLocal"/> is 1) and of <paramref name="numReplicas"/> replicas, or <paramref name="timeout"/>
        /// passes (<see cref="TimeSpan.Zero"/> or Infinite: forever). Returns how many of each did.
        /// </summary>
        public WaitAofResult WaitAof(int numLocal, int numReplicas, TimeSpan timeout)
        {
            if (numLocal < 0 || numLocal > 1) throw new RedisDataException("WAITAOF: numLocal must be 0 or 1.");
            if (numReplicas < 0) throw new RedisDataException("WAITAOF: numReplicas must be 0 or more.");
            bool forever = timeout == System.Threading.Timeout.InfiniteTimeSpan || timeout == TimeSpan.Zero;
            if (!forever && timeout < TimeSpan.Zero) throw new RedisDataException("WAITAOF: timeout must not be negative.");
            long ms = forever ? 0 : Math.Max(1, timeout.Ticks / TimeSpan.TicksPerMillisecond);
            return Run(new object?[] { "WAITAOF", numLocal, numReplicas, ms }, Redis72Replies.WaitAof,
                forever ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms));
        }

        /// <summary>CLIENT NO-TOUCH: on, this connection's commands leave the keys' LRU/LFU time alone (except TOUCH).</summary>
        public bool ClientNoTouch(bool on) => Run(new object?[] { "CLIENT", "NO-TOUCH", on ? "ON" : "OFF" }, Reply.Ok);

        /// <summary>
        /// CLIENT SETINFO: sets an attribute CLIENT LIST shows for this connection: <paramref name="attribute"/> is
        /// LIB-NAME or LIB-VER. PSRedis sends both at connect unless <see cref="ConnectionOptions.SendLibraryInfo"/> is off.
        /// </summary>
        public bool ClientSetInfo(string attribute, string value)
        {
            if (attribute == null) throw new ArgumentNullException(nameof(attribute));
            if (value == null) throw new ArgumentNullException(nameof(value));
            string word = attribute.ToUpperInvariant();
            if (word != "LIB-NAME" && word != "LIB-VER") throw new RedisDataException("CLIENT SETINFO: the attribute is LIB-NAME or LIB-VER, not '" + attribute + "'.");
            return Run(new object?[] { "CLIENT", "SETINFO", word, value }, Reply.Ok);
        }

        /// <summary>ZRANK ... WITHSCORE: the rank (lowest score first) and score of <paramref name="member"/>; null when it is not in the set.</summary>
        public SortedSetRank? ZRankWithScore(string key, object member) =>
            Run(new object?[] { "ZRANK", key, member, "WITHSCORE" }, Redis72Replies.RankWithScore);

        /// <summary>ZREVRANK ... WITHSCORE: as <see cref="ZRankWithScore"/>, highest score first.</summary>
        public SortedSetRank? ZRevRankWithScore(string key, object member) =>
            Run(new object?[] { "ZREVRANK", key, member, "WITHSCORE" }, Redis72Replies.RankWithScore);
    }

    /// <summary>Reply parsers of the Redis 7.2 commands; each accepts the RESP2 and the RESP3 shape.</summary>
    internal static class Redis72Replies
    {
        /// <summary>WAITAOF: [numlocal, numreplicas].</summary>
        public static readonly Func<RespValue, WaitAofResult> WaitAof = r =>
        {
            IReadOnlyList<RespValue> parts = r.IsAggregate ? r.Items : Array.Empty<RespValue>();
            if (parts.Count != 2) throw new RedisInvalidResponseException("WAITAOF should reply [numlocal, numreplicas], got " + r.Describe());
            return new WaitAofResult(parts[0].Integer64, parts[1].Integer64);
        };

        /// <summary>ZRANK/ZREVRANK WITHSCORE: null, or [rank, score] (the score text in RESP2, a double in RESP3).</summary>
        public static readonly Func<RespValue, SortedSetRank?> RankWithScore = r =>
        {
            if (r.IsNull) return null;
            IReadOnlyList<RespValue> parts = r.IsAggregate ? r.Items : Array.Empty<RespValue>();
            if (parts.Count != 2) throw new RedisInvalidResponseException("ZRANK WITHSCORE should reply [rank, score], got " + r.Describe());
            return new SortedSetRank(parts[0].Integer64, parts[1].DoubleValue);
        };
    }
}
