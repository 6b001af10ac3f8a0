namespace PSRedis.Protocol
{
    /// <summary>What BLPOP/BRPOP popped: the list it came from and the element.</summary>
    public sealed class ListPopResult
    {
        /// <summary>Creates a result for an element popped from <paramref name="key"/>.</summary>
        public ListPopResult(string key, string value)
        {
            Key = key;
            Value = value;
        }

        /// <summary>The list the element was popped from (the first non-empty one of the keys given).</summary>
        public string Key { get; }

        /// <summary>The popped element as UTF-8 text.</summary>
        public string Value { get; }

        /// <summary>"key: value", for display.</summary>
        public override string ToString() => Key + ": " + Value;
    }

    /// <summary>Where LINSERT puts the new element relative to the pivot.</summary>
    public enum InsertPosition
    {
        /// <summary>Just before the pivot (closer to the head).</summary>
        Before,

        /// <summary>Just after the pivot (closer to the tail).</summary>
        After,
    }
}
