using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisConfig: CONFIG GET of one or more names or patterns (wildcards), as Name/Value objects sorted by name.
    /// Passwords (requirepass, masterauth, any name containing 'pass') show as '********' unless -ShowSecret. On a
    /// cluster every node answers, each entry naming its node. The objects bind by property name to Set-RedisConfig.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisConfig")]
    [OutputType(typeof(RedisConfigEntry))]
    public sealed class GetRedisConfigCommand : RedisCmdlet
    {
        /// <summary>Setting names or patterns (CONFIG GET's glob: *, ?, [abc]); default every setting.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[] Name { get; set; } = { "*" };

        /// <summary>Shows password settings in clear instead of '********'.</summary>
        [Parameter]
        public SwitchParameter ShowSecret { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string[] names = Name;
            bool show = ShowSecret;
            if (show) WriteVerbose("-ShowSecret: password settings are shown in clear.");
            if (!(connection.Client is RedisCluster))
            {
                string node = ServerNodes.Endpoint(connection);
                var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (string name in names)
                {
                    WriteVerbose("CONFIG GET " + name + " on " + connection.Url);
                    Commands.Add(connection, c => c.ConfigGet(name), name, (settings, output) => Collect(found, name, settings, output));
                }
                Commands.Then(connection, output => Emit(node, found, show, connection, output));
                return;
            }
            foreach ((string node, RedisClientBase client) in ServerNodes.Each(connection))
            {
                var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (string name in names)
                {
                    WriteVerbose("CONFIG GET " + name + " on cluster node " + node);
                    try
                    {
                        Collect(found, name, client.ConfigGet(name), this);
                    }
                    catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                    {
                        WriteError(ToErrorRecord(e, node));
                    }
                }
                Emit(node, found, show, connection, this);
            }
        }

        private static void Collect(SortedDictionary<string, string> found, string name, IDictionary<string, string?> settings, Cmdlet output)
        {
            if (settings.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                output.WriteError(new ErrorRecord(new ItemNotFoundException("The server has no setting '" + name + "'."),
                    ErrorIds.ConfigNotFound, ErrorCategory.ObjectNotFound, name));
                return;
            }
            foreach (KeyValuePair<string, string?> setting in settings) found[setting.Key] = setting.Value ?? string.Empty;
        }

        private static void Emit(string node, SortedDictionary<string, string> found, bool show, RedisConnection connection, Cmdlet output)
        {
            foreach (KeyValuePair<string, string> setting in found)
            {
                bool mask = !show && setting.Value.Length > 0 && RedisConfigEntry.IsSecret(setting.Key);
                output.WriteObject(new RedisConfigEntry(node, setting.Key, mask ? RedisConfigEntry.Mask : setting.Value, mask, connection));
            }
        }
    }
}
