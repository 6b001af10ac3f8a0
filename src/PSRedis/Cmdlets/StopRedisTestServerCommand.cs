using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PSRedis.TestServers;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Stop-RedisTestServer: ends servers from Start-RedisTestServer (by process id, or by removing the container),
    /// removes their temporary folders and closes the connection -Connect made.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "RedisTestServer", DefaultParameterSetName = ServerSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class StopRedisTestServerCommand : PSCmdlet
    {
        private const string ServerSet = "Server";
        private const string PortSet = "Port";
        private const string AllSet = "All";

        /// <summary>Servers from Start-RedisTestServer, also from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ServerSet)]
        [ValidateNotNull]
        public RedisTestServer[]? InputObject { get; set; }

        /// <summary>The ports of servers this session started.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PortSet)]
        public int[]? Port { get; set; }

        /// <summary>Every server this session started and has not stopped.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AllSet)]
        public SwitchParameter All { get; set; }

        protected override void ProcessRecord()
        {
            foreach (RedisTestServer server in Targets()) StopOne(server);
        }

        private IEnumerable<RedisTestServer> Targets()
        {
            if (ParameterSetName == ServerSet) return InputObject!;
            IReadOnlyList<RedisTestServer> started = Runspace.DefaultRunspace == null ? Array.Empty<RedisTestServer>() : TestServerRegistry.Of(Runspace.DefaultRunspace);
            if (ParameterSetName == AllSet) return started;
            var found = new List<RedisTestServer>();
            foreach (int port in Port!)
            {
                RedisTestServer? server = started.FirstOrDefault(s => s.Port == port);
                if (server != null)
                {
                    found.Add(server);
                    continue;
                }
                WriteError(new ErrorRecord(
                    new ArgumentException("No test server this session started listens on port " + port.ToString(CultureInfo.InvariantCulture) + "."),
                    ErrorIds.TestServerNotFound, ErrorCategory.ObjectNotFound, port));
            }
            return found;
        }

        private void StopOne(RedisTestServer server)
        {
            if (!server.IsRunning) WriteVerbose(server.Url + " is not running (any more); removing what is left of it.");
            string what = server.Engine + " at " + server.Url + (server.ProcessId.HasValue ? " (process " + server.ProcessId.Value.ToString(CultureInfo.InvariantCulture) + ")"
                : server.ContainerId != null ? " (container " + server.ContainerId + ")" : string.Empty);
            if (!ShouldProcess(what, "Stop the test server and remove " + server.Directory)) return;
            TestServerRegistry.Remove(server);
            if (server.Connection != null)
            {
                // Remove also closes it; outside a session (another runspace's server) it is only closed.
                SessionConnections? session = ConnectionRegistry.Current;
                if (session != null) session.Remove(server.Connection, out _);
                else server.Connection.Dispose();
                server.Connection = null;
            }
            IReadOnlyList<string> problems = server.Running?.Stop() ?? Array.Empty<string>();
            if (problems.Count > 0)
            {
                WriteError(new ErrorRecord(new InvalidOperationException("Stopping " + what + ": " + string.Join(" ", problems)),
                    ErrorIds.TestServerStopFailed, ErrorCategory.CloseError, server));
                return;
            }
            WriteVerbose("Stopped " + what + " and removed " + server.Directory + ".");
        }
    }
}
