using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Pop-RedisList: LPOP (default, or -Left) or RPOP (-Right) of one or -Count elements from each key; with
    /// -Timeout, BLPOP/BRPOP over all the keys given, waiting for an element. Emits the values, or RedisListItem
    /// objects (Key, Value) when one call names several keys. A timeout emits nothing and writes a Verbose line.
    /// </summary>
    [Cmdlet(VerbsCommon.Pop, "RedisList", DefaultParameterSetName = PopSet)]
    [OutputType(typeof(string), typeof(byte[]), typeof(RedisListItem))]
    public sealed class PopRedisListCommand : RedisCmdlet
    {
        private const string PopSet = "Pop";
        private const string WaitSet = "Wait";

        /// <summary>The list keys: strings, or objects with a Key property, from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>Pops from the head (the default): with Push-RedisList's default append, the list is a FIFO queue.</summary>
        [Parameter]
        public SwitchParameter Left { get; set; }

        /// <summary>Pops from the tail (RPOP/BRPOP).</summary>
        [Parameter]
        public SwitchParameter Right { get; set; }

        /// <summary>Pops up to this many elements from each key (Redis 6.2+).</summary>
        [Parameter(ParameterSetName = PopSet)]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; } = 1;

        /// <summary>Waits up to this long (seconds or a TimeSpan; 0 waits forever) for an element in any of the keys (BLPOP/BRPOP).</summary>
        [Parameter(Mandatory = true, ParameterSetName = WaitSet)]
        [SecondsTransformation]
        public TimeSpan Timeout { get; set; }

        /// <summary>Values as byte[] (exactly the stored bytes) instead of UTF-8 strings.</summary>
        [Parameter]
        public SwitchParameter AsByteArray { get; set; }

        protected override void BeginProcessing()
        {
            if (Left && Right)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Left and -Right cannot be used together."),
                    "PSRedis.LeftAndRight", ErrorCategory.InvalidArgument, null));
            }
            if (ParameterSetName == WaitSet && Timeout < TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Timeout), "-Timeout must not be negative (0 waits forever)."),
                    "PSRedis.InvalidTimeout", ErrorCategory.InvalidArgument, null));
            }
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string[] keys = Key!;
            bool labelled = keys.Length > 1;
            if (ParameterSetName == WaitSet) Wait(connection, keys, labelled);
            else foreach (string key in keys) Pop(connection, key, labelled);
        }

        private void Pop(RedisConnection connection, string key, bool labelled)
        {
            RedisCommands commands = CommandsFor(connection);
            bool given = MyInvocation.BoundParameters.ContainsKey(nameof(Count));
            WriteVerbose((Right ? "RPOP " : "LPOP ") + key + (given ? " " + Count.ToString(CultureInfo.InvariantCulture) : string.Empty));
            var values = new List<object>();
            bool batching = IsBatching(connection);
            try
            {
                if (AsByteArray)
                {
                    IList<byte[]> popped = commands.PopBytes(key, Count, Right);
                    if (!batching) values.AddRange(popped);
                }
                else if (given)
                {
                    IList<string> popped = Right ? commands.RPop(key, Count) : commands.LPop(key, Count);
                    if (!batching) values.AddRange(popped);
                }
                else
                {
                    string? one = Right ? commands.RPop(key) : commands.LPop(key);
                    if (one != null) values.Add(one);
                }
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                WriteRedisError(e, connection, key);
                return;
            }
            if (batching) return;
            if (values.Count == 0) WriteVerbose("List " + key + " is empty or does not exist.");
            foreach (object value in values) Emit(connection, key, value, labelled);
        }

        private void Wait(RedisConnection connection, string[] keys, bool labelled)
        {
            RedisCommands commands = CommandsFor(connection);
            string target = keys.Length == 1 ? keys[0] : string.Join(", ", keys);
            WriteVerbose((Right ? "BRPOP " : "BLPOP ") + target + " waiting up to "
                + (Timeout == TimeSpan.Zero ? "forever" : Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s"));
            string? key = null;
            object? value = null;
            try
            {
                Func<TimeSpan, bool> pop = wait =>
                {
                    if (AsByteArray)
                    {
                        KeyValuePair<string, byte[]>? bytes = commands.BlockingPopBytes(keys, wait, Right);
                        if (bytes.HasValue) { key = bytes.Value.Key; value = bytes.Value.Value; }
                        return bytes.HasValue;
                    }
                    ListPopResult? popped = Right ? commands.BRPop(keys, wait) : commands.BLPop(keys, wait);
                    if (popped != null) { key = popped.Key; value = popped.Value; }
                    return popped != null;
                };
                // In a batch the command is only queued (one wait, run with the batch); alone it waits in slices so
                // Ctrl+C is noticed within a second even with -Timeout 0.
                if (IsBatching(connection)) pop(Timeout);
                else WaitInSlices(Timeout, pop);
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                WriteRedisError(e, connection, keys.Length == 1 ? keys[0] : target);
                return;
            }
            if (IsBatching(connection)) return;
            if (key == null || value == null)
            {
                WriteVerbose("Timed out after " + Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s: nothing to pop from " + target + ".");
                return;
            }
            Emit(connection, key, value, labelled);
        }

        private void Emit(RedisConnection connection, string key, object value, bool labelled)
        {
            if (labelled) WriteObject(new RedisListItem(key, value, connection));
            else WriteObject(value);
        }
    }
}
