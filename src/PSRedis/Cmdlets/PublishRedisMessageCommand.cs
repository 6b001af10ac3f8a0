using System;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Publish-RedisMessage: PUBLISH (or SPUBLISH with -Sharded) of one message, or of each message from the pipeline. Every message is sent
    /// as it arrives (no batching: subscribers should not wait for a batch to fill); inside
    /// Invoke-RedisPipeline/Invoke-RedisTransaction it is queued and the batch emits the receiver counts.
    /// </summary>
    [Cmdlet(VerbsData.Publish, "RedisMessage", SupportsShouldProcess = true)]
    [OutputType(typeof(long))]
    public sealed class PublishRedisMessageCommand : RedisCmdlet
    {
        /// <summary>The channel to publish to.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Channel { get; set; }

        /// <summary>The message: a string, a byte[] (sent as is) or a number (invariant culture).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public object? Message { get; set; }

        /// <summary>
        /// Publishes to a shard channel (SPUBLISH, Redis 7), received by Register-RedisEvent -ShardChannel; on a cluster it
        /// goes to the node that owns the channel's slot.
        /// </summary>
        [Parameter]
        public SwitchParameter Sharded { get; set; }

        /// <summary>Emits the number of clients that received each message (PUBLISH's reply).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string channel = Channel!;
            object? value = RedisValues.ToValue(MessageOf(Message), "A message", out string? problem);
            if (value == null)
            {
                WriteError(new ErrorRecord(new ArgumentException(problem), ErrorIds.UnsupportedValue, ErrorCategory.InvalidArgument, channel));
                return;
            }
            if (!ShouldProcess(channel + " on " + connection.Name, "Publish a message")) return;
            bool sharded = Sharded.IsPresent;
            WriteVerbose((sharded ? "SPUBLISH " : "PUBLISH ") + channel + " on " + connection.Url);
            if (sharded) Commands.Add(connection, c => c.SPublish(channel, value), channel, PassThru ? s_write : null);
            else Commands.Add(connection, c => c.Publish(channel, value), channel, PassThru ? s_write : null);
        }

        private static readonly Action<long, Cmdlet> s_write = (receivers, output) => output.WriteObject(receivers);

        /// <summary>
        /// An object from the pipeline binds to -Message by value (the parameter takes any object), so an object with
        /// Channel and Message properties arrives whole: its Message property is the message.
        /// </summary>
        private static object? MessageOf(object? input)
        {
            if (input is PSObject ps && ps.BaseObject is PSCustomObject && ps.Properties["Message"] is PSPropertyInfo property)
                return property.Value;
            return input;
        }
    }
}
