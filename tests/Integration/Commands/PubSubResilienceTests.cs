using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>
    /// Pub/sub tests that take servers away, pause them or replace them with ones that refuse. They run alone
    /// (after the parallel collections): they measure the process's CPU time, which other tests would disturb.
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class PubSubResilienceCollection
    {
        public const string Name = "pubsub-resilience";
    }

    /// <summary>RedisPubSub when the server goes away, pauses, refuses or answers errors: backoff, no give-up, one event per outage.</summary>
    [Collection(PubSubResilienceCollection.Name)]
    public sealed class PubSubResilienceTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
        private readonly List<IDisposable> _cleanup = new List<IDisposable>();

        public void Dispose()
        {
            for (int i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i].Dispose();
        }

        private T Keep<T>(T disposable) where T : IDisposable
        {
            _cleanup.Add(disposable);
            return disposable;
        }

        /// <summary>Every event the session raised, in order, as "Kind: text".</summary>
        private sealed class Recorder
        {
            public readonly BlockingCollection<string> Messages = new BlockingCollection<string>();
            public readonly ConcurrentQueue<PubSubDisconnectedEventArgs> Disconnected = new ConcurrentQueue<PubSubDisconnectedEventArgs>();
            public readonly ConcurrentQueue<PubSubReconnectedEventArgs> Reconnected = new ConcurrentQueue<PubSubReconnectedEventArgs>();
            public readonly ConcurrentQueue<PubSubErrorEventArgs> Errors = new ConcurrentQueue<PubSubErrorEventArgs>();

            /// <summary>The reader thread's CPU clock, started when it raised Disconnected (it raises every event).</summary>
            public volatile ThreadCpu? ReaderCpu;

            public Recorder(RedisPubSub ps)
            {
                ps.MessageReceived += (_, e) => Messages.Add(e.Message.Data ?? string.Empty);
                ps.Disconnected += (_, e) =>
                {
                    ReaderCpu ??= ThreadCpu.OfCurrentThread();
                    Disconnected.Enqueue(e);
                };
                ps.Reconnected += (_, e) => Reconnected.Enqueue(e);
                ps.Error += (_, e) => Errors.Enqueue(e);
            }

            public string Describe() =>
                "Disconnected: [" + string.Join(" | ", Disconnected.Select(d => d.Exception.Message)) + "], Reconnected: [" +
                string.Join(" | ", Reconnected.Select(r => r.ToString())) + "], Errors: [" +
                string.Join(" | ", Errors.Select(e => e.Exception.GetType().Name + ": " + e.Exception.Message)) + "]";
        }

        private static void Eventually(Func<bool> condition, string what, TimeSpan? within = null)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > (within ?? Wait)) Assert.Fail("Timed out waiting for: " + what);
                Thread.Sleep(20);
            }
        }

        private static long ConnectionsReceived(RedisClient admin)
        {
            string info = (string)admin.ExecuteCommand("INFO", "stats")!;
            string line = info.Split('\n').First(l => l.StartsWith("total_connections_received:", StringComparison.Ordinal));
            return long.Parse(line.Substring(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
        }

        /// <summary>
        /// Asserts the reader thread was mostly idle since the outage began: a reconnect storm kept it (more than) a core
        /// busy. The thread's own clock, not the process's: the runtime's background work (tiered JIT, GC) after the
        /// hosted-PowerShell tests is not what is measured here.
        /// </summary>
        private static void AssertReaderNearlyIdle(Recorder events, TimeSpan window)
        {
            ThreadCpu? cpu = events.ReaderCpu;
            if (cpu == null) Assert.Fail("the reader raised no Disconnected event; " + events.Describe());
            TimeSpan used = cpu!.Used();
            Assert.True(used < TimeSpan.FromTicks(window.Ticks / 5),
                "the reader thread used " + used.TotalMilliseconds + " ms of CPU in " + window.TotalSeconds + " s of failed reconnects");
        }

        private RedisPubSub Subscribed(string url, string channel, Action<ConnectionOptions>? configure = null)
        {
            RedisClient client = Keep(RedisClient.FromUrl(url, configure));
            RedisPubSub ps = Keep(client.PubSub(ignoreSubscribeMessages: true));
            ps.Subscribe(channel);
            return ps;
        }

        private static void AssertDelivered(Recorder events, RedisClient publisher, string channel, string text)
        {
            Assert.Equal(1, publisher.Publish(channel, text));
            Assert.True(events.Messages.TryTake(out string? got, Wait), "no message after the reconnect; " + events.Describe());
            Assert.Equal(text, got);
        }

        [Fact]
        public void DefaultsNeverGiveUpAndCheckHealth()
        {
            // No server needed: nothing connects until the first subscription.
            using RedisClient client = RedisClient.FromUrl("redis://127.0.0.1:1/0");
            using RedisPubSub ps = client.PubSub();
            Assert.Null(ps.MaxReconnectAttempts);
            Assert.Equal(TimeSpan.FromSeconds(30), ps.HealthCheckInterval);
            Assert.Equal(TimeSpan.FromSeconds(30), ps.MaxReconnectDelay);
            using RedisClient configured = RedisClient.FromUrl("redis://127.0.0.1:1/0?health_check_interval=5");
            using RedisPubSub fromUrl = configured.PubSub();
            Assert.Equal(TimeSpan.FromSeconds(5), fromUrl.HealthCheckInterval);
            Assert.Throws<ArgumentOutOfRangeException>(() => ps.MaxReconnectAttempts = -1);
            Assert.Throws<ArgumentOutOfRangeException>(() => ps.HealthCheckInterval = TimeSpan.FromSeconds(-1));
        }

        [Fact]
        public void RefusedResubscribeBacksOffReportsOnceAndRecovers()
        {
            // Bob may read every channel, then loses that right: Redis closes his subscribed connection, and every
            // reconnect connects fine but has its SUBSCRIBE refused with NOPERM (the case that reconnected thousands of
            // times a second).
            RedisServerProcess server = Keep(RedisServerProcess.Start(new RedisServerOptions { AclUser = "bob on >pw ~* &* +@all" }));
            RedisClient admin = Keep(RedisClient.FromUrl(server.Url));
            RedisPubSub ps = Subscribed($"redis://bob:pw@127.0.0.1:{server.Port}/0", "news", o => o.ClientName = "bob-sub");
            var events = new Recorder(ps);
            ps.Start();
            Eventually(() => admin.PubSubNumSub("news")[0].Value == 1, "the subscription");

            long before = ConnectionsReceived(admin);
            admin.ExecuteCommand("ACL", "SETUSER", "bob", "resetchannels");
            Thread.Sleep(TimeSpan.FromSeconds(3));
            long attempts = ConnectionsReceived(admin) - before;

            // Backoff from about 0.1 s, doubling: a handful of attempts in 3 s, and more than one (it does retry).
            Assert.InRange(attempts, 2, 19);
            AssertReaderNearlyIdle(events, TimeSpan.FromSeconds(3));
            Assert.Single(events.Disconnected);
            PubSubErrorEventArgs refusal = Assert.Single(events.Errors); // once per outage, not once per attempt
            Assert.IsType<RedisNoPermissionException>(refusal.Exception);
            Assert.False(refusal.ReaderStopped);
            Assert.Empty(events.Reconnected);
            Assert.True(ps.IsRunning);

            admin.ExecuteCommand("ACL", "SETUSER", "bob", "&*");
            Eventually(() => !events.Reconnected.IsEmpty, "Reconnected once the permission is back; " + events.Describe());
            AssertDelivered(events, admin, "news", "allowed again");
            Assert.Single(events.Disconnected);
            Assert.Single(events.Reconnected);
            Assert.Single(events.Errors);
            Assert.True(events.Reconnected.Single().Attempts >= 2, events.Describe());
        }

        [Theory]
        // Named: CLIENT SETNAME during the connect gets the error (as every Register-RedisEvent connection is named).
        [InlineData(RefusingServer.Mode.AnswerErrors, true)]
        // Unnamed: the connect has nothing to send, the SUBSCRIBE that restores the subscriptions gets the error.
        [InlineData(RefusingServer.Mode.AnswerErrors, false)]
        [InlineData(RefusingServer.Mode.CloseAtOnce, true)]
        public void AServerThatRefusesOrDropsEveryConnectionIsRetriedWithBackoff(RefusingServer.Mode mode, bool named)
        {
            RedisServerProcess first = Keep(RedisServerProcess.Start());
            int port = first.Port;
            RedisPubSub ps = Subscribed(first.Url, "jobs", o => o.ClientName = named ? "jobs-sub" : null);
            var events = new Recorder(ps);
            ps.Start();
            Eventually(() => ps.IsConnected, "the connection");

            // Something else now answers on the server's port: every attempt connects, then gets an error reply to
            // SUBSCRIBE, or is closed by the other side at once.
            first.Dispose();
            int accepted;
            using (var impostor = new RefusingServer(port, mode))
            {
                Thread.Sleep(TimeSpan.FromSeconds(3));
                accepted = impostor.Accepted;
            }
            Assert.InRange(accepted, 2, 19);
            AssertReaderNearlyIdle(events, TimeSpan.FromSeconds(3));
            Assert.Single(events.Disconnected);
            if (mode == RefusingServer.Mode.AnswerErrors)
            {
                PubSubErrorEventArgs refusal = Assert.Single(events.Errors);
                Assert.Contains("answers only errors", refusal.Exception.Message, StringComparison.Ordinal);
            }
            else
            {
                Assert.Empty(events.Errors); // being dropped is being unreachable: Disconnected said it already
            }

            RedisServerProcess restarted = Keep(RedisServerProcess.Start(new RedisServerOptions { Port = port }));
            Eventually(() => !events.Reconnected.IsEmpty, "Reconnected once the real server is back; " + events.Describe());
            AssertDelivered(events, Keep(RedisClient.FromUrl(restarted.Url)), "jobs", "real again");
            Assert.Single(events.Disconnected);
            Assert.Single(events.Reconnected);
        }

        [Fact]
        public void HealthCheckNoticesAPausedServerWithinTheInterval()
        {
            if (OperatingSystem.IsWindows()) return; // SIGSTOP/SIGCONT: Unix only
            TimeSpan interval = TimeSpan.FromSeconds(2);
            RedisServerProcess server = Keep(RedisServerProcess.Start());
            RedisClient admin = Keep(RedisClient.FromUrl(server.Url));
            // A short connect timeout: attempts made while the server is paused connect (the kernel accepts) and
            // then wait for answers that do not come.
            RedisPubSub ps = Subscribed(server.Url, "beat", o => o.ConnectTimeout = TimeSpan.FromSeconds(2));
            ps.HealthCheckInterval = interval;
            var events = new Recorder(ps);
            ps.Start();
            Eventually(() => admin.PubSubNumSub("beat")[0].Value == 1, "the subscription");
            AssertDelivered(events, admin, "beat", "before");

            // The socket stays open and the kernel still acknowledges; only the server is silent: a half-open connection.
            Signal("STOP", server.Pid);
            var silent = Stopwatch.StartNew();
            try
            {
                Eventually(() => !events.Disconnected.IsEmpty, "the paused server to be noticed", interval + TimeSpan.FromSeconds(3));
                TimeSpan noticed = silent.Elapsed;
                Assert.True(noticed <= interval + TimeSpan.FromSeconds(1), "noticed after " + noticed.TotalSeconds + " s; " + events.Describe());
                Assert.Contains("Health check", events.Disconnected.Single().Exception.Message, StringComparison.Ordinal);
                Thread.Sleep(TimeSpan.FromSeconds(2)); // a few attempts fail against the paused server
            }
            finally
            {
                Signal("CONT", server.Pid);
            }
            Eventually(() => !events.Reconnected.IsEmpty, "Reconnected after the server resumed; " + events.Describe());
            AssertDelivered(events, admin, "beat", "after");
            Assert.Single(events.Disconnected);
            Assert.Single(events.Reconnected);
            Assert.Empty(events.Errors);
        }

        [Fact]
        public void MaxReconnectAttemptsEndsTheReaderWithOneError()
        {
            RedisServerProcess server = Keep(RedisServerProcess.Start());
            RedisPubSub ps = Subscribed(server.Url, "gone");
            ps.MaxReconnectAttempts = 3;
            var events = new Recorder(ps);
            ps.Start();
            Eventually(() => ps.IsConnected, "the connection");
            server.Dispose(); // gone for good

            Eventually(() => !events.Errors.IsEmpty, "the final Error");
            Eventually(() => !ps.IsRunning, "the reader to stop");
            PubSubErrorEventArgs error = Assert.Single(events.Errors);
            Assert.True(error.ReaderStopped);
            Assert.IsAssignableFrom<RedisConnectionException>(error.Exception);
            Assert.Contains("after 3 attempts", error.Exception.Message, StringComparison.Ordinal);
            Assert.Single(events.Disconnected);
            Assert.Empty(events.Reconnected);
            Assert.Equal(new[] { "gone" }, ps.Channels); // still wanted: a later Start or GetMessage tries again
        }

        private static void Signal(string signal, int pid)
        {
            using Process kill = Process.Start(new ProcessStartInfo("kill", "-" + signal + " " + pid.ToString(CultureInfo.InvariantCulture)) { UseShellExecute = false })!;
            Assert.True(kill.WaitForExit(10_000), "kill -" + signal + " did not finish");
            Assert.Equal(0, kill.ExitCode);
        }
    }

    /// <summary>CPU time one thread used since this was made: Linux's per-thread clock, else (roughly) the process's.</summary>
    public sealed class ThreadCpu
    {
        private readonly string? _statPath;
        private readonly TimeSpan _start;

        private ThreadCpu(string? statPath)
        {
            _statPath = statPath;
            _start = Read();
        }

        /// <summary>Starts a clock for the calling thread.</summary>
        public static ThreadCpu OfCurrentThread()
        {
            // /proc/thread-self links to "<pid>/task/<tid>" of the thread that reads it.
            string? task = OperatingSystem.IsLinux() ? new System.IO.DirectoryInfo("/proc/thread-self").LinkTarget : null;
            return new ThreadCpu(task == null ? null : "/proc/" + task + "/stat");
        }

        public TimeSpan Used() => Read() - _start;

        private TimeSpan Read()
        {
            if (_statPath == null)
            {
                using Process self = Process.GetCurrentProcess();
                return self.TotalProcessorTime;
            }
            // "tid (name) state ..." with utime and stime the 14th and 15th fields, in clock ticks of 10 ms (USER_HZ).
            string stat = System.IO.File.ReadAllText(_statPath);
            string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromMilliseconds(ticks * 10);
        }
    }

    /// <summary>A TCP listener on a given port that answers every request with an error reply, or closes every connection at once.</summary>
    public sealed class RefusingServer : IDisposable
    {
        public enum Mode
        {
            AnswerErrors,
            CloseAtOnce,
        }

        private readonly TcpListener _listener;
        private readonly Thread _acceptor;
        private readonly List<Socket> _open = new List<Socket>();
        private readonly Mode _mode;
        private int _accepted;

        public RefusingServer(int port, Mode mode)
        {
            _mode = mode;
            _listener = new TcpListener(IPAddress.Loopback, port);
            // The port was a redis-server's a moment ago; its closed connections may still be in TIME_WAIT.
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _acceptor = new Thread(Accept) { IsBackground = true, Name = "refusing server" };
            _acceptor.Start();
        }

        public int Accepted => Volatile.Read(ref _accepted);

        private void Accept()
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = _listener.AcceptSocket();
                }
                catch (SocketException)
                {
                    return; // Dispose stopped the listener
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                Interlocked.Increment(ref _accepted);
                if (_mode == Mode.CloseAtOnce)
                {
                    socket.Dispose();
                    continue;
                }
                lock (_open) _open.Add(socket);
                var answering = new Thread(() => AnswerErrors(socket)) { IsBackground = true };
                answering.Start();
            }
        }

        private static void AnswerErrors(Socket socket)
        {
            byte[] buffer = new byte[4096];
            byte[] error = Encoding.ASCII.GetBytes("-ERR this server answers only errors\r\n");
            var pending = new List<byte>();
            try
            {
                // One error per command, as a server answers: the client pipelines its handshake (CLIENT SETINFO, SETNAME)
                // in one write, and one error per read left it waiting for the others until its socket timeout.
                int n;
                while ((n = socket.Receive(buffer)) > 0)
                {
                    for (int i = 0; i < n; i++) pending.Add(buffer[i]);
                    int commands = TakeCommands(pending);
                    for (int i = 0; i < commands; i++) socket.Send(error);
                }
            }
            catch (SocketException)
            {
                // The client closed it, or Dispose did.
            }
            catch (ObjectDisposedException)
            {
                // Dispose closed it.
            }
        }

        /// <summary>Removes the complete RESP commands (arrays of bulk strings) at the start of <paramref name="bytes"/>; returns how many.</summary>
        private static int TakeCommands(List<byte> bytes)
        {
            int count = 0;
            while (true)
            {
                int at = 0;
                if (!ReadHeader(bytes, ref at, (byte)'*', out int items)) return count;
                bool whole = true;
                for (int i = 0; i < items && whole; i++)
                {
                    whole = ReadHeader(bytes, ref at, (byte)'$', out int length) && at + length + 2 <= bytes.Count;
                    if (whole) at += length + 2;
                }
                if (!whole) return count;
                bytes.RemoveRange(0, at);
                count++;
            }
        }

        private static bool ReadHeader(List<byte> bytes, ref int at, byte prefix, out int value)
        {
            value = 0;
            if (at >= bytes.Count) return false;
            if (bytes[at] != prefix) throw new InvalidOperationException("Not a RESP command: '" + (char)bytes[at] + "' at " + at);
            int i = at + 1;
            while (i + 1 < bytes.Count && bytes[i] != (byte)'\r') value = value * 10 + (bytes[i++] - (byte)'0');
            if (i + 1 >= bytes.Count) return false;
            at = i + 2;
            return true;
        }

        public void Dispose()
        {
            _listener.Stop();
            Assert.True(_acceptor.Join(TimeSpan.FromSeconds(10)), "the refusing server's accept loop did not end");
            lock (_open)
            {
                foreach (Socket socket in _open) socket.Dispose();
            }
        }
    }
}
