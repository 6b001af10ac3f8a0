using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisClient: CLIENT LIST as typed objects (Id, Address, Name, User, Age, Idle, Database, Flags, Command, ...),
    /// filtered by -Name and -User (wildcards). On a cluster every node's clients, each naming its node. The objects
    /// bind by property name to Stop-RedisClient.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisClient")]
    [OutputType(typeof(RedisClientInfo))]
    public sealed class GetRedisClientCommand : RedisCmdlet
    {
        /// <summary>Only clients whose name (CLIENT SETNAME) matches one of these (wildcards allowed).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Name { get; set; }

        /// <summary>Only clients authenticated as one of these ACL users (wildcards allowed).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? User { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            WildcardPattern[]? names = Patterns(Name);
            WildcardPattern[]? users = Patterns(User);
            if (!(connection.Client is RedisCluster))
            {
                string node = ServerNodes.Endpoint(connection);
                WriteVerbose("CLIENT LIST on " + connection.Url);
                Commands.Add(connection, c => c.ClientList(), node, (clients, output) => Emit(node, clients, names, users, connection, output));
                return;
            }
            foreach ((string node, RedisClientBase client) in ServerNodes.Each(connection))
            {
                WriteVerbose("CLIENT LIST on cluster node " + node);
                IList<IDictionary<string, string>> clients;
                try
                {
                    clients = client.ClientList();
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    WriteError(ToErrorRecord(e, node));
                    continue;
                }
                Emit(node, clients, names, users, connection, this);
            }
        }

        private static WildcardPattern[]? Patterns(string[]? values) =>
            values?.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase)).ToArray();

        private static bool Matches(WildcardPattern[]? patterns, string? value) =>
            patterns == null || patterns.Any(p => p.IsMatch(value ?? string.Empty));

        private static void Emit(string node, IList<IDictionary<string, string>> clients, WildcardPattern[]? names, WildcardPattern[]? users,
            RedisConnection connection, Cmdlet output)
        {
            foreach (IDictionary<string, string> fields in clients)
            {
                var info = new RedisClientInfo(node, fields, connection);
                if (Matches(names, info.Name) && Matches(users, info.User)) output.WriteObject(info);
            }
        }
    }
}
