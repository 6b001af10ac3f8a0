using System;
using System.Collections.Generic;
using System.Management.Automation;
using PSRedis.Completion;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Disconnect-Redis: closes connections (their pools are disposed, so every socket closes) and unregisters
    /// them. With no argument it closes the default, and the most recently used connection left becomes the default
    /// (said in -Verbose). Closing any other connection leaves the default as it is.
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
        public string[]? Name { get; set; }

        /// <summary>Connection objects (from Connect-Redis -PassThru or Get-RedisConnection), also from the pipeline.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ConnectionSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public RedisConnection? Connection { get; set; }

        /// <summary>Every connection of the session, also those whose name a later Connect-Redis took over.</summary>
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
                    targets.AddRange(session.AllOpen);
                    break;
                default:
                    if (Name == null)
                    {
                        RedisConnection? current = session.Default;
                        if (current == null)
                        {
                            WriteVerbose("There is no default connection to close.");
                            return;
                        }
                        targets.Add(current);
                        break;
                    }
                    AddByName(session, Name, targets);
                    break;
            }
            foreach (RedisConnection connection in targets)
            {
                if (BatchScope.Find(connection) == null) continue;
                // Closing it would lose the batch being collected: say so instead of failing later at EXEC.
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("Disconnect-Redis cannot close '" + connection.Name + "' inside Invoke-RedisPipeline or Invoke-RedisTransaction for it: the batch still needs the connection."),
                    ErrorIds.NotBatchable, ErrorCategory.InvalidOperation, connection));
            }
            foreach (RedisConnection connection in targets)
            {
                if (connection.IsClosed) continue;
                RedisConnection? promoted = session.Remove(connection, out bool wasDefault);
                string after = !wasDefault ? "."
                    : promoted != null ? "; '" + promoted.Name + "' (the most recently used) is the default connection now."
                    : "; no connection is left, so there is no default connection now.";
                WriteVerbose("Closed '" + connection.Name + "' (" + connection.Url + ")" + after);
                if (PassThru) WriteObject(connection);
            }
        }

        private void AddByName(SessionConnections session, string[] names, List<RedisConnection> targets)
        {
            IReadOnlyList<RedisConnection> registered = session.All;
            foreach (string name in names)
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                bool found = false;
                foreach (RedisConnection c in registered)
                {
                    if (!pattern.IsMatch(c.Name)) continue;
                    found = true;
                    if (!targets.Contains(c)) targets.Add(c);
                }
                if (!found && !WildcardPattern.ContainsWildcardCharacters(name))
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException("No connection is named '" + name + "'."),
                        ErrorIds.ConnectionNotFound, ErrorCategory.ObjectNotFound, name));
                }
            }
        }
    }
}
