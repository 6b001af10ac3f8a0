using System;
using System.Collections;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Set-RedisValue: SET for one key, or for many Key/Value objects from the pipeline, pipelined in windows of 500
    /// per round trip.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "RedisValue", SupportsShouldProcess = true, DefaultParameterSetName = AlwaysSet)]
    [OutputType(typeof(bool))]
    public sealed class SetRedisValueCommand : RedisCmdlet
    {
        private const string AlwaysSet = "Always";
        private const string NotExistsSet = "NotExists";
        private const string ExistsSet = "Exists";


        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>A string, a byte[] (stored as is) or a number (stored in invariant culture).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public object? Value { get; set; }

        /// <summary>Time to live: seconds or a TimeSpan (sent as PX, millisecond precision).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SecondsTransformation]
        public TimeSpan? Expiry { get; set; }

        /// <summary>Only set keys that do not exist yet (NX).</summary>
        [Parameter(Mandatory = true, ParameterSetName = NotExistsSet)]
        public SwitchParameter NotExists { get; set; }

        /// <summary>Only set keys that already exist (XX).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ExistsSet)]
        public SwitchParameter Exists { get; set; }

        /// <summary>Keep the key's current time to live (KEEPTTL).</summary>
        [Parameter]
        public SwitchParameter KeepTtl { get; set; }

        /// <summary>Emits $true for each key written, $false where -NotExists/-Exists prevented it.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            if (KeepTtl && MyInvocation.BoundParameters.ContainsKey(nameof(Expiry)) && Expiry.HasValue)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("-Expiry and -KeepTtl cannot be used together."),
                    ErrorIds.ExpiryAndKeepTtl, ErrorCategory.InvalidArgument, null));
            }
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string key = Key!;
            if (KeepTtl && Expiry.HasValue)
            {
                WriteError(new ErrorRecord(new ArgumentException("-Expiry and -KeepTtl cannot be used together."),
                    ErrorIds.ExpiryAndKeepTtl, ErrorCategory.InvalidArgument, key));
                return;
            }
            if (Expiry.HasValue && Expiry.Value < TimeSpan.FromMilliseconds(1))
            {
                WriteError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Expiry), "-Expiry must be at least one millisecond."),
                    ErrorIds.InvalidExpiry, ErrorCategory.InvalidArgument, key));
                return;
            }
            object? value = RedisValues.ToValue(Value, "A value to SET", out string? problem);
            if (value == null)
            {
                WriteError(new ErrorRecord(new ArgumentException(problem), ErrorIds.UnsupportedValue, ErrorCategory.InvalidArgument, key));
                return;
            }
            if (!ShouldProcess(key + " on " + connection.Name, NotExists ? "Set value if the key does not exist" : "Set value")) return;

            Commands.Add(connection, c => c.Set(key, value, px: Expiry, nx: NotExists, xx: Exists, keepTtl: KeepTtl), key,
                PassThru ? s_written : null);
        }

        private static readonly Action<bool, Cmdlet> s_written = (written, output) => output.WriteObject(written);
    }
}
