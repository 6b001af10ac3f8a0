using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Set-RedisHash: HSET of the entries of -Value (a dictionary), or of the properties of each object from the
    /// pipeline (a hashtable from the pipeline gives its entries). Properties named Key and Connection bind to
    /// the parameters and never become fields; $null values are skipped. One HSET per hash.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "RedisHash", SupportsShouldProcess = true, DefaultParameterSetName = ValueSet)]
    [OutputType(typeof(long))]
    public sealed class SetRedisHashCommand : RedisCmdlet
    {
        private const string ValueSet = "Value";
        private const string InputObjectSet = "InputObject";

        /// <summary>The hash key; from the pipeline by property name (an object's Key property).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>The fields to set: a hashtable or any dictionary.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ValueSet)]
        [ValidateNotNull]
        public IDictionary? Value { get; set; }

        /// <summary>Objects whose properties (or a dictionary's entries) become fields.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        [ValidateNotNull]
        public PSObject? InputObject { get; set; }

        /// <summary>Emits, per hash, how many of its fields were new (HSET's reply).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string key = Key!;
            var skipped = new List<string>();
            object source = ParameterSetName == ValueSet ? (object)Value! : InputObject!;
            List<KeyValuePair<string, object>>? fields = CollectionValues.ToFields(source, ParameterSetName == InputObjectSet, skipped, out string? problem);
            if (skipped.Count > 0) WriteVerbose("Hash " + key + ": skipping $null field(s) " + string.Join(", ", skipped) + ".");
            if (fields == null)
            {
                WriteError(new ErrorRecord(new ArgumentException("Hash " + key + ": " + problem), ErrorIds.UnsupportedValue, ErrorCategory.InvalidArgument, key));
                return;
            }
            if (!ShouldProcess(key + " on " + connection.Name, "Set " + CollectionValues.Count(fields.Count, "hash field", "hash fields"))) return;

            // An ordered dictionary keeps the caller's field order on the wire; a repeated name keeps its last value.
            var mapping = new OrderedDictionary(fields.Count, StringComparer.Ordinal);
            foreach (KeyValuePair<string, object> pair in fields) mapping[pair.Key] = pair.Value;
            WriteVerbose("HSET " + key + " (" + CollectionValues.Count(mapping.Count, "field", "fields") + ") on " + connection.Url);
            Commands.Add(connection, c => c.HSet(key, mapping), key, PassThru ? s_write : null);
        }

        private static readonly Action<long, Cmdlet> s_write = (added, output) => output.WriteObject(added);
    }
}
