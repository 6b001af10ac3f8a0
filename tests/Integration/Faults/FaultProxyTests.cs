using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Text;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Faults;

/// <summary>
/// The proxy's own checks, with raw sockets and hand-written RESP rather than the client under test: each fault must
/// do exactly what the scenario tests rely on, or their verdicts mean nothing.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class FaultProxyTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private readonly FaultServerFixture _fixture;

    public FaultProxyTests(FaultServerFixture fixture) => _fixture = fixture;

    [Fact]
    public void PassesCommandsAndRepliesThrough()
    {
        using FaultProxy proxy = _fixture.NewProxy();
        using var raw = new RawClient(proxy.Port);
        Assert.Equal("+PONG\r\n", raw.Call("PING"));
        Assert.Equal("+OK\r\n", raw.Call("SET", "proxy:k", "0123456789"));
        Assert.Equal("$10\r\n0123456789\r\n", raw.Call("GET", "proxy:k"));
        Assert.Equal(1, proxy.AcceptedConnections);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void StallHoldsTrafficUntilCleared(bool toClient)
    {
        using FaultProxy proxy = _fixture.NewProxy();
        using var raw = new RawClient(proxy.Port);
        Assert.Equal("+PONG\r\n", raw.Call("PING"));
        if (toClient) proxy.StallToClient = true;
        else proxy.StallToServer = true;
        raw.Send("PING");
        Assert.Equal("", raw.ReadFor(TimeSpan.FromMilliseconds(300)));
        if (toClient) proxy.StallToClient = false;
        else proxy.StallToServer = false;
        Assert.Equal("+PONG\r\n", raw.ReadExactly(7));
    }

    [Fact]
    public void ReplyDelayDelaysEachChunk()
    {
        using FaultProxy proxy = _fixture.NewProxy();
        using var raw = new RawClient(proxy.Port);
        proxy.ReplyDelay = TimeSpan.FromMilliseconds(250);
        var clock = Stopwatch.StartNew();
        Assert.Equal("+PONG\r\n", raw.Call("PING"));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(240), Patience);
    }

    [Fact]
    public void DripSendsOneByteAtATime()
    {
        using FaultProxy proxy = _fixture.NewProxy();
        using var raw = new RawClient(proxy.Port);
        proxy.DripInterval = TimeSpan.FromMilliseconds(60);
        raw.Send("PING");
        // After about three intervals only a few of the seven bytes can have arrived.
        string early = raw.ReadFor(TimeSpan.FromMilliseconds(200));
        Assert.InRange(early.Length, 1, 4);
        Assert.Equal("+PONG\r\n", early + raw.ReadExactly(7 - early.Length));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CloseOrResetAfterBytesCutsTheReply(bool reset)
    {
        using FaultProxy proxy = _fixture.NewProxy();
        using var raw = new RawClient(proxy.Port);
        Assert.Equal("+OK\r\n", raw.Call("SET", "proxy:cut", "0123456789"));
        if (reset) proxy.ResetAfter(6);
        else proxy.CloseAfter(6);
        raw.Send("GET", "proxy:cut");
        if (reset)
        {
            // Whether the six bytes are read before the RST is the kernel's business; the reset itself is what counts.
            var error = Assert.ThrowsAny<IOException>(() => raw.ReadToEnd());
            Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);
        }
        else
        {
            Assert.Equal("$10\r\n0", raw.ReadToEnd());
        }
    }

    [Fact]
    public void GarbageGoesAheadOfTheNextReplyOnce()
    {
        using FaultProxy proxy = _fixture.NewProxy();
        using var raw = new RawClient(proxy.Port);
        proxy.InjectGarbage(Encoding.ASCII.GetBytes("@@\r\n"));
        Assert.Equal("@@\r\n+PONG\r\n", raw.Call("PING", expectedLength: 11));
        Assert.Equal("+PONG\r\n", raw.Call("PING"));
    }

    [Fact]
    public void RefusesNewConnectionsOnTheSamePortUntilCleared()
    {
        using FaultProxy proxy = _fixture.NewProxy();
        int port = proxy.Port;
        using var open = new RawClient(port);
        proxy.RefuseNewConnections = true;
        var refused = Assert.Throws<SocketException>(() => new RawClient(port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal("+PONG\r\n", open.Call("PING")); // connections made before are untouched
        proxy.RefuseNewConnections = false;
        Assert.Equal(port, proxy.Port);
        using var again = new RawClient(port);
        Assert.Equal("+PONG\r\n", again.Call("PING"));
    }

    [Fact]
    public void KillAllEndsEveryOpenConnection()
    {
        using FaultProxy proxy = _fixture.NewProxy();
        using var first = new RawClient(proxy.Port);
        using var second = new RawClient(proxy.Port);
        Assert.Equal("+PONG\r\n", first.Call("PING"));
        Assert.Equal("+PONG\r\n", second.Call("PING"));
        proxy.KillAll();
        Assert.Equal("", first.ReadToEnd());
        Assert.Equal("", second.ReadToEnd());
    }

    [Fact]
    public void DisposeLeavesNoListenerBehind()
    {
        FaultProxy proxy = _fixture.NewProxy();
        int port = proxy.Port;
        using (var raw = new RawClient(port)) Assert.Equal("+PONG\r\n", raw.Call("PING"));
        proxy.Dispose();
        var refused = Assert.Throws<SocketException>(() => new RawClient(port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public void KilledServerRestartsOnTheSamePortWithItsAppendOnlyData()
    {
        using KillableRedisServer server = KillableRedisServer.Start("--appendonly", "yes", "--appendfsync", "always");
        int port = server.Port;
        using (var raw = new RawClient(port)) Assert.Equal("+OK\r\n", raw.Call("SET", "durable", "yes"));
        server.Kill();
        Assert.Null(server.Pid);
        Assert.Throws<SocketException>(() => new RawClient(port));
        server.Restart();
        Assert.Equal(port, server.Port);
        using (var raw = new RawClient(port)) Assert.Equal("$3\r\nyes\r\n", raw.Call("GET", "durable"));
    }

    [Fact]
    public void PausedServerAcceptsButDoesNotAnswerUntilResumed()
    {
        using KillableRedisServer server = KillableRedisServer.Start();
        server.Pause();
        using var raw = new RawClient(server.Port);
        raw.Send("PING");
        Assert.Equal("", raw.ReadFor(TimeSpan.FromMilliseconds(300)));
        server.Resume();
        Assert.Equal("+PONG\r\n", raw.ReadExactly(7));
    }

    /// <summary>A socket that speaks just enough RESP for these checks; every read has a deadline.</summary>
    private sealed class RawClient : IDisposable
    {
        private readonly Socket _socket;

        internal RawClient(int port)
        {
            _socket = RespProbe.ConnectTcp(RedisServerProcess.LoopbackHost, port, Patience);
        }

        internal void Send(params string[] words)
        {
            var request = new StringBuilder().Append('*').Append(words.Length).Append("\r\n");
            foreach (string word in words) request.Append('$').Append(Encoding.UTF8.GetByteCount(word)).Append("\r\n").Append(word).Append("\r\n");
            _socket.Send(Encoding.UTF8.GetBytes(request.ToString()));
        }

        /// <summary>Sends and reads a reply of a length the test knows (simple replies: up to the first CRLF).</summary>
        internal string Call(string command, params string[] args) => Call(Words(command, args), expectedLength: null);

        internal string Call(string command, int expectedLength) => Call(new List<string> { command }, expectedLength);

        private string Call(List<string> words, int? expectedLength)
        {
            Send(words.ToArray());
            if (expectedLength.HasValue) return ReadExactly(expectedLength.Value);
            string head = ReadLine();
            if (head[0] != '$') return head;
            int length = int.Parse(head.AsSpan(1, head.Length - 3), System.Globalization.CultureInfo.InvariantCulture);
            return head + ReadExactly(length + 2);
        }

        private static List<string> Words(string command, string[] args)
        {
            var words = new List<string> { command };
            words.AddRange(args);
            return words;
        }

        private string ReadLine()
        {
            var line = new StringBuilder();
            while (!line.ToString().EndsWith("\r\n", StringComparison.Ordinal)) line.Append(ReadExactly(1));
            return line.ToString();
        }

        internal string ReadExactly(int count)
        {
            var buffer = new byte[count];
            int got = 0;
            var clock = Stopwatch.StartNew();
            while (got < count)
            {
                if (clock.Elapsed > Patience) throw new TimeoutException($"only {got} of {count} bytes within {Patience}");
                int n = _socket.Receive(buffer, got, count - got, SocketFlags.None);
                if (n == 0) throw new EndOfStreamException($"closed after {got} of {count} bytes");
                got += n;
            }
            return Encoding.ASCII.GetString(buffer);
        }

        /// <summary>Whatever arrives within <paramref name="window"/> (empty if nothing does).</summary>
        internal string ReadFor(TimeSpan window)
        {
            var text = new StringBuilder();
            var buffer = new byte[256];
            var clock = Stopwatch.StartNew();
            while (true)
            {
                TimeSpan left = window - clock.Elapsed;
                if (left <= TimeSpan.Zero || !_socket.Poll((int)(left.TotalMilliseconds * 1000), SelectMode.SelectRead)) return text.ToString();
                int n = _socket.Receive(buffer);
                if (n == 0) return text.ToString();
                text.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }

        /// <summary>Everything until the peer closes; an IOException carries a reset.</summary>
        internal string ReadToEnd()
        {
            using var stream = new NetworkStream(_socket, ownsSocket: false);
            var text = new StringBuilder();
            var buffer = new byte[256];
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Patience)
            {
                int n = stream.Read(buffer, 0, buffer.Length);
                if (n == 0) return text.ToString();
                text.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            throw new TimeoutException("the connection stayed open");
        }

        public void Dispose() => _socket.Dispose();
    }
}
