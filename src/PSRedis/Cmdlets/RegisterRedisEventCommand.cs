using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Register-RedisEvent: subscribes to channels, patterns and/or shard channels on a pub/sub connection of its own
    /// (on a cluster, one per node it needs: shard channels on their slot's owner, keyspace notifications on every
    /// primary) and turns
    /// each message into a PowerShell event with the given source identifier. Without -Action the events queue
    /// for Get-Event/Wait-Event; with -Action the engine runs the action on its own pipeline thread and this
    /// cmdlet emits the event job, as Register-ObjectEvent does. Unregister-Event ends the subscription and
    /// closes its connection. A lost connection is retried with exponential backoff for as long as the subscription
    /// exists (or -MaxRetry attempts), and queues one "&lt;SourceIdentifier&gt;.Disconnected" event per outage and one
    /// "&lt;SourceIdentifier&gt;.Reconnected" when the subscriptions are restored; failures queue under
    /// "&lt;SourceIdentifier&gt;.Error". -KeyEvent subscribes to keyspace events (__keyevent@db__:event) whose event args carry
    /// Key, Event and Database, filtered by -Match, checking (and with -EnableNotifications setting) notify-keyspace-events.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Register, "RedisEvent")]
    [OutputType(typeof(PSEventJob))]
    public sealed class RegisterRedisEventCommand : RedisCmdlet
    {
        private static readonly TimeSpan DefaultConfirmationTimeout = TimeSpan.FromSeconds(10);

        /// <summary>Channels to subscribe to (SUBSCRIBE).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Channel { get; set; }

        /// <summary>Glob-style channel patterns to subscribe to (PSUBSCRIBE), e.g. '__keyspace@0__:*'.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Pattern { get; set; }

        /// <summary>
        /// Shard channels to subscribe to (SSUBSCRIBE, Redis 7), published with Publish-RedisMessage -Sharded. On a cluster
        /// each goes to the node that owns its slot and follows the slot after a failover or migration.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? ShardChannel { get; set; }

        /// <summary>
        /// Keyspace events to receive (__keyevent@&lt;db&gt;__:&lt;event&gt; channels of the connection's database), e.g. set, del,
        /// expired; wildcards subscribe by pattern. Each event's SourceEventArgs carries Key, Event and Database.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? KeyEvent { get; set; }

        /// <summary>With -KeyEvent: only keys that match this wildcard pattern become events (case-sensitive, as Redis keys).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string? Match { get; set; }

        /// <summary>With -KeyEvent: adds the flags the events need to the server's notify-keyspace-events (CONFIG SET; every primary of a cluster).</summary>
        [Parameter]
        public SwitchParameter EnableNotifications { get; set; }

        /// <summary>The events' source identifier; a new GUID when absent.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SourceIdentifier { get; set; }

        /// <summary>Runs for each message on the engine's pipeline thread ($Event, $EventArgs, $Sender as in Register-ObjectEvent).</summary>
        [Parameter]
        public ScriptBlock? Action { get; set; }

        /// <summary>Any object, delivered with every event as $Event.MessageData.</summary>
        [Parameter]
        public PSObject? MessageData { get; set; }

        /// <summary>Reconnect attempts in a row that may fail before the subscription ends (a last .Error event says so). Default: no limit.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int MaxRetry { get; set; }

        /// <summary>How long the connection may stay silent before it counts as lost (seconds or a TimeSpan; 0 turns checks off). Default 30 s.</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan HealthCheckInterval { get; set; }

        protected override void ProcessRecord()
        {
            List<string> channels = Distinct(Channel);
            List<string> patterns = Distinct(Pattern);
            List<string> shardChannels = Distinct(ShardChannel);
            List<string> keyEvents = Distinct(KeyEvent);
            if (channels.Count + patterns.Count + shardChannels.Count + keyEvents.Count == 0)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give at least one -Channel, -Pattern, -ShardChannel or -KeyEvent."),
                    ErrorIds.NoChannel, ErrorCategory.InvalidArgument, null));
            }
            if (keyEvents.Count == 0 && (Match != null || EnableNotifications))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Match and -EnableNotifications go with -KeyEvent."),
                    ErrorIds.ConflictingOptions, ErrorCategory.InvalidArgument, null));
            }
            string id = SourceIdentifier ?? Guid.NewGuid().ToString();
            if (Events.GetEventSubscribers(id).Any())
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("A subscriber with the source identifier '" + id + "' already exists; Unregister-Event it first or pick another -SourceIdentifier."),
                    ErrorIds.SubscriptionExists, ErrorCategory.ResourceExists, id));
            }
            TimeSpan? healthCheck = null;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(HealthCheckInterval)))
            {
                if (HealthCheckInterval < TimeSpan.Zero)
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentOutOfRangeException(nameof(HealthCheckInterval), "The health-check interval is zero (no checks) or positive."),
                        ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, HealthCheckInterval));
                }
                healthCheck = HealthCheckInterval;
            }
            int? maxRetry = MyInvocation.BoundParameters.ContainsKey(nameof(MaxRetry)) ? MaxRetry : (int?)null;
            RedisConnection connection = ResolveConnection();
            if (keyEvents.Count > 0)
            {
                string prefix = "__keyevent@" + connection.Database.ToString(CultureInfo.InvariantCulture) + "__:";
                foreach (string e in keyEvents)
                {
                    string name = prefix + e.ToLowerInvariant();
                    List<string> into = WildcardPattern.ContainsWildcardCharacters(e) ? patterns : channels;
                    if (!into.Contains(name)) into.Add(name);
                }
                KeyspaceNotifications.Check(this, connection, keyEvents, EnableNotifications);
            }

            var subscription = new RedisSubscription(connection, id, channels, patterns, shardChannels, Events, MessageData, maxRetry, healthCheck);
            if (Match != null) subscription.KeyFilter = new WildcardPattern(Match, WildcardOptions.None);
            PSEventSubscriber subscriber = Events.SubscribeEvent(subscription, nameof(RedisSubscription.MessageReceived), id, MessageData, Action, false, false);
            subscription.Attach(subscriber);
            PSEventSubscriber? ender = null;
            if (Action != null)
            {
                // Ends the subscription after the retry limit, from the pipeline thread and after the action runs
                // already queued (see RedisSubscription.EndAfterGivingUp). Hidden: a support event, with no job.
                ender = Events.SubscribeEvent(null, null, subscription.EndSourceIdentifier, null, ScriptBlock.Create(EndAction), true, false);
            }
            // Unregister-Event (and closing the runspace) ends the subscription: stop the reader, close the connection.
            PSEventManager events = Events;
            subscriber.Unsubscribed += (sender, e) =>
            {
                subscription.Dispose();
                if (ender != null) events.UnsubscribeEvent(ender);
            };

            WriteVerbose(Describe(channels, patterns, shardChannels) + " on " + connection.Url + " as client " + subscription.ClientName);
            TimeSpan wait = connection.Client.Options.SocketTimeout ?? DefaultConfirmationTimeout;
            if (wait < DefaultConfirmationTimeout) wait = DefaultConfirmationTimeout;
            bool confirmed;
            try
            {
                confirmed = subscription.Start(wait);
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                Events.UnsubscribeEvent(subscriber);
                ThrowTerminatingError(ToErrorRecord(e, connection));
                return;
            }
            if (!confirmed)
            {
                Events.UnsubscribeEvent(subscriber);
                ThrowTerminatingError(ToErrorRecord(new RedisTimeoutException(
                    "The server did not confirm the subscriptions within " + wait.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s."), connection));
            }

            // The event manager has put the job in the session's job repository already (Get-Job lists it).
            if (Action != null) WriteObject(subscriber.Action);
        }

        /// <summary>The hidden action that unregisters the subscriber given as MessageData, then itself.</summary>
        private const string EndAction =
            "$ExecutionContext.Events.UnsubscribeEvent($Event.MessageData); $ExecutionContext.Events.UnsubscribeEvent($EventSubscriber)";

        private static List<string> Distinct(string[]? names)
        {
            var list = new List<string>();
            if (names == null) return list;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string name in names)
            {
                if (!string.IsNullOrEmpty(name) && seen.Add(name)) list.Add(name);
            }
            return list;
        }

        private static string Describe(List<string> channels, List<string> patterns, List<string> shardChannels)
        {
            var parts = new List<string>(3);
            if (channels.Count > 0) parts.Add("SUBSCRIBE " + string.Join(" ", channels));
            if (patterns.Count > 0) parts.Add("PSUBSCRIBE " + string.Join(" ", patterns));
            if (shardChannels.Count > 0) parts.Add("SSUBSCRIBE " + string.Join(" ", shardChannels));
            return string.Join("; ", parts);
        }
    }
}
