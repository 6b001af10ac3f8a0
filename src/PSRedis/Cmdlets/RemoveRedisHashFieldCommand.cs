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

        private static readonly Action<long, Cmdlet> s_write = (removed, output) => output.WriteObject(removed);

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string fields = "'" + string.Join("', '", Field!) + "'";
            foreach (string key in Key!)
            {
                if (!ShouldProcess(key + " on " + connection.Name, "Remove hash field(s) " + fields)) continue;
                WriteVerbose("HDEL " + key + " " + fields);
                Commands.Add(connection, c => c.HDel(key, Field!), key, PassThru ? s_write : null);
            }
        }
    }
}
