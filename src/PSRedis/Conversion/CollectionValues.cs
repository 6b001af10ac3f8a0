using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;

namespace PSRedis
{


    /// <summary>Hash fields from a dictionary or an object's properties (Set-RedisHash), and counted nouns for messages.</summary>
    internal static class CollectionValues
    {
        /// <summary>Property names of pipeline objects that bind to parameters and are never stored as hash fields.</summary>
        internal static readonly string[] ReservedPropertyNames = { "Key", "Connection" };

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
            object? element = RedisValues.ToValue(value, "The value of field '" + name + "'", out problem);
            if (element == null) return false;
            fields.Add(new KeyValuePair<string, object>(name, element));
            return true;
        }

        internal static string Count(long n, string one, string many) =>
            n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? one : many);
    }
}
