using System;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Step-RedisCounter: INCRBY, DECRBY or INCRBYFLOAT on string keys holding numbers (a missing key counts as 0).
    /// A whole -By uses INCRBY (DECRBY when negative or with -Decrement) and emits a long; a fractional -By, or
    /// -Float, uses INCRBYFLOAT and emits a double. "Step" (move to the next point) rather than "Add", which in
    /// PowerShell adds a new resource to a container (Add-RedisSetMember), whereas this changes an existing value.
    /// </summary>
    [Cmdlet(VerbsCommon.Step, "RedisCounter")]
    [OutputType(typeof(long), typeof(double))]
    public sealed class StepRedisCounterCommand : RedisCmdlet
    {
        /// <summary>The counters: strings, or objects with a Key property, from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>The step (default 1). Whole numbers use INCRBY/DECRBY; a fraction uses INCRBYFLOAT.</summary>
        [Parameter(Position = 1)]
        public decimal By { get; set; } = 1;

        /// <summary>Subtracts -By instead of adding it.</summary>
        [Parameter]
        public SwitchParameter Decrement { get; set; }

        /// <summary>Uses INCRBYFLOAT even for a whole -By (needed once the value holds a fraction) and emits a double.</summary>
        [Parameter]
        public SwitchParameter Float { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            RedisCommands commands = CommandsFor(connection);
            bool batching = IsBatching(connection);
            decimal step = Decrement ? -By : By;
            bool whole = !Float && decimal.Truncate(step) == step && step >= long.MinValue && step <= long.MaxValue;
            foreach (string key in Key!)
            {
                try
                {
                    if (whole)
                    {
                        long amount = (long)step;
                        long value;
                        if (amount < 0 && amount != long.MinValue)
                        {
                            WriteVerbose("DECRBY " + key + " " + (-amount).ToString(CultureInfo.InvariantCulture));
                            value = commands.Decr(key, -amount);
                        }
                        else
                        {
                            WriteVerbose("INCRBY " + key + " " + amount.ToString(CultureInfo.InvariantCulture));
                            value = commands.Incr(key, amount);
                        }
                        if (!batching) WriteObject(value);
                    }
                    else
                    {
                        double amount = (double)step;
                        WriteVerbose("INCRBYFLOAT " + key + " " + amount.ToString("R", CultureInfo.InvariantCulture));
                        double value = commands.IncrByFloat(key, amount);
                        if (!batching) WriteObject(value);
                    }
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    if (IsConnectionLevel(e)) ThrowConnectionError(e, connection);
                    ErrorRecord record = ToErrorRecord(e, key);
                    if (whole && e is RedisResponseException && e.Message.IndexOf("not an integer", StringComparison.OrdinalIgnoreCase) >= 0)
                    {
                        record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "If the value holds a fraction, use -Float (INCRBYFLOAT)." };
                    }
                    WriteError(record);
                }
            }
        }
    }
}
