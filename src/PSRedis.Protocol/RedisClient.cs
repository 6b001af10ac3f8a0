using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// The Redis client: commands over a connection pool, thread-safe (each call borrows a connection for
    /// its own round trip). Typed commands live in <see cref="RedisCommands"/> (Commands/*.cs, one file per
    /// command family), named as redis-py names them in .NET casing.
    /// </summary>
    public sealed partial class RedisClient : RedisClientBase
    {
        private readonly bool _ownsPool;

        /// <summary>A client over a new <see cref="Protocol.ConnectionPool"/> built from <paramref name="options"/>.</summary>
        public RedisClient(ConnectionOptions options)
            : this(new ConnectionPool(options ?? throw new ArgumentNullException(nameof(options))), ownsPool: true)
        {
        }

        /// <summary>A client for host:port (redis-py's Redis(host, port, db, password)).</summary>
        public RedisClient(string host = "localhost", int port = ConnectionOptions.DefaultPort, int db = 0, string? password = null)
            : this(new ConnectionOptions { Host = host, Port = port, Database = db, Password = password })
        {
        }

        /// <summary>A client over an existing pool; it disposes the pool only when <paramref name="ownsPool"/>.</summary>
        public RedisClient(IConnectionPool pool, bool ownsPool = false)
        {
            ConnectionPool = pool ?? throw new ArgumentNullException(nameof(pool));
            _ownsPool = ownsPool;
        }

        /// <summary>A client from a redis://, rediss:// or unix:// URL (redis-py Redis.from_url).</summary>
        public static RedisClient FromUrl(string url, Action<ConnectionOptions>? configure = null, int? db = null)
        {
            ConnectionOptions options = RedisUrl.Parse(url, configure, db);
            return new RedisClient(options);
        }

        public IConnectionPool ConnectionPool { get; }

        public override ConnectionOptions Options => ConnectionPool.Options;

        internal override T Run<T>(IReadOnlyList<object?> args, Func<RespValue, T> parse, TimeSpan? blockFor = null)
        {
            if (args == null || args.Count == 0) throw new RedisDataException("A command needs at least one argument (its name).");
            RetryPolicy policy = Options.Retry;
            for (int failures = 0; ; failures++)
            {
                bool sent = false;
                RespValue reply;
                T result;
                RedisUnsupportedCommandException? unsupported;
                try
                {
                    reply = ExecuteOnce(args, blockFor, parse, ref sent, out result, out unsupported);
                }
                catch (RedisException ex) when (failures < policy.Retries && RetryPolicy.IsTransient(ex, Options))
                {
                    if (sent && !CommandSafety.IsSafeToRepeat(args)) throw new RedisCommandInDoubtException(CommandText.Name(args), ex);
                    policy.Wait(failures + 1);
                    continue;
                }
                catch (RedisException ex) when (sent && RetryPolicy.IsTransient(ex, Options) && !CommandSafety.IsSafeToRepeat(args))
                {
                    // Out of retries (or retrying is off): say plainly that the write may have happened.
                    throw new RedisCommandInDoubtException(CommandText.Name(args), ex);
                }
                if (!reply.IsError) return result;
                RedisException refusal = unsupported ?? reply.ToException();
                // The server refused without applying anything (still loading, failing over): the same command may go
                // again after the backoff, whatever it is.
                if (failures < policy.Retries && RetryPolicy.IsTransientRefusal(refusal))
                {
                    policy.Wait(failures + 1);
                    continue;
                }
                throw refusal;
            }
        }

        /// <summary>
        /// One attempt; error replies come back as values. <paramref name="sent"/> turns true once the whole command
        /// was handed to the socket: before that, nothing of it can have run (a command the server did not receive
        /// in full is never executed), so any command may be tried again.
        /// </summary>
        private RespValue ExecuteOnce<T>(IReadOnlyList<object?> args, TimeSpan? blockFor, Func<RespValue, T> parse, ref bool sent, out T result,
            out RedisUnsupportedCommandException? unsupported)
        {
            IRedisConnection connection = ConnectionPool.GetConnection();
            try
            {
                Prepare(connection);
                connection.SendCommand(args);
                sent = true;
                RespValue reply = blockFor.HasValue
                    ? connection.ReadResponse(ReadTimeoutFor(blockFor.Value), errorsAsValues: true)
                    : connection.ReadResponse(errorsAsValues: true);
                result = default!;
                unsupported = null;
                if (!reply.IsError)
                {
                    result = ParseOn(connection, args, reply, parse);
                }
                else if (reply.AsString()!.StartsWith("READONLY", StringComparison.Ordinal))
                {
                    // A primary demoted by a failover answers READONLY on connections made before it: the next attempt
                    // must connect anew, where the name (or Sentinel) leads to the new primary.
                    connection.Disconnect();
                }
                else if (UnsupportedCommand.IsUnknown(reply.AsString(), args))
                {
                    // Asked here, on the connection that was refused, while it is held and in step: the same server.
                    unsupported = UnsupportedCommand.For(args, reply.AsString()!, ServerIdentity.Of(connection));
                }
                return reply;
            }
            finally
            {
                ConnectionPool.Release(connection);
            }
        }

        /// <summary>
        /// Parses while the connection is still held: a reply of the wrong shape may mean the stream is out of step
        /// (a proxy or a fault), so that connection is closed rather than pooled, and the error names the command.
        /// </summary>
        private static T ParseOn<T>(IRedisConnection connection, IReadOnlyList<object?> args, RespValue reply, Func<RespValue, T> parse)
        {
            try
            {
                return parse(reply);
            }
            catch (Exception ex) when (UnexpectedReply.IsParserFailure(ex))
            {
                connection.Disconnect();
                throw UnexpectedReply.For(args, reply, ex);
            }
            catch (RedisInvalidResponseException ex)
            {
                connection.Disconnect();
                throw UnexpectedReply.For(args, reply, ex);
            }
        }

        /// <summary>A blocking command may legitimately stay silent for its own timeout; the socket timeout comes on top.</summary>
        private TimeSpan? ReadTimeoutFor(TimeSpan blockFor)
        {
            if (blockFor == System.Threading.Timeout.InfiniteTimeSpan || blockFor <= TimeSpan.Zero || !Options.SocketTimeout.HasValue) return null;
            return Options.SocketTimeout.Value + blockFor;
        }

        internal override IEnumerable<RedisCommands> ScanTargets()
        {
            yield return this;
        }

        internal override ConnectionOptions PubSubOptions() => Options.Clone();

        /// <summary>
        /// SELECT for this client: every connection it uses from now on works in <paramref name="database"/>
        /// (a pooled client cannot switch just one connection; redis-py's select has the same caveat).
        /// </summary>
        public bool Select(int database)
        {
            if (database < 0) throw new ArgumentOutOfRangeException(nameof(database), "A database index is 0 or more.");
            int previous = Options.Database;
            Options.Database = database;
            try
            {
                return Ping();
            }
            catch (RedisResponseException)
            {
                Options.Database = previous; // out of range: keep working where we were
                throw;
            }
        }

        /// <summary>Runs <paramref name="work"/> with one connection held for its whole duration (for multi-step exchanges).</summary>
        public T WithConnection<T>(Func<IRedisConnection, T> work)
        {
            IRedisConnection connection = ConnectionPool.GetConnection();
            try
            {
                Prepare(connection);
                return work(connection);
            }
            finally
            {
                ConnectionPool.Release(connection);
            }
        }

        /// <summary>Health check, then the database this client wants (it can change with <see cref="Select"/>).</summary>
        private void Prepare(IRedisConnection connection)
        {
            connection.CheckHealth();
            if (connection is Connection real && real.CurrentDatabase != Options.Database)
            {
                real.SendCommand(new object?[] { "SELECT", Options.Database });
                real.ReadResponse();
                real.TrackSelect(Options.Database);
            }
        }

        public override void Dispose()
        {
            if (_ownsPool) ConnectionPool.Dispose();
        }

        public override string ToString() => "RedisClient " + Options;
    }
}
