using System.Management.Automation;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Invoke-RedisTransaction: Invoke-RedisPipeline inside MULTI/EXEC, so the queued commands apply atomically.
    /// With -Watch the keys are WATCHed before the block runs; if another client changes one before EXEC nothing is
    /// applied and the cmdlet fails with PSRedis.WatchConflict, unless -Retry runs the block again.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RedisTransaction")]
    [OutputType(typeof(object))]
    public sealed class InvokeRedisTransactionCommand : RedisBatchCmdlet
    {
        /// <summary>Keys to WATCH before the block runs (optimistic locking).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Watch { get; set; }

        /// <summary>How many times to run the block again after a watch conflict (default 0: fail at once).</summary>
        [Parameter]
        [ValidateRange(0, 1000)]
        public int Retry { get; set; }

        protected override void ProcessRecord() => RunBatch(transaction: true, watch: Watch, retries: Retry);
    }
}
