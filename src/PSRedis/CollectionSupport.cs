using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;

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
        public RedisConnection Connection { get; }

        public override string ToString() => Key + ": " + (Value is byte[] b ? "byte[" + b.Length.ToString(CultureInfo.InvariantCulture) + "]" : Value.ToString());
    }

    /// <summary>Value conversion shared by the hash, list and set cmdlets.</summary>
    internal static class CollectionSupport
    {
        /// <summary>Property names of pipeline objects that bind to parameters and are never stored as hash fields.</summary>
        internal static readonly string[] ReservedPropertyNames = { "Key", "Connection" };

        /// <summary>
        /// What a list element, set member or hash value can be: a string, byte[] or number (invariant), or another
        /// scalar as Set-RedisValue stores it. Null and structured values give a message naming <paramref name="what"/>.
        /// </summary>
        internal static object? ToElement(object? input, string what, out string? problem)
        {
            object? value = input is PSObject ps ? ps.BaseObject : input;
            problem = null;
            if (value == null)
            {
                problem = what + " cannot be null: Redis stores strings.";
                return null;
            }
            if (value is string || value is byte[]) return value;
            if (value is IDictionary || value is PSCustomObject || (value is IEnumerable && !(value is string)))
            {
                problem = what + " must be a string, a byte[] or a number, not a " + (value is PSCustomObject ? "PSCustomObject" : value.GetType().Name)
                    + "; convert it first (e.g. ConvertTo-Json, or -join for a collection).";
                return null;
            }
            object? converted = Cmdlets.SetRedisValueCommand.ToRedisValue(value, out string? _);
            if (converted == null)
            {
                problem = what + " cannot be a " + value.GetType().FullName + "; give a string, a byte[] or a number (e.g. [string]$value).";
            }
            return converted;
        }

        /// <summary>The fields of a dictionary or of an object's properties, in order. Null values are skipped (reported in <paramref name="skipped"/>).</summary>
        internal static List<KeyValuePair<string, object>>? ToFields(object input, bool fromProperties, List<string> skipped, out string? problem)
        {
            problem = null;
            var fields = new List<KeyValuePair<string, object>>();
            object baseObject = input is PSObject p ? p.BaseObject : input;
            if (baseObject is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                {
                    string name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
                    if (!Add(name, entry.Value, fields, skipped, out problem)) return null;
                }
            }
            else if (fromProperties)
            {
                PSObject ps = input as PSObject ?? PSObject.AsPSObject(input);
                foreach (PSPropertyInfo property in ps.Properties)
                {
                    if (!property.IsGettable || Array.Exists(ReservedPropertyNames, n => string.Equals(n, property.Name, StringComparison.OrdinalIgnoreCase))) continue;
                    object? value;
                    try
                    {
                        value = property.Value;
                    }
                    catch (GetValueException e)
                    {
                        problem = "Cannot read property '" + property.Name + "': " + e.Message;
                        return null;
                    }
                    if (!Add(property.Name, value, fields, skipped, out problem)) return null;
                }
            }
            else
            {
                problem = "-Value must be a dictionary (a hashtable).";
                return null;
            }
            if (fields.Count == 0) problem = "There are no fields to set" + (skipped.Count > 0 ? " (every value was $null)." : ".");
            return fields.Count == 0 ? null : fields;
        }

        private static bool Add(string name, object? value, List<KeyValuePair<string, object>> fields, List<string> skipped, out string? problem)
        {
            problem = null;
            if (value == null || (value is PSObject ps && ps.BaseObject == null))
            {
                skipped.Add(name);
                return true;
            }
            object? element = ToElement(value, "The value of field '" + name + "'", out problem);
            if (element == null) return false;
            fields.Add(new KeyValuePair<string, object>(name, element));
            return true;
        }

        internal static string Count(long n, string one, string many) =>
            n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? one : many);
    }
}
