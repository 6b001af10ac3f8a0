using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Watch-RedisCommand: MONITOR as a stream of objects (Node, Time in UTC, Database, Client, Command, Arguments), written
    /// as the server runs the commands, until Ctrl+C, -Count objects or -Duration. The monitor is a dedicated connection,
    /// closed the moment the cmdlet ends or is stopped. -Match keeps the commands whose name, or whose whole command text
    /// ("SET key value"), matches one of its wildcard patterns. Passwords never show. On a cluster one node: the first
    /// primary, or the one -Node names.
    /// </summary>
    [Cmdlet(VerbsCommon.Watch, "RedisCommand")]
    [OutputType(typeof(RedisMonitorEntry))]
    public sealed class WatchRedisCommandCommand : RedisCmdlet
    {
        /// <summary>How long the pipeline thread waits for a line before it looks at the stop flag and the clock again.</summary>
        internal static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(200);
        private volatile bool _stopping;
        private RedisMonitor? _monitor;
        private readonly object _monitorLock = new object();

        /// <summary>Keeps only commands whose name (e.g. get, CONFIG) or whole command text (e.g. 'SET user:*') matches one of these wildcard patterns (case-insensitive).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Match { get; set; }

        /// <summary>Stops after this long (seconds or a TimeSpan).</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan? Duration { get; set; }

        /// <summary>Stops after this many (matching) commands.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>On a cluster: the node to watch, as host:port (wildcards allowed, must name one node); default the first primary.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string? Node { get; set; }

        protected override void ProcessRecord()
        {
            if (Duration.HasValue && Duration.Value <= TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Duration), "-Duration must be positive."),
                    ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, Duration));
            }
            RedisConnection connection = ResolveConnection();
            ThrowIfBatching(connection, "it streams what the server runs until it is stopped, which a batch cannot do.");
            (string node, RedisClientBase? client) = PickNode(connection);
            if (client == null) return;

            WildcardPattern[] patterns = (Match ?? new string[0]).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToArray();
            int count = Count > 0 ? Count : int.MaxValue;
            WriteVerbose("MONITOR on " + node + " (a connection of its own)" + (Duration.HasValue
                ? " for " + Duration.Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : string.Empty)
                + (Count > 0 ? ", " + Count.ToString(CultureInfo.InvariantCulture) + " command(s)" : string.Empty)
                + (patterns.Length > 0 ? ", matching " + string.Join(" or ", Match!) : string.Empty) + "; Ctrl+C ends it.");

            RedisMonitor monitor;
            try
            {
                monitor = client.Monitor();
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                ThrowTerminatingError(ToErrorRecord(e, connection.Client is RedisCluster ? (object)node : connection));
                return;
            }
            lock (_monitorLock)
            {
                _monitor = monitor;
                if (_stopping) Close(); // stopped while MONITOR was being set up
            }
            try
            {
                Watch(monitor, node, patterns, count, connection);
            }
            finally
            {
                lock (_monitorLock) Close();
            }
        }

        private void Watch(RedisMonitor monitor, string node, WildcardPattern[] patterns, int count, RedisConnection connection)
        {
            Stopwatch clock = Stopwatch.StartNew();
            int written = 0;
            while (written < count)
            {
                if (_stopping) throw new PipelineStoppedException();
                TimeSpan slice = PollSlice;
                if (Duration.HasValue)
                {
                    TimeSpan left = Duration.Value - clock.Elapsed;
                    if (left <= TimeSpan.Zero) break;
                    if (left < slice) slice = left;
                }
                MonitorRecord? record;
                try
                {
                    record = monitor.Next(slice);
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException || e is System.IO.IOException)
                {
                    if (_stopping) throw new PipelineStoppedException();
                    ThrowTerminatingError(ToErrorRecord(e, connection.Client is RedisCluster ? (object)node : connection));
                    return;
                }
                if (record == null) continue;
                RedisMonitorEntry entry = ToEntry(node, record);
                if (patterns.Length > 0 && !Matches(patterns, entry)) continue;
                WriteObject(entry);
                written++;
            }
            WriteVerbose("Watched " + written.ToString(CultureInfo.InvariantCulture) + " command(s) on " + node + " in "
                + clock.Elapsed.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s.");
        }

        internal static RedisMonitorEntry ToEntry(string node, MonitorRecord record)
        {
            string command = record.Command.ToUpperInvariant();
            string client = record.ClientType == "tcp" ? record.ClientAddress : record.ClientType;
            return new RedisMonitorEntry(node, record.Time.UtcDateTime, record.Database, client, command, RedisMonitorEntry.Mask(command, record.Arguments));
        }

        private static bool Matches(WildcardPattern[] patterns, RedisMonitorEntry entry)
        {
            string text = entry.Command + (entry.Arguments.Length > 0 ? " " + string.Join(" ", entry.Arguments) : string.Empty);
            return patterns.Any(p => p.IsMatch(entry.Command) || p.IsMatch(text));
        }

        /// <summary>The server to watch and its client; on a cluster the node -Node names (exactly one) or the first primary.</summary>
        private (string Node, RedisClientBase? Client) PickNode(RedisConnection connection)
        {
            if (!(connection.Client is RedisCluster cluster))
            {
                string endpoint = ServerNodes.Endpoint(connection);
                if (Node != null && !new WildcardPattern(Node, WildcardOptions.IgnoreCase).IsMatch(endpoint))
                {
                    WriteError(new ErrorRecord(new ArgumentException("-Node picks a node of a cluster; " + connection.Name + " is one server, " + endpoint + "."),
                        ErrorIds.NodeNotFound, ErrorCategory.ObjectNotFound, Node));
                    return (endpoint, null);
                }
                return (endpoint, connection.Client);
            }
            if (Node == null)
            {
                ClusterNode first = cluster.Primaries[0];
                return (first.Endpoint, cluster.NodeClient(first));
            }
            var pattern = new WildcardPattern(Node, WildcardOptions.IgnoreCase);
            List<ClusterNode> nodes = cluster.SlotMap.Nodes.Where(n => pattern.IsMatch(n.Endpoint)).ToList();
            if (nodes.Count != 1)
            {
                WriteError(new ErrorRecord(new ArgumentException((nodes.Count == 0 ? "No node" : nodes.Count.ToString(CultureInfo.InvariantCulture) + " nodes")
                    + " of the cluster match " + Node + "; name one of " + string.Join(", ", cluster.SlotMap.Nodes.Select(n => n.Endpoint)) + "."),
                    ErrorIds.NodeNotFound, ErrorCategory.ObjectNotFound, Node));
                return (Node, null);
            }
            return (nodes[0].Endpoint, cluster.NodeClient(nodes[0]));
        }

        /// <summary>
        /// Ctrl+C: sets the flag the pipeline thread looks at every <see cref="PollSlice"/>, and closes the dedicated monitor
        /// connection at once (RedisMonitor.Dispose waits for a read in progress at most one 100 ms slice; no other thread
        /// uses that connection).
        /// </summary>
        protected override void StopProcessing()
        {
            _stopping = true;
            lock (_monitorLock) Close();
            base.StopProcessing();
        }

        private void Close()
        {
            _monitor?.Dispose();
            _monitor = null;
        }

        private protected override void DisposeResources()
        {
            lock (_monitorLock) Close();
        }
    }
}
