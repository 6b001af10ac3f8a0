using System;
using System.Collections.Generic;
using System.Management.Automation;
using PSRedis.Completion;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Disconnect-Redis: closes connections (their pools are disposed, so every socket closes) and unregisters
    /// them. With no argument it closes the default; afterwards the session has no default until the next
    /// Connect-Redis (no other connection is promoted silently).
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "Redis", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(RedisConnection))]
    public sealed class DisconnectRedisCommand : PSCmdlet
    {
        private const string NameSet = "Name";
        private const string ConnectionSet = "Connection";
        private const string AllSet = "All";

        /// <summary>Names of registered connections (wildcards allowed); default: the session's default connection.</summary>
        [Parameter(Position = 0, ParameterSetName = NameSet)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ConnectionNameCompleter))]
        public string? Name { get; set; }

        /// <summary>Connection objects (from Connect-Redis -PassThru or Get-RedisConnection), also from the pipeline.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ConnectionSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public RedisConnection? Connection { get; set; }

        /// <summary>Every connection of the session.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AllSet)]
        public SwitchParameter All { get; set; }

        /// <summary>Emits each connection closed.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            SessionConnections? session = ConnectionRegistry.Current;
            if (session == null) return;
            var targets = new List<RedisConnection>();
            switch (ParameterSetName)
            {
                case ConnectionSet:
                    targets.Add(Connection!);
                    break;
                case AllSet:
                    targets.AddRange(session.All);
                    break;
                default:
                    if (Name == null)
                    {
                        RedisConnection? current = session.Default;
                        if (current == null)
                        {
                            WriteError(new ErrorRecord(new InvalidOperationException("There is no default connection to close."),
                                "PSRedis.NoConnection", ErrorCategory.ObjectNotFound, null));
                            return;
                        }
                        targets.Add(current);
                        break;
                    }
                    var pattern = new WildcardPattern(Name, WildcardOptions.IgnoreCase);
                    foreach (RedisConnection c in session.All) if (pattern.IsMatch(c.Name)) targets.Add(c);
                    if (targets.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(Name))
                    {
                        WriteError(new ErrorRecord(new ItemNotFoundException("No connection is named '" + Name + "'."),
                            "PSRedis.ConnectionNotFound", ErrorCategory.ObjectNotFound, Name));
                    }
                    break;
            }
            foreach (RedisConnection connection in targets)
            {
                if (BatchScope.For(connection) == null) continue;
                // Closing it would lose the batch being collected: say so instead of failing later at EXEC.
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("Disconnect-Redis cannot close '" + connection.Name + "' inside Invoke-RedisPipeline or Invoke-RedisTransaction for it: the batch still needs the connection."),
                    "PSRedis.NotBatchable", ErrorCategory.InvalidOperation, connection));
            }
            foreach (RedisConnection connection in targets)
            {
                bool wasDefault = connection.IsDefault;
                session.Remove(connection);
                WriteVerbose("Closed '" + connection.Name + "' (" + connection.Url + ")" + (wasDefault ? "; the session has no default connection now." : "."));
                if (PassThru) WriteObject(connection);
            }
        }
    }
}
