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
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly List<Link> _links = new();
    private readonly List<Thread> _threads = new();
    private readonly IPEndPoint _target;
    private Socket? _listener;
    private Thread? _acceptThread;
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
            Socket? closing = null;
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
                closing.Close();
                JoinAcceptThread();
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
        Socket? listener;
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
        listener?.Close();
        foreach (Link link in links) link.Close(reset: false);
        JoinAcceptThread();
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
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Listening again on the same port after RefuseNewConnections: connections of the previous listener may still
        // be in TIME_WAIT on it.
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, Port));
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var thread = new Thread(() => AcceptLoop(listener)) { IsBackground = true, Name = "FaultProxy accept :" + Port };
        lock (_gate)
        {
            if (_disposed)
            {
                listener.Dispose();
                throw new ObjectDisposedException(nameof(FaultProxy));
            }
            _listener = listener;
            _acceptThread = thread;
        }
        thread.Start();
    }

    private void JoinAcceptThread()
    {
        Thread? thread;
        lock (_gate) thread = _acceptThread;
        if (thread != null && thread != Thread.CurrentThread && !thread.Join(JoinTimeout))
            throw new InvalidOperationException("FaultProxy: the accept thread did not end within " + JoinTimeout.TotalSeconds + " s.");
    }

    private void AcceptLoop(Socket listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = listener.Accept();
            }
            catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
            {
                return; // the listener was closed: refusing, or disposed
            }
            Interlocked.Increment(ref _accepted);
            client.NoDelay = true;
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
        if (garbage != null) Send(link, garbage, 0, garbage.Length);

        int allowed = count;
        Cut? cut = link.Cut;
        if (cut != null) allowed = Math.Min(count, cut.Remaining);
        Send(link, buffer, 0, allowed);
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
                // Linger on with a zero timeout makes Close send RST instead of FIN and drop unsent data.
                Client.LingerState = new LingerOption(true, 0);
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
