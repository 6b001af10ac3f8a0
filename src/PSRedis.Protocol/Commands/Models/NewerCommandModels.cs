using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>The end of a list that LMOVE/BLMOVE/LMPOP take from or push to.</summary>
    public enum ListSide
    {
        /// <summary>LEFT: the head.</summary>
        Left,

        /// <summary>RIGHT: the tail.</summary>
        Right,
    }

    /// <summary>Which members ZMPOP/BZMPOP pop.</summary>
    public enum SortedSetPopOrder
    {
        /// <summary>MIN: the lowest scores.</summary>
        Min,

        /// <summary>MAX: the highest scores.</summary>
        Max,
    }

    /// <summary>What the start and end of ZRANGE/ZRANGESTORE mean (Redis 6.2's unified ZRANGE).</summary>
    public enum ZRangeBy
    {
        /// <summary>Ranks: 0 is the first, -1 the last.</summary>
        Rank,

        /// <summary>BYSCORE: score bounds such as "1", "(1.5", "-inf", "+inf".</summary>
        Score,

        /// <summary>BYLEX: lexicographical bounds such as "[a", "(b", "-", "+".</summary>
        Lex,
    }

    /// <summary>What FUNCTION RESTORE does with libraries that already exist.</summary>
    public enum FunctionRestorePolicy
    {
        /// <summary>APPEND (the server's default): fails if a library name is taken.</summary>
        Append,

        /// <summary>FLUSH: deletes every library first.</summary>
        Flush,

        /// <summary>REPLACE: replaces libraries of the same name.</summary>
        Replace,
    }

    /// <summary>What LMPOP/BLMPOP popped: the list and its elements.</summary>
    public sealed class ListMPopResult
    {
        /// <summary>Elements popped from <paramref name="key"/>.</summary>
        public ListMPopResult(string key, IList<string> elements)
        {
            Key = key;
            Elements = elements;
        }

        /// <summary>The first non-empty list among the keys given.</summary>
        public string Key { get; }

        /// <summary>The popped elements, in pop order.</summary>
        public IList<string> Elements { get; }

        /// <summary>"key: a, b", for display.</summary>
        public override string ToString() => Key + ": " + string.Join(", ", Elements);
    }

    /// <summary>What ZMPOP/BZMPOP popped: the sorted set and its members with scores.</summary>
    public sealed class SortedSetMPopResult
    {
        /// <summary>Members popped from <paramref name="key"/>.</summary>
        public SortedSetMPopResult(string key, IList<SortedSetEntry> entries)
        {
            Key = key;
            Entries = entries;
        }

        /// <summary>The first non-empty sorted set among the keys given.</summary>
        public string Key { get; }

        /// <summary>The popped members with their scores, in pop order.</summary>
        public IList<SortedSetEntry> Entries { get; }

        /// <summary>"key: a (1), b (2)", for display.</summary>
        public override string ToString() => Key + ": " + string.Join(", ", Entries);
    }

    /// <summary>XAUTOCLAIM: where to continue, the claimed entries, and the pending ids that no longer exist (Redis 7+).</summary>
    public sealed class StreamAutoClaimResult
    {
        /// <summary>The start id for the next call; "0-0" when the scan of the pending list is complete.</summary>
        public string NextId { get; init; } = "0-0";

        /// <summary>The entries claimed by the consumer.</summary>
        public IList<StreamEntry> Entries { get; init; } = Array.Empty<StreamEntry>();

        /// <summary>Pending ids whose entries were deleted, removed from the pending list (empty before Redis 7).</summary>
        public IList<string> DeletedIds { get; init; } = Array.Empty<string>();
    }

    /// <summary>XAUTOCLAIM ... JUSTID: where to continue, the claimed ids, and the pending ids that no longer exist.</summary>
    public sealed class StreamAutoClaimIdsResult
    {
        /// <summary>The start id for the next call; "0-0" when the scan of the pending list is complete.</summary>
        public string NextId { get; init; } = "0-0";

        /// <summary>The ids claimed by the consumer.</summary>
        public IList<string> Ids { get; init; } = Array.Empty<string>();

        /// <summary>Pending ids whose entries were deleted, removed from the pending list (empty before Redis 7).</summary>
        public IList<string> DeletedIds { get; init; } = Array.Empty<string>();
    }

    /// <summary>A position range of one of the two strings in an LCS match, both ends inclusive.</summary>
    public readonly struct LcsRange
    {
        /// <summary>From <paramref name="start"/> to <paramref name="end"/>, inclusive.</summary>
        public LcsRange(long start, long end)
        {
            Start = start;
            End = end;
        }

        /// <summary>The first position.</summary>
        public long Start { get; }

        /// <summary>The last position (inclusive).</summary>
        public long End { get; }

        /// <summary>"start-end".</summary>
        public override string ToString() => Start + "-" + End;
    }

    /// <summary>One common run of LCS IDX: where it is in each string, and its length when asked for (WITHMATCHLEN).</summary>
    public sealed class LcsMatch
    {
        /// <summary>A run at <paramref name="first"/> in the first string and <paramref name="second"/> in the second.</summary>
        public LcsMatch(LcsRange first, LcsRange second, long? length)
        {
            First = first;
            Second = second;
            Length = length;
        }

        /// <summary>Its positions in the first key's string.</summary>
        public LcsRange First { get; }

        /// <summary>Its positions in the second key's string.</summary>
        public LcsRange Second { get; }

        /// <summary>Its length, with WITHMATCHLEN; null otherwise.</summary>
        public long? Length { get; }

        /// <summary>"first / second".</summary>
        public override string ToString() => First + " / " + Second + (Length.HasValue ? " (" + Length.Value + ")" : string.Empty);
    }

    /// <summary>LCS ... IDX: the common runs (last first, as Redis gives them) and the length of the whole common subsequence.</summary>
    public sealed class LcsResult
    {
        /// <summary>The matches and the total length.</summary>
        public LcsResult(IList<LcsMatch> matches, long length)
        {
            Matches = matches;
            Length = length;
        }

        /// <summary>The runs, from the end of the strings to their start.</summary>
        public IList<LcsMatch> Matches { get; }

        /// <summary>The length of the longest common subsequence.</summary>
        public long Length { get; }
    }

    /// <summary>One event of LATENCY LATEST.</summary>
    public sealed class LatencyLatestEntry
    {
        /// <summary>The event name ("command", "fast-command", "expire-cycle", ...).</summary>
        public string Event { get; init; } = string.Empty;

        /// <summary>When it was last seen above the threshold.</summary>
        public DateTimeOffset Time { get; init; }

        /// <summary>The latest latency, in milliseconds.</summary>
        public long LatestMilliseconds { get; init; }

        /// <summary>The highest latency seen, in milliseconds.</summary>
        public long MaxMilliseconds { get; init; }
    }

    /// <summary>One sample of LATENCY HISTORY.</summary>
    public sealed class LatencySample
    {
        /// <summary>When it was taken.</summary>
        public DateTimeOffset Time { get; init; }

        /// <summary>The latency, in milliseconds.</summary>
        public long Milliseconds { get; init; }
    }

    /// <summary>WAITAOF: how many servers fsynced this connection's writes to their AOF.</summary>
    public sealed class WaitAofResult
    {
        /// <summary>The local count (0 or 1) and the number of replicas.</summary>
        public WaitAofResult(long local, long replicas)
        {
            Local = local;
            Replicas = replicas;
        }

        /// <summary>1 when the server this connection talks to fsynced them, else 0.</summary>
        public long Local { get; }

        /// <summary>How many replicas fsynced them.</summary>
        public long Replicas { get; }

        /// <summary>"local=1 replicas=2".</summary>
        public override string ToString() => "local=" + Local + " replicas=" + Replicas;
    }

    /// <summary>ZRANK/ZREVRANK ... WITHSCORE: a member's rank and score.</summary>
    public sealed class SortedSetRank
    {
        /// <summary>Rank <paramref name="rank"/> with score <paramref name="score"/>.</summary>
        public SortedSetRank(long rank, double score)
        {
            Rank = rank;
            Score = score;
        }

        /// <summary>The 0-based rank.</summary>
        public long Rank { get; }

        /// <summary>The member's score.</summary>
        public double Score { get; }

        /// <summary>"rank (score)".</summary>
        public override string ToString() => Rank + " (" + Score.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
    }
}
