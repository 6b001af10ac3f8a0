using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisValue: the string value of each key, read with MGET in batches of up to 500 keys from the
    /// pipeline. One output per key in input order, $null for a missing key; a key holding another type is
    /// a non-terminating WrongType error (and no output) so the rest of the pipeline goes on. Inside
    /// Invoke-RedisPipeline/-Transaction it queues one GET per key instead and emits nothing.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisValue")]
    [OutputType(typeof(string), typeof(byte[]))]
    public sealed class GetRedisValueCommand : RedisCmdlet
    {
        internal const int BatchSize = 500;

        private readonly ConnectionBatch<string> _pending;

        public GetRedisValueCommand()
        {
            _pending = new ConnectionBatch<string>(BatchSize, Send);
        }

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>Emits each value as byte[] (exactly the stored bytes) instead of a UTF-8 string.</summary>
        [Parameter]
        public SwitchParameter AsByteArray { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            if (IsBatching(connection))
            {
                // Inside Invoke-RedisPipeline/-Transaction: one GET per key, so each key has its own reply (or error).
                foreach (string key in Key!)
                {
                    if (AsByteArray) QueueInBatch(connection, key, c => c.GetBytes(key));
                    else QueueInBatch(connection, key, c => c.Get(key));
                }
                return;
            }
            foreach (string key in Key!) _pending.Add(connection, key);
        }

        protected override void EndProcessing() => _pending.Flush();

        private void Send(RedisConnection connection, string[] keys)
        {
            WriteVerbose("MGET of " + keys.Length.ToString(CultureInfo.InvariantCulture) + " key(s) on " + connection.Url);

            IList<byte[]?>? bytes = null;
            IList<string?>? strings = null;
            IReadOnlyList<string>? missingTypes = null;
            var missing = new List<string>();
            try
            {
                if (AsByteArray) bytes = connection.Client.MGetBytes(keys);
                else strings = connection.Client.MGet(keys);
                for (int i = 0; i < keys.Length; i++)
                {
                    if (AsByteArray ? bytes![i] == null : strings![i] == null) missing.Add(keys[i]);
                }
                // MGET answers nil for a missing key and for a key of another type; TYPE tells them apart.
                if (missing.Count > 0) missingTypes = connection.Client.TypeMany(missing);
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                if (IsConnectionLevel(e)) ThrowConnectionError(e, connection);
                foreach (string key in keys) WriteError(ToErrorRecord(e, key));
                return;
            }

            var wrongType = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < missing.Count; i++)
            {
                string type = missingTypes![i];
                if (type != "none" && type != "string") wrongType[missing[i]] = type;
            }

            for (int i = 0; i < keys.Length; i++)
            {
                if (wrongType.TryGetValue(keys[i], out string? type))
                {
                    var e = new RedisResponseException(
                        "WRONGTYPE Key '" + keys[i] + "' holds a " + type + " value, not a string.");
                    ErrorRecord record = ToErrorRecord(e, keys[i]);
                    record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Use the cmdlet for " + type + " values." };
                    WriteError(record);
                    continue;
                }
                if (AsByteArray) WriteObject(bytes![i]);
                else WriteObject(strings![i]);
            }
        }
    }
}
