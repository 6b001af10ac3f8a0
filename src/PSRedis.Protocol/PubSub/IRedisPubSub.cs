using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A subscriber whose messages arrive through a background reader: <see cref="RedisPubSub"/> (one connection to one
    /// server) or <see cref="RedisClusterPubSub"/> (one connection per cluster node that owns a shard channel or emits
    /// keyspace notifications). <see cref="RedisClientBase.Subscriber"/> gives the one that fits the client, so code
    /// that subscribes (Register-RedisEvent) is written once for a server and a cluster.
    /// </summary>
    public interface IRedisPubSub : IDisposable
    {
        /// <summary>Raised for each message, in the order received per channel (see <see cref="Start"/>).</summary>
        event EventHandler<PubSubMessageEventArgs>? MessageReceived;

        /// <summary>Raised once per outage of a connection, while it reconnects by itself.</summary>
        event EventHandler<PubSubDisconnectedEventArgs>? Disconnected;

        /// <summary>Raised once a lost connection's subscriptions are restored.</summary>
        event EventHandler<PubSubReconnectedEventArgs>? Reconnected;

        /// <summary>Raised for failures the reader cannot hand to a caller.</summary>
        event EventHandler<PubSubErrorEventArgs>? Error;

        /// <summary>Reconnect attempts in a row that may fail before the reader gives up; null: never.</summary>
        int? MaxReconnectAttempts { get; set; }

        /// <summary>How long a subscribed connection may stay silent before it counts as lost; zero turns checks off.</summary>
        TimeSpan HealthCheckInterval { get; set; }

        /// <summary>The channels subscribed (SUBSCRIBE).</summary>
        IReadOnlyCollection<string> Channels { get; }

        /// <summary>The patterns subscribed (PSUBSCRIBE).</summary>
        IReadOnlyCollection<string> Patterns { get; }

        /// <summary>The shard channels subscribed (SSUBSCRIBE).</summary>
        IReadOnlyCollection<string> ShardChannels { get; }

        /// <summary>True while anything is subscribed.</summary>
        bool IsSubscribed { get; }

        /// <summary>True while the background reader runs.</summary>
        bool IsRunning { get; }

        /// <summary>SUBSCRIBE.</summary>
        void Subscribe(params string[] channels);

        /// <summary>PSUBSCRIBE.</summary>
        void PSubscribe(params string[] patterns);

        /// <summary>SSUBSCRIBE (Redis 7 sharded pub/sub).</summary>
        void SSubscribe(params string[] channels);

        /// <summary>UNSUBSCRIBE; with none, from every channel.</summary>
        void Unsubscribe(params string[] channels);

        /// <summary>PUNSUBSCRIBE; with none, from every pattern.</summary>
        void PUnsubscribe(params string[] patterns);

        /// <summary>SUNSUBSCRIBE; with none, from every shard channel.</summary>
        void SUnsubscribe(params string[] channels);

        /// <summary>Starts the background reader(s) that raise <see cref="MessageReceived"/>.</summary>
        void Start();

        /// <summary>Stops the background reader(s).</summary>
        void Stop();
    }
}
