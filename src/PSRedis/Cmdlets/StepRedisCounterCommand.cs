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
    [Cmdlet(VerbsCommon.Step, "RedisCounter", SupportsShouldProcess = true)]
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

        private static readonly Action<long, Cmdlet> s_whole = (value, output) => output.WriteObject(value);
        private static readonly Action<double, Cmdlet> s_float = (value, output) => output.WriteObject(value);

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            decimal step = Decrement ? -By : By;
            bool whole = !Float && decimal.Truncate(step) == step && step >= long.MinValue && step <= long.MaxValue;
            foreach (string key in Key!)
            {
                if (!ShouldProcess(key + " on " + connection.Name, "Add " + step.ToString(CultureInfo.InvariantCulture) + " to the counter")) continue;
                if (!whole)
                {
                    double amount = (double)step;
                    WriteVerbose("INCRBYFLOAT " + key + " " + amount.ToString("R", CultureInfo.InvariantCulture));
                    Commands.Add(connection, c => c.IncrByFloat(key, amount), key, s_float);
                    continue;
                }
                long by = (long)step;
                if (by < 0 && by != long.MinValue)
                {
                    WriteVerbose("DECRBY " + key + " " + (-by).ToString(CultureInfo.InvariantCulture));
                    Commands.Add(connection, c => c.Decr(key, -by), key, s_whole, NotAnInteger);
                }
                else
                {
                    WriteVerbose("INCRBY " + key + " " + by.ToString(CultureInfo.InvariantCulture));
                    Commands.Add(connection, c => c.Incr(key, by), key, s_whole, NotAnInteger);
                }
            }
        }

        private static ErrorRecord NotAnInteger(RedisException e, object? key)
        {
            ErrorRecord record = ToErrorRecord(e, key);
            if (e is RedisResponseException && e.Message.IndexOf("not an integer", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "If the value holds a fraction, use -Float (INCRBYFLOAT)." };
            }
            return record;
        }
    }
}
