using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace PSRedis.Tests.Integration.Faults;

/// <summary>
/// An in-process TCP proxy on a free loopback port in front of a real server, whose behaviour a test switches while
/// it runs: pass-through, stalls in either direction, a delay per chunk, dripping replies one byte at a time, closing
/// or resetting a connection part-way through a reply, garbage bytes injected into the reply stream, refusing new
/// connections, and killing every current connection.
/// </summary>
/// <remarks>
/// <para>
/// Faults are applied when a chunk is forwarded, not when it is read, so a switch takes effect for bytes that arrive
/// after it (and for bytes already held by a stall). The one-shot faults (<see cref="CloseAfter"/>,
/// <see cref="ResetAfter"/>, <see cref="InjectGarbage"/>) are claimed by the first connection whose server sends
/// something after they were armed: with one command in flight, that is the connection serving it.
/// </para>
/// <para>
/// Each proxied connection has two dedicated threads (not thread-pool work: a blocked pump must never delay the
/// client's own continuations). Dispose closes the listener and every socket and waits for all threads, so no
/// listener or connection outlives the test.
/// </para>
/// </remarks>
public sealed class FaultProxy : IDisposable
{
    private const int ChunkSize = 64 * 1024;
    private const int AcceptSliceMicroseconds = 20_000;
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly List<Link> _links = new();
    private readonly List<Thread> _threads = new();
    private readonly IPEndPoint _target;
    private Listener? _listener;
    private bool _disposed;
    private bool _stallToServer;
    private bool _stallToClient;
    private bool _refusing;
    private TimeSpan _replyDelay;
    private TimeSpan _requestDelay;
    private TimeSpan _dripInterval;
    private Cut? _armedCut;
    private byte[]? _armedGarbage;
    private int _accepted;
    private long _bytesToClient;

    /// <summary>Listens on 127.0.0.1 at a port the OS picks and forwards every connection to <paramref name="targetHost"/>:<paramref name="targetPort"/>.</summary>
    public FaultProxy(string targetHost, int targetPort)
    {
        IPAddress address = IPAddress.TryParse(targetHost, out IPAddress? literal)
            ? literal
            : Array.Find(Dns.GetHostAddresses(targetHost), a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? throw new ArgumentException("No IPv4 address for " + targetHost, nameof(targetHost));
        _target = new IPEndPoint(address, targetPort);
        Port = 0;
        StartListening();
    }

    public string Host => "127.0.0.1";

    /// <summary>The loopback port clients connect to (kept across <see cref="RefuseNewConnections"/>).</summary>
    public int Port { get; private set; }

    /// <summary>redis://127.0.0.1:port/0 through the proxy.</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"redis://{Host}:{Port}/0");

    /// <summary>Connections accepted since the proxy started.</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Connections currently proxied.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate) return _links.Count;
        }
    }

    /// <summary>Bytes forwarded from the server to clients, garbage included.</summary>
    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    /// <summary>Requests are held (not forwarded to the server) while set; they are sent in order once it is cleared.</summary>
    public bool StallToServer
    {
        get { lock (_gate) return _stallToServer; }
        set { lock (_gate) { _stallToServer = value; Monitor.PulseAll(_gate); } }
    }

    /// <summary>Replies are held (not forwarded to the client) while set; they are sent in order once it is cleared.</summary>
    public bool StallToClient
    {
        get { lock (_gate) return _stallToClient; }
        set { lock (_gate) { _stallToClient = value; Monitor.PulseAll(_gate); } }
    }

    /// <summary>Waited before each chunk from the server is forwarded.</summary>
    public TimeSpan ReplyDelay
    {
        get { lock (_gate) return _replyDelay; }
        set { lock (_gate) _replyDelay = value; }
    }

    /// <summary>Waited before each chunk from the client is forwarded.</summary>
    public TimeSpan RequestDelay
    {
        get { lock (_gate) return _requestDelay; }
        set { lock (_gate) _requestDelay = value; }
    }

    /// <summary>When positive, replies are forwarded one byte at a time, this long apart (a server that trickles).</summary>
    public TimeSpan DripInterval
    {
        get { lock (_gate) return _dripInterval; }
        set { lock (_gate) _dripInterval = value; }
    }

    /// <summary>
    /// While set, the listening socket is closed, so connecting fails at once with "connection refused"; clearing it
    /// listens again on the same port. Connections already open are not touched.
    /// </summary>
    public bool RefuseNewConnections
    {
        get { lock (_gate) return _refusing; }
        set
        {
            Listener? closing = null;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_refusing == value) return;
                _refusing = value;
                if (value)
                {
                    closing = _listener;
                    _listener = null;
                }
            }
            if (closing != null)
            {
                StopListening(closing);
            }
            else
            {
                StartListening();
            }
        }
    }

    /// <summary>Clears every fault: forwards everything at once in both directions, and listens again if refusing.</summary>
    public void PassThrough()
    {
        lock (_gate)
        {
            _stallToServer = false;
            _stallToClient = false;
            _replyDelay = TimeSpan.Zero;
            _requestDelay = TimeSpan.Zero;
            _dripInterval = TimeSpan.Zero;
            _armedCut = null;
            _armedGarbage = null;
            Monitor.PulseAll(_gate);
        }
        RefuseNewConnections = false;
    }

    /// <summary>
    /// One shot: the next connection the server sends bytes to forwards <paramref name="bytes"/> more of them to its
    /// client, then closes both sides cleanly (FIN): the client sees the stream end part-way through a reply.
    /// </summary>
    public void CloseAfter(int bytes) => Arm(new Cut(bytes, reset: false));

    /// <summary>As <see cref="CloseAfter"/>, but the client side is reset (RST, linger 0) instead of closed.</summary>
    public void ResetAfter(int bytes) => Arm(new Cut(bytes, reset: true));

    /// <summary>One shot: <paramref name="garbage"/> is sent to the client just before the next bytes the server sends it.</summary>
    public void InjectGarbage(byte[] garbage)
    {
        ArgumentNullException.ThrowIfNull(garbage);
        lock (_gate) _armedGarbage = (byte[])garbage.Clone();
    }

    /// <summary>Closes every current connection on both sides (FIN), as a server or middlebox that drops its clients.</summary>
    public void KillAll() => CloseAll(reset: false);

    /// <summary>Resets every current connection (RST to the client, linger 0), as a crashed peer or firewall does.</summary>
    public void ResetAll() => CloseAll(reset: true);

    public void Dispose()
    {
        Listener? listener;
        Link[] links;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            listener = _listener;
            _listener = null;
            links = _links.ToArray();
            Monitor.PulseAll(_gate); // wakes pumps held by a stall so they can see the end
        }
        if (listener != null) StopListening(listener);
        foreach (Link link in links) link.Close(reset: false);
        Thread[] threads;
        lock (_gate) threads = _threads.ToArray();
        foreach (Thread thread in threads)
        {
            if (!thread.Join(JoinTimeout))
                throw new InvalidOperationException("FaultProxy: thread '" + thread.Name + "' did not end within " + JoinTimeout.TotalSeconds + " s of Dispose.");
        }
    }

    private void Arm(Cut cut)
    {
        if (cut.Remaining < 0) throw new ArgumentOutOfRangeException(nameof(cut), "A byte count cannot be negative.");
        lock (_gate) _armedCut = cut;
    }

    private void CloseAll(bool reset)
    {
        Link[] links;
        lock (_gate) links = _links.ToArray();
        foreach (Link link in links) link.Close(reset);
    }

    private void StartListening()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Listening again on the same port after RefuseNewConnections: connections of the previous listener may still
        // be in TIME_WAIT on it.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, Port));
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var listener = new Listener(socket);
        listener.Thread = new Thread(() => AcceptLoop(listener)) { IsBackground = true, Name = "FaultProxy accept :" + Port };
        lock (_gate)
        {
            if (_disposed)
            {
                socket.Dispose();
                throw new ObjectDisposedException(nameof(FaultProxy));
            }
            _listener = listener;
        }
        listener.Thread.Start();
    }

    /// <summary>
    /// Ends the accept loop first and closes the socket after: closing a socket while another thread is blocked in
    /// Accept on it can leave it listening until that call returns, and a connection queued on it meanwhile is reset
    /// instead of refused.
    /// </summary>
    private static void StopListening(Listener listener)
    {
        listener.Stop = true;
        if (!listener.Thread!.Join(JoinTimeout))
            throw new InvalidOperationException("FaultProxy: the accept thread did not end within " + JoinTimeout.TotalSeconds + " s.");
        listener.Socket.Close();
    }

    private void AcceptLoop(Listener listener)
    {
        while (!listener.Stop)
        {
            // Polled in short slices rather than blocking in Accept, so that StopListening can end the loop before it
            // closes the socket.
            if (!listener.Socket.Poll(AcceptSliceMicroseconds, SelectMode.SelectRead)) continue;
            Socket client;
            try
            {
                client = listener.Socket.Accept();
                client.NoDelay = true;
            }
            catch (SocketException)
            {
                // The client gave up between Poll and Accept: nothing to proxy. (An exception escaping this thread
                // would end the whole test run.)
                continue;
            }
            Interlocked.Increment(ref _accepted);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                server.Connect(_target);
            }
            catch (SocketException)
            {
                // The server is down (killed by a test): the client sees its connection closed, as with a dead backend.
                server.Dispose();
                client.Dispose();
                continue;
            }
            var link = new Link(client, server);
            var up = new Thread(() => Pump(link, toClient: false)) { IsBackground = true, Name = "FaultProxy up :" + Port };
            var down = new Thread(() => Pump(link, toClient: true)) { IsBackground = true, Name = "FaultProxy down :" + Port };
            lock (_gate)
            {
                if (_disposed)
                {
                    link.Close(reset: false);
                    return;
                }
                _links.Add(link);
                _threads.RemoveAll(t => !t.IsAlive);
                _threads.Add(up);
                _threads.Add(down);
            }
            up.Start();
            down.Start();
        }
    }

    private void Pump(Link link, bool toClient)
    {
        Socket from = toClient ? link.Server : link.Client;
        Socket to = toClient ? link.Client : link.Server;
        var buffer = new byte[ChunkSize];
        try
        {
            while (true)
            {
                int n = from.Receive(buffer);
                if (n == 0) break;
                if (!WaitUnstalled(toClient)) break;
                if (toClient) ForwardToClient(link, buffer, n);
                else
                {
                    Sleep(RequestDelay);
                    SendAll(to, buffer, 0, n);
                }
                if (link.IsClosed) break;
            }
        }
        catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
        {
            // Either side went away, or a fault or Dispose closed the link: the pair ends below.
        }
        link.Close(reset: false);
        lock (_gate) _links.Remove(link);
    }

    /// <summary>Holds a chunk while its direction is stalled; false when the proxy was disposed meanwhile.</summary>
    private bool WaitUnstalled(bool toClient)
    {
        lock (_gate)
        {
            while (!_disposed && (toClient ? _stallToClient : _stallToServer)) Monitor.Wait(_gate);
            return !_disposed;
        }
    }

    private void ForwardToClient(Link link, byte[] buffer, int count)
    {
        byte[]? garbage;
        lock (_gate)
        {
            garbage = _armedGarbage;
            _armedGarbage = null;
            if (link.Cut == null && _armedCut != null)
            {
                link.Cut = _armedCut;
                _armedCut = null;
            }
        }
        int allowed = count;
        Cut? cut = link.Cut;
        if (cut != null) allowed = Math.Min(count, cut.Remaining);
        if (garbage != null)
        {
            // In one send with the reply, as a corrupting middlebox would deliver it: the client gets both in one read,
            // the way a real corruption arrives, rather than garbage alone and the reply a moment later.
            var combined = new byte[garbage.Length + allowed];
            Buffer.BlockCopy(garbage, 0, combined, 0, garbage.Length);
            Buffer.BlockCopy(buffer, 0, combined, garbage.Length, allowed);
            Send(link, combined, 0, combined.Length);
        }
        else
        {
            Send(link, buffer, 0, allowed);
        }
        if (cut != null)
        {
            cut.Remaining -= allowed;
            if (cut.Remaining == 0) link.Close(cut.Reset);
        }
    }

    /// <summary>Sends towards the client with the current delay or drip.</summary>
    private void Send(Link link, byte[] buffer, int offset, int count)
    {
        int sent = 0;
        while (sent < count)
        {
            TimeSpan drip = DripInterval;
            if (drip > TimeSpan.Zero)
            {
                Thread.Sleep(drip);
                SendAll(link.Client, buffer, offset + sent, 1);
                sent++;
                Interlocked.Increment(ref _bytesToClient);
                continue;
            }
            Sleep(ReplyDelay);
            SendAll(link.Client, buffer, offset + sent, count - sent);
            Interlocked.Add(ref _bytesToClient, count - sent);
            sent = count;
        }
    }

    private static void Sleep(TimeSpan delay)
    {
        if (delay > TimeSpan.Zero) Thread.Sleep(delay);
    }

    private static void SendAll(Socket socket, byte[] buffer, int offset, int count)
    {
        while (count > 0)
        {
            int n = socket.Send(buffer, offset, count, SocketFlags.None);
            offset += n;
            count -= n;
        }
    }

    private sealed class Listener
    {
        internal Listener(Socket socket) => Socket = socket;

        internal Socket Socket { get; }
        internal Thread? Thread { get; set; }
        internal volatile bool Stop;
    }

    private sealed class Cut
    {
        internal Cut(int remaining, bool reset)
        {
            Remaining = remaining;
            Reset = reset;
        }

        internal int Remaining { get; set; }
        internal bool Reset { get; }
    }

    /// <summary>One client connection and its connection to the server; closing either closes both.</summary>
    private sealed class Link
    {
        private int _closed;

        internal Link(Socket client, Socket server)
        {
            Client = client;
            Server = server;
        }

        internal Socket Client { get; }
        internal Socket Server { get; }
        /// <summary>Claimed by the down pump only.</summary>
        internal Cut? Cut { get; set; }
        internal bool IsClosed => Volatile.Read(ref _closed) != 0;

        internal void Close(bool reset)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            if (reset)
            {
                // Linger on with a zero timeout makes Close send RST instead of FIN and drop unsent data. A peer that
                // reset first leaves nothing to reset, and then setting it may fail; the socket is closed below all the same.
                try
                {
                    Client.LingerState = new LingerOption(true, 0);
                }
                catch (SocketException)
                {
                    ShutdownQuietly(Client);
                }
            }
            else
            {
                ShutdownQuietly(Client);
            }
            Client.Close();
            ShutdownQuietly(Server);
            Server.Close();
        }

        private static void ShutdownQuietly(Socket socket)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // Already reset by the peer: Close below is all that is left to do.
            }
            catch (ObjectDisposedException)
            {
                // Closed by the other pump meanwhile.
            }
        }
    }
}
