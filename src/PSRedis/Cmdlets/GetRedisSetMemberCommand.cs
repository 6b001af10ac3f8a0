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
            foreach (string key in Key!)
            {
                if (ParameterSetName == MemberSet)
                {
                    Test(connection, key);
                    continue;
                }
                WriteVerbose("SSCAN " + key + (Match != null ? " MATCH " + Match : string.Empty));
                string? match = Match;
                int page = PageSize;
                // In a batch block SSCAN cannot page: SMEMBERS, filtered as MATCH would have filtered.
                Commands.Read(connection, client => client.SScanIter(key, match, page), c => c.SMembers(key),
                    all => Matching(all, match), key, s_write);
            }
        }

        private static readonly Action<string, Cmdlet> s_write = (member, output) => output.WriteObject(member);

        private static IEnumerable<string> Matching(IEnumerable<string> members, string? match)
        {
            foreach (string member in members)
            {
                if (match == null || RedisGlob.IsMatch(match, member)) yield return member;
            }
        }

        private void Test(RedisConnection connection, string key)
        {
            var members = new List<object>();
            foreach (object item in Member!)
            {
                object? member = RedisValues.ToValue(item, "A set member", out string? problem);
                if (member == null)
                {
                    WriteError(new ErrorRecord(new ArgumentException(problem), ErrorIds.UnsupportedValue, ErrorCategory.InvalidArgument, key));
                    continue;
                }
                members.Add(member);
            }
            WriteVerbose("SISMEMBER " + key + " for " + CollectionValues.Count(members.Count, "member", "members"));
            foreach (object member in members)
            {
                string text = member is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : Convert.ToString(member, System.Globalization.CultureInfo.InvariantCulture)!;
                Commands.Add(connection, c => c.SIsMember(key, member), key, (present, output) =>
                {
                    if (present) output.WriteObject(text);
                });
            }
        }
    }
}
