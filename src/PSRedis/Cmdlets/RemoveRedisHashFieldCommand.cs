using System;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>Remove-RedisHashField: HDEL of -Field from each hash key (from the pipeline by value or property name).</summary>
    [Cmdlet(VerbsCommon.Remove, "RedisHashField", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(long))]
    public sealed class RemoveRedisHashFieldCommand : RedisCmdlet
    {
        /// <summary>The hash keys: strings, or objects with a Key property, from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>The fields to remove.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string[]? Field { get; set; }

        /// <summary>Emits, per key, how many fields were removed.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string fields = "'" + string.Join("', '", Field!) + "'";
            foreach (string key in Key!)
            {
                if (!ShouldProcess(key + " on " + connection.Name, "Remove hash field(s) " + fields)) continue;
                WriteVerbose("HDEL " + key + " " + fields);
                try
                {
                    long removed = CommandsFor(connection).HDel(key, Field!);
                    if (PassThru && !IsBatching(connection)) WriteObject(removed);
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    WriteRedisError(e, connection, key);
                }
            }
        }
    }
}
