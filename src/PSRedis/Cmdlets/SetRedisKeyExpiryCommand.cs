using System;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Completion;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Set-RedisKeyExpiry: PEXPIRE (-TimeToLive), PEXPIREAT (-At) or PERSIST (-Persist) for each key, pipelined
    /// in windows of 500 keys per round trip.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "RedisKeyExpiry", SupportsShouldProcess = true, DefaultParameterSetName = TimeToLiveSet)]
    [OutputType(typeof(RedisKeyExpiryResult))]
    public sealed class SetRedisKeyExpiryCommand : RedisCmdlet
    {
        private const string TimeToLiveSet = "TimeToLive";
        private const string AtSet = "At";
        private const string PersistSet = "Persist";


        /// <summary>The keys: strings, or objects with a Key property.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>Time to live: seconds or a TimeSpan (millisecond precision).</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = TimeToLiveSet)]
        [SecondsTransformation]
        public TimeSpan TimeToLive { get; set; }

        /// <summary>Absolute expiry time (a DateTime is taken in its Kind; Unspecified counts as local).</summary>
        [Parameter(Mandatory = true, ParameterSetName = AtSet)]
        public DateTimeOffset At { get; set; }

        /// <summary>Removes the expiry.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PersistSet)]
        public SwitchParameter Persist { get; set; }

        /// <summary>Emits one result object per key.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            if (ParameterSetName == TimeToLiveSet && TimeToLive < TimeSpan.FromMilliseconds(1))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentOutOfRangeException(nameof(TimeToLive), "-TimeToLive must be at least one millisecond; use Remove-RedisKey to delete keys, or -Persist to remove the expiry."),
                    ErrorIds.InvalidTimeToLive, ErrorCategory.InvalidArgument, TimeToLive));
            }
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string action = ParameterSetName == PersistSet ? "Remove expiry"
                : ParameterSetName == AtSet ? "Expire at " + At.ToString("o", CultureInfo.InvariantCulture)
                : "Expire in " + TimeToLive.ToString("c", CultureInfo.InvariantCulture);
            foreach (string key in Key!)
            {
                if (!ShouldProcess(key + " on " + connection.Name, action)) continue;
                Action<bool, Cmdlet> written = (applied, output) => Report(key, applied, connection, output);
                if (ParameterSetName == PersistSet) Commands.Add(connection, c => c.Persist(key), key, written);
                else if (ParameterSetName == AtSet) Commands.Add(connection, c => c.PExpireAt(key, At), key, written);
                else Commands.Add(connection, c => c.PExpire(key, TimeToLive), key, written);
            }
        }

        private void Report(string key, bool applied, RedisConnection connection, Cmdlet output)
        {
            if (!applied && ParameterSetName != PersistSet)
            {
                // PEXPIRE/PEXPIREAT answer 0 only for a missing key. (PERSIST's 0 also means "had no expiry": no error.)
                output.WriteError(new ErrorRecord(new ItemNotFoundException("Key '" + key + "' does not exist."),
                    ErrorIds.KeyNotFound, ErrorCategory.ObjectNotFound, key));
            }
            if (PassThru)
            {
                output.WriteObject(new RedisKeyExpiryResult(key, applied,
                    ParameterSetName == TimeToLiveSet ? TimeToLive : (TimeSpan?)null,
                    ParameterSetName == AtSet ? At : (DateTimeOffset?)null,
                    ParameterSetName == PersistSet, connection));
            }
        }
    }
}
