using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Completion;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Test-RedisKey: $true or $false per key, in input order; EXISTS per key, pipelined in batches of up to 500.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "RedisKey")]
    [OutputType(typeof(bool))]
    public sealed class TestRedisKeyCommand : RedisCmdlet
    {
        internal const int BatchSize = 500;

        private readonly ConnectionBatch<string> _pending;

        public TestRedisKeyCommand()
        {
            _pending = new ConnectionBatch<string>(BatchSize, Send);
        }

        /// <summary>The keys to test: strings, or objects with a Key property.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(KeyCompleter))]
        public string[]? Key { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            if (IsBatching(connection))
            {
                // Inside Invoke-RedisPipeline/-Transaction: one EXISTS per key; the batch emits $true/$false for each.
                foreach (string key in Key!) QueueInBatch(connection, key, c => c.Exists(key), ExistsAsBool);
                return;
            }
            foreach (string key in Key!) _pending.Add(connection, key);
        }

        protected override void EndProcessing() => _pending.Flush();

        private static object? ExistsAsBool(object? reply) => reply is long count ? (object)(count > 0) : reply;

        private void Send(RedisConnection connection, string[] keys)
        {
            WriteVerbose("EXISTS for " + keys.Length.ToString(CultureInfo.InvariantCulture) + " key(s), pipelined, on " + connection.Url);
            IReadOnlyList<KeyResult> results;
            try
            {
                results = connection.Client.ExistsMany(keys);
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                if (IsConnectionLevel(e)) ThrowConnectionError(e, connection);
                foreach (string key in keys) WriteError(ToErrorRecord(e, key));
                return;
            }
            foreach (KeyResult result in results)
            {
                if (result.Error != null) WriteRedisError(result.Error, connection, result.Key);
                else WriteObject(result.Value);
            }
        }
    }
}
