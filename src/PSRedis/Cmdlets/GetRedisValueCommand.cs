using System;
using System.Collections.Generic;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisValue: the string value of each key, one GET per key, pipelined in windows of 500 keys per round trip
    /// (a user allowed only +get can read). One output per key in input order, $null for a missing key; a key holding
    /// another type is a non-terminating WrongType error (and no output) so the rest of the pipeline goes on.
    /// </summary>
    // Only -InputObject takes pipeline input (see PipedKeys): binding each piped key by property name cost more than
    // reading it.
    [Cmdlet(VerbsCommon.Get, "RedisValue", DefaultParameterSetName = InputObjectSet)]
    [OutputType(typeof(string), typeof(byte[]), typeof(RedisKeyValue))]
    public sealed class GetRedisValueCommand : RedisCmdlet
    {
        private const string KeySet = "Key";
        private const string InputObjectSet = "InputObject";

        /// <summary>The keys, named on the command line (piped keys arrive through -InputObject).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = KeySet)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>Whatever is piped: Get-RedisKey's objects, strings, or objects with a Key (and Connection) property.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        public PSObject? InputObject { get; set; }

        /// <summary>The connection (default: the one each piped object brings, else the session's).</summary>
        [Parameter(ParameterSetName = KeySet)]
        [Parameter(ParameterSetName = InputObjectSet)]
        [ValidateNotNull]
        [ConnectionTransformation]
        [ArgumentCompleter(typeof(Completion.ConnectionNameCompleter))]
        public new RedisConnection? Connection
        {
            get => base.Connection;
            set => base.Connection = value;
        }

        private RedisConnection? _sessionConnection;

        /// <summary>Emits each value as byte[] (exactly the stored bytes) instead of a UTF-8 string.</summary>
        [Parameter]
        public SwitchParameter AsByteArray { get; set; }

        /// <summary>Emits Key/Value objects (for Export-Csv, ConvertTo-Json, Format-Table) instead of the bare values.</summary>
        [Parameter]
        public SwitchParameter IncludeKey { get; set; }

        private static readonly Action<object?, Cmdlet> s_write = (value, output) => output.WriteObject(value);

        protected override void ProcessRecord()
        {
            if (InputObject == null)
            {
                Read(ResolveConnection(), Key!);
                return;
            }
            IReadOnlyList<string> keys = PipedKeys.Read(InputObject, out RedisConnection? from, out ErrorRecord? error);
            if (error != null) WriteError(error);
            RedisConnection connection = Connection ?? from ?? (_sessionConnection ??= ResolveConnection());
            Read(connection, keys);
        }

        private void Read(RedisConnection connection, IReadOnlyList<string> keys)
        {
            foreach (string key in keys)
            {
                Action<object?, Cmdlet> write = IncludeKey ? (value, output) => output.WriteObject(new RedisKeyValue(key, value, connection)) : s_write;
                if (AsByteArray) Commands.Add<object?>(connection, c => c.GetBytes(key), key, write, WrongType);
                else Commands.Add<object?>(connection, c => c.Get(key), key, write, WrongType);
            }
        }

        private static ErrorRecord WrongType(RedisException error, object? key)
        {
            ErrorRecord record = ToErrorRecord(error, key);
            if (error is RedisResponseException response && response.ErrorCode == "WRONGTYPE")
            {
                record.ErrorDetails = new ErrorDetails("Key '" + key + "' does not hold a string value.")
                {
                    RecommendedAction = "Use the cmdlet for its type (Get-RedisKey -Detailed shows the type): Get-RedisHash, Get-RedisList, Get-RedisSetMember, Get-RedisSortedSetMember or Read-RedisStream.",
                };
            }
            return record;
        }
    }
}
