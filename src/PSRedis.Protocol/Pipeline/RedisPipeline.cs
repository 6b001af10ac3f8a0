using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Many commands sent in one write and their replies read in order (redis-py's Pipeline), made with
    /// <see cref="RedisClient.Pipeline"/>. Typed methods queue their command and return the type's default;
    /// <see cref="Execute(bool)"/> returns every parsed result. With <c>transaction: true</c> the batch runs inside
    /// MULTI/EXEC, atomically. After <see cref="Watch"/> commands run at once (on the pipeline's own connection)
    /// until <see cref="Multi"/>, for optimistic check-and-set.
    /// <para>
    /// Without a transaction a pipeline can also stream: <see cref="Send"/> writes what is queued and
    /// <see cref="Receive"/> reads replies later, on the connection it then holds, so a bulk writer keeps one batch on
    /// the wire while it gathers the next. Every way of running a pipeline shares one set of rules: replies are parsed
    /// as they are read and errors stay in their command's slot; a lost connection (and a timeout with
    /// <see cref="ConnectionOptions.RetryOnTimeout"/>) is retried by <see cref="ConnectionOptions.Retry"/> on a fresh
    /// connection, re-sending the unanswered commands only when each is harmless to repeat; a connection whose reply stream is in doubt (an I/O failure, a
    /// stop, abandoned replies that cannot be read) is closed, never handed back to the pool in use.
    /// </para>
    /// Not thread-safe: one pipeline per thread; only <see cref="RequestStop"/> may be called from another thread.
    /// </summary>
    public sealed partial class RedisPipeline : RedisCommands, IDisposable
    {
        private static readonly object?[] MultiCommand = { "MULTI" };
        private static readonly object?[] ExecCommand = { "EXEC" };
        private static readonly object?[] UnwatchCommand = { "UNWATCH" };
        private static readonly object?[] ClientIdCommand = { "CLIENT", "ID" };

        /// <summary>How long a stop waits for CLIENT UNBLOCK (sent from another connection) before it closes the blocked one anyway.</summary>
        internal static readonly TimeSpan UnblockDeadline = TimeSpan.FromSeconds(1);

        // One server: the client whose pool lends the connection. A cluster: the cluster, and per batch a stream of
        // node pipelines (or, while watching, the one node pipeline that holds the WATCH).
        private readonly RedisClient? _node;
        private readonly RedisCluster? _cluster;
        private readonly RedisClientBase _owner;
        private ClusterStream? _stream;
        private RedisPipeline? _watchPart;
        private readonly ChunkedList<QueuedCommand> _queue = new ChunkedList<QueuedCommand>();
        private readonly Dictionary<string, RedisScript> _scripts = new Dictionary<string, RedisScript>(StringComparer.Ordinal);
        // Held while replies are outstanding, or from Watch until Execute/Reset: WATCH lives on one connection.
        private IRedisConnection? _connection;
        private bool _watching;
        // True once MULTI ... EXEC of the current attempt was handed to the socket: from then on it may have run.
        private bool _transactionSent;
        private bool _explicitMulti;
        // Absolute positions in _queue: commands written to the connection, and replies read.
        private int _sent;
        private int _received;
        private object? _state;
        private volatile bool _stopRequested;
        private Func<bool>? _isStopRequested;
        // "Unknown command" errors read while other replies were still due: the server is named once the stream is in step.
        private readonly List<RedisUnsupportedCommandException> _unidentified = new List<RedisUnsupportedCommandException>();
        private readonly List<(RedisUnsupportedCommandException Error, ClusterNode Node)> _unidentifiedOnNodes =
            new List<(RedisUnsupportedCommandException, ClusterNode)>();

        internal RedisPipeline(RedisClient client, bool transaction)
        {
            _node = client;
            _owner = client;
            IsTransaction = transaction;
        }

        /// <summary>A pipeline over a cluster: its commands are split by node when sent, and their replies given back in order.</summary>
        internal RedisPipeline(RedisCluster cluster, bool transaction)
        {
            _cluster = cluster;
            _owner = cluster;
            IsTransaction = transaction;
        }

        private RedisClient _client => _node ?? throw new InvalidOperationException("A cluster pipeline has no single server.");

        /// <summary>Error replies are handed out as reply values instead of exceptions (the node pipelines of a cluster batch).</summary>
        internal bool RepliesAsValues { get; set; }

        /// <summary>True when <see cref="Execute(bool)"/> wraps the batch in MULTI/EXEC.</summary>
        public bool IsTransaction { get; }

        /// <summary>True between <see cref="Watch"/> and the end of the transaction: the pipeline holds a connection.</summary>
        public bool IsWatching => _watchPart?.IsWatching ?? _watching;

        /// <summary>True while commands run at once and return their real results (after Watch, before Multi).</summary>
        public bool IsImmediate => _watchPart?.IsImmediate ?? (_watching && !_explicitMulti);

        /// <summary>Commands queued and not answered yet (<see cref="Pending"/> plus <see cref="Outstanding"/>).</summary>
        public int Count => _watchPart?.Count ?? _queue.Count - _received;

        /// <summary>Commands queued and not sent yet.</summary>
        public int Pending => _watchPart?.Pending ?? _queue.Count - _sent;

        /// <summary>Commands sent whose replies have not been read yet.</summary>
        public int Outstanding => _sent - _received;

        /// <summary>
        /// Queues what <paramref name="commands"/> issues on this pipeline with <paramref name="state"/> attached; the
        /// state comes back with each of their replies (<see cref="PipelineReply.State"/>). In immediate mode the
        /// commands run at once as always.
        /// </summary>
        public void Queue(object? state, Action<RedisCommands> commands)
        {
            if (commands == null) throw new ArgumentNullException(nameof(commands));
            object? previous = _state;
            _state = state;
            try
            {
                commands(this);
            }
            finally
            {
                _state = previous;
            }
        }

        /// <summary><see cref="Queue(object?, Action{RedisCommands})"/> for one typed command, without wrapping it in an action.</summary>
        public void Queue<T>(object? state, Func<RedisCommands, T> command)
        {
            if (command == null) throw new ArgumentNullException(nameof(command));
            object? previous = _state;
            _state = state;
            try
            {
                command(this);
            }
            finally
            {
                _state = previous;
            }
        }

        internal override object? ConvertReply(string? command, RespValue reply) => _owner.ConvertReply(command, reply);

        /// <summary>
        /// WATCH: takes a connection, watches <paramref name="keys"/> on it and switches to immediate mode, where
        /// commands run at once (to read the values a transaction depends on) until <see cref="Multi"/>.
        /// </summary>
        public bool Watch(params string[] keys)
        {
            if (_explicitMulti) throw new RedisException("Cannot issue a WATCH after a MULTI.");
            object?[] args = Args.Prepend("WATCH", keys);
            if (Count > 0) throw new RedisException("Cannot WATCH while commands are queued or in flight.");
            if (_cluster != null)
            {
                // WATCH lives on one connection, so on a cluster every watched key must be on the node of that connection.
                ClusterRoute route = ClusterKeys.Route(args);
                _watchPart ??= _cluster.ClientFor(_cluster.OwnerOf(route.Slot)).Pipeline(IsTransaction);
                return _watchPart.Watch(keys);
            }
            bool ok = Immediate(args, Reply.Ok, blockFor: null);
            _watching = true;
            return ok;
        }

        /// <summary>
        /// UNWATCH: forgets the watched keys at once and gives the connection back; commands are queued again.
        /// Does nothing (and returns true) when nothing is watched.
        /// </summary>
        public bool Unwatch()
        {
            if (_watchPart != null)
            {
                bool unwatched = _watchPart.Unwatch();
                _watchPart.Dispose();
                _watchPart = null;
                return unwatched;
            }
            if (!_watching) return true;
            bool ok = Immediate(UnwatchCommand, Reply.Ok, blockFor: null);
            _watching = false;
            ReleaseConnection();
            return ok;
        }

        /// <summary>Starts buffering again after <see cref="Watch"/>: the commands from here on run in MULTI/EXEC at Execute.</summary>
        public void Multi()
        {
            if (_watchPart != null)
            {
                _watchPart.Multi();
                return;
            }
            if (_explicitMulti) throw new RedisException("Cannot issue nested calls to MULTI.");
            if (Count > 0) throw new RedisException("Commands without an initial WATCH have already been issued.");
            _explicitMulti = true;
        }

        /// <summary>
        /// Asks a pipeline that is waiting for replies on another thread to give up: the waiting call throws
        /// <see cref="OperationCanceledException"/> within about 0.1 s and the connection, whose replies are then in
        /// doubt, is closed. The only member that may be called from another thread; it never touches the socket.
        /// </summary>
        public void RequestStop()
        {
            _stopRequested = true;
            _stream?.RequestStop();
            _watchPart?.RequestStop();
        }

        /// <summary>True once <see cref="RequestStop"/> was called.</summary>
        public bool IsStopRequested => _stopRequested;

        /// <summary>
        /// Empties the queue, forgets the watched keys (UNWATCH) and returns the connection to the pool. Replies still
        /// outstanding are read and dropped first; if that fails, or a stop was requested, the connection is closed.
        /// </summary>
        public void Reset()
        {
            if (_cluster != null)
            {
                ResetCluster();
                return;
            }
            AbandonOutstanding();
            _unidentified.Clear();
            _queue.Clear();
            _sent = 0;
            _received = 0;
            _scripts.Clear();
            _explicitMulti = false;
            IRedisConnection? connection = _connection;
            if (connection != null && _watching && connection.IsConnected && !connection.IsBroken)
            {
                try
                {
                    connection.SendCommand(UnwatchCommand);
                    connection.ReadResponse();
                }
                catch (Exception ex) when (ex is RedisConnectionException || ex is RedisTimeoutException)
                {
                    // The connection failed and marked itself broken: the pool discards it, and its WATCH with it.
                }
            }
            _watching = false;
            ReleaseConnection();
        }

        /// <summary>Same as <see cref="Reset"/>: a pipeline never keeps a connection past its use.</summary>
        public void Dispose() => Reset();

        /// <summary>
        /// Sends every queued command in one write and returns their parsed results in order (an empty list, without
        /// touching the server, when nothing is queued or watched). A command the server rejected has its exception
        /// (a <see cref="RedisResponseException"/>) in its slot; with <paramref name="raiseOnError"/> the first such
        /// exception is thrown instead, but only after every reply was read, so the connection stays usable.
        /// In a transaction: <see cref="RedisExecAbortException"/> when the server refused to queue a command (nothing
        /// ran), <see cref="RedisWatchException"/> when a watched key changed (nothing ran). The pipeline is reset
        /// afterwards, whatever happens.
        /// </summary>
        public IList<object?> Execute(bool raiseOnError = true)
        {
            var results = new List<object?>(Count);
            RedisException? first = null;
            Execute(reply =>
            {
                if (reply.Error != null) first ??= reply.Error;
                results.Add(reply.ValueOrError);
            });
            if (raiseOnError && first != null) throw first;
            return results;
        }

        /// <summary>
        /// <see cref="Execute(bool)"/> that hands each command's outcome to <paramref name="onReply"/> as it is read,
        /// with the state it was queued with, instead of collecting a list. Error replies are never thrown here.
        /// </summary>
        public void Execute(Action<PipelineReply> onReply)
        {
            if (onReply == null) throw new ArgumentNullException(nameof(onReply));
            if (_watchPart != null)
            {
                try
                {
                    _watchPart.Execute(onReply);
                }
                finally
                {
                    Reset();
                }
                return;
            }
            if (Count == 0 && !_watching)
            {
                Reset();
                return;
            }
            try
            {
                if ((IsTransaction || _explicitMulti) && _cluster != null) ExecuteClusterTransaction(_cluster, onReply);
                else if (IsTransaction || _explicitMulti) ExecuteTransaction(onReply);
                else
                {
                    Send();
                    Receive(0, onReply);
                }
            }
            finally
            {
                Reset();
            }
        }

        /// <summary>
        /// Writes every queued command that has not been sent yet, on the connection the pipeline holds (taking one from
        /// the pool first if needed), without waiting for replies; returns how many were written. Not for transactions.
        /// An I/O failure closes the connection and is thrown (the unanswered commands are then lost with it).
        /// </summary>
        public int Send()
        {
            if (IsTransaction || _explicitMulti)
                throw new InvalidOperationException("Send and Receive stream a plain pipeline; a transaction runs with Execute.");
            if (_cluster != null) return SendToNodes(_cluster);
            for (int failures = 0; ; failures++)
            {
                bool mayHaveReached = Outstanding > 0;
                try
                {
                    return SendOnce(ref mayHaveReached);
                }
                catch (RedisException ex)
                {
                    if (!Resendable(ex, failures, mayHaveReached)) throw;
                }
            }
        }

        private int SendOnce(ref bool mayHaveReached)
        {
            int count = Pending;
            if (count == 0) return 0;
            if (_scripts.Count > 0)
            {
                if (Outstanding > 0) Receive(0, null); // loading scripts reads replies of its own
                LoadScripts(EnsureConnection());
                _scripts.Clear();
            }
            IRedisConnection connection = EnsureConnection();
            LearnClientIdBeforeBlocking(connection);
            try
            {
                // From here part of the batch may reach the server even if the write fails later on.
                mayHaveReached = true;
                connection.SendCommands(Unsent());
            }
            catch (Exception ex) when (ex is RedisException || ex is ObjectDisposedException)
            {
                DiscardConnection();
                throw;
            }
            _sent += count;
            return count;
        }

        /// <summary>
        /// After a failure that closed the connection: true when the unanswered commands should go again on a new one
        /// (a transient failure, retries left, and each of them harmless to repeat if it may have reached the server),
        /// after the backoff. Otherwise false, or a <see cref="RedisCommandInDoubtException"/> naming the first
        /// unanswered command that may have been applied and cannot be repeated.
        /// </summary>
        private bool Resendable(RedisException failure, int failures, bool mayHaveReached)
        {
            RetryPolicy policy = _client.Options.Retry;
            int doubtful = mayHaveReached ? FirstUnsafeUnanswered() : -1;
            if (failures < policy.Retries && RetryPolicy.IsTransient(failure, _client.Options) && doubtful < 0)
            {
                DiscardConnection();
                _sent = _received;
                policy.Wait(failures + 1, _isStopRequested ??= () => _stopRequested);
                return true;
            }
            if (doubtful >= 0 && RetryPolicy.IsTransient(failure, _client.Options))
            {
                throw new RedisCommandInDoubtException(CommandText.Name(_queue[doubtful].Args), failure,
                    "(command " + (doubtful + 1).ToString(CultureInfo.InvariantCulture) + " of the batch)");
            }
            return false;
        }

        private int FirstUnsafeUnanswered()
        {
            int end = _queue.Count;
            for (int i = _received; i < end; i++)
            {
                if (!CommandSafety.IsSafeToRepeat(_queue[i].Args)) return i;
            }
            return -1;
        }

        /// <summary>
        /// Reads replies in order until at most <paramref name="maxOutstanding"/> are still outstanding, handing each to
        /// <paramref name="onReply"/> (which may be null to drop them) as soon as it is read. The connection goes back to
        /// the pool once nothing is queued or outstanding. A failure closes the connection; a transient one is retried
        /// as <see cref="ConnectionOptions.Retry"/> says (the unanswered commands go again on a fresh connection when each
        /// is harmless to repeat, see <see cref="CommandSafety"/>), otherwise it is thrown, as a
        /// <see cref="RedisCommandInDoubtException"/> when an unanswered command may have been applied. After
        /// <see cref="RequestStop"/> it throws <see cref="OperationCanceledException"/>.
        /// </summary>
        public void Receive(int maxOutstanding, Action<PipelineReply>? onReply)
        {
            if (maxOutstanding < 0) throw new ArgumentOutOfRangeException(nameof(maxOutstanding));
            if (_cluster != null)
            {
                ReceiveFromNodes(maxOutstanding, onReply);
                return;
            }
            int failures = 0;
            while (Outstanding > maxOutstanding)
            {
                IRedisConnection connection = _connection ?? throw new InvalidOperationException("No connection holds the outstanding replies.");
                int index = _received;
                RespValue reply;
                try
                {
                    reply = ReadReply(connection, _queue[index].BlockFor);
                }
                catch (Exception ex) when (ex is RedisException || ex is ObjectDisposedException || ex is OperationCanceledException)
                {
                    if (_stopRequested) UnblockAfterStop();
                    DiscardConnection();
                    if (ex is RedisException failure && !_stopRequested && Resendable(failure, failures++, mayHaveReached: true))
                    {
                        Send();
                        continue;
                    }
                    throw;
                }
                _received++;
                PipelineReply outcome = Outcome(index, reply);
                if (Outstanding == 0) IdentifyUnsupported(connection);
                // An answered command's arguments and state are not needed any more: a long stream holds only its window.
                _queue.Forget(index);
                _queue.DropBefore(_received);
                if (Count == 0 && !_watching) ReleaseConnection();
                onReply?.Invoke(outcome);
            }
            if (Count == 0 && !_watching) ReleaseConnection();
        }

        internal override T Run<T>(IReadOnlyList<object?> args, Func<RespValue, T> parse, TimeSpan? blockFor = null)
        {
            if (args == null || args.Count == 0) throw new RedisDataException("A command needs at least one argument (its name).");
            if (_watchPart != null) return _watchPart.Run(args, parse, blockFor);
            if (IsImmediate) return Immediate(args, parse, blockFor);
            // On a cluster a command whose keys span slots fails at its own call, as a bad argument does.
            if (_cluster != null && !IsTransaction) ClusterKeys.Route(args);
            // Typed methods build a fresh array per call, which the queue can keep; anything else is copied (ExecuteCommand
            // copies the caller's own array before it gets here).
            object?[] copy = args as object?[] ?? CopyOf(args);
            // A bad argument fails its own call, not the whole batch when it is written.
            for (int i = 0; i < copy.Length; i++) RespWriter.CheckArgument(copy[i], i);
            _queue.Add(new QueuedCommand(copy, parse, Boxing<T>.Parse, blockFor, _state));
            return default!;
        }

        private static object?[] CopyOf(IReadOnlyList<object?> args)
        {
            var copy = new object?[args.Count];
            for (int i = 0; i < copy.Length; i++) copy[i] = args[i];
            return copy;
        }

        /// <summary>Makes sure <paramref name="script"/> is in the server's cache before the batch runs (redis-py's load_scripts).</summary>
        internal void AddScript(RedisScript script) => _scripts[script.Sha] = script;

        /// <summary>Runs one command now on the pipeline's connection (taking one if needed); server errors are thrown.</summary>
        private T Immediate<T>(IReadOnlyList<object?> args, Func<RespValue, T> parse, TimeSpan? blockFor)
        {
            IRedisConnection connection = EnsureConnection();
            RespValue reply;
            try
            {
                connection.SendCommand(args);
                reply = blockFor.HasValue
                    ? connection.ReadResponse(_client.PipelineReadTimeout(blockFor.Value), errorsAsValues: true)
                    : connection.ReadResponse(errorsAsValues: true);
                if (reply.IsError)
                {
                    // Thrown inside this try as ReadResponse would have thrown it: a connection-type refusal (LOADING,
                    // max clients) still resets the pipeline. Nothing else is outstanding on the held connection
                    // (commands run one at a time here), so it can be asked which server it is.
                    string text = reply.AsString()!;
                    if (UnsupportedCommand.IsUnknown(text, args)) throw UnsupportedCommand.For(args, text, ServerIdentity.Of(connection));
                    throw reply.ToException();
                }
            }
            catch (Exception ex) when ((ex is RedisConnectionException || ex is RedisTimeoutException) && !(ex is RedisAuthenticationException))
            {
                bool wasWatching = _watching;
                Reset();
                if (wasWatching) throw new RedisWatchException("A connection error occurred while watching one or more keys: " + ex.Message, ex);
                throw;
            }
            return parse(reply);
        }

        private IRedisConnection EnsureConnection()
        {
            if (_connection != null) return _connection;
            IRedisConnection connection = _client.AcquireConnection();
            connection.SetCancellation(_isStopRequested ??= () => _stopRequested);
            return _connection = connection;
        }

        private void ReleaseConnection()
        {
            IRedisConnection? connection = _connection;
            _connection = null;
            if (connection == null) return;
            connection.SetCancellation(null);
            _client.ConnectionPool.Release(connection);
        }

        /// <summary>
        /// Before a blocking command goes out on a connection in step (nothing outstanding): asks its CLIENT ID once, so
        /// that a stop can end the wait with CLIENT UNBLOCK. A connection that disconnects while blocked stays blocked in
        /// some servers (Garnet) and takes the next element pushed, which is then lost. A refusal (ACL) is remembered
        /// as 0: no unblock is tried on that connection, and a stop only closes it.
        /// </summary>
        private void LearnClientIdBeforeBlocking(IRedisConnection connection)
        {
            if (!(connection is Connection plain) || plain.ClientId.HasValue || Outstanding > 0 || !AnyUnsentBlocks()) return;
            RespValue reply;
            try
            {
                plain.SendCommand(ClientIdCommand);
                reply = plain.ReadResponse(errorsAsValues: true);
            }
            catch (Exception ex) when (ex is RedisException || ex is ObjectDisposedException || ex is OperationCanceledException)
            {
                // Nothing of the batch was written yet: the caller's retry rules apply as to a failed write.
                DiscardConnection();
                throw;
            }
            plain.ClientId = !reply.IsError && reply.Type == RespType.Integer ? reply.Integer64 : 0;
        }

        private bool AnyUnsentBlocks() => AnyBlocks(_sent, _queue.Count);

        private bool AnyUnansweredBlocks() => AnyBlocks(_received, _sent);

        /// <summary>Whether a command queued at a position in [<paramref name="from"/>, <paramref name="to"/>) blocks.</summary>
        private bool AnyBlocks(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                if (_queue[i].BlockFor.HasValue) return true;
            }
            return false;
        }

        /// <summary>
        /// After a stop, before the held connection is closed: when one of its unanswered commands blocks, CLIENT UNBLOCK
        /// from another connection of the pool ends that wait in the server, since on Garnet closing alone does not (the
        /// abandoned wait would take, and lose, the next element pushed). At most <see cref="UnblockDeadline"/>; a failure
        /// (ACL, no free connection, slow server) is kept in <see cref="UnblockFailure"/> and the connection is closed anyway.
        /// </summary>
        private void UnblockAfterStop()
        {
            if (!(_connection is Connection plain) || !(plain.ClientId is long id) || id <= 0 || !AnyUnansweredBlocks()) return;
            UnblockFailure = _client.TryUnblock(id, UnblockDeadline);
        }

        /// <summary>Why the last CLIENT UNBLOCK after a stop did not happen (null: it did, or none was needed).</summary>
        public string? UnblockFailure { get; private set; }

        /// <summary>Closes the held connection (its reply stream is in doubt) and gives it back for the pool to drop.</summary>
        private void DiscardConnection()
        {
            IRedisConnection? connection = _connection;
            _connection = null;
            if (connection == null) return;
            connection.SetCancellation(null);
            _client.DiscardConnection(connection);
        }

        /// <summary>Replies nobody will read: read and dropped so the connection can be pooled again, or it is closed.</summary>
        private void AbandonOutstanding()
        {
            if (Outstanding == 0) return;
            if (_stopRequested || _connection == null)
            {
                if (_stopRequested) UnblockAfterStop();
                DiscardConnection();
            }
            else
            {
                try
                {
                    Receive(0, null);
                }
                catch (Exception ex) when (ex is RedisException || ex is ObjectDisposedException || ex is OperationCanceledException)
                {
                    // Receive closed the connection already; the replies are lost with it.
                }
            }
            _received = _sent;
        }

        /// <summary>
        /// The next reply. The connection waits for its bytes in slices and gives up between them once a stop was
        /// requested (<see cref="IRedisConnection.SetCancellation"/>), so no other thread ever touches the socket.
        /// </summary>
        private RespValue ReadReply(IRedisConnection connection, TimeSpan? blockFor)
        {
            if (_stopRequested) throw new OperationCanceledException("The pipeline was stopped before its replies were read.");
            return blockFor.HasValue
                ? connection.ReadResponse(_client.PipelineReadTimeout(blockFor.Value), errorsAsValues: true)
                : connection.ReadResponse(errorsAsValues: true);
        }

        private void ExecuteTransaction(Action<PipelineReply> onReply)
        {
            if (Outstanding > 0) throw new InvalidOperationException("A transaction cannot follow commands sent with Send.");
            RetryPolicy policy = _client.Options.Retry;
            for (int failures = 0; ; failures++)
            {
                _transactionSent = false;
                try
                {
                    ExecuteTransactionOn(EnsureConnection(), onReply);
                    return;
                }
                catch (Exception ex) when ((ex is RedisConnectionException || ex is RedisTimeoutException) && !(ex is RedisAuthenticationException))
                {
                    if (_watching)
                    {
                        // The WATCH died with the connection, so success can no longer be guaranteed: the caller retries.
                        throw new RedisWatchException("A connection error occurred while watching one or more keys: " + ex.Message, ex);
                    }
                    DiscardConnection();
                    // MULTI/EXEC runs all or nothing, so the whole transaction is repeated, or none of it.
                    bool harmless = !_transactionSent || CommandSafety.AreSafeToRepeat(QueuedArgs());
                    if (failures < policy.Retries && RetryPolicy.IsTransient(ex, _client.Options) && harmless)
                    {
                        policy.Wait(failures + 1, _isStopRequested ??= () => _stopRequested);
                        continue;
                    }
                    if (!harmless && RetryPolicy.IsTransient(ex, _client.Options))
                    {
                        throw new RedisCommandInDoubtException("EXEC", ex,
                            "(the transaction of " + _queue.Count.ToString(CultureInfo.InvariantCulture) + " commands)");
                    }
                    throw;
                }
            }
        }

        private IEnumerable<IReadOnlyList<object?>> QueuedArgs()
        {
            for (int i = 0; i < _queue.Count; i++) yield return _queue[i].Args;
        }

        private void ExecuteTransactionOn(IRedisConnection connection, Action<PipelineReply> onReply)
        {
            if (_scripts.Count > 0) LoadScripts(connection);
            int count = _queue.Count;
            var errors = new List<RedisResponseException>();
            RespValue exec;
            try
            {
                _transactionSent = true;
                connection.SendCommands(TransactionCommands());
                RespValue multi = connection.ReadResponse(errorsAsValues: true);
                if (multi.IsError) errors.Add(ErrorFor(multi, -1));
                for (int i = 0; i < count; i++)
                {
                    RespValue queued = connection.ReadResponse(errorsAsValues: true);
                    if (queued.IsError) errors.Add(ErrorFor(queued, i));
                }
                exec = connection.ReadResponse(errorsAsValues: true);
            }
            catch
            {
                // Replies may still be on their way: this socket can never be trusted to line up again.
                DiscardConnection();
                throw;
            }
            _watching = false; // EXEC forgets the watched keys, whatever its outcome
            IdentifyUnsupported(connection);
            if (exec.IsError)
            {
                RedisException error = exec.ToException();
                if (error is RedisExecAbortException)
                {
                    var message = new StringBuilder(error.Message);
                    foreach (RedisResponseException e in errors) message.Append(' ').Append(e.Message.TrimEnd('.')).Append('.');
                    throw new RedisExecAbortException(message.ToString(), errors);
                }
                throw error;
            }
            if (exec.IsNull) throw new RedisWatchException("Watched variable changed.");
            if (errors.Count > 0) throw errors[0]; // a queueing error without EXECABORT: pre-2.6.5 servers only
            IReadOnlyList<RespValue> items = exec.Items;
            if (items.Count != count)
            {
                DiscardConnection();
                throw new RedisResponseException("Wrong number of response items from pipeline execution: "
                    + items.Count.ToString(CultureInfo.InvariantCulture) + " for " + count.ToString(CultureInfo.InvariantCulture) + " commands.");
            }
            _sent = _received = count;
            for (int i = 0; i < items.Count; i++) onReply(Outcome(i, items[i]));
        }

        /// <summary>Command <paramref name="index"/>'s outcome: its parsed reply, or its error.</summary>
        private PipelineReply Outcome(int index, RespValue reply)
        {
            QueuedCommand command = _queue[index];
            if (RepliesAsValues) return new PipelineReply(index, command.State, reply, null);
            if (reply.IsError) return new PipelineReply(index, command.State, null, ErrorFor(reply, index));
            try
            {
                return new PipelineReply(index, command.State, command.Parse(reply), null);
            }
            catch (Exception ex) when (ex is RedisException || UnexpectedReply.IsParserFailure(ex))
            {
                // A reply its parser cannot read is that command's failure, not the batch's.
                RedisException failure = ex is RedisException known && !(ex is RedisInvalidResponseException) ? known : UnexpectedReply.For(command.Args, reply, ex);
                Annotate(failure, index);
                return new PipelineReply(index, command.State, null, failure);
            }
        }

        private RedisResponseException ErrorFor(RespValue reply, int index)
        {
            string? text = reply.AsString();
            if (CarriedErrors.Of(reply) is RedisUnsupportedCommandException known)
            {
                // Already read and named by the cluster node that refused it.
                Annotate(known, index);
                return known;
            }
            if (index >= 0 && UnsupportedCommand.IsUnknown(text, _queue[index].Args))
            {
                RedisUnsupportedCommandException unsupported = UnsupportedCommand.For(_queue[index].Args, text!, null);
                _unidentified.Add(unsupported);
                Annotate(unsupported, index);
                return unsupported;
            }
            RedisException mapped = reply.ToException();
            // Connection-type mappings (e.g. "max number of clients") still came as a reply to this one command.
            RedisResponseException error = mapped as RedisResponseException ?? new RedisResponseException(reply.AsString()!);
            Annotate(error, index);
            return error;
        }

        /// <summary>
        /// Names the server in the "unknown command" errors read so far, asking INFO on <paramref name="connection"/>
        /// (once per connection), which must have no reply outstanding.
        /// </summary>
        private void IdentifyUnsupported(IRedisConnection connection)
        {
            if (_unidentified.Count == 0) return;
            ServerIdentity server = ServerIdentity.Of(connection);
            foreach (RedisUnsupportedCommandException error in _unidentified) error.Identify(server);
            _unidentified.Clear();
        }

        /// <summary>
        /// redis-py annotates "Command # n (...) of pipeline caused error"; here the position and the command's name and
        /// key go in Exception.Data, never further arguments (they may be a password: AUTH, CONFIG SET requirepass ...).
        /// </summary>
        private void Annotate(Exception error, int index)
        {
            if (index < 0) return;
            error.Data["PipelineCommandIndex"] = index;
            error.Data["PipelineCommand"] = CommandText.NameAndKey(_queue[index].Args);
        }

        private void LoadScripts(IRedisConnection connection)
        {
            var scripts = new List<RedisScript>(_scripts.Values);
            var exists = new object?[scripts.Count + 2];
            exists[0] = "SCRIPT";
            exists[1] = "EXISTS";
            for (int i = 0; i < scripts.Count; i++) exists[i + 2] = scripts[i].Sha;
            try
            {
                connection.SendCommand(exists);
                IReadOnlyList<RespValue> found = connection.ReadResponse().Items;
                for (int i = 0; i < scripts.Count; i++)
                {
                    if (i < found.Count && found[i].BooleanValue) continue;
                    connection.SendCommand(new object?[] { "SCRIPT", "LOAD", scripts[i].Script });
                    connection.ReadResponse();
                }
            }
            catch (Exception ex) when (ex is RedisConnectionException || ex is RedisTimeoutException)
            {
                DiscardConnection();
                throw;
            }
        }

        private IEnumerable<IReadOnlyList<object?>> Unsent()
        {
            int end = _queue.Count;
            for (int i = _sent; i < end; i++) yield return _queue[i].Args;
        }

        private IEnumerable<IReadOnlyList<object?>> TransactionCommands()
        {
            yield return MultiCommand;
            for (int i = 0; i < _queue.Count; i++) yield return _queue[i].Args;
            yield return ExecCommand;
        }

        public override string ToString() =>
            "RedisPipeline (" + (IsTransaction ? "transaction, " : "") + Count.ToString(CultureInfo.InvariantCulture) + " queued"
            + (IsWatching ? ", watching" : "") + ") " + _owner.Options;

        /// <summary>
        /// One queued command, stored inline in the queue: a pipeline of 100,000 commands keeps 100,000 of these alive
        /// until Execute, and every object per command would be copied by each garbage collection on the way. The typed
        /// parser stays as it came (method groups are cached delegates) and a per-type static adapter boxes its result.
        /// </summary>
        private readonly struct QueuedCommand
        {
            private readonly Delegate _parser;
            private readonly Func<Delegate, RespValue, object?> _adapter;

            public QueuedCommand(object?[] args, Delegate parser, Func<Delegate, RespValue, object?> adapter, TimeSpan? blockFor, object? state)
            {
                Args = args;
                _parser = parser;
                _adapter = adapter;
                BlockFor = blockFor;
                State = state;
            }

            public object?[] Args { get; }
            public TimeSpan? BlockFor { get; }
            public object? State { get; }

            public object? Parse(RespValue reply) => _adapter(_parser, reply);
        }

        private static class Boxing<T>
        {
            internal static readonly Func<Delegate, RespValue, object?> Parse = (parser, reply) => Box(((Func<RespValue, T>)parser)(reply));

            // The common results of queued writes (SET's true, HSET's and DEL's 0 and 1) come back as shared boxes.
            private static object? Box(T value)
            {
                if (typeof(T) == typeof(bool)) return (bool)(object)value! ? BoxedTrue : BoxedFalse;
                if (typeof(T) == typeof(long))
                {
                    long n = (long)(object)value!;
                    if (n == 0) return BoxedZero;
                    if (n == 1) return BoxedOne;
                }
                return value;
            }
        }

        private static readonly object BoxedTrue = true;
        private static readonly object BoxedFalse = false;
        private static readonly object BoxedZero = 0L;
        private static readonly object BoxedOne = 1L;
    }
}
