using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>Add-RedisSetMember: SADD of -Member, members from the pipeline in one SADD per 500; -PassThru emits how many were new.</summary>
    [Cmdlet(VerbsCommon.Add, "RedisSetMember", SupportsShouldProcess = true)]
    [OutputType(typeof(long))]
    public sealed class AddRedisSetMemberCommand : ElementBatchCmdlet
    {
        /// <summary>The set key; from the pipeline by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>The members: strings, byte[] or numbers; from the pipeline by value (or a Member property).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public object?[]? Member { get; set; }

        /// <summary>Emits, once per key, how many members were new.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private protected override string ElementName => "A set member";

        private protected override bool PassThruRequested => PassThru;

        protected override void ProcessRecord() => Gather(Key!, Member ?? new object?[] { null }, nameof(Member));

        private protected override bool Approve(string key, RedisConnection connection, object[] elements) =>
            ShouldProcess(key + " on " + connection.Name, "Add " + Describe(elements) + " to the set");

        private protected override long Send(RedisCommands commands, string key, object[] elements)
        {
            WriteVerbose("SADD " + key + " (" + Describe(elements) + ")");
            return commands.SAdd(key, elements);
        }
    }
}
