using System.Management.Automation;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Invoke-RedisPipeline: runs the script block with every PSRedis cmdlet for the connection queuing its commands,
    /// sends them all in one round trip and writes what each queued cmdlet would have written from its replies outside
    /// the block, in order (after the block's own output). A command the server rejects is a non-terminating error in
    /// its place; the others still run.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RedisPipeline")]
    [OutputType(typeof(object))]
    public sealed class InvokeRedisPipelineCommand : RedisBatchCmdlet
    {
        protected override void ProcessRecord() => RunBatch(transaction: false, watch: null, retries: 0);
    }
}
