using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>PUBLISH, PUBSUB introspection and RedisPubSub (dedicated connection, reader thread, reconnects) on a real server.</summary>
    [Collection("redis")]
    public sealed class PubSubTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
        private readonly string _url;
        private readonly string _p = "it:ps:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";
        private readonly List<IDisposable> _cleanup = new List<IDisposable>();

        private readonly RedisFixture _fixture;

        public PubSubTests(RedisFixture fixture)
        {
            _fixture = fixture;
            _url = fixture.Url;
        }

        public void Dispose()
        {
            for (int i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i].Dispose();
        }

        private RedisClient Client(int protocol = 2, Action<ConnectionOptions>? configure = null, string? url = null)
        {
            var client = RedisClient.FromUrl(url ?? _url, o =>
            {
                o.Protocol = protocol;
                configure?.Invoke(o);
            });
            _cleanup.Add(client);
            return client;
        }

        private RedisPubSub PubSub(int protocol = 2, bool ignore = false, Action<ConnectionOptions>? configure = null, string? url = null)
        {
            RedisPubSub ps = Client(protocol, configure, url).PubSub(ignore);
            _cleanup.Add(ps);
            return ps;
        }

        private static PubSubMessage Next(RedisPubSub ps, bool? ignore = null)
        {
            PubSubMessage? message = ps.GetMessage(Wait, ignore);
            Assert.NotNull(message);
            return message!;
        }

        private static void AssertConfirmation(PubSubMessage m, string type, string channel, long count)
        {
            Assert.Equal(type, m.Type);
            Assert.Equal(channel, m.Channel);
            Assert.Equal(count, m.SubscriptionCount);
            Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Data);
            Assert.Null(m.Pattern);
        }

        private static void Eventually(Func<bool> condition, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > Wait) Assert.Fail("Timed out waiting for: " + what);
                Thread.Sleep(20);
            }
        }

        /// <summary>Runs <paramref name="work"/> on its own thread; the returned action waits for it and rethrows its failure.</summary>
        private static Action InBackground(Action work)
        {
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    work();
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            }) { IsBackground = true };
            thread.Start();
            return () =>
            {
                Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "the background work did not finish");
                if (failure != null) throw new Xunit.Sdk.XunitException("Background work failed: " + failure);
            };
        }

        private static string? ClientLine(RedisClient admin, string name) =>
            ((string)admin.ExecuteCommand("CLIENT", "LIST")!)
                .Split('\n')
                .FirstOrDefault(line => line.Contains(" name=" + name + " ", StringComparison.Ordinal));

        private static string Field(string clientLine, string field) =>
            clientLine.Split(' ').First(part => part.StartsWith(field + "=", StringComparison.Ordinal)).Substring(field.Length + 1);

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SubscribeConfirmsThenDeliversMessages(int protocol)
        {
            RedisClient publisher = Client(protocol);
            RedisPubSub ps = PubSub(protocol);
            Assert.False(ps.IsSubscribed);
            Assert.False(ps.IsConnected);

            ps.Subscribe(_p + "a", _p + "b");
            AssertConfirmation(Next(ps), "subscribe", _p + "a", 1);
            AssertConfirmation(Next(ps), "subscribe", _p + "b", 2);
            Assert.True(ps.IsSubscribed);
            Assert.Equal(new[] { _p + "a", _p + "b" }, ps.Channels.OrderBy(c => c, StringComparer.Ordinal));
            Assert.Empty(ps.Patterns);

            Assert.Equal(1, publisher.Publish(_p + "a", "héllo"));
            PubSubMessage m = Next(ps);
            Assert.Equal("message", m.Type);
            Assert.True(m.IsPublished);
            Assert.Equal(_p + "a", m.Channel);
            Assert.Null(m.Pattern);
            Assert.Equal("héllo", m.Data);
            Assert.Null(m.SubscriptionCount);

            byte[] binary = { 0, 255, 13, 10, 1 };
            Assert.Equal(1, publisher.Publish(_p + "b", binary));
            m = Next(ps);
            Assert.Equal(_p + "b", m.Channel);
            Assert.Equal(binary, m.DataBytes);

            Assert.Equal(1, publisher.Publish(_p + "b", 42));
            Assert.Equal("42", Next(ps).Data);
            Assert.Equal(0, publisher.Publish(_p + "nobody", "x"));
        }

        [Fact]
        public void SubscribeConfirmationsAreSkippedWhenAsked()
        {
            RedisClient publisher = Client();
            RedisPubSub ps = PubSub(ignore: true);
            ps.Subscribe(_p + "a");
            Assert.Null(ps.GetMessage(TimeSpan.FromMilliseconds(300))); // only the confirmation arrived, and it is skipped
            publisher.Publish(_p + "a", "one");
            Assert.Equal("one", Next(ps).Data);

            // Per call, either way.
            RedisPubSub other = PubSub();
            other.Subscribe(_p + "b");
            Eventually(() => publisher.PubSubNumSub(_p + "b")[0].Value == 1, "the subscription"); // sent is not yet processed
            publisher.Publish(_p + "b", "two");
            PubSubMessage m = Next(other, ignore: true);
            Assert.Equal("message", m.Type);
            Assert.Equal("two", m.Data);
            ps.Subscribe(_p + "c");
            Assert.Equal("subscribe", Next(ps, ignore: false).Type);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ShardChannelsOfSeveralSlotsConfirmDeliverAndUnsubscribe(int protocol)
        {
            RedisPubSub ps = PubSub(protocol);
            RedisClient publisher = Client();
            string a = _p + "sa", b = _p + "sb";
            Assert.NotEqual(ClusterSlot.Of(a), ClusterSlot.Of(b));
            ps.SSubscribe(a, b);
            // One SSUBSCRIBE per slot, as a cluster node demands: each confirms its channel.
            AssertConfirmation(Next(ps), "ssubscribe", a, 1);
            AssertConfirmation(Next(ps), "ssubscribe", b, 2);
            Assert.Equal(new[] { a, b }.OrderBy(c => c, StringComparer.Ordinal), ps.ShardChannels.OrderBy(c => c, StringComparer.Ordinal));
            Assert.True(ps.IsSubscribed);
            Assert.Equal(1, publisher.SPublish(b, "hello"));
            PubSubMessage m = Next(ps);
            Assert.Equal("smessage", m.Type);
            Assert.Equal(b, m.Channel);
            Assert.Equal("hello", m.Data);
            Assert.True(m.IsPublished);
            ps.SUnsubscribe();
            PubSubMessage u1 = Next(ps), u2 = Next(ps);
            Assert.Equal(new[] { "sunsubscribe", "sunsubscribe" }, new[] { u1.Type, u2.Type });
            Assert.Empty(ps.ShardChannels);
            Assert.False(ps.IsSubscribed);
            Assert.Equal(0, publisher.SPublish(b, "gone"));
        }

        [Fact]
        public void ShardChannelsAreRestoredAfterALostConnection()
        {
            string name = "psredis-test-shard-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            RedisPubSub ps = Client().PubSub(name, ignoreSubscribeMessages: true);
            _cleanup.Add(ps);
            RedisClient admin = Client();
            string a = _p + "ra", b = _p + "rb";
            var reconnected = new ManualResetEventSlim();
            var got = new ConcurrentQueue<PubSubMessage>();
            ps.Reconnected += (_, _) => reconnected.Set();
            ps.MessageReceived += (_, e) => got.Enqueue(e.Message);
            ps.Start();
            ps.SSubscribe(a, b);
            Eventually(() => admin.SPublish(a, "x") == 1, "the first subscription");
            admin.ExecuteCommand("CLIENT", "KILL", "ID", Field(ClientLine(admin, name)!, "id")); // ours only: the server is shared
            Assert.True(reconnected.Wait(Wait), "reconnected");
            Assert.Equal(1, admin.SPublish(a, "after a"));
            Assert.Equal(1, admin.SPublish(b, "after b"));
            Eventually(() => got.Any(m => m.Data == "after b"), "messages after the reconnect");
            Assert.Contains(got, m => m.Data == "after a" && m.Type == "smessage");
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void PatternMessagesCarryThePattern(int protocol)
        {
            RedisClient publisher = Client(protocol);
            RedisPubSub ps = PubSub(protocol);
            ps.PSubscribe(_p + "news.*");
            AssertConfirmation(Next(ps), "psubscribe", _p + "news.*", 1);
            Assert.Equal(new[] { _p + "news.*" }, ps.Patterns);

            Assert.Equal(1, publisher.Publish(_p + "news.tech", "chips"));
            Assert.Equal(0, publisher.Publish(_p + "sport.tech", "balls"));
            PubSubMessage m = Next(ps);
            Assert.Equal("pmessage", m.Type);
            Assert.True(m.IsPublished);
            Assert.Equal(_p + "news.*", m.Pattern);
            Assert.Equal(_p + "news.tech", m.Channel);
            Assert.Equal("chips", m.Data);

            // A channel matched by a subscription and a pattern arrives once for each.
            ps.Subscribe(_p + "news.tech");
            Assert.Equal("subscribe", Next(ps).Type);
            Assert.Equal(2, publisher.Publish(_p + "news.tech", "twice"));
            var both = new[] { Next(ps), Next(ps) };
            Assert.Equal(new[] { "message", "pmessage" }, both.Select(x => x.Type).OrderBy(t => t, StringComparer.Ordinal));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void UnsubscribingOneChannelStopsOnlyItsMessages(int protocol)
        {
            RedisClient publisher = Client(protocol);
            RedisPubSub ps = PubSub(protocol);
            ps.Subscribe(_p + "a", _p + "b");
            ps.PSubscribe(_p + "p1*", _p + "p2*");
            for (int i = 0; i < 4; i++) Next(ps);

            ps.Unsubscribe(_p + "a");
            AssertConfirmation(Next(ps), "unsubscribe", _p + "a", 3);
            Assert.Equal(new[] { _p + "b" }, ps.Channels);
            Assert.Equal(0, publisher.Publish(_p + "a", "gone"));
            Assert.Equal(1, publisher.Publish(_p + "b", "still"));
            PubSubMessage m = Next(ps);
            Assert.Equal(_p + "b", m.Channel);
            Assert.Equal("still", m.Data);

            ps.PUnsubscribe(_p + "p1*");
            AssertConfirmation(Next(ps), "punsubscribe", _p + "p1*", 2);
            Assert.Equal(new[] { _p + "p2*" }, ps.Patterns);
            Assert.Equal(0, publisher.Publish(_p + "p1x", "gone"));
            Assert.Equal(1, publisher.Publish(_p + "p2x", "kept"));
            Assert.Equal(_p + "p2*", Next(ps).Pattern);

            // No names: everything of that kind.
            ps.Unsubscribe();
            AssertConfirmation(Next(ps), "unsubscribe", _p + "b", 1);
            ps.PUnsubscribe();
            AssertConfirmation(Next(ps), "punsubscribe", _p + "p2*", 0);
            Assert.False(ps.IsSubscribed);
            Assert.Empty(ps.Channels);
            Assert.Empty(ps.Patterns);
            Assert.Equal(0, publisher.Publish(_p + "b", "none"));
        }

        [Fact]
        public void BadArgumentsAreRefusedBeforeSending()
        {
            RedisPubSub ps = PubSub();
            Assert.Throws<RedisDataException>(() => ps.Subscribe());
            Assert.Throws<RedisDataException>(() => ps.PSubscribe());
            Assert.Throws<RedisDataException>(() => ps.Subscribe(_p + "a", null!));
            Assert.False(ps.IsConnected);
            Assert.False(ps.IsSubscribed);
            Assert.Throws<ArgumentOutOfRangeException>(() => ps.GetMessage(TimeSpan.FromSeconds(-2)));
        }

        [Fact]
        public void GetMessageReturnsNullAfterItsTimeout()
        {
            RedisPubSub ps = PubSub(ignore: true);

            // Not subscribed yet: nothing can come; it waits the timeout, as redis-py does.
            var clock = Stopwatch.StartNew();
            Assert.Null(ps.GetMessage(TimeSpan.FromMilliseconds(300)));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));

            ps.Subscribe(_p + "quiet");
            clock.Restart();
            Assert.Null(ps.GetMessage(TimeSpan.FromMilliseconds(700)));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(650), TimeSpan.FromSeconds(5));

            clock.Restart();
            Assert.Null(ps.GetMessage(TimeSpan.Zero));
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ListenYieldsMessagesUntilCancelled(int protocol)
        {
            RedisClient publisher = Client(protocol);
            RedisPubSub ps = PubSub(protocol, ignore: true);
            ps.Subscribe(_p + "l");
            using var cts = new CancellationTokenSource();
            Action joinPublisher = InBackground(() =>
            {
                Eventually(() => publisher.PubSubNumSub(_p + "l")[0].Value == 1, "the subscription");
                for (int i = 0; i < 3; i++) publisher.Publish(_p + "l", "m" + i);
            });
            var received = new List<string?>();
            foreach (PubSubMessage m in ps.Listen(cts.Token))
            {
                received.Add(m.Data);
                if (received.Count == 3) cts.Cancel();
            }
            joinPublisher();
            Assert.Equal(new[] { "m0", "m1", "m2" }, received);

            // Cancelling while nothing arrives ends the wait promptly.
            using var idle = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var clock = Stopwatch.StartNew();
            Assert.Empty(ps.Listen(idle.Token));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));

            // With nothing subscribed any more, Listen ends by itself after the confirmations (redis-py listen).
            ps.IgnoreSubscribeMessages = false;
            ps.Unsubscribe();
            List<PubSubMessage> rest = ps.Listen(CancellationToken.None).ToList();
            PubSubMessage last = Assert.Single(rest);
            AssertConfirmation(last, "unsubscribe", _p + "l", 0);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void PingAnswersOnTheSubscribedConnection(int protocol)
        {
            RedisPubSub ps = PubSub(protocol, ignore: true);
            ps.Ping(); // not subscribed yet: connects and pings all the same
            PubSubMessage pong = Next(ps);
            Assert.Equal("pong", pong.Type);
            Assert.Equal(string.Empty, pong.Channel);

            ps.Subscribe(_p + "a");
            ps.Ping("are you there");
            pong = Next(ps);
            Assert.Equal("pong", pong.Type);
            Assert.Equal("are you there", pong.Data);
            ps.Ping();
            Assert.Equal("pong", Next(ps).Type);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void HealthCheckPingsAreSentAndTheirPongsSwallowed(int protocol)
        {
            string name = "psredis-hc-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            RedisClient admin = Client();
            RedisPubSub ps = PubSub(protocol, configure: o =>
            {
                o.ClientName = name;
                o.HealthCheckInterval = TimeSpan.FromMilliseconds(600);
            });
            ps.Subscribe(_p + "hc");
            AssertConfirmation(Next(ps), "subscribe", _p + "hc", 1);
            // A second and a half of reading: a PING went out after each 0.3 s of silence, none came back as a message,
            // and each PONG kept the connection counted as alive (a reconnect would show a new confirmation here).
            Assert.Null(ps.GetMessage(TimeSpan.FromSeconds(1.5)));
            string line = ClientLine(admin, name) ?? throw new Xunit.Sdk.XunitException("pub/sub connection not listed");
            Assert.Equal("ping", Field(line, "cmd"));
            Assert.Equal("1", Field(line, "sub"));
            admin.Publish(_p + "hc", "after");
            Assert.Equal("after", Next(ps).Data);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void BackgroundReaderRaisesEventsInOrderOnOneThread(int protocol)
        {
            RedisClient publisher = Client(protocol);
            RedisPubSub ps = PubSub(protocol, ignore: true);
            var received = new BlockingCollection<(PubSubMessage Message, int Thread)>();
            ps.MessageReceived += (sender, e) =>
            {
                Assert.Same(ps, sender);
                received.Add((e.Message, Environment.CurrentManagedThreadId));
            };
            ps.Subscribe(_p + "bg");
            ps.Start();
            Assert.True(ps.IsRunning);
            Assert.Throws<RedisPubSubException>(() => ps.Start());
            Assert.Throws<RedisPubSubException>(() => ps.GetMessage(TimeSpan.Zero));
            Assert.Throws<RedisPubSubException>(() => ps.Listen());

            // Subscribing more while the reader runs.
            ps.PSubscribe(_p + "pat*");
            Eventually(() => publisher.PubSubNumSub(_p + "bg")[0].Value == 1 && ps.IsConnected, "the subscription");
            Eventually(() => publisher.Publish(_p + "patx", "probe") == 1, "the pattern subscription");
            for (int i = 0; i < 5; i++) publisher.Publish(_p + "bg", i.ToString(System.Globalization.CultureInfo.InvariantCulture));

            var messages = new List<(PubSubMessage Message, int Thread)>();
            while (messages.Count < 6 && received.TryTake(out var item, Wait)) messages.Add(item);
            Assert.Equal(6, messages.Count);
            Assert.StartsWith("pmessage", messages[0].Message.Type);
            Assert.Equal(new[] { "0", "1", "2", "3", "4" }, messages.Skip(1).Select(x => x.Message.Data));
            Assert.Single(messages.Select(x => x.Thread).Distinct());
            Assert.NotEqual(Environment.CurrentManagedThreadId, messages[0].Thread);

            ps.Stop();
            Assert.False(ps.IsRunning);
            publisher.Publish(_p + "bg", "after stop");
            Assert.Equal("after stop", Next(ps).Data); // stopped: the caller reads again
        }

        [Fact]
        public void HandlerExceptionsAreReportedAndTheReaderGoesOn()
        {
            RedisClient publisher = Client();
            RedisPubSub ps = PubSub(ignore: true);
            var errors = new BlockingCollection<PubSubErrorEventArgs>();
            var data = new BlockingCollection<string?>();
            ps.Error += (_, e) => errors.Add(e);
            ps.MessageReceived += (_, e) =>
            {
                if (e.Message.Data == "bad") throw new InvalidOperationException("handler failed");
                data.Add(e.Message.Data);
            };
            ps.Subscribe(_p + "h");
            ps.Start();
            Eventually(() => publisher.PubSubNumSub(_p + "h")[0].Value == 1, "the subscription");
            publisher.Publish(_p + "h", "bad");
            publisher.Publish(_p + "h", "good");
            Assert.True(errors.TryTake(out PubSubErrorEventArgs? error, Wait));
            Assert.IsType<InvalidOperationException>(error!.Exception);
            Assert.False(error.ReaderStopped);
            Assert.True(data.TryTake(out string? good, Wait));
            Assert.Equal("good", good);
            Assert.True(ps.IsRunning);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void TenThousandMessagesArriveInOrderThroughTheEvent(int protocol)
        {
            const int count = 10_000;
            RedisClient publisher = Client(protocol);
            RedisPubSub ps = PubSub(protocol, ignore: true);
            var data = new List<string?>(count);
            using var done = new ManualResetEventSlim();
            ps.MessageReceived += (_, e) =>
            {
                data.Add(e.Message.Data); // one reader thread: no lock needed, which is the point
                if (data.Count == count) done.Set();
            };
            ps.Subscribe(_p + "flood");
            ps.Start();
            Eventually(() => publisher.PubSubNumSub(_p + "flood")[0].Value == 1, "the subscription");
            for (int i = 0; i < count; i++) Assert.Equal(1, publisher.Publish(_p + "flood", i));
            Assert.True(done.Wait(TimeSpan.FromSeconds(60)), "received " + data.Count + " of " + count);
            ps.Stop();
            for (int i = 0; i < count; i++) Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), data[i]);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void TenThousandMessagesArriveInOrderThroughGetMessage(int protocol)
        {
            const int count = 10_000;
            RedisClient publisher = Client(protocol);
            RedisPubSub ps = PubSub(protocol, ignore: true);
            ps.Subscribe(_p + "flood");
            Eventually(() => publisher.PubSubNumSub(_p + "flood")[0].Value == 1, "the subscription");
            Action joinPublisher = InBackground(() =>
            {
                for (int i = 0; i < count; i++) publisher.Publish(_p + "flood", i);
            });
            for (int i = 0; i < count; i++)
            {
                PubSubMessage? m = ps.GetMessage(TimeSpan.FromSeconds(30));
                Assert.True(m != null, "message " + i + " did not arrive");
                Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), m!.Data);
            }
            joinPublisher();
            Assert.Null(ps.GetMessage(TimeSpan.FromMilliseconds(100)));
        }

        [Fact]
        public void BurstOverTlsArrivesWithoutWaitingForTheNextPacket()
        {
            // SslStream can hold whole decrypted records that the socket no longer shows; a reader that only
            // polled the socket would leave the tail of a burst waiting until something else arrived.
            RedisServerProcess tls = _fixture.TlsServer;
            Action<ConnectionOptions> trust = o => o.CaCertificatePath = tls.Certificates.CaCertPath;
            RedisClient publisher = Client(2, trust, tls.TlsUrl);
            RedisPubSub ps = PubSub(2, ignore: true, trust, tls.TlsUrl);
            string channel = _p + "tls";
            ps.Subscribe(channel);
            Eventually(() => publisher.PubSubNumSub(channel)[0].Value == 1, "the subscription");
            const int count = 3000;
            string payload = new string('x', 100);
            using (RedisPipeline burst = publisher.Pipeline(transaction: false))
            {
                for (int i = 0; i < count; i++) burst.Publish(channel, i + ":" + payload);
                burst.Execute();
            }
            for (int i = 0; i < count; i++)
            {
                PubSubMessage? m = ps.GetMessage(TimeSpan.FromMilliseconds(500));
                Assert.True(m != null, "message " + i + " of the burst was not delivered");
                Assert.Equal(i + ":" + payload, m!.Data);
            }
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void BackgroundReaderResubscribesAfterClientKill(int protocol)
        {
            string name = "psredis-kill-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            RedisClient admin = Client(protocol);
            RedisPubSub ps = PubSub(protocol, ignore: true, configure: o => o.ClientName = name);
            var messages = new BlockingCollection<PubSubMessage>();
            using var reconnected = new ManualResetEventSlim();
            ps.MessageReceived += (_, e) => messages.Add(e.Message);
            ps.Reconnected += (_, _) => reconnected.Set();
            ps.Subscribe(_p + "k");
            ps.PSubscribe(_p + "kp*");
            ps.Start();
            Eventually(() => admin.PubSubNumSub(_p + "k")[0].Value == 1, "the subscription");
            string before = Field(ClientLine(admin, name)!, "id");

            Assert.Equal(1L, admin.ExecuteCommand("CLIENT", "KILL", "ID", before));
            Assert.True(reconnected.Wait(Wait), "Reconnected was not raised");
            Assert.True(ps.IsRunning);

            // Published after Reconnected: both the channel and the pattern were restored.
            Assert.Equal(1, admin.Publish(_p + "k", "back"));
            Assert.Equal(1, admin.Publish(_p + "kp1", "pattern back"));
            Assert.True(messages.TryTake(out PubSubMessage? m, Wait));
            Assert.Equal("back", m!.Data);
            Assert.True(messages.TryTake(out m, Wait));
            Assert.Equal("pattern back", m!.Data);
            Assert.Equal(_p + "kp*", m.Pattern);
            string after = Field(ClientLine(admin, name)!, "id");
            Assert.NotEqual(before, after);
        }

        [Fact]
        public void GetMessageReconnectsAfterClientKill()
        {
            string name = "psredis-kill-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            RedisClient admin = Client();
            RedisPubSub ps = PubSub(configure: o => o.ClientName = name);
            int reconnects = 0;
            ps.Reconnected += (_, _) => Interlocked.Increment(ref reconnects);
            ps.Subscribe(_p + "k");
            AssertConfirmation(Next(ps), "subscribe", _p + "k", 1);
            admin.ExecuteCommand("CLIENT", "KILL", "ID", Field(ClientLine(admin, name)!, "id"));

            // The next read finds the connection closed, reconnects and the server confirms the restored subscription.
            AssertConfirmation(Next(ps), "subscribe", _p + "k", 1);
            Assert.Null(ps.GetMessage(TimeSpan.FromMilliseconds(100)));
            Assert.Equal(1, Volatile.Read(ref reconnects));
            Assert.Equal(1, admin.Publish(_p + "k", "back"));
            Assert.Equal("back", Next(ps).Data);
        }

        [Fact]
        public void BackgroundReaderResubscribesAfterAServerRestart()
        {
            var first = RedisServerProcess.Start();
            _cleanup.Add(first);
            int port = first.Port;
            RedisPubSub ps = PubSub(ignore: true, url: first.Url);
            var messages = new BlockingCollection<PubSubMessage>();
            using var reconnected = new ManualResetEventSlim();
            ps.MessageReceived += (_, e) => messages.Add(e.Message);
            ps.Reconnected += (_, _) => reconnected.Set();
            ps.Subscribe(_p + "r");
            ps.Start();
            Eventually(() => Client(url: first.Url).PubSubNumSub(_p + "r")[0].Value == 1, "the subscription");

            first.Dispose();
            // The same port again, as a restarted server would be (RedisServerProcess always picks a new port).
            string dir = Path.Combine(Path.GetTempPath(), "psredis-restart-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            var start = new ProcessStartInfo(RedisServerProcess.FindExecutable()!) { UseShellExecute = false, WorkingDirectory = dir };
            foreach (string arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", Path.Combine(dir, "redis.log") })
                start.ArgumentList.Add(arg);
            using Process second = Process.Start(start)!;
            try
            {
                Assert.True(reconnected.Wait(TimeSpan.FromSeconds(30)), "Reconnected was not raised after the restart");
                RedisClient publisher = Client(url: first.Url);
                Assert.Equal(1, publisher.Publish(_p + "r", "after restart"));
                Assert.True(messages.TryTake(out PubSubMessage? m, Wait));
                Assert.Equal("after restart", m!.Data);
            }
            finally
            {
                second.Kill();
                second.WaitForExit(10_000);
                Directory.Delete(dir, recursive: true);
            }
        }

        [Fact]
        public void DisposeClosesTheDedicatedConnection()
        {
            string name = "psredis-dispose-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            RedisClient admin = Client();
            RedisClient subscriberClient = Client(configure: o => o.ClientName = name);
            RedisPubSub ps = subscriberClient.PubSub();
            ps.Subscribe(_p + "d");
            Next(ps);
            string line = ClientLine(admin, name) ?? throw new Xunit.Sdk.XunitException("pub/sub connection not listed");
            Assert.Equal("1", Field(line, "sub"));
            Assert.Equal(1, admin.PubSubNumSub(_p + "d")[0].Value);
            // The client's pool never saw that connection: only the pub/sub session holds it.
            Assert.True(subscriberClient.Ping());
            Assert.Equal(2, ((string)admin.ExecuteCommand("CLIENT", "LIST")!).Split('\n').Count(l => l.Contains(" name=" + name + " ", StringComparison.Ordinal)));

            ps.Start();
            ps.Dispose();
            Assert.False(ps.IsRunning);
            Eventually(() => admin.PubSubNumSub(_p + "d")[0].Value == 0, "the subscriber to leave");
            string[] remaining = ((string)admin.ExecuteCommand("CLIENT", "LIST")!).Split('\n').Where(l => l.Contains(" name=" + name + " ", StringComparison.Ordinal)).ToArray();
            Assert.Equal("0", Field(Assert.Single(remaining), "sub"));
            Assert.Throws<ObjectDisposedException>(() => ps.Subscribe(_p + "d"));
            ps.Dispose(); // twice is fine
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void PubSubIntrospection(int protocol)
        {
            RedisClient client = Client(protocol);
            Assert.Empty(client.PubSubChannels(_p + "*"));
            long patternsBefore = client.PubSubNumPat();

            RedisPubSub one = PubSub(protocol, ignore: true);
            RedisPubSub two = PubSub(protocol, ignore: true);
            one.Subscribe(_p + "x", _p + "y");
            two.Subscribe(_p + "x");
            two.PSubscribe(_p + "p1*", _p + "p2*");
            Eventually(() => client.PubSubNumSub(_p + "x")[0].Value == 2 && client.PubSubNumPat() == patternsBefore + 2, "the subscriptions");

            Assert.Equal(new[] { _p + "x", _p + "y" }, client.PubSubChannels(_p + "*").OrderBy(c => c, StringComparer.Ordinal));
            Assert.Equal(new[] { _p + "y" }, client.PubSubChannels(_p + "y"));
            Assert.Contains(_p + "x", client.PubSubChannels()); // default pattern: all channels
            IList<KeyValuePair<string, long>> numSub = client.PubSubNumSub(_p + "y", _p + "x", _p + "none");
            Assert.Equal(new[]
            {
                new KeyValuePair<string, long>(_p + "y", 1),
                new KeyValuePair<string, long>(_p + "x", 2),
                new KeyValuePair<string, long>(_p + "none", 0),
            }, numSub);
            Assert.Empty(client.PubSubNumSub());
            Assert.Equal(patternsBefore + 2, client.PubSubNumPat());

            two.Dispose();
            Eventually(() => client.PubSubNumPat() == patternsBefore, "the patterns to go");
            Assert.Equal(1, client.PubSubNumSub(_p + "x")[0].Value);
        }

        [Fact]
        public void KeyspaceNotificationsOnAServerOfOurOwn()
        {
            // Own server: notify-keyspace-events is server-wide configuration, not to be changed on the shared one.
            var server = RedisServerProcess.Start(new RedisServerOptions { ExtraArgs = new[] { "--notify-keyspace-events", "KEA" } });
            _cleanup.Add(server);
            RedisClient client = Client(url: server.Url);
            RedisPubSub ps = PubSub(ignore: true, url: server.Url);
            ps.PSubscribe("__keyspace@0__:" + _p + "*");
            Eventually(() => client.PubSubNumPat() == 1, "the pattern subscription");

            client.Set(_p + "k", "v");
            client.Delete(_p + "k");
            PubSubMessage set = Next(ps);
            Assert.Equal("pmessage", set.Type);
            Assert.Equal("__keyspace@0__:" + _p + "*", set.Pattern);
            Assert.Equal("__keyspace@0__:" + _p + "k", set.Channel);
            Assert.Equal("set", set.Data);
            Assert.Equal("del", Next(ps).Data);
        }
    }
}
