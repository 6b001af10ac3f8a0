using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// The Redis client: commands over a connection pool, thread-safe (each call borrows a connection for
    /// its own round trip). Typed commands live in Commands/*.cs, one file per command family, named as
    /// redis-py names them in .NET casing.
    /// </summary>
    public sealed partial class RedisClient : IDisposable
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

        public ConnectionOptions Options => ConnectionPool.Options;

        /// <summary>Bulk replies become UTF-8 strings (true, the default) or stay byte[] in <see cref="ExecuteCommand"/>.</summary>
        public bool DecodeResponses { get; set; } = true;

        /// <summary>Sends any command and returns its reply as plain .NET values (see <see cref="RespValue.ToObject"/>).</summary>
        public object? ExecuteCommand(params object?[] args) => Execute(args).ToObject(DecodeResponses);

        /// <summary>Sends any command and returns the reply model; an error reply is thrown as its exception.</summary>
        public RespValue Execute(IReadOnlyList<object?> args)
        {
            if (args == null || args.Count == 0) throw new RedisDataException("A command needs at least one argument (its name).");
            try
            {
                return ExecuteOnce(args);
            }
            catch (RedisTimeoutException) when (Options.RetryOnTimeout)
            {
                // redis-py's retry_on_timeout: one more attempt, on a fresh connection since the old one is broken.
                return ExecuteOnce(args);
            }
        }

        private RespValue ExecuteOnce(IReadOnlyList<object?> args)
        {
            IRedisConnection connection = ConnectionPool.GetConnection();
            try
            {
                Prepare(connection);
                connection.SendCommand(args);
                return connection.ReadResponse();
            }
            finally
            {
                ConnectionPool.Release(connection);
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

        public void Dispose()
        {
            if (_ownsPool) ConnectionPool.Dispose();
        }

        public override string ToString() => "RedisClient " + Options;
    }
}
