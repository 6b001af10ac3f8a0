using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisHash: one object per hash key, its fields as properties (HGETALL), or only -Field (HMGET).
    /// A PSCustomObject by default, a Hashtable (case-sensitive, like Redis fields) with -AsHashtable. A missing
    /// key emits nothing (a Verbose line says so); a key of another type is a per-key WrongType error.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisHash")]
    [OutputType("PSRedis.RedisHash", "System.Collections.Hashtable")]
    public sealed class GetRedisHashCommand : RedisCmdlet
    {
        /// <summary>The hash keys: strings, or objects with a Key property, from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>Only these fields (HMGET); a missing field is a $null property.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string[]? Field { get; set; }

        /// <summary>Emits a Hashtable (case-sensitive keys) instead of a PSCustomObject.</summary>
        [Parameter]
        public SwitchParameter AsHashtable { get; set; }

        /// <summary>Values as byte[] (exactly the stored bytes) instead of UTF-8 strings.</summary>
        [Parameter]
        public SwitchParameter AsByteArray { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            foreach (string key in Key!)
            {
                if (Field != null)
                {
                    string[] fields = Field;
                    WriteVerbose("HMGET " + key + " (" + CollectionValues.Count(fields.Length, "field", "fields") + ")");
                    if (AsByteArray) Commands.Add(connection, c => c.HMGetBytes(key, fields), key, (values, output) => Emit(key, Pairs(fields, values), output));
                    else Commands.Add(connection, c => c.HMGet(key, fields), key, (values, output) => Emit(key, Pairs(fields, values), output));
                    continue;
                }
                WriteVerbose("HGETALL " + key);
                if (AsByteArray) Commands.Add(connection, c => c.HGetAllBytes(key), key, (all, output) => Emit(key, Pairs(all), output));
                else Commands.Add(connection, c => c.HGetAll(key), key, (all, output) => Emit(key, Pairs(all), output));
            }
        }

        private static List<KeyValuePair<string, object?>> Pairs<T>(string[] fields, IList<T> values)
        {
            var pairs = new List<KeyValuePair<string, object?>>(fields.Length);
            for (int i = 0; i < fields.Length; i++) pairs.Add(new KeyValuePair<string, object?>(fields[i], values[i]));
            return pairs;
        }

        private static List<KeyValuePair<string, object?>> Pairs<T>(Dictionary<string, T> all)
        {
            var pairs = new List<KeyValuePair<string, object?>>(all.Count);
            foreach (KeyValuePair<string, T> pair in all) pairs.Add(new KeyValuePair<string, object?>(pair.Key, pair.Value));
            return pairs;
        }

        private void Emit(string key, List<KeyValuePair<string, object?>> fields, Cmdlet output)
        {
            if (fields.Count == 0)
            {
                output.WriteVerbose("No hash at " + key + ".");
                return;
            }
            output.WriteObject(AsHashtable ? ToHashtable(fields) : ToObject(key, fields, output));
        }

        private static Hashtable ToHashtable(List<KeyValuePair<string, object?>> fields)
        {
            var table = new Hashtable(fields.Count, StringComparer.Ordinal);
            foreach (KeyValuePair<string, object?> pair in fields) table[pair.Key] = pair.Value;
            return table;
        }

        /// <summary>The type name a hash object carries (for views and for scripts that test it).</summary>
        internal const string HashTypeName = "PSRedis.RedisHash";

        /// <summary>One object per hash: its Key first, then a property per field (PSRedis.RedisHash).</summary>
        private static PSObject ToObject(string key, List<KeyValuePair<string, object?>> fields, Cmdlet output)
        {
            var result = new PSObject();
            result.TypeNames.Insert(0, HashTypeName);
            result.Properties.Add(new PSNoteProperty("Key", key));
            foreach (KeyValuePair<string, object?> pair in fields)
            {
                if (pair.Key.Length == 0)
                {
                    output.WriteWarning("Hash " + key + ": a field with an empty name cannot be a property and is left out; use -AsHashtable to get every field.");
                    continue;
                }
                if (result.Properties[pair.Key] != null)
                {
                    // PowerShell property names ignore case; Redis field names do not. Key is the hash's own name.
                    output.WriteWarning("Hash " + key + ": field '" + pair.Key + "' " + (string.Equals(pair.Key, "Key", StringComparison.OrdinalIgnoreCase)
                        ? "has the name of the Key property (the hash's key)" : "differs from another field only in case") + " and is left out; use -AsHashtable to get every field.");
                    continue;
                }
                result.Properties.Add(new PSNoteProperty(pair.Key, pair.Value));
            }
            return result;
        }
    }
}
