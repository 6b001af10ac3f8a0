using System;
using System.Collections.Generic;
using System.Management.Automation;
using PSRedis.Completion;

namespace PSRedis.Cmdlets
{
    /// <summary>Get-RedisConnection: the session's registered connections (IsDefault marks the default), by name with wildcards.</summary>
    [Cmdlet(VerbsCommon.Get, "RedisConnection")]
    [OutputType(typeof(RedisConnection))]
    public sealed class GetRedisConnectionCommand : PSCmdlet
    {
        /// <summary>Names to list (wildcards allowed); default: all.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ConnectionNameCompleter))]
        public string? Name { get; set; }

        protected override void ProcessRecord()
        {
            SessionConnections? session = ConnectionRegistry.Current;
            var list = new List<RedisConnection>(session?.All ?? Array.Empty<RedisConnection>());
            list.Sort((a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Name, b.Name));
            WildcardPattern? pattern = Name == null ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
            bool any = false;
            foreach (RedisConnection connection in list)
            {
                if (pattern != null && !pattern.IsMatch(connection.Name)) continue;
                any = true;
                WriteObject(connection);
            }
            if (!any && Name != null && !WildcardPattern.ContainsWildcardCharacters(Name))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException("No connection is named '" + Name + "'."),
                    ErrorIds.ConnectionNotFound, ErrorCategory.ObjectNotFound, Name));
            }
        }
    }
}
