using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>One list element with the list it came from (Pop-RedisList with several keys).</summary>
    public sealed class RedisListItem
    {
        internal RedisListItem(string key, object value, RedisConnection connection)
        {
            Key = key;
            Value = value;
            Connection = connection;
        }

        /// <summary>The list the element came from.</summary>
        public string Key { get; }
        /// <summary>The element: a UTF-8 string, or byte[] with -AsByteArray.</summary>
        public object Value { get; }
        internal RedisConnection Connection { get; }

        public override string ToString() => Key + ": " + (Value is byte[] b ? "byte[" + b.Length.ToString(CultureInfo.InvariantCulture) + "]" : Value.ToString());
    }



    /// <summary>
    /// A sorted-set member with its score, from Get-RedisSortedSetMember -WithScores. Carries Key and Connection
    /// so it binds by property name to Remove-RedisSortedSetMember, and Member/Score so it binds to
    /// Add-RedisSortedSetMember (copying members into another set with -Key).
    /// </summary>
    public sealed class RedisSortedSetEntry
    {
        internal RedisSortedSetEntry(string key, string member, double score, RedisConnection connection)
        {
            Key = key;
            Member = member;
            Score = score;
            Connection = connection;
        }

        /// <summary>The sorted set the member belongs to.</summary>
        public string Key { get; }
        /// <summary>The member (UTF-8 text).</summary>
        public string Member { get; }
        /// <summary>Its score.</summary>
        public double Score { get; }
        /// <summary>The connection it was read from.</summary>
        internal RedisConnection Connection { get; }

        /// <summary>"member (score)".</summary>
        public override string ToString() => Member + " (" + Score.ToString("R", CultureInfo.InvariantCulture) + ")";
    }

    /// <summary>
    /// One stream entry from Read-RedisStream: Key (the stream), Id, and Fields as an ordered dictionary, so
    /// <c>$e.Fields.name</c> reads a field. Group reads also carry Group and Consumer, so the entries bind by property
    /// name (Key, Group, Id, Connection) to Confirm-RedisStreamEntry. Piped into Add-RedisStreamEntry, its Fields
    /// are copied.
    /// </summary>
    public sealed class RedisStreamEntry
    {
        internal RedisStreamEntry(string key, string id, IDictionary fields, string? group, string? consumer, RedisConnection connection)
        {
            Key = key;
            Id = id;
            Fields = fields;
            Group = group;
            Consumer = consumer;
            Connection = connection;
        }

        /// <summary>The stream's key.</summary>
        public string Key { get; }
        /// <summary>The entry id, "milliseconds-sequence".</summary>
        public string Id { get; }
        /// <summary>Field name -> value (UTF-8 text), in stream order; empty for an entry deleted while still pending.</summary>
        public IDictionary Fields { get; }
        /// <summary>The consumer group of a group read; null otherwise.</summary>
        public string? Group { get; }
        /// <summary>The consumer of a group read; null otherwise.</summary>
        public string? Consumer { get; }
        /// <summary>The connection it was read from.</summary>
        internal RedisConnection Connection { get; }

        /// <summary>The entry id.</summary>
        public override string ToString() => Id;

        internal static RedisStreamEntry From(string key, StreamEntry entry, string? group, string? consumer, RedisConnection connection) =>
            new RedisStreamEntry(key, entry.Id, ToFields(entry.Fields), group, consumer, connection);

        /// <summary>
        /// Fields as an ordered dictionary, case-insensitive as PowerShell users expect of <c>$e.Fields.name</c>; an entry
        /// with two field names differing only in case keeps both, case-sensitively.
        /// </summary>
        internal static IDictionary ToFields(IReadOnlyDictionary<string, string?> fields)
        {
            var result = new OrderedDictionary(fields.Count, StringComparer.OrdinalIgnoreCase);
            foreach (KeyValuePair<string, string?> field in fields)
            {
                if (result.Contains(field.Key))
                {
                    var exact = new OrderedDictionary(fields.Count, StringComparer.Ordinal);
                    foreach (KeyValuePair<string, string?> f in fields) exact[f.Key] = f.Value;
                    return exact;
                }
                result.Add(field.Key, field.Value);
            }
            return result;
        }
    }
}
