using System;
using System.Text;

namespace PSRedis.Protocol
{
    /// <summary>
    /// One message from a subscribed connection, as redis-py's message dictionaries: <see cref="Type"/> is
    /// "message", "pmessage", "smessage" (a shard channel's, SPUBLISH), "subscribe", "unsubscribe", "psubscribe",
    /// "punsubscribe", "ssubscribe", "sunsubscribe" or "pong".
    /// </summary>
    public sealed class PubSubMessage
    {
        internal PubSubMessage(string type, string? pattern, string channel, byte[]? dataBytes, long? subscriptionCount)
        {
            Type = type;
            Pattern = pattern;
            Channel = channel;
            DataBytes = dataBytes;
            SubscriptionCount = subscriptionCount;
        }

        /// <summary>The kind of message, lower case as Redis names it ("message", "pmessage", "subscribe", ...).</summary>
        public string Type { get; }

        /// <summary>For "pmessage": the pattern that matched; otherwise null.</summary>
        public string? Pattern { get; }

        /// <summary>The channel the message was published to, or the channel (un)subscribed; empty for "pong".</summary>
        public string Channel { get; }

        /// <summary>The payload as UTF-8 text; for (un)subscribe confirmations the remaining subscription count, as text.</summary>
        public string? Data => DataBytes == null ? null : Encoding.UTF8.GetString(DataBytes);

        /// <summary>The payload exactly as received (for binary messages).</summary>
        public byte[]? DataBytes { get; }

        /// <summary>For (un)subscribe confirmations: how many channels and patterns the connection is subscribed to now.</summary>
        public long? SubscriptionCount { get; }

        /// <summary>True for "message", "pmessage" and "smessage", the messages that carry published data.</summary>
        public bool IsPublished => Type == "message" || Type == "pmessage" || Type == "smessage";

        /// <summary>A short description: type, channel and the payload's start.</summary>
        public override string ToString()
        {
            string data = Data ?? string.Empty;
            if (data.Length > 80) data = data.Substring(0, 80) + "...";
            return Type + " " + (Pattern != null ? Pattern + " " : string.Empty) + Channel + ": " + data;
        }
    }

    /// <summary>The message a <see cref="RedisPubSub"/> background reader delivers.</summary>
    public sealed class PubSubMessageEventArgs : EventArgs
    {
        /// <summary>Wraps one received message.</summary>
        public PubSubMessageEventArgs(PubSubMessage message) => Message = message ?? throw new ArgumentNullException(nameof(message));

        /// <summary>The message received.</summary>
        public PubSubMessage Message { get; }
    }

    /// <summary>A failure seen by a <see cref="RedisPubSub"/> background reader.</summary>
    public sealed class PubSubErrorEventArgs : EventArgs
    {
        /// <summary>Wraps a failure; <paramref name="readerStopped"/> says whether the reader gave up.</summary>
        public PubSubErrorEventArgs(Exception exception, bool readerStopped)
        {
            Exception = exception ?? throw new ArgumentNullException(nameof(exception));
            ReaderStopped = readerStopped;
        }

        /// <summary>
        /// What went wrong: reconnecting stopped at its limit, a server refusing a reconnect (once per outage), an error
        /// reply, or an exception from an event handler.
        /// </summary>
        public Exception Exception { get; }

        /// <summary>True when the background reader stopped because of it (MaxReconnectAttempts reconnect attempts failed in a row).</summary>
        public bool ReaderStopped { get; }

        /// <summary>The exception's message.</summary>
        public override string ToString() => Exception.Message;
    }

    /// <summary>A <see cref="RedisPubSub"/> lost its connection; it reconnects by itself.</summary>
    public sealed class PubSubDisconnectedEventArgs : EventArgs
    {
        /// <summary>Wraps the cause of the loss.</summary>
        public PubSubDisconnectedEventArgs(Exception exception)
        {
            Exception = exception ?? throw new ArgumentNullException(nameof(exception));
        }

        /// <summary>Why the connection counts as lost: closed by the server, a failed read or write, or a health check without answer.</summary>
        public Exception Exception { get; }

        /// <summary>The cause's message.</summary>
        public override string ToString() => Exception.Message;
    }

    /// <summary>A <see cref="RedisPubSub"/> is connected again and the server confirmed every subscription.</summary>
    public sealed class PubSubReconnectedEventArgs : EventArgs
    {
        /// <summary>Describes the outage that ended.</summary>
        public PubSubReconnectedEventArgs(int attempts, TimeSpan downtime)
        {
            Attempts = attempts;
            Downtime = downtime;
        }

        /// <summary>Reconnect attempts it took, the successful one included.</summary>
        public int Attempts { get; }

        /// <summary>Time from noticing the loss to the server confirming the subscriptions again.</summary>
        public TimeSpan Downtime { get; }

        /// <summary>"after N attempts, S s".</summary>
        public override string ToString() =>
            "after " + Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture) + " attempts, " +
            Downtime.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s";
    }
}
