using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit.Faults
{
    /// <summary>
    /// The exact bytes of the connect handshake: AUTH/HELLO, SETNAME, SELECT and the library info (CLIENT SETINFO)
    /// written at once, in one round trip, and what the replies do: a refused SETINFO (Redis before 7.2) is ignored,
    /// a refused AUTH still fails the connect.
    /// </summary>
    public sealed class HandshakeTests
    {
        private static readonly string Version = typeof(Connection).Assembly.GetName().Version!.ToString(3);

        private static string Command(params string[] words)
        {
            var sb = new StringBuilder("*" + words.Length + "\r\n");
            foreach (string w in words) sb.Append('$').Append(Encoding.UTF8.GetByteCount(w)).Append("\r\n").Append(w).Append("\r\n");
            return sb.ToString();
        }

        private static string SetInfo => Command("CLIENT", "SETINFO", "LIB-NAME", "PSRedis") + Command("CLIENT", "SETINFO", "LIB-VER", Version);

        private const string UnknownSubcommand = "-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n";

        /// <summary>
        /// Accepts one connection, waits for <paramref name="expected"/> to arrive whole without answering anything
        /// (so a client that waited for a reply before sending the rest would fail here), then writes <paramref name="replies"/>.
        /// Returns what arrived.
        /// </summary>
        private static (Task<string> Received, int Port) Serve(string expected, string replies, TcpListener listener)
        {
            var received = Task.Run(() =>
            {
                using TcpClient client = listener.AcceptTcpClient();
                client.ReceiveTimeout = 5000;
                NetworkStream stream = client.GetStream();
                var bytes = new List<byte>();
                var buffer = new byte[4096];
                while (bytes.Count < Encoding.UTF8.GetByteCount(expected))
                {
                    int n = stream.Read(buffer, 0, buffer.Length);
                    if (n == 0) break;
                    for (int i = 0; i < n; i++) bytes.Add(buffer[i]);
                }
                byte[] answer = Encoding.UTF8.GetBytes(replies);
                stream.Write(answer, 0, answer.Length);
                // Anything more the client writes after the replies would be a second round trip.
                client.ReceiveTimeout = 300;
                try
                {
                    int more = stream.Read(buffer, 0, buffer.Length);
                    for (int i = 0; i < more; i++) bytes.Add(buffer[i]);
                }
                catch (System.IO.IOException)
                {
                    // nothing more: good
                }
                return Encoding.UTF8.GetString(bytes.ToArray());
            });
            return (received, ((IPEndPoint)listener.LocalEndpoint).Port);
        }

        private static string Handshake(ConnectionOptions options, string expected, string replies, Action<Connection> connect)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                (Task<string> received, int port) = Serve(expected, replies, listener);
                options.Host = "127.0.0.1";
                options.Port = port;
                options.ConnectTimeout = TimeSpan.FromSeconds(5);
                using (var connection = new Connection(options))
                {
                    connect(connection);
                    Assert.True(received.Wait(TimeSpan.FromSeconds(10)), "the fake server did not finish");
                }
                return received.Result;
            }
            finally
            {
                listener.Stop();
            }
        }

        [Fact]
        public void LibraryInfoRidesInTheHandshakeRoundTripAndItsErrorIsIgnored()
        {
            var options = new ConnectionOptions { Password = "pw", ClientName = "me", Database = 3 };
            string expected = Command("AUTH", "pw") + Command("CLIENT", "SETNAME", "me") + Command("SELECT", "3") + SetInfo;
            string sent = Handshake(options, expected, "+OK\r\n+OK\r\n+OK\r\n" + UnknownSubcommand + UnknownSubcommand, c =>
            {
                c.Connect();
                Assert.True(c.IsConnected);
                Assert.Equal(3, c.CurrentDatabase);
            });
            Assert.Equal(expected, sent);
        }

        [Fact]
        public void WithoutOtherHandshakeTheLibraryInfoIsTheWholeRoundTrip()
        {
            string expected = SetInfo;
            Assert.Equal(expected, Handshake(new ConnectionOptions(), expected, "+OK\r\n+OK\r\n", c => c.Connect()));
            Assert.Equal(expected, Handshake(new ConnectionOptions(), expected, UnknownSubcommand + UnknownSubcommand, c => c.Connect()));
        }

        [Fact]
        public void Resp3PutsTheLibraryInfoAfterHello()
        {
            var options = new ConnectionOptions { Protocol = 3, Password = "pw", ClientName = "me" };
            string expected = Command("HELLO", "3", "AUTH", "default", "pw", "SETNAME", "me") + SetInfo;
            string hello = "%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n";
            string sent = Handshake(options, expected, hello + "+OK\r\n" + UnknownSubcommand, c =>
            {
                c.Connect();
                Assert.NotNull(c.HelloReply);
            });
            Assert.Equal(expected, sent);
        }

        [Fact]
        public void ARefusedAuthStillFailsTheConnect()
        {
            var options = new ConnectionOptions { Password = "wrong" };
            string expected = Command("AUTH", "wrong") + SetInfo;
            string noAuth = "-NOAUTH Authentication required.\r\n";
            Handshake(options, expected, "-WRONGPASS invalid username-password pair or user is disabled.\r\n" + noAuth + noAuth, c =>
            {
                Assert.Throws<RedisAuthenticationException>(() => c.Connect());
                Assert.False(c.IsConnected);
            });
        }

        [Fact]
        public void SendLibraryInfoOffSendsNoSetInfo()
        {
            var options = new ConnectionOptions { Database = 2, SendLibraryInfo = false };
            string expected = Command("SELECT", "2");
            Assert.Equal(expected, Handshake(options, expected, "+OK\r\n", c => c.Connect()));
            Assert.False(new ConnectionOptions().HasSameSettings(new ConnectionOptions { SendLibraryInfo = false }));
        }
    }
}
