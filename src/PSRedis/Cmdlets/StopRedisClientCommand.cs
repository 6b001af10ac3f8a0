using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Stop-RedisClient: CLIENT KILL ID, ADDR or USER (ConfirmImpact High, -Force). Binds Id, Node and Connection by
    /// property name from Get-RedisClient's objects. The connection the command goes over is always spared (SKIPME yes);
    /// when that spares the very client asked for, or the filter also reaches this session's own pooled connections,
    /// a warning says so. A client that is not connected is a non-terminating error.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "RedisClient", DefaultParameterSetName = IdSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RedisClientStopResult))]
    public sealed class StopRedisClientCommand : RedisCmdlet
    {
        private const string IdSet = "Id";
        private const string AddressSet = "Address";
        private const string UserSet = "User";

        /// <summary>The server's ids of the clients (Get-RedisClient's Id).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        public long[]? Id { get; set; }

        /// <summary>The clients' ip:port addresses (Get-RedisClient's Address).</summary>
        [Parameter(Mandatory = true, ParameterSetName = AddressSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Address { get; set; }

        /// <summary>Every client authenticated as these ACL users.</summary>
        [Parameter(Mandatory = true, ParameterSetName = UserSet)]
        [ValidateNotNullOrEmpty]
        public string[]? User { get; set; }

        /// <summary>On a cluster: the node (host:port) the clients are connected to, as Get-RedisClient's Node; default every node.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Node { get; set; }

        /// <summary>Skips the confirmation prompt (not -WhatIf).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Emits, per filter and server, how many clients were stopped.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            ThrowIfBatching(connection, "it reports what each CLIENT KILL did, which needs the reply at once.");
            IReadOnlyList<(string Node, RedisClientBase Client)> nodes = ServerNodes.Each(connection);
            if (Node != null && connection.Client is RedisCluster)
            {
                nodes = nodes.Where(n => string.Equals(n.Node, Node, StringComparison.OrdinalIgnoreCase)).ToList();
                if (nodes.Count == 0)
                {
                    WriteError(new ErrorRecord(new ArgumentException("No node of the cluster is " + Node + "."), ErrorIds.NodeNotFound,
                        ErrorCategory.ObjectNotFound, Node));
                    return;
                }
            }
            switch (ParameterSetName)
            {
                case IdSet:
                    foreach (long id in Id!) StopOne("ID", id.ToString(CultureInfo.InvariantCulture), connection, nodes);
                    break;
                case AddressSet:
                    foreach (string address in Address!) StopOne("ADDR", address, connection, nodes);
                    break;
                default:
                    foreach (string user in User!) StopUser(user, connection, nodes);
                    break;
            }
        }

        /// <summary>One client by id or address: stopped on the node that has it; not found anywhere is an error.</summary>
        private void StopOne(string filter, string value, RedisConnection connection, IReadOnlyList<(string Node, RedisClientBase Client)> nodes)
        {
            string target = "client " + filter + " " + value + " on " + (nodes.Count == 1 ? nodes[0].Node : "the cluster") + " (" + connection.Name + ")";
            if (!Approve(target, "CLIENT KILL " + filter + " " + value + ": disconnect it", Force)) return;
            bool found = false;
            foreach ((string node, RedisClientBase client) in nodes)
            {
                WriteVerbose("CLIENT KILL " + filter + " " + value + " SKIPME yes on " + node);
                long stopped;
                bool spared;
                try
                {
                    stopped = filter == "ID"
                        ? client.ClientKillFilter(id: long.Parse(value, CultureInfo.InvariantCulture), skipMe: true)
                        : client.ClientKillFilter(addr: value, skipMe: true);
                    // Not stopped, yet still listed: the client is the connection the kill came over, which SKIPME spares.
                    spared = stopped == 0 && client.ClientList().Any(c =>
                        c.TryGetValue(filter == "ID" ? "id" : "addr", out string? v) && v == value);
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    WriteRedisError(e, connection, value);
                    continue;
                }
                if (spared)
                {
                    found = true;
                    WriteWarning("Client " + filter + " " + value + " on " + node + " is this session's own connection (the one Stop-RedisClient "
                        + "sent CLIENT KILL over), so it was not stopped. Close your own connections with Disconnect-Redis.");
                    continue;
                }
                if (stopped == 0) continue;
                found = true;
                WriteVerbose("Stopped " + stopped.ToString(CultureInfo.InvariantCulture) + " client(s) on " + node + ".");
                if (PassThru) WriteObject(new RedisClientStopResult(node, filter + " " + value, stopped));
            }
            if (!found)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException("No client with " + filter + " " + value + " is connected to "
                    + string.Join(", ", nodes.Select(n => n.Node)) + "."), ErrorIds.ClientNotFound, ErrorCategory.ObjectNotFound, value));
            }
        }

        /// <summary>Every client of an ACL user, on every node asked; none connected is quiet (a Verbose line).</summary>
        private void StopUser(string user, RedisConnection connection, IReadOnlyList<(string Node, RedisClientBase Client)> nodes)
        {
            string target = "every client of user " + user + " on " + (nodes.Count == 1 ? nodes[0].Node : "the cluster") + " (" + connection.Name + ")";
            if (!Approve(target, "CLIENT KILL USER " + user + ": disconnect them", Force)) return;
            string ownUser = connection.Client.Options.Username ?? "default";
            if (string.Equals(ownUser, user, StringComparison.Ordinal))
            {
                WriteWarning("This session's connection '" + connection.Name + "' is user " + user + " too: its idle pooled connections are stopped "
                    + "as well (it opens new ones when needed); the one CLIENT KILL went over is spared.");
            }
            foreach ((string node, RedisClientBase client) in nodes)
            {
                WriteVerbose("CLIENT KILL USER " + user + " SKIPME yes on " + node);
                long stopped;
                try
                {
                    stopped = client.ClientKillFilter(user: user, skipMe: true);
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    WriteRedisError(e, connection, user);
                    continue;
                }
                WriteVerbose("Stopped " + stopped.ToString(CultureInfo.InvariantCulture) + " client(s) of user " + user + " on " + node + ".");
                if (PassThru) WriteObject(new RedisClientStopResult(node, "USER " + user, stopped));
            }
        }
    }
}
