using System;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisValue: the string value of each key, one GET per key, pipelined in windows of 500 keys per round trip
    /// (a user allowed only +get can read). One output per key in input order, $null for a missing key; a key holding
    /// another type is a non-terminating WrongType error (and no output) so the rest of the pipeline goes on.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisValue")]
    [OutputType(typeof(string), typeof(byte[]))]
    public sealed class GetRedisValueCommand : RedisCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>Emits each value as byte[] (exactly the stored bytes) instead of a UTF-8 string.</summary>
        [Parameter]
        public SwitchParameter AsByteArray { get; set; }

        private static readonly Action<object?, Cmdlet> s_write = (value, output) => output.WriteObject(value);

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            foreach (string key in Key!)
            {
                if (AsByteArray) Commands.Add<object?>(connection, c => c.GetBytes(key), key, s_write, WrongType);
                else Commands.Add<object?>(connection, c => c.Get(key), key, s_write, WrongType);
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
