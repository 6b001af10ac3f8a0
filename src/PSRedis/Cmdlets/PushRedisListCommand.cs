using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Push-RedisList: RPUSH (append) of -Value, or LPUSH with -Left. Values from the pipeline go in one push per
    /// 500; -PassThru emits the list's length after the last push to each key.
    /// </summary>
    [Cmdlet(VerbsCommon.Push, "RedisList", SupportsShouldProcess = true)]
    [OutputType(typeof(long))]
    public sealed class PushRedisListCommand : ElementBatchCmdlet
    {
        /// <summary>The list key; from the pipeline by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>The values: strings, byte[] or numbers; from the pipeline by value (or a Value property).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public object?[]? Value { get; set; }

        /// <summary>Pushes onto the head (LPUSH) instead of appending: each value goes first, so a batch ends up reversed.</summary>
        [Parameter]
        public SwitchParameter Left { get; set; }

        /// <summary>Emits the list's new length once per key.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private protected override string ElementName => "A list value";

        private protected override bool PassThruRequested => PassThru;

        private protected override long Combine(long total, long reply) => reply;

        protected override void ProcessRecord() => Gather(Key!, Value ?? new object?[] { null }, nameof(Value));

        private protected override bool Approve(string key, RedisConnection connection, object[] elements) =>
            ShouldProcess(key + " on " + connection.Name, (Left ? "Push " : "Append ") + Describe(elements) + " to the list");

        private protected override long Send(RedisCommands commands, string key, object[] elements)
        {
            WriteVerbose((Left ? "LPUSH " : "RPUSH ") + key + " (" + Describe(elements) + ")");
            return Left ? commands.LPush(key, elements) : commands.RPush(key, elements);
        }
    }
}
