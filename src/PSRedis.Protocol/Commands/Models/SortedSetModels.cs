using System;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>A sorted-set member with its score (a WITHSCORES, ZPOPMIN/ZPOPMAX or ZSCAN item).</summary>
    public sealed class SortedSetEntry : IEquatable<SortedSetEntry>
    {
        /// <summary>A member with its score.</summary>
        public SortedSetEntry(string member, double score)
        {
            Member = member ?? throw new ArgumentNullException(nameof(member));
            Score = score;
        }

        /// <summary>The member (UTF-8 text).</summary>
        public string Member { get; }

        /// <summary>Its score.</summary>
        public double Score { get; }

        /// <summary>Lets C# callers write <c>var (member, score) = entry;</c>.</summary>
        public void Deconstruct(out string member, out double score)
        {
            member = Member;
            score = Score;
        }

        /// <summary>Same member and same score.</summary>
        public bool Equals(SortedSetEntry? other) =>
            other != null && string.Equals(Member, other.Member, StringComparison.Ordinal) && Score.Equals(other.Score);

        /// <summary>Same member and same score.</summary>
        public override bool Equals(object? obj) => Equals(obj as SortedSetEntry);

        /// <summary>A hash of member and score.</summary>
        public override int GetHashCode() => unchecked(StringComparer.Ordinal.GetHashCode(Member) * 31 + Score.GetHashCode());

        /// <summary>"member (score)".</summary>
        public override string ToString() => Member + " (" + RespDouble.Format(Score) + ")";
    }

    /// <summary>What BZPOPMIN/BZPOPMAX popped: the key it came from, the member and its score.</summary>
    public sealed class SortedSetPopResult
    {
        /// <summary>A popped member of <paramref name="key"/>.</summary>
        public SortedSetPopResult(string key, string member, double score)
        {
            Key = key;
            Member = member;
            Score = score;
        }

        /// <summary>The sorted set the member was popped from (the first non-empty one of the keys given).</summary>
        public string Key { get; }

        /// <summary>The popped member.</summary>
        public string Member { get; }

        /// <summary>Its score.</summary>
        public double Score { get; }

        /// <summary>"key: member (score)".</summary>
        public override string ToString() => Key + ": " + Member + " (" + RespDouble.Format(Score) + ")";
    }

    /// <summary>How ZUNIONSTORE/ZINTERSTORE combine the scores of a member found in several sets.</summary>
    public enum Aggregate
    {
        /// <summary>Add them (Redis' default).</summary>
        Sum,
        /// <summary>Keep the lowest.</summary>
        Min,
        /// <summary>Keep the highest.</summary>
        Max,
    }

    /// <summary>
    /// One end of a score range (ZRANGEBYSCORE, ZCOUNT, ZREMRANGEBYSCORE): a score, inclusive unless made
    /// <see cref="Exclusive"/>. Converts implicitly from a number (inclusive) and from Redis' own text form
    /// ("-inf", "+inf", "1.5", "(1.5" for exclusive), so <c>ZCount(key, "(1", "+inf")</c> reads as in redis-cli.
    /// </summary>
    public readonly struct ScoreBound : IEquatable<ScoreBound>
    {
        private ScoreBound(double value, bool exclusive)
        {
            if (double.IsNaN(value)) throw new RedisDataException("A score bound cannot be NaN.");
            Value = value;
            IsExclusive = exclusive;
        }

        /// <summary>No lower limit ("-inf").</summary>
        public static ScoreBound NegativeInfinity => new ScoreBound(double.NegativeInfinity, false);

        /// <summary>No upper limit ("+inf").</summary>
        public static ScoreBound PositiveInfinity => new ScoreBound(double.PositiveInfinity, false);

        /// <summary>The bound's score.</summary>
        public double Value { get; }

        /// <summary>True when a member with exactly this score is outside the range.</summary>
        public bool IsExclusive { get; }

        /// <summary>A bound that includes <paramref name="value"/> itself.</summary>
        public static ScoreBound Inclusive(double value) => new ScoreBound(value, false);

        /// <summary>A bound that excludes <paramref name="value"/> itself ("(value").</summary>
        public static ScoreBound Exclusive(double value) => new ScoreBound(value, true);

        /// <summary>An inclusive bound at <paramref name="value"/>.</summary>
        public static implicit operator ScoreBound(double value) => Inclusive(value);

        /// <summary>A bound in Redis' text form; see <see cref="Parse"/>.</summary>
        public static implicit operator ScoreBound(string text) => Parse(text);

        /// <summary>
        /// Reads "-inf", "+inf"/"inf", a number (invariant culture), or any of these after "(" for an
        /// exclusive bound; anything else is a <see cref="RedisDataException"/>, raised before anything is sent.
        /// </summary>
        public static ScoreBound Parse(string text)
        {
            if (text == null) throw new RedisDataException("A score bound cannot be null; use ScoreBound.NegativeInfinity or PositiveInfinity.");
            bool exclusive = text.StartsWith("(", StringComparison.Ordinal);
            string number = exclusive ? text.Substring(1) : text;
            switch (number.ToLowerInvariant())
            {
                case "-inf": return new ScoreBound(double.NegativeInfinity, exclusive);
                case "inf":
                case "+inf": return new ScoreBound(double.PositiveInfinity, exclusive);
            }
            if (number.Length > 0 && !char.IsWhiteSpace(number[0]) && !char.IsWhiteSpace(number[number.Length - 1])
                && double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && !double.IsNaN(value))
                return new ScoreBound(value, exclusive);
            throw new RedisDataException("'" + text + "' is not a score bound: write a number, -inf or +inf, with a leading '(' to exclude it.");
        }

        /// <summary>The argument Redis receives ("1.5", "(1.5", "-inf", "+inf").</summary>
        public override string ToString()
        {
            string number = double.IsPositiveInfinity(Value) ? "+inf" : RespDouble.Format(Value);
            return IsExclusive ? "(" + number : number;
        }

        /// <summary>Same score and same inclusiveness.</summary>
        public bool Equals(ScoreBound other) => Value.Equals(other.Value) && IsExclusive == other.IsExclusive;

        /// <summary>Same score and same inclusiveness.</summary>
        public override bool Equals(object? obj) => obj is ScoreBound other && Equals(other);

        /// <summary>A hash of score and inclusiveness.</summary>
        public override int GetHashCode() => Value.GetHashCode() * 2 + (IsExclusive ? 1 : 0);
    }

    /// <summary>
    /// One end of a lexicographical range (ZRANGEBYLEX, ZLEXCOUNT, ZREMRANGEBYLEX): <see cref="Inclusive"/>
    /// ("[a"), <see cref="Exclusive"/> ("(a"), or the open ends <see cref="Min"/> ("-") and <see cref="Max"/> ("+").
    /// Converts implicitly from that same text; the default value is <see cref="Min"/>.
    /// </summary>
    public readonly struct LexBound : IEquatable<LexBound>
    {
        private readonly string? _argument;

        private LexBound(string argument) { _argument = argument; }

        /// <summary>Below every member ("-").</summary>
        public static LexBound Min => new LexBound("-");

        /// <summary>Above every member ("+").</summary>
        public static LexBound Max => new LexBound("+");

        /// <summary>A bound that includes <paramref name="value"/> itself ("[value").</summary>
        public static LexBound Inclusive(string value) =>
            new LexBound("[" + (value ?? throw new ArgumentNullException(nameof(value))));

        /// <summary>A bound that excludes <paramref name="value"/> itself ("(value").</summary>
        public static LexBound Exclusive(string value) =>
            new LexBound("(" + (value ?? throw new ArgumentNullException(nameof(value))));

        /// <summary>A bound in Redis' text form; see <see cref="Parse"/>.</summary>
        public static implicit operator LexBound(string text) => Parse(text);

        /// <summary>
        /// Reads "-", "+", "[value" or "(value" as Redis does. A bare value is refused (a
        /// <see cref="RedisDataException"/>) rather than guessed at, since Redis itself would reject it.
        /// </summary>
        public static LexBound Parse(string text)
        {
            if (text == "-" || text == "+") return new LexBound(text);
            if (text != null && (text.StartsWith("[", StringComparison.Ordinal) || text.StartsWith("(", StringComparison.Ordinal)))
                return new LexBound(text);
            throw new RedisDataException("'" + text + "' is not a lex range bound: write '[value' (inclusive), '(value' (exclusive), '-' or '+'.");
        }

        /// <summary>The argument Redis receives.</summary>
        public override string ToString() => _argument ?? "-";

        /// <summary>Same argument text.</summary>
        public bool Equals(LexBound other) => string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

        /// <summary>Same argument text.</summary>
        public override bool Equals(object? obj) => obj is LexBound other && Equals(other);

        /// <summary>A hash of the argument text.</summary>
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());
    }
}
