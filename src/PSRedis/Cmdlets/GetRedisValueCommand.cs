using System;
using System.Collections.Generic;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisValue: the string value of each key. One output per key in input order, $null for a missing key; a key
    /// holding another type is a non-terminating WrongType error (and no output) so the rest of the pipeline goes on.
    /// <para>
    /// Outside Invoke-RedisPipeline/-Transaction the keys are gathered per connection, up to <see cref="BatchSize"/>, and
    /// read with one MGET per batch through the command queue with a window of one command: batch n travels while
    /// PowerShell binds the keys of batch n+1. MGET answers nil both for a missing key and for a key of another type, so
    /// the nil positions of a batch are read again with GET, queued behind the next batch's MGET (no round trip of their
    /// own): nil again is $null, WRONGTYPE is the error. A batch's outputs are written once all its keys are known, and
    /// never before those of an earlier batch. When the server refuses MGET (a user allowed only +get: NOPERM) that
    /// batch is read with one GET per key, and so is the rest of the invocation, in windows of 500.
    /// </para>
    /// Inside a batch block for the connection each key is one GET on the block's pipeline, one reply per key, as before.
    /// </summary>
    // Only -InputObject takes pipeline input (see PipedKeys): binding each piped key by property name cost more than
    // reading it.
    [Cmdlet(VerbsCommon.Get, "RedisValue", DefaultParameterSetName = InputObjectSet)]
    [OutputType(typeof(string), typeof(byte[]), typeof(RedisKeyValue))]
    public sealed class GetRedisValueCommand : RedisCmdlet
    {
        private const string KeySet = "Key";
        private const string InputObjectSet = "InputObject";

        /// <summary>The keys, named on the command line (piped keys arrive through -InputObject).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = KeySet)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>Whatever is piped: Get-RedisKey's objects, strings, or objects with a Key (and Connection) property.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        public PSObject? InputObject { get; set; }

        /// <summary>The connection (default: the one each piped object brings, else the session's).</summary>
        [Parameter(ParameterSetName = KeySet)]
        [Parameter(ParameterSetName = InputObjectSet)]
        [ValidateNotNull]
        [ConnectionTransformation]
        [ArgumentCompleter(typeof(Completion.ConnectionNameCompleter))]
        public new RedisConnection? Connection
        {
            get => base.Connection;
            set => base.Connection = value;
        }

        private RedisConnection? _sessionConnection;

        /// <summary>Emits each value as byte[] (exactly the stored bytes) instead of a UTF-8 string.</summary>
        [Parameter]
        public SwitchParameter AsByteArray { get; set; }

        /// <summary>Emits Key/Value objects (for Export-Csv, ConvertTo-Json, Format-Table) instead of the bare values.</summary>
        [Parameter]
        public SwitchParameter IncludeKey { get; set; }

        /// <summary>Keys per MGET.</summary>
        internal const int BatchSize = 1000;

        private static readonly Action<object?, Cmdlet> s_write = (value, output) => output.WriteObject(value);

        // The keys gathered for the next MGET, and their connection.
        private readonly List<string> _gathered = new List<string>(BatchSize);
        private RedisConnection? _gatheredFor;
        // Batches queued and not written yet, oldest first: outputs go out in input order.
        private readonly Queue<Batch> _unwritten = new Queue<Batch>();
        // Batches with keys to read again with GET (nil in the MGET reply, or every key when MGET was refused), found
        // while replies were handled; their GETs are queued once the queue is out of its reply loop.
        private readonly Queue<Batch> _toResolve = new Queue<Batch>();
        // MGET was refused: one GET per key for the rest of the invocation.
        private bool _perKey;

        // One MGET in flight while the next batch is gathered (each carries up to BatchSize keys).
        private protected override int CommandWindow => 1;

        protected override void ProcessRecord()
        {
            if (InputObject == null)
            {
                RedisConnection named = ResolveConnection();
                foreach (string key in Key!) Take(key, named);
                return;
            }
            // Fast path first: Get-RedisKey's objects carry their key and connection.
            if (InputObject.BaseObject is RedisKeyInfo info)
            {
                Take(info.Key, Connection ?? info.Connection);
                return;
            }
            IReadOnlyList<string> keys = PipedKeys.Read(InputObject, out RedisConnection? from, out ErrorRecord? error);
            if (error != null) WriteError(error);
            RedisConnection connection = Connection ?? from ?? (_sessionConnection ??= ResolveConnection());
            foreach (string key in keys) Take(key, connection);
        }

        protected override void EndProcessing()
        {
            FlushGathered();
            // Each flush may answer MGETs whose nil keys then need their GETs: until every batch is known.
            do
            {
                Commands.Flush();
            }
            while (ResolvePending());
            WriteReady();
            base.EndProcessing();
        }

        /// <summary>Adds one key to the batch of <paramref name="connection"/>; inside a batch block, one GET at once.</summary>
        private void Take(string key, RedisConnection connection)
        {
            if (!ReferenceEquals(_gatheredFor, connection))
            {
                // Keys for another connection end the batch being gathered.
                FlushGathered();
                if (CommandQueue.IsBatching(connection))
                {
                    ReadOne(connection, key);
                    return;
                }
                _gatheredFor = connection;
            }
            _gathered.Add(key);
            if (_gathered.Count >= BatchSize) FlushGathered();
        }

        /// <summary>One GET whose reply handler writes the output: the path inside Invoke-RedisPipeline/-Transaction.</summary>
        private void ReadOne(RedisConnection connection, string key)
        {
            Action<object?, Cmdlet> write = IncludeKey ? (value, output) => output.WriteObject(new RedisKeyValue(key, value, connection)) : s_write;
            AddGet(connection, key, write, WrongType);
        }

        /// <summary>Queues one GET of <paramref name="key"/> (GetBytes with -AsByteArray); see CommandQueue.Add for <paramref name="hold"/>.</summary>
        private void AddGet(RedisConnection connection, string key, Action<object?, Cmdlet> onReply,
            Func<RedisException, object?, ErrorRecord?> onError, bool hold = false)
        {
            if (AsByteArray) Commands.Add<object?>(connection, c => c.GetBytes(key), key, onReply, onError, hold);
            else Commands.Add<object?>(connection, c => c.Get(key), key, onReply, onError, hold);
        }

        /// <summary>Queues the gathered keys as one MGET (one GET per key once MGET was refused).</summary>
        private void FlushGathered()
        {
            RedisConnection? connection = _gatheredFor;
            if (connection == null || _gathered.Count == 0) return;
            var batch = new Batch(connection, _gathered.ToArray());
            _gathered.Clear();
            _unwritten.Enqueue(batch);
            if (_perKey)
            {
                batch.RereadAll();
                _toResolve.Enqueue(batch);
            }
            else
            {
                string[] keys = batch.Keys;
                Func<RedisException, object?, ErrorRecord?> refused = (e, first) => Refused(batch);
                if (AsByteArray) Commands.Add(connection, c => c.MGetBytes(keys), keys[0], (values, output) => Answered(batch, values), refused);
                else Commands.Add(connection, c => c.MGet(keys), keys[0], (values, output) => Answered(batch, values), refused);
            }
            ResolvePending();
        }

        /// <summary>An MGET reply: the values are known, the nil positions are read again with GET.</summary>
        private void Answered<T>(Batch batch, IList<T> values) where T : class?
        {
            for (int i = 0; i < batch.Keys.Length; i++)
            {
                T value = i < values.Count ? values[i] : null!;
                if (value == null) batch.Reread(i);
                else batch.Values[i] = value;
            }
            if (batch.Unresolved != null) _toResolve.Enqueue(batch);
            else Done(batch);
        }

        /// <summary>
        /// The server refused MGET (NOPERM for a user allowed only +get, say): this batch is read with one GET per key,
        /// whose errors are the per-key ones, and so is the rest of the invocation. Nothing is written for the MGET itself.
        /// </summary>
        private ErrorRecord? Refused(Batch batch)
        {
            if (!_perKey)
            {
                _perKey = true;
                Commands.Window = CommandQueue.DefaultWindow;
                WriteVerbose("MGET was refused on " + batch.Connection.Url + "; reading one GET per key instead.");
            }
            batch.RereadAll();
            _toResolve.Enqueue(batch);
            return null;
        }

        /// <summary>
        /// Queues the GETs of the batches that need them; false when there were none. While MGETs are sent they are held
        /// back to go with the next MGET (or the final flush); one GET per key goes in the queue's windows.
        /// </summary>
        private bool ResolvePending()
        {
            bool any = false;
            while (_toResolve.Count > 0)
            {
                any = true;
                Batch batch = _toResolve.Dequeue();
                List<int> positions = batch.Unresolved!;
                batch.Unresolved = null;
                // Every GET counted before the first is queued: an exchange while queuing may answer the first ones.
                batch.Waiting = positions.Count;
                foreach (int i in positions) QueueGet(batch, i);
            }
            return any;
        }

        private void QueueGet(Batch batch, int i)
        {
            string key = batch.Keys[i];
            Action<object?, Cmdlet> answered = (value, output) =>
            {
                batch.Values[i] = value;
                Done(batch);
            };
            Func<RedisException, object?, ErrorRecord?> failed = (e, target) =>
            {
                batch.Error(i, WrongType(e, target));
                Done(batch);
                return null;
            };
            AddGet(batch.Connection, key, answered, failed, hold: !_perKey);
        }

        private void Done(Batch batch)
        {
            if (--batch.Waiting == 0) WriteReady();
        }

        /// <summary>Writes the outputs of the oldest batches that are fully known, in order.</summary>
        private void WriteReady()
        {
            while (_unwritten.Count > 0 && _unwritten.Peek().Known)
            {
                Batch batch = _unwritten.Dequeue();
                for (int i = 0; i < batch.Keys.Length; i++)
                {
                    if (batch.Errors?[i] is ErrorRecord record) WriteError(record);
                    else if (IncludeKey) WriteObject(new RedisKeyValue(batch.Keys[i], batch.Values[i], batch.Connection));
                    else WriteObject(batch.Values[i]);
                }
            }
        }

        /// <summary>The keys of one MGET and what is known of them.</summary>
        private sealed class Batch
        {
            internal Batch(RedisConnection connection, string[] keys)
            {
                Connection = connection;
                Keys = keys;
                Values = new object?[keys.Length];
            }

            internal RedisConnection Connection { get; }
            internal string[] Keys { get; }
            internal object?[] Values { get; }
            internal ErrorRecord?[]? Errors { get; private set; }

            /// <summary>Positions to read again with GET, not queued yet.</summary>
            internal List<int>? Unresolved { get; set; }

            /// <summary>Replies still due: the MGET's (1) until it is answered, then the GETs it needed.</summary>
            internal int Waiting { get; set; } = 1;

            /// <summary>Every key's outcome is known.</summary>
            internal bool Known => Waiting == 0;

            internal void Reread(int i) => (Unresolved ??= new List<int>()).Add(i);

            internal void RereadAll()
            {
                Unresolved = new List<int>(Keys.Length);
                for (int i = 0; i < Keys.Length; i++) Unresolved.Add(i);
            }

            internal void Error(int i, ErrorRecord record) => (Errors ??= new ErrorRecord?[Keys.Length])[i] = record;
        }

        private static ErrorRecord WrongType(RedisException error, object? key)
        {
            ErrorRecord record = ToErrorRecord(error, key);
            if (error is RedisResponseException response && response.ErrorCode == "WRONGTYPE")
            {
                record.ErrorDetails = new ErrorDetails("Key '" + key + "' does not hold a string value.")
                {
                    RecommendedAction = "Use the cmdlet for its type (Get-RedisKey -Detailed shows the type): Get-RedisHash, Get-RedisList, Get-RedisSetMember, Get-RedisSortedSetMember or Read-RedisStream.",
                };
            }
            return record;
        }
    }
}
