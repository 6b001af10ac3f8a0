using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Add-RedisStreamEntry: XADD of -Fields (a dictionary), or of objects from the pipeline whose properties become
    /// the fields (a hashtable's entries; a Read-RedisStream entry's Fields). Emits each new entry's id. Pipeline input
    /// is sent in batches of up to 500 XADDs per round trip.
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "RedisStreamEntry", SupportsShouldProcess = true, DefaultParameterSetName = FieldsSet)]
    [OutputType(typeof(string))]
    public sealed class AddRedisStreamEntryCommand : RedisCmdlet
    {
        private const string FieldsSet = "Fields";
        private const string InputObjectSet = "InputObject";

        private bool _keyFromCommandLine;

        /// <summary>The stream. Binds by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>The entry's fields: name -> value (strings, numbers in invariant culture, byte[]).</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = FieldsSet)]
        [ValidateNotNull]
        public IDictionary? Fields { get; set; }

        /// <summary>An object from the pipeline whose properties (or a dictionary's entries) become the fields.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        [ValidateNotNull]
        public PSObject? InputObject { get; set; }

        /// <summary>The entry id: '*' (the default) lets the server choose one.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Id { get; set; } = "*";

        /// <summary>Trims the stream to this many entries in the same call (XADD MAXLEN).</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long MaxLength { get; set; } = -1;

        /// <summary>Trims with '~': cheaper, and the stream may keep a few more than -MaxLength entries.</summary>
        [Parameter]
        public SwitchParameter Approximate { get; set; }

        protected override void BeginProcessing()
        {
            // Only what the command line named is bound here; a Key that comes from each piped object is not a field.
            _keyFromCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(Key));
            if (Approximate && MaxLength < 0)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Approximate needs -MaxLength."),
                    ErrorIds.ApproximateWithoutMaxLength, ErrorCategory.InvalidArgument, null));
            }
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string key = Key!;
            IDictionary<string, object>? fields = ParameterSetName == FieldsSet ? FromDictionary(Fields!, key) : FromObject(InputObject!, key);
            if (fields == null) return;
            if (fields.Count == 0)
            {
                WriteError(new ErrorRecord(new ArgumentException("A stream entry needs at least one field."), ErrorIds.NoFields, ErrorCategory.InvalidArgument, key));
                return;
            }
            if (!ShouldProcess(key + " on " + connection.Name, "Add an entry with " + CollectionValues.Count(fields.Count, "field", "fields"))) return;
            long? maxLen = MaxLength >= 0 ? MaxLength : (long?)null;
            bool approximate = Approximate.IsPresent;
            string id = Id;
            WriteVerbose("XADD " + key + (maxLen.HasValue ? " MAXLEN " + (approximate ? "~ " : string.Empty) + maxLen.Value.ToString(CultureInfo.InvariantCulture) : string.Empty)
                + " " + id + " on " + connection.Url);
            Commands.Add(connection, c => c.XAdd(key, fields, id, maxLen, approximate), key, s_write);
        }

        private static readonly Action<string?, Cmdlet> s_write = (newId, output) => output.WriteObject(newId);

        private IDictionary<string, object>? FromDictionary(IDictionary dictionary, string key)
        {
            var fields = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in dictionary)
            {
                string name = Convert.ToString(entry.Key is PSObject ps ? ps.BaseObject : entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
                if (!Add(fields, name, entry.Value, key)) return null;
            }
            return fields;
        }

        private IDictionary<string, object>? FromObject(PSObject input, string key)
        {
            switch (input.BaseObject)
            {
                case IDictionary dictionary: return FromDictionary(dictionary, key);
                case RedisStreamEntry entry: return FromDictionary(entry.Fields, key);
            }
            var fields = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (PSPropertyInfo property in input.Properties)
            {
                if (!property.IsGettable) continue;
                if (!_keyFromCommandLine && string.Equals(property.Name, nameof(Key), StringComparison.OrdinalIgnoreCase)) continue;
                object? value = property.Value;
                if (string.Equals(property.Name, nameof(Connection), StringComparison.OrdinalIgnoreCase)
                    && (value is RedisConnection || (value is PSObject p && p.BaseObject is RedisConnection))) continue;
                if (!Add(fields, property.Name, value, key)) return null;
            }
            return fields;
        }

        private bool Add(Dictionary<string, object> fields, string name, object? input, string key)
        {
            object? value = RedisValues.ToValue(input, "Stream field '" + name + "'", out string? problem);
            if (value == null)
            {
                WriteError(new ErrorRecord(new ArgumentException(problem), ErrorIds.UnsupportedValue, ErrorCategory.InvalidArgument, key));
                return false;
            }
            fields[name] = value;
            return true;
        }
    }
}
