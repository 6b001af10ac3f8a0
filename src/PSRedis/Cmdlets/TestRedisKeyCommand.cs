using System;
using System.Management.Automation;
using PSRedis.Completion;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Test-RedisKey: $true or $false per key, in input order; EXISTS per key, pipelined in windows of 500.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "RedisKey")]
    [OutputType(typeof(bool))]
    public sealed class TestRedisKeyCommand : RedisCmdlet
    {
        /// <summary>The keys to test: strings, or objects with a Key property.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(KeyCompleter))]
        public string[]? Key { get; set; }

        private static readonly Action<long, Cmdlet> s_exists = (count, output) => output.WriteObject(count > 0);

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            foreach (string key in Key!) Commands.Add(connection, c => c.Exists(key), key, s_exists);
        }
    }
}
