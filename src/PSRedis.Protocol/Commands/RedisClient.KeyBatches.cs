using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>The outcome of one key of a batch (EXISTS, PEXPIRE, PEXPIREAT, PERSIST): applied/true, or failed with <see cref="Error"/>.</summary>
    public sealed class KeyResult
    {
        public KeyResult(string key, bool value, RedisException? error)
        {
            Key = key;
            Value = value;
            Error = error;
        }

        public string Key { get; }
        /// <summary>The command's yes/no answer: the key exists, the expiry was set, the expiry was removed.</summary>
        public bool Value { get; }
        public RedisException? Error { get; }
    }

    /// <summary>One reply of a <see cref="DeferredCommandStream"/>, with the state its sender attached.</summary>
    public sealed class DeferredReply
    {
        public DeferredReply(object? state, RespValue reply)
        {
            State = state;
            Reply = reply;
        }

        public object? State { get; }
        /// <summary>The reply; an error reply is a value here (<see cref="RespValue.IsError"/>), not an exception.</summary>
        public RespValue Reply { get; }
    }

    /// <summary>
    /// Commands sent on one held connection without waiting for their replies, so the server works (and the
    /// reply travels) while the caller prepares the next command. At most <see cref="MaxInFlight"/> replies are
    /// outstanding: sending one more first reads the oldest. Not thread-safe; dispose it to read what is still
    /// outstanding and give the connection back to the pool.
    /// </summary>
    public sealed class DeferredCommandStream : IDisposable
    {
        private readonly RedisClient _client;
        private readonly Queue<object?> _pending = new Queue<object?>();
        private IRedisConnection? _connection;

        internal DeferredCommandStream(RedisClient client, IRedisConnection connection, int maxInFlight)
        {
            _client = client;
            _connection = connection;
            MaxInFlight = maxInFlight;
        }

        public int MaxInFlight { get; }

        /// <summary>Replies sent for and not yet read.</summary>
        public int Pending => _pending.Count;

        /// <summary>
        /// Sends <paramref name="args"/>; returns the replies that had to be read first to stay within
        /// <see cref="MaxInFlight"/> (oldest first). An I/O failure is thrown and the stream is unusable after it.
        /// </summary>
        public IReadOnlyList<DeferredReply> Send(IReadOnlyList<object?> args, object? state = null)
        {
            IRedisConnection connection = _connection ?? throw new ObjectDisposedException(nameof(DeferredCommandStream));
            List<DeferredReply>? done = null;
            while (_pending.Count >= MaxInFlight)
            {
                done ??= new List<DeferredReply>(1);
                done.Add(ReadOne(connection));
            }
            connection.SendCommand(args);
            _pending.Enqueue(state);
            return (IReadOnlyList<DeferredReply>?)done ?? Array.Empty<DeferredReply>();
        }

        /// <summary>Reads every outstanding reply (oldest first).</summary>
        public IReadOnlyList<DeferredReply> Drain()
        {
            IRedisConnection connection = _connection ?? throw new ObjectDisposedException(nameof(DeferredCommandStream));
            if (_pending.Count == 0) return Array.Empty<DeferredReply>();
            var done = new List<DeferredReply>(_pending.Count);
            while (_pending.Count > 0) done.Add(ReadOne(connection));
            return done;
        }

        private DeferredReply ReadOne(IRedisConnection connection)
        {
            object? state = _pending.Peek();
            RespValue reply = connection.ReadResponse(errorsAsValues: true);
            _pending.Dequeue();
            return new DeferredReply(state, reply);
        }

        /// <summary>
        /// Gives the connection back. Outstanding replies are read and dropped so the pooled connection stays in
        /// step; when that fails (or the stream was abandoned mid-read) the connection is closed instead.
        /// </summary>
        public void Dispose()
        {
            IRedisConnection? connection = _connection;
            if (connection == null) return;
            _connection = null;
            try
            {
                while (_pending.Count > 0 && !connection.IsBroken)
                {
                    connection.ReadResponse(errorsAsValues: true);
                    _pending.Dequeue();
                }
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException || e is InvalidOperationException)
            {
                // The replies are lost with the connection: it is closed below rather than reused out of step.
            }
            finally
            {
                if (_pending.Count > 0) connection.Disconnect();
                _pending.Clear();
                _client.ConnectionPool.Release(connection);
            }
        }
    }

    // Key batches: the per-key commands of the key cmdlets for many keys in one round trip, and a deferred
    // command stream for bulk work that overlaps the round trip with the caller's own work.
    public sealed partial class RedisClient
    {
        /// <summary>
        /// Takes one connection from the pool for a <see cref="DeferredCommandStream"/> (health-checked, in this
        /// client's database). Used by bulk removal: UNLINK of batch n travels while batch n+1 is gathered.
        /// </summary>
        public DeferredCommandStream OpenDeferredStream(int maxInFlight = 1)
        {
            if (maxInFlight < 1) throw new ArgumentOutOfRangeException(nameof(maxInFlight), "At least one reply may be outstanding.");
            IRedisConnection connection = ConnectionPool.GetConnection();
            try
            {
                Prepare(connection);
            }
            catch
            {
                ConnectionPool.Release(connection);
                throw;
            }
            return new DeferredCommandStream(this, connection, maxInFlight);
        }

        /// <summary>UNLINK of many keys as one command (the fastest bulk delete); how many existed.</summary>
        public long UnlinkMany(IReadOnlyList<string> keys) => Run(Args.Prepend("UNLINK", keys), Reply.Integer);

        /// <summary>EXISTS per key, pipelined in one round trip: one answer per key, in order.</summary>
        public IReadOnlyList<KeyResult> ExistsMany(IReadOnlyList<string> keys) =>
            PerKey(keys, key => new object?[] { "EXISTS", key });

        /// <summary>PEXPIRE per key (millisecond precision), pipelined: Value is false where the key does not exist.</summary>
        public IReadOnlyList<KeyResult> PExpireMany(IReadOnlyList<string> keys, TimeSpan time)
        {
            long ms = Args.WholeMilliseconds(time, "time");
            return PerKey(keys, key => new object?[] { "PEXPIRE", key, ms });
        }

        /// <summary>PEXPIREAT per key, pipelined: Value is false where the key does not exist.</summary>
        public IReadOnlyList<KeyResult> PExpireAtMany(IReadOnlyList<string> keys, DateTimeOffset when)
        {
            long ms = when.ToUnixTimeMilliseconds();
            return PerKey(keys, key => new object?[] { "PEXPIREAT", key, ms });
        }

        /// <summary>PERSIST per key, pipelined: Value is false where the key had no expiry or does not exist.</summary>
        public IReadOnlyList<KeyResult> PersistMany(IReadOnlyList<string> keys) =>
            PerKey(keys, key => new object?[] { "PERSIST", key });

        private IReadOnlyList<KeyResult> PerKey(IReadOnlyList<string> keys, Func<string, object?[]> command)
        {
            if (keys == null) throw new ArgumentNullException(nameof(keys));
            var commands = new List<IReadOnlyList<object?>>(keys.Count);
            foreach (string key in keys) commands.Add(command(key));
            IReadOnlyList<RespValue> replies = ExecuteMany(commands);
            var results = new KeyResult[keys.Count];
            for (int i = 0; i < results.Length; i++)
            {
                RespValue reply = replies[i];
                results[i] = reply.IsError
                    ? new KeyResult(keys[i], false, reply.ToException())
                    : new KeyResult(keys[i], reply.Integer64 == 1, null);
            }
            return results;
        }
    }
}
