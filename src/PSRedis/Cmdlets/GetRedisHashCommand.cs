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
    [OutputType(typeof(PSObject), typeof(Hashtable))]
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
            RedisCommands commands = CommandsFor(connection);
            bool batching = IsBatching(connection);
            foreach (string key in Key!)
            {
                var fields = new List<KeyValuePair<string, object?>>();
                try
                {
                    if (Field != null)
                    {
                        WriteVerbose("HMGET " + key + " (" + CollectionSupport.Count(Field.Length, "field", "fields") + ")");
                        if (AsByteArray)
                        {
                            IList<byte[]?> values = commands.HMGetBytes(key, Field);
                            if (batching) continue;
                            for (int i = 0; i < Field.Length; i++) fields.Add(new KeyValuePair<string, object?>(Field[i], values[i]));
                        }
                        else
                        {
                            IList<string?> values = commands.HMGet(key, Field);
                            if (batching) continue;
                            for (int i = 0; i < Field.Length; i++) fields.Add(new KeyValuePair<string, object?>(Field[i], values[i]));
                        }
                    }
                    else
                    {
                        WriteVerbose("HGETALL " + key);
                        if (AsByteArray)
                        {
                            Dictionary<string, byte[]> all = commands.HGetAllBytes(key);
                            if (batching) continue;
                            foreach (KeyValuePair<string, byte[]> pair in all) fields.Add(new KeyValuePair<string, object?>(pair.Key, pair.Value));
                        }
                        else
                        {
                            Dictionary<string, string> all = commands.HGetAll(key);
                            if (batching) continue;
                            foreach (KeyValuePair<string, string> pair in all) fields.Add(new KeyValuePair<string, object?>(pair.Key, pair.Value));
                        }
                        if (fields.Count == 0)
                        {
                            WriteVerbose("No hash at " + key + ".");
                            continue;
                        }
                    }
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    WriteRedisError(e, connection, key);
                    continue;
                }
                WriteObject(AsHashtable ? ToHashtable(fields) : ToObject(key, fields));
            }
        }

        private static Hashtable ToHashtable(List<KeyValuePair<string, object?>> fields)
        {
            var table = new Hashtable(fields.Count, StringComparer.Ordinal);
            foreach (KeyValuePair<string, object?> pair in fields) table[pair.Key] = pair.Value;
            return table;
        }

        private PSObject ToObject(string key, List<KeyValuePair<string, object?>> fields)
        {
            var result = new PSObject();
            foreach (KeyValuePair<string, object?> pair in fields)
            {
                if (pair.Key.Length == 0)
                {
                    WriteWarning("Hash " + key + ": a field with an empty name cannot be a property and is left out; use -AsHashtable to get every field.");
                    continue;
                }
                if (result.Properties[pair.Key] != null)
                {
                    // PowerShell property names ignore case; Redis field names do not.
                    WriteWarning("Hash " + key + ": field '" + pair.Key + "' differs from another field only in case and is left out; use -AsHashtable to get every field.");
                    continue;
                }
                result.Properties.Add(new PSNoteProperty(pair.Key, pair.Value));
            }
            return result;
        }
    }
}
