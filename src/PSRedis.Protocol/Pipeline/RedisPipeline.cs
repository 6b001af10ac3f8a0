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
    /// <see cref="Execute"/> returns every parsed result. With <c>transaction: true</c> the batch runs inside
    /// MULTI/EXEC, atomically. After <see cref="Watch"/> commands run at once (on the pipeline's own connection)
    /// until <see cref="Multi"/>, for optimistic check-and-set. Not thread-safe: one pipeline per thread.
    /// </summary>
    public sealed class RedisPipeline : RedisCommands, IDisposable
    {
        private static readonly object?[] MultiCommand = { "MULTI" };
        private static readonly object?[] ExecCommand = { "EXEC" };
        private static readonly object?[] UnwatchCommand = { "UNWATCH" };

        private readonly RedisClient _client;
        private readonly ChunkedList<QueuedCommand> _queue = new ChunkedList<QueuedCommand>();
        private readonly Dictionary<string, RedisScript> _scripts = new Dictionary<string, RedisScript>(StringComparer.Ordinal);
        // Held only while executing, or from Watch until Execute/Reset: WATCH lives on one connection.
        private IRedisConnection? _connection;
        private bool _watching;
        private bool _explicitMulti;

        internal RedisPipeline(RedisClient client, bool transaction)
        {
            _client = client;
            IsTransaction = transaction;
        }

        /// <summary>True when <see cref="Execute"/> wraps the batch in MULTI/EXEC.</summary>
        public bool IsTransaction { get; }

        /// <summary>True between <see cref="Watch"/> and the end of the transaction: the pipeline holds a connection.</summary>
        public bool IsWatching => _watching;

        /// <summary>True while commands run at once and return their real results (after Watch, before Multi).</summary>
        public bool IsImmediate => _watching && !_explicitMulti;

        /// <summary>The number of commands queued for the next <see cref="Execute"/>.</summary>
        public int Count => _queue.Count;

        /// <summary>
        /// Queues any command (or runs it at once in immediate mode, returning its reply as
        /// <see cref="RedisClient.ExecuteCommand"/> would). Queued, it returns null and its result comes from Execute.
        /// </summary>
        public object? ExecuteCommand(params object?[] args)
        {
            if (args == null || args.Length == 0) throw new RedisDataException("A command needs at least one argument (its name).");
            string? name = args[0] as string;
            return Run(args, r => _client.ConvertReply(name, r));
        }

        /// <summary>
        /// WATCH: takes a connection, watches <paramref name="keys"/> on it and switches to immediate mode, where
        /// commands run at once (to read the values a transaction depends on) until <see cref="Multi"/>.
        /// </summary>
        public bool Watch(params string[] keys)
        {
            if (_explicitMulti) throw new RedisException("Cannot issue a WATCH after a MULTI.");
            object?[] args = Args.Prepend("WATCH", keys);
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
            if (!_watching) return true;
            bool ok = Immediate(UnwatchCommand, Reply.Ok, blockFor: null);
            _watching = false;
            ReleaseConnection();
            return ok;
        }

        /// <summary>Starts buffering again after <see cref="Watch"/>: the commands from here on run in MULTI/EXEC at Execute.</summary>
        public void Multi()
        {
            if (_explicitMulti) throw new RedisException("Cannot issue nested calls to MULTI.");
            if (_queue.Count > 0) throw new RedisException("Commands without an initial WATCH have already been issued.");
            _explicitMulti = true;
        }

        /// <summary>Empties the queue, forgets the watched keys (UNWATCH) and returns the connection to the pool.</summary>
        public void Reset()
        {
            _queue.Clear();
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
            if (_queue.Count == 0 && !_watching)
            {
                Reset();
                return new List<object?>();
            }
            bool transaction = IsTransaction || _explicitMulti;
            try
            {
                try
                {
                    return ExecuteOn(EnsureConnection(), transaction, raiseOnError);
                }
                catch (Exception ex) when ((ex is RedisConnectionException || ex is RedisTimeoutException) && !(ex is RedisAuthenticationException))
                {
                    if (_watching)
                    {
                        // The WATCH died with the connection, so success can no longer be guaranteed: the caller retries.
                        throw new RedisWatchException("A connection error occurred while watching one or more keys: " + ex.Message, ex);
                    }
                    if (!(ex is RedisTimeoutException) || !_client.Options.RetryOnTimeout) throw;
                    // redis-py's retry_on_timeout: once more, on a fresh connection (the broken one is discarded).
                    ReleaseConnection();
                    return ExecuteOn(EnsureConnection(), transaction, raiseOnError);
                }
            }
            finally
            {
                Reset();
            }
        }

        internal override T Run<T>(IReadOnlyList<object?> args, Func<RespValue, T> parse, TimeSpan? blockFor = null)
        {
            if (args == null || args.Count == 0) throw new RedisDataException("A command needs at least one argument (its name).");
            if (IsImmediate) return Immediate(args, parse, blockFor);
            var copy = new object?[args.Count];
            for (int i = 0; i < copy.Length; i++) copy[i] = args[i];
            _queue.Add(new QueuedCommand(copy, parse, Boxing<T>.Parse, blockFor));
            return default!;
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
                reply = ReadOne(connection, blockFor, errorsAsValues: false);
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

        private IRedisConnection EnsureConnection() => _connection ??= _client.AcquireConnection();

        private void ReleaseConnection()
        {
            IRedisConnection? connection = _connection;
            _connection = null;
            if (connection != null) _client.ConnectionPool.Release(connection);
        }

        private RespValue ReadOne(IRedisConnection connection, TimeSpan? blockFor, bool errorsAsValues)
        {
            if (blockFor.HasValue) return connection.ReadResponse(_client.PipelineReadTimeout(blockFor.Value), errorsAsValues);
            return connection.ReadResponse(errorsAsValues);
        }

        private IList<object?> ExecuteOn(IRedisConnection connection, bool transaction, bool raiseOnError)
        {
            if (_scripts.Count > 0) LoadScripts(connection);
            bool inFlight = false;
            try
            {
                if (transaction)
                {
                    connection.SendCommands(TransactionCommands());
                    inFlight = true;
                    return ReadTransaction(connection, raiseOnError, ref inFlight);
                }
                connection.SendCommands(QueuedArgs());
                inFlight = true;
                // Each reply is parsed as it is read (no array of 100,000 raw replies kept until the end); a parser's
                // RedisException stays in its slot, so the reading always goes on to the last reply.
                var results = new List<object?>(_queue.Count);
                RedisException? first = null;
                for (int i = 0; i < _queue.Count; i++) results.Add(ParseOne(i, ReadOne(connection, _queue[i].BlockFor, errorsAsValues: true), ref first));
                inFlight = false;
                if (raiseOnError && first != null) throw first;
                return results;
            }
            catch when (inFlight)
            {
                // Replies may still be on their way: this socket can never be trusted to line up again.
                connection.Disconnect();
                throw;
            }
        }

        private IList<object?> ReadTransaction(IRedisConnection connection, bool raiseOnError, ref bool inFlight)
        {
            var errors = new List<RedisResponseException>();
            RespValue multi = connection.ReadResponse(errorsAsValues: true);
            if (multi.IsError) errors.Add(ErrorFor(multi, -1));
            for (int i = 0; i < _queue.Count; i++)
            {
                RespValue queued = connection.ReadResponse(errorsAsValues: true);
                if (queued.IsError) errors.Add(ErrorFor(queued, i));
            }
            RespValue exec = connection.ReadResponse(errorsAsValues: true);
            inFlight = false;
            _watching = false; // EXEC forgets the watched keys, whatever its outcome
            if (exec.IsError)
            {
                RedisException error = exec.ToException();
                if (error is RedisExecAbortException)
                {
                    var message = new StringBuilder(error.Message);
                    foreach (RedisResponseException e in errors) message.Append(' ').Append(e.Message).Append('.');
                    throw new RedisExecAbortException(message.ToString(), errors);
                }
                throw error;
            }
            if (exec.IsNull) throw new RedisWatchException("Watched variable changed.");
            if (errors.Count > 0) throw errors[0]; // a queueing error without EXECABORT: pre-2.6.5 servers only
            IReadOnlyList<RespValue> items = exec.Items;
            if (items.Count != _queue.Count)
            {
                connection.Disconnect();
                throw new RedisResponseException("Wrong number of response items from pipeline execution: "
                    + items.Count.ToString(CultureInfo.InvariantCulture) + " for " + _queue.Count.ToString(CultureInfo.InvariantCulture) + " commands.");
            }
            var results = new List<object?>(items.Count);
            RedisException? first = null;
            for (int i = 0; i < items.Count; i++) results.Add(ParseOne(i, items[i], ref first));
            if (raiseOnError && first != null) throw first;
            return results;
        }

        /// <summary>Command <paramref name="index"/>'s result: its parsed reply, or its error (the first one noted in <paramref name="first"/>).</summary>
        private object? ParseOne(int index, RespValue reply, ref RedisException? first)
        {
            if (reply.IsError)
            {
                RedisException error = ErrorFor(reply, index);
                first ??= error;
                return error;
            }
            try
            {
                return _queue[index].Parse(reply);
            }
            catch (RedisException ex)
            {
                // A reply its parser cannot read is that command's failure, not the batch's.
                Annotate(ex, index);
                first ??= ex;
                return ex;
            }
        }

        private RedisResponseException ErrorFor(RespValue reply, int index)
        {
            RedisException mapped = reply.ToException();
            // Connection-type mappings (e.g. "max number of clients") still came as a reply to this one command.
            RedisResponseException error = mapped as RedisResponseException ?? new RedisResponseException(reply.AsString()!);
            Annotate(error, index);
            return error;
        }

        /// <summary>redis-py annotates "Command # n (...) of pipeline caused error"; here the position goes in Exception.Data.</summary>
        private void Annotate(Exception error, int index)
        {
            if (index < 0) return;
            error.Data["PipelineCommandIndex"] = index;
            error.Data["PipelineCommand"] = Describe(_queue[index].Args);
        }

        private static string Describe(object?[] args)
        {
            var text = new StringBuilder();
            for (int i = 0; i < args.Length && i < 4; i++)
            {
                if (i > 0) text.Append(' ');
                object? arg = args[i];
                text.Append(arg is byte[] bytes ? "<" + bytes.Length.ToString(CultureInfo.InvariantCulture) + " bytes>"
                    : Convert.ToString(arg, CultureInfo.InvariantCulture));
            }
            if (args.Length > 4) text.Append(" ...");
            return text.ToString();
        }

        private void LoadScripts(IRedisConnection connection)
        {
            var scripts = new List<RedisScript>(_scripts.Values);
            var exists = new object?[scripts.Count + 2];
            exists[0] = "SCRIPT";
            exists[1] = "EXISTS";
            for (int i = 0; i < scripts.Count; i++) exists[i + 2] = scripts[i].Sha;
            connection.SendCommand(exists);
            IReadOnlyList<RespValue> found = connection.ReadResponse().Items;
            for (int i = 0; i < scripts.Count; i++)
            {
                if (i < found.Count && found[i].BooleanValue) continue;
                connection.SendCommand(new object?[] { "SCRIPT", "LOAD", scripts[i].Script });
                connection.ReadResponse();
            }
        }

        private IEnumerable<IReadOnlyList<object?>> QueuedArgs()
        {
            for (int i = 0; i < _queue.Count; i++) yield return _queue[i].Args;
        }

        private IEnumerable<IReadOnlyList<object?>> TransactionCommands()
        {
            yield return MultiCommand;
            for (int i = 0; i < _queue.Count; i++) yield return _queue[i].Args;
            yield return ExecCommand;
        }

        public override string ToString() =>
            "RedisPipeline (" + (IsTransaction ? "transaction, " : "") + _queue.Count.ToString(CultureInfo.InvariantCulture) + " queued"
            + (_watching ? ", watching" : "") + ") " + _client.Options;

        /// <summary>
        /// One queued command, stored inline in the queue: a pipeline of 100,000 commands keeps 100,000 of these alive
        /// until Execute, and every object per command would be copied by each garbage collection on the way. The typed
        /// parser stays as it came (method groups are cached delegates) and a per-type static adapter boxes its result.
        /// </summary>
        private readonly struct QueuedCommand
        {
            private readonly Delegate _parser;
            private readonly Func<Delegate, RespValue, object?> _adapter;

            public QueuedCommand(object?[] args, Delegate parser, Func<Delegate, RespValue, object?> adapter, TimeSpan? blockFor)
            {
                Args = args;
                _parser = parser;
                _adapter = adapter;
                BlockFor = blockFor;
            }

            public object?[] Args { get; }
            public TimeSpan? BlockFor { get; }

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
