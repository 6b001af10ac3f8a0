using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Tasks;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// One synchronous connection to a Redis server over TCP, TLS or a unix socket. Not thread-safe: a pool
    /// hands it to one user at a time. Any I/O failure, timeout or protocol error marks it broken, because
    /// the position in the reply stream is then unknown and a later reply could be read by the wrong caller.
    /// </summary>
    public sealed class Connection : IRedisConnection
    {
        private static readonly object[] PingCommand = { "PING" };
        // Past this idle time a pooled socket is polled before use, to find servers that closed it meanwhile.

        private Socket? _socket;
        private Stream? _stream;
        private InterruptibleStream? _raw;
        private RespReader? _reader;
        private RespWriter? _writer;
        private long _lastUsed;
        private bool _answered;
        private int _credentialVersion;
        private int _protocol;
        // The receive timeout the socket has now (null: none): the socket timeout, the connect timeout during the
        // handshake, or a blocking command's longer one. A reply's overall deadline is derived from it.
        private TimeSpan? _readTimeout;

        public Connection(ConnectionOptions options)
        {
            Options = options ?? throw new ArgumentNullException(nameof(options));
            if (options.Protocol != 2 && options.Protocol != 3)
                throw new ArgumentException("Protocol must be 2 or 3.", nameof(options));
            _protocol = options.Protocol;
        }

        /// <summary>
        /// The RESP version this connection negotiates: the options' unless changed before <see cref="Connect"/>. The
        /// pub/sub reader asks for RESP3 when credentials expire, because a subscribed RESP2 connection refuses AUTH.
        /// </summary>
        internal int Protocol
        {
            get => _protocol;
            set
            {
                if (value != 2 && value != 3) throw new ArgumentOutOfRangeException(nameof(value), "Protocol must be 2 or 3.");
                if (_stream != null) throw new InvalidOperationException("The protocol is chosen before connecting.");
                _protocol = value;
            }
        }

        /// <summary>True when the last connect failed because the server does not know HELLO 3 (Redis before 6).</summary>
        internal bool Resp3Refused { get; private set; }

        public ConnectionOptions Options { get; }
        public bool IsConnected => _stream != null;
        public bool IsBroken { get; private set; }

        /// <summary>The database this connection has selected (changes with SELECT through <see cref="TrackSelect"/>).</summary>
        public int CurrentDatabase { get; private set; }

        /// <summary>The server's HELLO reply when RESP3 was negotiated.</summary>
        public RespValue? HelloReply { get; private set; }

        /// <summary>The server's product and version, read when it first refused a command as unknown (see <see cref="ServerIdentity.Of"/>).</summary>
        internal ServerIdentity? Identity { get; set; }

        /// <summary>
        /// The server's id for this connection (CLIENT ID), asked once before the first blocking command sent on it so
        /// that a stop can end that command with CLIENT UNBLOCK from another connection; 0 when the server refused to
        /// say (no unblock is tried then). Null until asked; cleared when the connection connects again (a new id), but
        /// kept past a disconnect: a stopped read closes the connection before the pipeline sends the unblock, and
        /// Garnet keeps the closed client's wait under that id.
        /// </summary>
        internal long? ClientId { get; set; }

        public void Connect()
        {
            if (_stream != null) return;
            IsBroken = false;
            TimeSpan? connectTimeout = Options.ConnectTimeout ?? Options.SocketTimeout;
            Socket socket = OpenSocket(connectTimeout);
            Stream stream;
            InterruptibleStream raw;
            try
            {
                ApplyTimeouts(socket, connectTimeout);
                raw = new InterruptibleStream(new NetworkStream(socket, ownsSocket: true), socket);
                stream = Options.UseTls ? TlsHandshake.Authenticate(raw, Options) : raw;
            }
            catch (Exception ex) when (!(ex is RedisException))
            {
                socket.Dispose();
                throw Wrap(ex, "Error connecting to " + Options.Endpoint);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            _socket = socket;
            _stream = stream;
            _raw = raw;
            _reader = new RespReader(stream);
            _writer = new RespWriter(stream);
            _answered = false;
            CurrentDatabase = 0;
            ClientId = null;
            try
            {
                OnConnect();
                ApplyTimeouts(socket, Options.SocketTimeout);
            }
            catch
            {
                Disconnect();
                throw;
            }
            Touch();
        }

        /// <summary>Authenticates, picks the protocol, names the client and selects the database, in one round trip.</summary>
        private void OnConnect()
        {
            var commands = new List<IReadOnlyList<object?>>();
            RedisCredentials? credentials = Options.Credentials.Current(out int credentialVersion);
            Resp3Refused = false;
            if (_protocol == 3)
            {
                var hello = new List<object?> { "HELLO", 3 };
                if (credentials != null)
                {
                    hello.Add("AUTH");
                    hello.Add(credentials.Username ?? "default");
                    hello.Add(credentials.Password);
                }
                if (Options.ClientName != null)
                {
                    hello.Add("SETNAME");
                    hello.Add(Options.ClientName);
                }
                commands.Add(hello);
            }
            else
            {
                if (credentials != null) commands.Add(AuthCommand(credentials));
                if (Options.ClientName != null) commands.Add(new object?[] { "CLIENT", "SETNAME", Options.ClientName });
            }
            if (Options.Database != 0) commands.Add(new object?[] { "SELECT", Options.Database });
            if (Options.ReplicaReads) commands.Add(new object?[] { "READONLY" });
            // Last, so the commands that matter keep their places; their errors (Redis before 7.2 knows no SETINFO,
            // and a refused AUTH makes them fail too) are dropped: only the attempt is worth a round trip.
            int optionalFrom = commands.Count;
            if (Options.SendLibraryInfo)
            {
                commands.Add(new object?[] { "CLIENT", "SETINFO", "LIB-NAME", LibraryInfo.Name });
                commands.Add(new object?[] { "CLIENT", "SETINFO", "LIB-VER", LibraryInfo.Version });
            }
            if (commands.Count == 0) return;

            SendCommands(commands);
            RedisException? first = null;
            for (int i = 0; i < commands.Count; i++)
            {
                RespValue reply = ReadResponse(errorsAsValues: true);
                if (i >= optionalFrom) continue; // CLIENT SETINFO: silently ignored, answered or not
                if (reply.IsError)
                {
                    RedisException error = HandshakeError(reply.AsString()!, (string)commands[i][0]!);
                    if (i == 0 && _protocol == 3 && error is RedisConnectionException) Resp3Refused = true;
                    first = first ?? error;
                }
                else if (i == 0 && _protocol == 3)
                {
                    HelloReply = reply;
                }
            }
            if (first != null) throw first;
            CurrentDatabase = Options.Database;
            _credentialVersion = credentialVersion;
        }

        /// <summary>What CLIENT SETINFO sends at connect: this library's name and version.</summary>
        internal static class LibraryInfo
        {
            public const string Name = "PSRedis";

            /// <summary>The assembly's version, as major.minor.patch.</summary>
            public static readonly string Version = (typeof(Connection).Assembly.GetName().Version ?? new Version(0, 0, 0)).ToString(3);
        }

        private static object?[] AuthCommand(RedisCredentials credentials) =>
            credentials.Username != null
                ? new object?[] { "AUTH", credentials.Username, credentials.Password }
                : new object?[] { "AUTH", credentials.Password };

        /// <summary>
        /// When the credential provider has given new credentials since this connection authenticated, AUTH with them
        /// now, before the old ones expire, so that no command fails at the switch.
        /// </summary>
        public void Reauthenticate()
        {
            if (_stream == null || Options.CredentialProvider == null) return;
            RedisCredentials? credentials = Options.Credentials.Current(out int version);
            if (credentials == null || version == _credentialVersion) return;
            SendCommand(AuthCommand(credentials));
            RespValue reply = ReadResponse(errorsAsValues: true);
            if (reply.IsError) throw HandshakeError(reply.AsString()!, "AUTH");
            _credentialVersion = version;
        }

        /// <summary>
        /// Sends AUTH with newer credentials without reading its reply, for a subscribed RESP3 connection whose reader
        /// finds the reply among the pushes. False when this connection already uses the newest credentials.
        /// </summary>
        internal bool SendReauthentication()
        {
            if (_stream == null || Options.CredentialProvider == null) return false;
            RedisCredentials? credentials = Options.Credentials.Current(out int version);
            if (credentials == null || version == _credentialVersion) return false;
            SendCommand(AuthCommand(credentials));
            // Counted as done when sent: a refused AUTH leaves the connection authenticated as before (Redis keeps the
            // old user), and is reported by the reader rather than retried at every poll.
            _credentialVersion = version;
            return true;
        }

        private static RedisException HandshakeError(string message, string command)
        {
            RedisException mapped = ServerErrors.Map(message);
            if (command == "HELLO" && mapped.GetType() == typeof(RedisResponseException))
                return new RedisConnectionException("The server does not support RESP3 (HELLO 3 failed: " + message + ").");
            return mapped;
        }

        public void Disconnect()
        {
            Stream? stream = _stream;
            Socket? socket = _socket;
            _stream = null;
            _socket = null;
            _raw = null;
            _reader = null;
            _writer = null;
            HelloReply = null;
            Identity = null;
            try
            {
                // Shutdown tells the server at once instead of waiting for the socket to be collected.
                if (socket != null && socket.Connected) socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // The peer may already be gone; closing below is what matters.
            }
            catch (ObjectDisposedException)
            {
                // Already closed by a concurrent Disconnect (pool.Disconnect(inUseConnections: true)).
            }
            stream?.Dispose();
            socket?.Dispose();
        }

        public void Dispose() => Disconnect();

        public void SendCommand(IReadOnlyList<object?> args)
        {
            RespWriter writer = EnsureWriter();
            try
            {
                writer.WriteCommand(args); // a bad argument throws here, before anything reaches the socket
            }
            catch (Exception ex) when (IsIoFailure(ex))
            {
                // A value larger than the buffer goes straight to the socket while the command is written.
                throw WriteFailure(ex);
            }
            FlushOrFail(writer);
        }

        public void SendCommands(IEnumerable<IReadOnlyList<object?>> commands)
        {
            RespWriter writer = EnsureWriter();
            try
            {
                foreach (IReadOnlyList<object?> args in commands) writer.WriteCommand(args);
            }
            catch (RedisDataException)
            {
                // Earlier commands may already be on the wire; their replies would be orphaned.
                if (writer.Pending > 0) writer.Reset();
                Fail();
                throw;
            }
            catch (Exception ex) when (IsIoFailure(ex))
            {
                throw WriteFailure(ex);
            }
            FlushOrFail(writer);
        }

        /// <summary>
        /// True on a connection whose pushes are its replies (a RESP3 subscriber reads messages as pushes). Everywhere
        /// else a push (CLIENT TRACKING invalidations, a stray message) is not the reply to any command: it goes to
        /// <see cref="ConnectionOptions.PushHandler"/> and the next frame is read, so replies never shift by one.
        /// </summary>
        public bool PushesAreReplies { get; set; }

        public RespValue ReadResponse(bool errorsAsValues = false)
        {
            while (true)
            {
                RespValue reply = ReadFrame(errorsAsValues);
                if (!IsOutOfBandPush(reply)) return reply;
                HandOver(reply);
            }
        }

        private bool IsOutOfBandPush(RespValue reply) => reply.Type == RespType.Push && !PushesAreReplies;

        private void HandOver(RespValue push)
        {
            Action<RespValue>? handler = Options.PushHandler;
            if (handler == null)
            {
                Trace.WriteLine("PSRedis: dropped a RESP3 push from " + Options.Endpoint + " (" + PushKind(push) + "): no push handler is set.");
                return;
            }
            try
            {
                handler(push);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // The reply that follows is still on the wire: a failing handler must not cost the caller its reply.
                Trace.TraceError("PSRedis: the push handler failed on a " + PushKind(push) + " push from " + Options.Endpoint + ": " + ex);
            }
        }

        private static string PushKind(RespValue push) =>
            push.Items.Count > 0 ? push.Items[0].AsString() ?? "?" : "empty";

        private RespValue ReadFrame(bool errorsAsValues)
        {
            RespReader reader = _reader ?? throw new RedisConnectionException("Not connected to " + Options.Endpoint + ".");
            InterruptibleStream? raw = _raw;
            TimeSpan? deadline = ReplyDeadline();
            raw?.BeginReply(deadline.HasValue ? DeadlineTicks(deadline.Value) : 0, TimeoutMs(_readTimeout));
            RespValue reply;
            try
            {
                reply = reader.ReadValue();
            }
            catch (Exception ex) when (raw != null && raw.DeadlinePassed && (IsIoFailure(ex) || ex is RedisException))
            {
                Fail();
                throw new RedisTimeoutException("Timeout reading from " + Options.Endpoint + ": the overall deadline of " + Seconds(deadline!.Value)
                    + " for one reply passed (" + DeadlineRule() + "); the server sent the reply too slowly, though never silent for a whole socket timeout.", ex);
            }
            catch (RedisConnectionException ex) when (MayBeTlsPort())
            {
                Fail();
                throw TlsPortHint(ex);
            }
            catch (Exception ex) when (ex is RedisException || ex is OperationCanceledException)
            {
                // A stopped read leaves part of a reply unread: the stream is out of step for good.
                Fail();
                throw;
            }
            catch (Exception ex) when (IsIoFailure(ex))
            {
                Fail();
                RedisException wrapped = Wrap(ex, "Error reading from " + Options.Endpoint);
                throw MayBeTlsPort() && !(wrapped is RedisTimeoutException) ? TlsPortHint(wrapped) : wrapped;
            }
            finally
            {
                // A failed read closed the socket (and the stream with it): only a live one gets its receive timeout back.
                if (raw != null && ReferenceEquals(_raw, raw)) raw.EndReply();
            }
            _answered = true;
            Touch();
            if (reply.IsError && IsProtocolRefusal(reply.AsString()!)) reply = ProtocolRefusal(reply.AsString()!);
            if (reply.IsError && !errorsAsValues) throw reply.ToException();
            return reply;
        }

        private static bool IsProtocolRefusal(string error) => error.StartsWith("ERR Protocol error", StringComparison.Ordinal);

        /// <summary>
        /// The server hangs up after a protocol error (a value over proto-max-bulk-len, a query over
        /// client-query-buffer-limit): this connection is done, and the error says what to change.
        /// </summary>
        private RespValue ProtocolRefusal(string error)
        {
            Fail();
            return RespValue.Error(error.TrimEnd('.') + " (" + Options.Endpoint + " closed the connection while the command was being sent"
                + (TooBig(error) ? ": a value or command this large is over the server's limit, proto-max-bulk-len (512 MB by default) or client-query-buffer-limit (1 GB)" : "")
                + ").");
        }

        private static bool TooBig(string error) =>
            error.IndexOf("bulk length", StringComparison.OrdinalIgnoreCase) >= 0
            || error.IndexOf("query buffer", StringComparison.OrdinalIgnoreCase) >= 0
            || error.IndexOf("too big", StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>
        /// Reads one reply allowing <paramref name="readTimeout"/> instead of the socket timeout (null: no limit),
        /// for blocking commands whose server-side wait may be longer than a normal read.
        /// </summary>
        public RespValue ReadResponse(TimeSpan? readTimeout, bool errorsAsValues = false)
        {
            Socket socket = _socket ?? throw new RedisConnectionException("Not connected to " + Options.Endpoint + ".");
            ApplyTimeouts(socket, readTimeout);
            try
            {
                return ReadResponse(errorsAsValues);
            }
            finally
            {
                // After an I/O failure the socket is already closed; only a live one needs its timeout back.
                if (ReferenceEquals(_socket, socket)) ApplyTimeouts(socket, Options.SocketTimeout);
            }
        }

        /// <summary>Reads the next reply if one arrives within <paramref name="timeout"/>; null otherwise (pub/sub polling).</summary>
        public RespValue? TryReadResponse(TimeSpan timeout)
        {
            long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                long left = deadline - Stopwatch.GetTimestamp();
                if (!PollReply(TimeSpan.FromSeconds(Math.Max(0, left) / (double)Stopwatch.Frequency))) return null;
                RespValue reply = ReadFrame(errorsAsValues: true);
                if (!IsOutOfBandPush(reply)) return reply;
                HandOver(reply);
            }
        }

        public void SetCancellation(Func<bool>? isCancelled)
        {
            InterruptibleStream? raw = _raw;
            if (raw != null) raw.IsCancelled = isCancelled;
        }

        private bool PollReply(TimeSpan timeout)
        {
            if (_reader == null || _socket == null) throw new RedisConnectionException("Not connected to " + Options.Endpoint + ".");
            if (_reader.HasBufferedData) return true;
            return _stream is InterruptibleStream ? PollSocket(_socket, timeout) : FillWithin(_socket, _reader, timeout);
        }

        private bool PollSocket(Socket socket, TimeSpan timeout)
        {
            if (socket.Available > 0) return true;
            long micro = Math.Max(0, Math.Min((long)timeout.TotalMilliseconds * 1000, int.MaxValue));
            try
            {
                return socket.Poll((int)micro, SelectMode.SelectRead);
            }
            catch (Exception ex) when (IsIoFailure(ex))
            {
                Fail();
                throw Wrap(ex, "Error reading from " + Options.Endpoint);
            }
        }

        /// <summary>
        /// TLS: SslStream may hold decrypted records that the socket no longer shows (how many it hands over per
        /// read differs between runtimes), so polling the socket could leave a message waiting for the next
        /// packet. One read with a short timeout sees both; a read that times out before any byte arrived
        /// leaves SslStream usable.
        /// </summary>
        private bool FillWithin(Socket socket, RespReader reader, TimeSpan timeout)
        {
            ApplyTimeouts(socket, timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1));
            try
            {
                reader.ReadMore();
                return true;
            }
            catch (IOException ex) when (IsTimeout(ex))
            {
                return false;
            }
            catch (RedisException)
            {
                Fail();
                throw;
            }
            catch (Exception ex) when (IsIoFailure(ex))
            {
                Fail();
                throw Wrap(ex, "Error reading from " + Options.Endpoint);
            }
            finally
            {
                if (ReferenceEquals(_socket, socket)) ApplyTimeouts(socket, Options.SocketTimeout);
            }
        }

        private static bool IsTimeout(Exception ex) =>
            (ex.InnerException ?? ex) is SocketException socketError
            && (socketError.SocketErrorCode == SocketError.TimedOut || socketError.SocketErrorCode == SocketError.WouldBlock);

        public void CheckHealth()
        {
            CheckLiveness();
            Reauthenticate();
        }

        /// <summary>How recent a reply spares the next command the stale-socket poll (10 µs: less than a loopback round trip).</summary>
        private static readonly long JustAnswered = Stopwatch.Frequency / 100_000;

        private void CheckLiveness()
        {
            if (_stream == null) return;
            long idle = Stopwatch.GetTimestamp() - _lastUsed;
            // Polled before every use unless the last reply came a few microseconds ago: a server that closed the
            // connection a moment ago (idle timeout, CLIENT KILL, failover) is found here, before the command is sent, so
            // it goes on a new connection instead of failing. The poll is a system call, 2-4% of a tight loop of GETs;
            // a close landing within the 10 µs after a reply is left to the retry policy (or reported as in doubt).
            if (!OnlyPushesWaiting() || (idle >= JustAnswered && IsClosedByPeer()))
            {
                // Left-over bytes or a peer that hung up: this socket cannot serve the next command.
                Disconnect();
                Connect();
                return;
            }
            TimeSpan interval = Options.HealthCheckInterval;
            if (interval <= TimeSpan.Zero || idle < interval.TotalSeconds * Stopwatch.Frequency) return;
            try
            {
                Ping();
            }
            catch (Exception ex) when (ex is RedisConnectionException || ex is RedisTimeoutException)
            {
                // redis-py's check_health: one reconnect, then the PING must succeed.
                Disconnect();
                Connect();
                Ping();
            }
        }

        /// <summary>Called by the client after a successful SELECT so pooled connections know their database.</summary>
        public void TrackSelect(int database) => CurrentDatabase = database;

        private void Ping()
        {
            SendCommand(PingCommand);
            RespValue reply = ReadResponse();
            string? text = reply.Type == RespType.Array || reply.Type == RespType.Push ? reply.Items[0].AsString() : reply.AsString();
            if (!string.Equals(text, "PONG", StringComparison.OrdinalIgnoreCase))
                throw new RedisConnectionException("Bad response from PING health check: " + reply.Describe());
        }

        /// <summary>
        /// True when nothing but RESP3 pushes waits to be read on this idle connection (they are handed over here).
        /// Anything else waiting is a reply nobody asked for: the stream is out of step.
        /// </summary>
        private bool OnlyPushesWaiting()
        {
            while (_reader!.HasBufferedData || (_protocol == 3 && _socket!.Available > 0))
            {
                if (_protocol != 3 || PushesAreReplies) return false;
                RespValue frame = ReadFrame(errorsAsValues: true);
                if (!IsOutOfBandPush(frame)) return false;
                HandOver(frame);
            }
            return true;
        }

        /// <summary>Whether bytes wait to be read (buffered or on the socket): on a connection with nothing outstanding, a reply nobody asked for.</summary>
        internal bool HasUnreadData
        {
            get
            {
                try
                {
                    return (_reader?.HasBufferedData ?? false) || (_socket?.Available ?? 0) > 0;
                }
                catch (Exception ex) when (IsIoFailure(ex))
                {
                    return false; // a broken socket is found out by the next read
                }
            }
        }

        private bool IsClosedByPeer()
        {
            try
            {
                return _socket!.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
            }
            catch (Exception ex) when (IsIoFailure(ex))
            {
                return true;
            }
        }

        private RespWriter EnsureWriter()
        {
            if (_writer == null) Connect();
            return _writer!;
        }

        private void FlushOrFail(RespWriter writer)
        {
            try
            {
                writer.Flush();
            }
            catch (Exception ex) when (IsIoFailure(ex))
            {
                throw WriteFailure(ex);
            }
        }

        /// <summary>
        /// A write that failed, explained: a server that refuses a command while it is still arriving (a value over
        /// proto-max-bulk-len, a query over client-query-buffer-limit) says why and hangs up, and the write then fails
        /// with a reset or a "timeout"; its error, when it is there to read, is what the caller needs to see.
        /// </summary>
        private RedisException WriteFailure(Exception ioFailure)
        {
            string? said = PendingServerError();
            if (said != null) return new RedisResponseException(ProtocolRefusal(said).AsString()!); // closes the connection
            Fail();
            return Wrap(ioFailure, "Error writing to " + Options.Endpoint);
        }

        /// <summary>An error reply the server sent before it closed the connection, if one can be read at once.</summary>
        private string? PendingServerError()
        {
            Socket? socket = _socket;
            RespReader? reader = _reader;
            if (socket == null || reader == null) return null;
            try
            {
                if (!reader.HasBufferedData && !socket.Poll(200_000, SelectMode.SelectRead)) return null;
                if (!reader.HasBufferedData && socket.Available == 0) return null;
                ApplyTimeouts(socket, TimeSpan.FromMilliseconds(500));
                RespValue reply = reader.ReadValue();
                return reply.IsError ? reply.AsString() : null;
            }
            catch (Exception ex) when (IsIoFailure(ex) || ex is RedisException)
            {
                return null; // nothing readable: the plain write failure is all there is to say
            }
        }

        private void Touch() => _lastUsed = Stopwatch.GetTimestamp();

        private void Fail()
        {
            IsBroken = true;
            Disconnect();
        }

        private Socket OpenSocket(TimeSpan? timeout)
        {
            var deadline = timeout.HasValue ? Stopwatch.StartNew() : null;
            if (Options.UnixSocketPath != null)
            {
                var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                ConnectWithin(unix, UnixSocketEndPoint.Create(Options.UnixSocketPath), timeout, deadline);
                return unix;
            }
            IPAddress[] addresses = Resolve(timeout);
            Exception? last = null;
            foreach (IPAddress address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    if (Options.SocketKeepAlive) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                    ConnectWithin(socket, new IPEndPoint(address, Options.Port), timeout, deadline);
                    return socket;
                }
                catch (RedisException ex)
                {
                    socket.Dispose();
                    last = ex;
                    if (ex is RedisTimeoutException) throw;
                }
            }
            throw last ?? new RedisConnectionException("Error connecting to " + Options.Endpoint + ": no address found.");
        }

        private IPAddress[] Resolve(TimeSpan? timeout)
        {
            if (IPAddress.TryParse(Options.Host, out IPAddress? literal)) return new[] { literal };
            Task<IPAddress[]> lookup = Dns.GetHostAddressesAsync(Options.Host);
            try
            {
                if (!WaitFor(lookup, timeout))
                    throw new RedisTimeoutException("Timeout resolving host name for " + Options.Endpoint + ".");
                return lookup.Result;
            }
            catch (AggregateException ex)
            {
                throw new RedisConnectionException("Error connecting to " + Options.Endpoint + ": " + ex.InnerException?.Message, ex.InnerException);
            }
        }

        private void ConnectWithin(Socket socket, EndPoint endPoint, TimeSpan? timeout, Stopwatch? elapsed)
        {
            TimeSpan? left = timeout.HasValue ? timeout.Value - elapsed!.Elapsed : (TimeSpan?)null;
            if (left.HasValue && left.Value <= TimeSpan.Zero)
                throw new RedisTimeoutException("Timeout connecting to " + Options.Endpoint + ".");
            if (BlockingConnectKeepsTimeout)
            {
                ConnectBlocking(socket, endPoint, left);
                return;
            }
            // A non-blocking connect plus Poll needs no thread-pool thread, so the timeout holds even when
            // the pool is starved (busy hosts, many blocked callers).
            socket.Blocking = false;
            try
            {
                socket.Connect(endPoint);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock || ex.SocketErrorCode == SocketError.InProgress)
            {
                long micro = left.HasValue ? Math.Max(1, Math.Min((long)(left.Value.TotalMilliseconds * 1000), int.MaxValue)) : -1;
                if (!socket.Poll((int)micro, SelectMode.SelectWrite))
                {
                    socket.Dispose();
                    throw new RedisTimeoutException("Timeout connecting to " + Options.Endpoint + ".");
                }
                int error = (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error != 0)
                {
                    var failure = new SocketException(error);
                    throw new RedisConnectionException("Error connecting to " + Options.Endpoint + ": " + failure.Message, failure);
                }
            }
            catch (SocketException ex)
            {
                throw new RedisConnectionException("Error connecting to " + Options.Endpoint + ": " + ex.Message, ex);
            }
            socket.Blocking = true;
            if (!socket.Connected)
                throw new RedisConnectionException("Error connecting to " + Options.Endpoint + ": the connection was not established.");
        }

        /// <summary>
        /// Linux applies SO_SNDTIMEO to a blocking connect(), so the connect timeout holds without ever switching the
        /// socket to non-blocking mode. That matters for speed: on Unix, .NET keeps a socket that was once made
        /// non-blocking non-blocking for good and emulates every later blocking Send/Receive through its epoll
        /// thread, a thread hand-off per read that cost about 40% of the round-trip rate on loopback. Windows
        /// switches back natively; other systems keep the non-blocking connect (correct, slower round trips).
        /// </summary>
        private static readonly bool BlockingConnectKeepsTimeout =
            System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux);

        private void ConnectBlocking(Socket socket, EndPoint endPoint, TimeSpan? left)
        {
            int ms = left.HasValue ? (int)Math.Max(1, Math.Min(Math.Ceiling(left.Value.TotalMilliseconds), int.MaxValue)) : 0;
            socket.SendTimeout = ms;
            try
            {
                socket.Connect(endPoint);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut || ex.SocketErrorCode == SocketError.WouldBlock
                || ex.SocketErrorCode == SocketError.InProgress)
            {
                socket.Dispose();
                throw new RedisTimeoutException("Timeout connecting to " + Options.Endpoint + ".", ex);
            }
            catch (SocketException ex)
            {
                throw new RedisConnectionException("Error connecting to " + Options.Endpoint + ": " + ex.Message, ex);
            }
            if (!socket.Connected)
                throw new RedisConnectionException("Error connecting to " + Options.Endpoint + ": the connection was not established.");
        }

        // Task.Wait takes at most int.MaxValue ms (24.8 days); a longer timeout (-Timeout 99999999) waits that long
        // instead of failing with "out of range".
        private static bool WaitFor(Task task, TimeSpan? timeout) =>
            timeout.HasValue ? task.Wait((int)Math.Max(0, Math.Min(Math.Ceiling(timeout.Value.TotalMilliseconds), int.MaxValue))) : WaitForever(task);

        private static bool WaitForever(Task task)
        {
            task.Wait();
            return true;
        }

        private void ApplyTimeouts(Socket socket, TimeSpan? timeout)
        {
            int ms = TimeoutMs(timeout);
            socket.ReceiveTimeout = ms;
            socket.SendTimeout = ms;
            _readTimeout = timeout;
        }

        private static int TimeoutMs(TimeSpan? timeout) =>
            timeout.HasValue ? (int)Math.Max(1, Math.Min(timeout.Value.TotalMilliseconds, int.MaxValue)) : 0;

        /// <summary>
        /// How long one reply may take from the moment the client starts waiting for it, bytes arriving or not: its read
        /// timeout plus one socket timeout. For a command that is twice the socket timeout; for a blocking command (whose
        /// read timeout is its block time plus the socket timeout) its block time plus twice the socket timeout.
        /// The read timeout alone bounds only silence, so a server that trickles a byte just inside it would hold the
        /// call for ever; one more socket timeout is room enough for any healthy server to send even a large reply once
        /// it has started (it was able to start within the socket timeout), while a trickle is cut off promptly.
        /// Null when reads have no timeout.
        /// </summary>
        private TimeSpan? ReplyDeadline()
        {
            TimeSpan? perRead = _readTimeout;
            if (!perRead.HasValue) return null;
            TimeSpan extra = Options.SocketTimeout ?? perRead.Value;
            // -Timeout ([timespan]::MaxValue) must not overflow the sum: such a deadline is as good as none.
            return perRead.Value > TimeSpan.MaxValue - extra ? TimeSpan.MaxValue : perRead.Value + extra;
        }

        private string DeadlineRule()
        {
            TimeSpan? socketTimeout = Options.SocketTimeout;
            if (!socketTimeout.HasValue) return "twice the read timeout of " + Seconds(_readTimeout ?? TimeSpan.Zero);
            if (_readTimeout == socketTimeout) return "twice the socket timeout of " + Seconds(socketTimeout.Value);
            return "the read timeout of " + Seconds(_readTimeout ?? TimeSpan.Zero) + " plus the socket timeout of " + Seconds(socketTimeout.Value);
        }

        private static long DeadlineTicks(TimeSpan span)
        {
            // Capped far beyond any real wait, so an enormous timeout cannot overflow the tick count.
            double ticks = Math.Min(span.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 4);
            return Stopwatch.GetTimestamp() + (long)ticks;
        }

        private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";

        internal static bool IsIoFailure(Exception ex) =>
            ex is IOException || ex is SocketException || ex is ObjectDisposedException || ex is System.Security.Authentication.AuthenticationException;

        /// <summary>
        /// A TLS server drops a plain-TCP client without a word, so a connection that closes before its first
        /// reply is most likely talking to a TLS port.
        /// </summary>
        private bool MayBeTlsPort() => !_answered && !Options.UseTls;

        private RedisConnectionException TlsPortHint(RedisException ex) =>
            new RedisConnectionException(ex.Message.TrimEnd('.') + " before its first reply. Is this a TLS port? If so, use rediss:// (or -UseTls).", ex);

        private RedisException Wrap(Exception ex, string what)
        {
            if (ex is RedisException redis) return redis;
            SocketException? socketError = ex as SocketException ?? ex.InnerException as SocketException;
            if (socketError != null && socketError.SocketErrorCode == SocketError.TimedOut || socketError?.SocketErrorCode == SocketError.WouldBlock)
                return new RedisTimeoutException(what.Replace("Error", "Timeout") + ".", ex);
            if (ex is System.Security.Authentication.AuthenticationException)
                return new RedisConnectionException(what + ": TLS handshake failed: " + ex.Message, ex);
            if (ex is ObjectDisposedException)
                return new RedisConnectionException(what + ": the connection was closed.", ex);
            return new RedisConnectionException(what + ": " + (socketError?.Message ?? ex.Message), ex);
        }
    }
}
