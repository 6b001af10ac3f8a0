using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Client
{
    /// <summary>
    /// RESP3 pushes that are not replies (CLIENT TRACKING invalidations) must never be taken for the reply to the next
    /// command: before, every reply after the first invalidation was off by one.
    /// </summary>
    [Collection("redis")]
    public sealed class PushFrameTests
    {
        private readonly RedisFixture _fixture;

        public PushFrameTests(RedisFixture fixture) => _fixture = fixture;

        /// <summary>One pooled connection with tracking on, so every command runs where the invalidations arrive.</summary>
        private RedisClient TrackingClient(Action<RespValue>? pushHandler)
        {
            RedisClient client = RedisClient.FromUrl(_fixture.Url, o =>
            {
                o.Protocol = 3;
                o.MaxConnections = 1;
                o.PushHandler = pushHandler;
            });
            Assert.Equal("OK", client.ExecuteCommand("CLIENT", "TRACKING", "ON"));
            return client;
        }

        /// <summary>Reads <paramref name="key"/> (so the server tracks it), then changes it from elsewhere.</summary>
        private static void ReadThenInvalidate(RedisClient tracked, RedisClient other, string key, string newValue)
        {
            tracked.Get(key);
            other.Set(key, newValue);
            // The invalidation is sent to the tracked connection as part of SET; give it time to land in its socket.
            Thread.Sleep(5);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void InvalidationsDoNotShiftTheRepliesOfLaterCommands(bool withHandler)
        {
            var pushes = new ConcurrentQueue<RespValue>();
            using RedisClient tracked = TrackingClient(withHandler ? pushes.Enqueue : (Action<RespValue>?)null);
            using RedisClient other = RedisClient.FromUrl(_fixture.Url);
            string prefix = "push:" + Guid.NewGuid().ToString("N") + ":";

            for (int i = 0; i < 40; i++)
            {
                string key = prefix + i;
                other.Set(key, "old");
                ReadThenInvalidate(tracked, other, key, "new" + i);
                string echo = Guid.NewGuid().ToString("N");
                Assert.Equal(echo, tracked.Echo(echo));
                Assert.Equal("new" + i, tracked.Get(key));
            }

            if (withHandler)
            {
                List<RespValue> invalidations = pushes.Where(p => p.Items[0].AsString() == "invalidate").ToList();
                Assert.True(invalidations.Count >= 40, "expected an invalidation per changed key, got " + invalidations.Count);
                Assert.Contains(invalidations, p => p.Items[1].Items.Any(k => k.AsString() == prefix + "0"));
            }
        }

        [Fact]
        public void APipelineAfterInvalidationsGetsItsOwnReplies()
        {
            var pushes = new ConcurrentQueue<RespValue>();
            using RedisClient tracked = TrackingClient(pushes.Enqueue);
            using RedisClient other = RedisClient.FromUrl(_fixture.Url);
            string prefix = "push:" + Guid.NewGuid().ToString("N") + ":";
            for (int i = 0; i < 5; i++) ReadThenInvalidate(tracked, other, prefix + i, "v" + i);

            foreach (bool transaction in new[] { false, true })
            {
                using RedisPipeline pipe = tracked.Pipeline(transaction);
                for (int i = 0; i < 5; i++) pipe.Get(prefix + i);
                pipe.Echo("end");
                IList<object?> replies = pipe.Execute();
                Assert.Equal(new object?[] { "v0", "v1", "v2", "v3", "v4", "end" }, replies);
                // The GETs track the keys again; change them so the next round starts with pushes waiting.
                for (int i = 0; i < 5; i++) other.Set(prefix + i, "v" + i);
                Thread.Sleep(5);
            }
            Assert.True(pushes.Count >= 5);
        }

        [Fact]
        public void AFailingPushHandlerCostsNoReply()
        {
            int calls = 0;
            using RedisClient tracked = TrackingClient(_ =>
            {
                Interlocked.Increment(ref calls);
                throw new InvalidOperationException("handler bug");
            });
            using RedisClient other = RedisClient.FromUrl(_fixture.Url);
            string key = "push:" + Guid.NewGuid().ToString("N");
            ReadThenInvalidate(tracked, other, key, "after");
            Assert.Equal("after", tracked.Get(key));
            Assert.True(calls >= 1);
            Assert.Equal("x", tracked.Echo("x"));
        }

        [Fact]
        public void Resp3SubscriberStillReceivesItsMessagesAsPushes()
        {
            using RedisClient client = RedisClient.FromUrl(_fixture.Url, o => o.Protocol = 3);
            using RedisPubSub pubsub = client.PubSub();
            string channel = "push-ch:" + Guid.NewGuid().ToString("N");
            pubsub.Subscribe(channel);
            PubSubMessage? confirmation = pubsub.GetMessage(TimeSpan.FromSeconds(2));
            Assert.NotNull(confirmation);
            Assert.Equal("subscribe", confirmation!.Type);
            Assert.Equal(1L, client.Publish(channel, "hello"));
            PubSubMessage? message = pubsub.GetMessage(TimeSpan.FromSeconds(2));
            Assert.NotNull(message);
            Assert.Equal("message", message!.Type);
            Assert.Equal("hello", message.Data);
        }
    }
}
