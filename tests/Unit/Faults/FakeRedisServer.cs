using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using PSRedis.Protocol.Resp;

namespace PSRedis.Tests.Unit.Faults
{
    /// <summary>
    /// A scripted server on loopback: each command it receives is handed to <see cref="Behaviour"/>, which
    /// writes whatever bytes the test wants back (or nothing, or closes the socket). Lets tests produce
    /// replies no real server sends.
    /// </summary>
    public sealed class FakeRedisServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentBag<TcpClient> _clients = new ConcurrentBag<TcpClient>();
        private readonly Thread _acceptLoop;
        private int _accepted;

        public FakeRedisServer(Func<IReadOnlyList<string>, Stream, bool> behaviour)
        {
            Behaviour = behaviour;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            // Dedicated threads, not the thread pool: blocking serve loops would starve it and delay replies.
            _acceptLoop = new Thread(AcceptLoop) { IsBackground = true, Name = "FakeRedisServer accept" };
            _acceptLoop.Start();
        }

        /// <summary>Gets the command's words and the client stream; returns false to close the connection.</summary>
        public Func<IReadOnlyList<string>, Stream, bool> Behaviour { get; set; }

        public int Port { get; }

        /// <summary>Hands the CLIENT SETINFO of each connect to <see cref="Behaviour"/>; off (the default), the server answers it OK itself.</summary>
        public bool PassLibraryInfo { get; set; }

        public int AcceptedConnections => Volatile.Read(ref _accepted);

        /// <summary>A well-behaved reply for the common commands, for switching the server back to healthy.</summary>
        public static bool Healthy(IReadOnlyList<string> command, Stream stream)
        {
            string name = command[0].ToUpperInvariant();
            string reply = name == "PING" ? "+PONG\r\n" : name == "GET" ? "$5\r\nvalue\r\n" : "+OK\r\n";
            Write(stream, reply);
            return true;
        }

        public static void Write(Stream stream, string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush();
        }

        private void AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = _listener.AcceptTcpClient();
                }
                catch (Exception ex) when (_stop.IsCancellationRequested && (ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException))
                {
                    return; // Dispose stopped the listener while we waited in Accept
                }
                Interlocked.Increment(ref _accepted);
                _clients.Add(client);
                new Thread(() => Serve(client)) { IsBackground = true, Name = "FakeRedisServer client" }.Start();
            }
        }

        private void Serve(TcpClient client)
        {
            using (client)
            {
                NetworkStream stream = client.GetStream();
                var reader = new RespReader(stream);
                try
                {
                    while (!_stop.IsCancellationRequested)
                    {
                        RespValue request = reader.ReadValue();
                        var words = new List<string>();
                        foreach (RespValue item in request.Items) words.Add(item.AsString() ?? string.Empty);
                        if (!PassLibraryInfo && words.Count > 1 && string.Equals(words[0], "CLIENT", StringComparison.OrdinalIgnoreCase)
                            && string.Equals(words[1], "SETINFO", StringComparison.OrdinalIgnoreCase))
                        {
                            Write(stream, "+OK\r\n"); // the connect handshake's library info: scripts see only what they test
                            continue;
                        }
                        if (!Behaviour(words, stream)) return;
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is PSRedis.Protocol.RedisException)
                {
                    // The client went away or the test closed us: this connection is over.
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            foreach (TcpClient client in _clients) client.Dispose();
            _acceptLoop.Join(TimeSpan.FromSeconds(5));
        }
    }
}
