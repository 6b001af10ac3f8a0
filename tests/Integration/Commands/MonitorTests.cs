using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>RedisMonitor (MONITOR on a dedicated connection) and the parsing of MONITOR lines.</summary>
    [Collection("redis")]
    public sealed class MonitorTests : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
        private readonly string _url;
        private readonly string _p = "it:mon:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";
        private readonly List<IDisposable> _cleanup = new List<IDisposable>();

        public MonitorTests(RedisFixture fixture)
        {
            _url = fixture.Url;
        }

        public void Dispose()
        {
            for (int i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i].Dispose();
        }

        private RedisClient Client(int protocol = 2, string? url = null, Action<ConnectionOptions>? configure = null)
        {
            var client = RedisClient.FromUrl(url ?? _url, o =>
            {
                o.Protocol = protocol;
                configure?.Invoke(o);
            });
            _cleanup.Add(client);
            return client;
        }

        /// <summary>Records until one satisfies <paramref name="match"/> (the shared server may run other commands too).</summary>
        private static MonitorRecord NextMatching(RedisMonitor monitor, Func<MonitorRecord, bool> match)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Wait)
            {
                MonitorRecord? record = monitor.Next(Wait);
                if (record != null && match(record)) return record;
            }
            throw new Xunit.Sdk.XunitException("No matching MONITOR record arrived.");
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ReportsCommandsFromAnotherClientWithArgumentsUnescaped(int protocol)
        {
            RedisClient client = Client(protocol);
            using RedisMonitor monitor = client.Monitor();
            string tricky = "he said \"hi\" \\ back\nslash\ttab é";
            byte[] binary = { 0, 1, 0x7f, 0x80, 0xff, (byte)'"', (byte)'\\', (byte)'x' };
            DateTimeOffset before = DateTimeOffset.UtcNow;
            client.Set(_p + "text", tricky);
            client.Set(_p + "bin", binary);

            MonitorRecord text = NextMatching(monitor, r => r.Arguments.Count > 0 && r.Arguments[0] == _p + "text");
            Assert.Equal("set", text.Command, ignoreCase: true);
            Assert.Equal(new[] { _p + "text", tricky }, text.Arguments);
            Assert.Equal(0, text.Database);
            Assert.Equal("tcp", text.ClientType);
            Assert.StartsWith("127.0.0.1:", text.ClientAddress, StringComparison.Ordinal);
            Assert.InRange(text.Time, before.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.Contains("\\\"hi\\\"", text.Line, StringComparison.Ordinal); // escaped on the wire, plain in Arguments

            MonitorRecord bin = NextMatching(monitor, r => r.Arguments.Count > 0 && r.Arguments[0] == _p + "bin");
            Assert.Equal(binary, bin.ArgumentBytes[1]);
            Assert.Equal(text.ClientAddress, bin.ClientAddress); // same pooled connection
            Assert.True(bin.Time >= text.Time);
        }

        [Fact]
        public void ReportsTheCallsOfALuaScript()
        {
            RedisClient client = Client();
            using RedisMonitor monitor = client.Monitor();
            client.ExecuteCommand("EVAL", "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", 1, _p + "lua", "from \"lua\"");

            MonitorRecord eval = NextMatching(monitor, r => r.Command.Equals("eval", StringComparison.OrdinalIgnoreCase) && r.Arguments.Contains(_p + "lua"));
            Assert.Equal("tcp", eval.ClientType);
            MonitorRecord set = NextMatching(monitor, r => r.Command == "set" && r.Arguments[0] == _p + "lua");
            Assert.Equal("lua", set.ClientType);
            Assert.Equal("lua", set.ClientAddress);
            Assert.Equal(new[] { _p + "lua", "from \"lua\"" }, set.Arguments);
            MonitorRecord get = NextMatching(monitor, r => r.ClientType == "lua");
            Assert.Equal("get", get.Command);
        }

        [Fact]
        public void NextTimesOutAndListenEndsOnCancellation()
        {
            // Own server: on the shared one any other client's command would end the wait early.
            var server = RedisServerProcess.Start();
            _cleanup.Add(server);
            RedisClient client = Client(url: server.Url);
            using RedisMonitor monitor = client.Monitor();
            Assert.True(client.Select(3));
            Assert.Equal("SELECT", NextMatching(monitor, _ => true).Command);
            Assert.Equal("PING", NextMatching(monitor, _ => true).Command); // how Select checks the database exists

            var clock = Stopwatch.StartNew();
            Assert.Null(monitor.Next(TimeSpan.FromMilliseconds(500)));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(5));
            Assert.Throws<ArgumentOutOfRangeException>(() => monitor.Next(TimeSpan.FromSeconds(-1)));

            client.Set(_p + "a", "1");
            client.Set(_p + "b", "2");
            using var cts = new CancellationTokenSource();
            var seen = new List<MonitorRecord>();
            foreach (MonitorRecord record in monitor.Listen(cts.Token))
            {
                seen.Add(record);
                if (record.Arguments.Count > 0 && record.Arguments[0] == _p + "b") cts.Cancel();
            }
            MonitorRecord b = seen.Last();
            Assert.Equal(3, b.Database);
            Assert.Contains(seen, r => r.Command.Equals("set", StringComparison.OrdinalIgnoreCase) && r.Arguments[0] == _p + "a" && r.Arguments[1] == "1");

            using var idle = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            clock.Restart();
            Assert.Empty(monitor.Listen(idle.Token));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        }

        [Fact]
        public void DisposeClosesTheMonitorConnection()
        {
            string name = "psredis-mon-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            RedisClient admin = Client();
            RedisMonitor monitor = Client(configure: o => o.ClientName = name).Monitor();
            string ListFor() => string.Join("\n", ((string)admin.ExecuteCommand("CLIENT", "LIST")!).Split('\n').Where(l => l.Contains(" name=" + name + " ", StringComparison.Ordinal)));
            Assert.Contains("cmd=monitor", ListFor(), StringComparison.Ordinal);
            monitor.Dispose();
            var clock = Stopwatch.StartNew();
            while (ListFor().Length > 0 && clock.Elapsed < Wait) Thread.Sleep(20);
            Assert.Equal(string.Empty, ListFor());
            Assert.Null(monitor.Next(TimeSpan.Zero));
        }

        [Theory]
        [InlineData("1339518083.107412 [0 127.0.0.1:60866] \"keys\" \"*\"", 0, "tcp", "127.0.0.1:60866", "keys", new[] { "*" })]
        [InlineData("1339518083.107412 [12 unix:/tmp/redis.sock] \"GET\" \"k\"", 12, "unix", "/tmp/redis.sock", "GET", new[] { "k" })]
        [InlineData("1339518083.1 [0 lua] \"set\" \"a\\\"b\" \"c\\\\d\"", 0, "lua", "lua", "set", new[] { "a\"b", "c\\d" })]
        [InlineData("1339518083.107412 [0 [::1]:6379] \"ping\"", 0, "tcp", "[::1]:6379", "ping", new string[0])]
        [InlineData("1339518083.107412 [0 127.0.0.1:1] \"set\" \"\\xc3\\xa9\\n\\r\\t\" \"\"", 0, "tcp", "127.0.0.1:1", "set", new[] { "é\n\r\t", "" })]
        public void ParsesMonitorLines(string line, int db, string type, string address, string command, string[] arguments)
        {
            MonitorRecord record = MonitorRecord.Parse(line);
            Assert.Equal(db, record.Database);
            Assert.Equal(type, record.ClientType);
            Assert.Equal(address, record.ClientAddress);
            Assert.Equal(command, record.Command);
            Assert.Equal(arguments, record.Arguments);
            Assert.Equal(line, record.Line);
            Assert.Equal(1339518083L, record.Time.ToUnixTimeSeconds());
        }

        [Fact]
        public void ParsesTimesToTheMicrosecondAndRefusesGarbage()
        {
            MonitorRecord record = MonitorRecord.Parse("1339518083.107412 [0 lua] \"get\" \"\\x00\\xff\"");
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1339518083).AddTicks(1074120), record.Time);
            Assert.Equal(new byte[] { 0, 0xff }, record.ArgumentBytes[0]);
            Assert.Throws<RedisInvalidResponseException>(() => MonitorRecord.Parse("OK"));
            Assert.Throws<RedisInvalidResponseException>(() => MonitorRecord.Parse("123.4 [0 lua] \"unterminated"));
            Assert.Throws<RedisInvalidResponseException>(() => MonitorRecord.Parse("123.4 [x lua] \"get\""));
            Assert.Throws<RedisInvalidResponseException>(() => MonitorRecord.Parse("123.4 [0 lua] \"bad\\xZZ\""));
        }
    }
}
