using System;
using System.Collections.Generic;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisSetMember: the members of each set, streamed with SSCAN (constant memory; -Match filters by glob);
    /// with -Member, only those of the given members that are in the set (SISMEMBER), so
    /// <c>[bool](Get-RedisSetMember k -Member x)</c> tests membership.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisSetMember", DefaultParameterSetName = ScanSet)]
    [OutputType(typeof(string))]
    public sealed class GetRedisSetMemberCommand : RedisCmdlet
    {
        private const string ScanSet = "Scan";
        private const string MemberSet = "Member";

        /// <summary>The set keys: strings, or objects with a Key property, from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>Only members matching this glob pattern (SSCAN MATCH).</summary>
        [Parameter(ParameterSetName = ScanSet)]
        [ValidateNotNullOrEmpty]
        public string? Match { get; set; }

        /// <summary>Members per SSCAN call (a hint to the server; default 1000).</summary>
        [Parameter(ParameterSetName = ScanSet)]
        [ValidateRange(1, 1000000)]
        public int PageSize { get; set; } = 1000;

        /// <summary>Emits those of these members that are in the set (one SISMEMBER each), in the order given.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = MemberSet)]
        [ValidateNotNull]
        [AllowEmptyString]
        public object[]? Member { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            bool batching = IsBatching(connection);
            foreach (string key in Key!)
            {
                try
                {
                    if (ParameterSetName == MemberSet) Test(connection, key, batching);
                    else if (batching) CommandsFor(connection).SMembers(key);
                    else
                    {
                        WriteVerbose("SSCAN " + key + (Match != null ? " MATCH " + Match : string.Empty));
                        foreach (string member in connection.Client.SScanIter(key, Match, PageSize)) WriteObject(member);
                    }
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    WriteRedisError(e, connection, key);
                }
            }
        }

        private void Test(RedisConnection connection, string key, bool batching)
        {
            var members = new List<object>();
            foreach (object item in Member!)
            {
                object? member = CollectionSupport.ToElement(item, "A set member", out string? problem);
                if (member == null)
                {
                    WriteError(new ErrorRecord(new ArgumentException(problem), "PSRedis.UnsupportedValue", ErrorCategory.InvalidArgument, key));
                    continue;
                }
                members.Add(member);
            }
            RedisCommands commands = CommandsFor(connection);
            WriteVerbose("SISMEMBER " + key + " for " + CollectionSupport.Count(members.Count, "member", "members"));
            foreach (object member in members)
            {
                bool present = commands.SIsMember(key, member);
                if (present && !batching) WriteObject(member is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : Convert.ToString(member, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
