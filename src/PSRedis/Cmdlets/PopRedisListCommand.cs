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
    [Cmdlet(VerbsCommon.Pop, "RedisList", SupportsShouldProcess = true, DefaultParameterSetName = PopSet)]
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
                    ErrorIds.LeftAndRight, ErrorCategory.InvalidArgument, null));
            }
            if (ParameterSetName == WaitSet && Timeout < TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Timeout), "-Timeout must not be negative (0 waits forever)."),
                    ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, null));
            }
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string[] keys = Key!;
            bool labelled = keys.Length > 1;
            string what = (Right ? "Pop from the tail" : "Pop from the head") + (Count > 1 ? " (up to " + Count.ToString(CultureInfo.InvariantCulture) + " elements)" : string.Empty);
            if (ParameterSetName == WaitSet)
            {
                if (ShouldProcess(string.Join(", ", keys) + " on " + connection.Name, what + ", waiting for an element")) Wait(connection, keys, labelled);
                return;
            }
            foreach (string key in keys)
            {
                if (ShouldProcess(key + " on " + connection.Name, what)) Pop(connection, key, labelled);
            }
        }

        private void Pop(RedisConnection connection, string key, bool labelled)
        {
            bool given = MyInvocation.BoundParameters.ContainsKey(nameof(Count));
            WriteVerbose((Right ? "RPOP " : "LPOP ") + key + (given ? " " + Count.ToString(CultureInfo.InvariantCulture) : string.Empty));
            if (AsByteArray)
            {
                Commands.Add(connection, c => c.PopBytes(key, Count, Right), key, (popped, output) => EmitAll(connection, key, popped, labelled, output));
            }
            else if (given)
            {
                Commands.Add(connection, c => Right ? c.RPop(key, Count) : c.LPop(key, Count), key, (popped, output) => EmitAll(connection, key, popped, labelled, output));
            }
            else
            {
                Commands.Add(connection, c => Right ? c.RPop(key) : c.LPop(key), key, (one, output) =>
                {
                    if (one == null) output.WriteVerbose("List " + key + " is empty or does not exist.");
                    else Emit(connection, key, one, labelled, output);
                });
            }
        }

        private static void EmitAll<T>(RedisConnection connection, string key, IList<T> values, bool labelled, Cmdlet output)
        {
            if (values.Count == 0) output.WriteVerbose("List " + key + " is empty or does not exist.");
            foreach (T value in values) Emit(connection, key, value!, labelled, output);
        }

        private void Wait(RedisConnection connection, string[] keys, bool labelled)
        {
            string target = keys.Length == 1 ? keys[0] : string.Join(", ", keys);
            WriteVerbose((Right ? "BRPOP " : "BLPOP ") + target + " waiting up to "
                + (Timeout == TimeSpan.Zero ? "forever" : Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s"));
            Action<Cmdlet> timedOut = output => output.WriteVerbose("Timed out after " + Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)
                + " s: nothing to pop from " + target + ".");
            if (AsByteArray)
            {
                Commands.Wait<KeyValuePair<string, byte[]>?>(connection, Timeout, wait => c => c.BlockingPopBytes(keys, wait, Right), popped => popped.HasValue, target,
                    (popped, output) => Emit(connection, popped!.Value.Key, popped.Value.Value, labelled, output), timedOut);
                return;
            }
            Commands.Wait<ListPopResult?>(connection, Timeout, wait => c => Right ? c.BRPop(keys, wait) : c.BLPop(keys, wait), popped => popped != null, target,
                (popped, output) => Emit(connection, popped!.Key, popped.Value, labelled, output), timedOut);
        }

        private static void Emit(RedisConnection connection, string key, object value, bool labelled, Cmdlet output)
        {
            if (labelled) output.WriteObject(new RedisListItem(key, value, connection));
            else output.WriteObject(value);
        }
    }
}
