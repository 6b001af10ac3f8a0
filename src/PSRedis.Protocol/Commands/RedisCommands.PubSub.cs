using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Pub/sub family, the commands that need no subscribed connection: PUBLISH and PUBSUB introspection.
    // Subscribing is RedisClient.PubSub() (PubSub/RedisPubSub.cs): it needs a connection of its own.
    public abstract partial class RedisCommands
    {
        /// <summary>PUBLISH: sends <paramref name="message"/> to every subscriber of <paramref name="channel"/>; returns how many received it.</summary>
        public long Publish(string channel, object message)
        {
            if (channel == null) throw new RedisDataException("PUBLISH needs a channel name.");
            return Run(new object?[] { "PUBLISH", channel, message }, Reply.Integer);
        }

        /// <summary>
        /// SPUBLISH (Redis 7): sends <paramref name="message"/> to the subscribers of shard channel <paramref name="channel"/>
        /// (SSUBSCRIBE); on a cluster it goes to the node that owns the channel's slot, and only that shard's nodes carry
        /// it. Returns how many received it.
        /// </summary>
        public long SPublish(string channel, object message)
        {
            if (channel == null) throw new RedisDataException("SPUBLISH needs a channel name.");
            return Run(new object?[] { "SPUBLISH", channel, message }, Reply.Integer);
        }

        /// <summary>PUBSUB CHANNELS: the channels (not patterns) with at least one subscriber, matching <paramref name="pattern"/>.</summary>
        public IList<string> PubSubChannels(string pattern = "*") =>
            Run(new object?[] { "PUBSUB", "CHANNELS", pattern ?? "*" }, PubSubReplies.Strings);

        /// <summary>PUBSUB NUMPAT: the number of pattern subscriptions across all clients.</summary>
        public long PubSubNumPat() => Run(new object?[] { "PUBSUB", "NUMPAT" }, Reply.Integer);

        /// <summary>PUBSUB NUMSUB: each given channel with its number of subscribers (patterns not counted), in the order asked.</summary>
        public IList<KeyValuePair<string, long>> PubSubNumSub(params string[] channels)
        {
            var args = new List<object?>((channels?.Length ?? 0) + 2) { "PUBSUB", "NUMSUB" };
            if (channels != null)
            {
                foreach (string channel in channels)
                {
                    if (channel == null) throw new RedisDataException("PUBSUB NUMSUB: a channel name is null.");
                    args.Add(channel);
                }
            }
            return Run(args, PubSubReplies.ChannelCounts);
        }
    }

    /// <summary>Reply parsers of the pub/sub family.</summary>
    internal static class PubSubReplies
    {
        public static readonly Func<RespValue, IList<string>> Strings = r => Reply.ToList(r, item => item.AsString() ?? string.Empty);

        /// <summary>Channel, count, channel, count...: a flat array in RESP2; RESP3 may send a map, which Items flattens the same way.</summary>
        public static readonly Func<RespValue, IList<KeyValuePair<string, long>>> ChannelCounts = r =>
        {
            IReadOnlyList<RespValue> items = r.Items;
            var pairs = new List<KeyValuePair<string, long>>(items.Count / 2);
            for (int i = 0; i + 1 < items.Count; i += 2)
                pairs.Add(new KeyValuePair<string, long>(items[i].AsString() ?? string.Empty, items[i + 1].Integer64));
            return pairs;
        };
    }
}
