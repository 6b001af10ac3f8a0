using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Completion;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Set-RedisKeyExpiry: PEXPIRE (-TimeToLive), PEXPIREAT (-At) or PERSIST (-Persist) for each key, pipelined
    /// in batches of up to 500 keys per round trip.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "RedisKeyExpiry", SupportsShouldProcess = true, DefaultParameterSetName = TimeToLiveSet)]
    [OutputType(typeof(RedisKeyExpiryResult))]
    public sealed class SetRedisKeyExpiryCommand : RedisCmdlet
    {
        internal const int BatchSize = 500;

        private readonly ConnectionBatch<string> _pending;

        public SetRedisKeyExpiryCommand()
        {
            _pending = new ConnectionBatch<string>(BatchSize, Send);
        }
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
                    "PSRedis.InvalidTimeToLive", ErrorCategory.InvalidArgument, TimeToLive));
            }
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string action = ParameterSetName == PersistSet ? "Remove expiry"
                : ParameterSetName == AtSet ? "Expire at " + At.ToString("o", CultureInfo.InvariantCulture)
                : "Expire in " + TimeToLive.ToString("c", CultureInfo.InvariantCulture);
            bool batching = IsBatching(connection);
            foreach (string key in Key!)
            {
                if (!ShouldProcess(key + " on " + connection.Name, action)) continue;
                if (batching)
                {
                    // Inside Invoke-RedisPipeline/-Transaction: the batch emits the command's $true/$false per key.
                    if (ParameterSetName == PersistSet) QueueInBatch(connection, key, c => c.Persist(key));
                    else if (ParameterSetName == AtSet) QueueInBatch(connection, key, c => c.PExpireAt(key, At));
                    else QueueInBatch(connection, key, c => c.PExpire(key, TimeToLive));
                    continue;
                }
                _pending.Add(connection, key);
            }
        }

        protected override void EndProcessing() => _pending.Flush();

        private void Send(RedisConnection connection, string[] keys)
        {
            string command = ParameterSetName == PersistSet ? "PERSIST" : ParameterSetName == AtSet ? "PEXPIREAT" : "PEXPIRE";
            WriteVerbose(command + " for " + keys.Length.ToString(CultureInfo.InvariantCulture) + " key(s), pipelined, on " + connection.Url);
            IReadOnlyList<KeyResult> results;
            try
            {
                results = ParameterSetName == PersistSet ? connection.Client.PersistMany(keys)
                    : ParameterSetName == AtSet ? connection.Client.PExpireAtMany(keys, At)
                    : connection.Client.PExpireMany(keys, TimeToLive);
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                if (IsConnectionLevel(e)) ThrowConnectionError(e, connection);
                foreach (string key in keys) WriteError(ToErrorRecord(e, key));
                return;
            }
            foreach (KeyResult result in results)
            {
                if (result.Error != null)
                {
                    WriteRedisError(result.Error, connection, result.Key);
                    continue;
                }
                if (!result.Value && ParameterSetName != PersistSet)
                {
                    // PEXPIRE/PEXPIREAT answer 0 only for a missing key. (PERSIST's 0 also means "had no expiry": no error.)
                    WriteError(new ErrorRecord(new ItemNotFoundException("Key '" + result.Key + "' does not exist."),
                        "PSRedis.KeyNotFound", ErrorCategory.ObjectNotFound, result.Key));
                }
                if (PassThru)
                {
                    WriteObject(new RedisKeyExpiryResult(result.Key, result.Value,
                        ParameterSetName == TimeToLiveSet ? TimeToLive : (TimeSpan?)null,
                        ParameterSetName == AtSet ? At : (DateTimeOffset?)null,
                        ParameterSetName == PersistSet, connection));
                }
            }
        }
    }
}
