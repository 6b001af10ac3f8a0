using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// The one way a cmdlet sends commands. Each command is queued with a <see cref="ReplyHandler"/> that turns its reply
    /// into output. Outside a batch block the queue streams: every <c>window</c> commands are sent on a held connection,
    /// and the replies of the window before are read and handled while PowerShell binds the next input, so the round
    /// trip overlaps the binding. Inside Invoke-RedisPipeline/-Transaction for the same connection the commands go on the
    /// block's pipeline instead, with the same handlers, which that cmdlet runs when the batch is answered.
    /// </summary>
    /// <remarks>
    /// Replies are read and output written only on the pipeline thread (in <see cref="Add{T}"/>, <see cref="Flush"/>,
    /// <see cref="Then"/>). <see cref="Stop"/> is for StopProcessing on PowerShell's stop thread: it only raises flags, and
    /// the pipeline thread gives up its wait within about 0.1 s and closes the connection whose replies are then in doubt.
    /// </remarks>
    internal sealed class CommandQueue : IDisposable
    {
        internal const int DefaultWindow = 500;

        private readonly RedisCmdlet _cmdlet;
        private int _window;
        private readonly Action<PipelineReply> _handle;
        private RedisConnection? _connection;
        private RedisPipeline? _pipeline;
        private volatile bool _stopped;
        private long _commandsSent;
        private int _writes;

        internal CommandQueue(RedisCmdlet cmdlet, int window = DefaultWindow)
        {
            _cmdlet = cmdlet;
            _window = window;
            _handle = reply => Handle(reply, _cmdlet);
        }

        /// <summary>
        /// Commands per round trip outside a batch block: once this many are queued they are sent, and replies are
        /// handled until no more than this many are outstanding. A cmdlet may change it as it goes (Get-RedisValue sends
        /// one MGET per 1,000 keys with a window of one, and one GET per key with the default window when MGET is refused).
        /// </summary>
        internal int Window
        {
            get => _window;
            set => _window = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        /// <summary>True when <paramref name="connection"/>'s commands go to an enclosing Invoke-RedisPipeline/-Transaction.</summary>
        internal static bool IsBatching(RedisConnection connection) => BatchScope.Find(connection) != null;

        /// <summary>
        /// Queues the one command <paramref name="command"/> issues. Its result goes to <paramref name="onReply"/> (null:
        /// nothing is written); an error reply becomes a non-terminating error naming <paramref name="target"/> (made by
        /// <paramref name="onError"/> when given). An argument the client refuses is such an error at once.
        /// With <paramref name="hold"/> outside a batch block the command is only queued, never sent here: it goes in the
        /// write of the next command that fills the window (or with <see cref="Flush"/>), so that several commands added
        /// together take one write whatever the window, and its reply is read with those of that write.
        /// </summary>
        internal void Add<T>(RedisConnection connection, Func<RedisCommands, T> command, object? target,
            Action<T, Cmdlet>? onReply = null, Func<RedisException, object?, ErrorRecord?>? onError = null, bool hold = false)
        {
            if (_stopped) throw new PipelineStoppedException();
            var handler = new ReplyHandler<T>(target, onReply, onError);
            BatchScope.Batch? batch = BatchScope.Find(connection);
            if (batch != null)
            {
                handler.Source = _cmdlet;
                handler.QuietErrors = QuietErrors();
                Enqueue(batch.Pipeline, handler, command);
                return;
            }
            RedisPipeline pipeline = PipelineFor(connection);
            Enqueue(pipeline, handler, command);
            // What this write sends stays outstanding (more than a window when held commands go with it): only the
            // replies of earlier writes are read now, while PowerShell binds the next input.
            if (!hold && pipeline.Pending >= _window) Exchange(pipeline, Math.Max(_window, pipeline.Pending));
        }

        /// <summary>
        /// Runs <paramref name="action"/> once every reply queued so far for <paramref name="connection"/> was handled: at
        /// once outside a batch block (after the outstanding replies), or when the batch emits its replies.
        /// </summary>
        internal void Then(RedisConnection connection, Action<Cmdlet> action)
        {
            BatchScope.Batch? batch = BatchScope.Find(connection);
            if (batch != null)
            {
                batch.After(action);
                return;
            }
            Flush();
            action(_cmdlet);
        }

        /// <summary>
        /// A read that may take several round trips, as a paged range does. Outside a batch block the queue is flushed and
        /// <paramref name="paged"/> runs on the client now, each item written as it comes; inside one, <paramref name="whole"/>
        /// is queued as one command and <paramref name="items"/> of its reply are written the same way.
        /// </summary>
        internal void Read<TItem, TWhole>(RedisConnection connection, Func<RedisClientBase, IEnumerable<TItem>> paged,
            Func<RedisCommands, TWhole> whole, Func<TWhole, IEnumerable<TItem>> items, object? target, Action<TItem, Cmdlet> write)
        {
            if (IsBatching(connection))
            {
                Add(connection, whole, target, (reply, output) =>
                {
                    foreach (TItem item in items(reply)) write(item, output);
                });
                return;
            }
            Now(connection, target, () =>
            {
                foreach (TItem item in paged(connection.Client)) write(item, _cmdlet);
            });
        }

        /// <summary>
        /// A blocking command that may wait up to <paramref name="timeout"/> (zero: forever). Outside a batch block it waits
        /// in server-side slices of at most <see cref="WaitSlice"/>, so Ctrl+C ends even a forever wait within about a second;
        /// only for waits whose repeat is the same wait (BLPOP, XREADGROUP &gt;): a slice that returns nothing consumed
        /// nothing. Inside a batch block it is queued once with the whole timeout. <paramref name="onTimeout"/> runs when no
        /// reply counted as <paramref name="answered"/> came.
        /// </summary>
        /// <param name="beforeSlices">Runs on the client before the first slice (outside a batch only): for example to pin
        /// what '$' means, so that a repeated XREAD misses nothing added between two slices.</param>
        internal void Wait<T>(RedisConnection connection, TimeSpan timeout, Func<TimeSpan, Func<RedisCommands, T>> command,
            Func<T, bool> answered, object? target, Action<T, Cmdlet> onReply, Action<Cmdlet>? onTimeout = null,
            Action<RedisClientBase>? beforeSlices = null)
        {
            Action<T, Cmdlet> outcome = (reply, output) =>
            {
                if (answered(reply)) onReply(reply, output);
                else onTimeout?.Invoke(output);
            };
            if (IsBatching(connection))
            {
                Add(connection, command(timeout), target, outcome);
                return;
            }
            Now(connection, target, () =>
            {
                beforeSlices?.Invoke(connection.Client);
                var clock = Stopwatch.StartNew();
                while (true)
                {
                    TimeSpan slice = WaitSlice;
                    if (timeout > TimeSpan.Zero)
                    {
                        TimeSpan left = timeout - clock.Elapsed;
                        if (left < slice) slice = left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
                    }
                    T reply = command(slice)(connection.Client);
                    bool last = answered(reply) || (timeout > TimeSpan.Zero && clock.Elapsed >= timeout);
                    if (last)
                    {
                        outcome(reply, _cmdlet);
                        return;
                    }
                    if (_stopped || _cmdlet.Stopping) throw new PipelineStoppedException();
                }
            });
        }

        /// <summary>The longest single server-side wait of <see cref="Wait{T}"/>: how long Ctrl+C may take to be noticed.</summary>
        internal static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(1);

        /// <summary>Runs <paramref name="read"/> on the client now, after what is queued; a server error names <paramref name="target"/>.</summary>
        private void Now(RedisConnection connection, object? target, Action read)
        {
            Flush();
            try
            {
                read();
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                if (RedisCmdlet.IsConnectionLevel(e)) _cmdlet.ThrowConnectionError(e, connection);
                _cmdlet.WriteError(RedisCmdlet.ToErrorRecord(e, target));
            }
        }

        /// <summary>Sends what is queued and handles every reply (EndProcessing, and before a connection switch).</summary>
        internal void Flush()
        {
            RedisPipeline? pipeline = _pipeline;
            if (pipeline == null || pipeline.Count == 0) return;
            Exchange(pipeline, 0);
        }

        /// <summary>EndProcessing: <see cref="Flush"/>, and one Verbose line with what went over the wire.</summary>
        internal void Complete()
        {
            Flush();
            if (_writes == 0) return;
            _cmdlet.WriteVerbose("Sent " + _commandsSent.ToString(CultureInfo.InvariantCulture) + " command(s) in "
                + _writes.ToString(CultureInfo.InvariantCulture) + " write(s)" + (_connection != null ? " on " + _connection.Url : string.Empty) + ".");
            _commandsSent = 0;
            _writes = 0;
        }

        /// <summary>From StopProcessing (any thread): the waiting pipeline thread gives up; nothing here touches a socket.</summary>
        internal void Stop()
        {
            _stopped = true;
            _pipeline?.RequestStop();
        }

        /// <summary>On the pipeline thread: unread replies are drained, or after a stop the connection is closed.</summary>
        public void Dispose()
        {
            RedisPipeline? pipeline = _pipeline;
            _pipeline = null;
            _connection = null;
            pipeline?.Dispose();
        }

        private RedisPipeline PipelineFor(RedisConnection connection)
        {
            if (_pipeline != null && ReferenceEquals(connection, _connection)) return _pipeline;
            Flush();
            _pipeline?.Dispose();
            _connection = connection;
            _pipeline = connection.Client.Pipeline(transaction: false);
            if (_stopped) _pipeline.RequestStop();
            return _pipeline;
        }

        private void Enqueue<T>(RedisPipeline pipeline, ReplyHandler handler, Func<RedisCommands, T> command)
        {
            try
            {
                pipeline.Queue(handler, command);
            }
            catch (RedisDataException e)
            {
                // Refused before anything was sent (a bad argument): this item's error, the others go on.
                if (handler.OnError(e) is ErrorRecord record) _cmdlet.WriteError(record);
            }
        }

        /// <summary>Sends the queued commands, then handles replies until at most <paramref name="keep"/> are outstanding.</summary>
        private void Exchange(RedisPipeline pipeline, int keep)
        {
            RedisConnection connection = _connection!;
            // A pool of one cannot lend this queue a connection across records while upstream cmdlets need one too.
            if (connection.Client.Options.MaxConnections is int max && max < 2) keep = 0;
            try
            {
                int sent = pipeline.Send();
                if (sent > 0)
                {
                    _commandsSent += sent;
                    _writes++;
                }
                pipeline.Receive(keep, _handle);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                // The connection failed (its pipeline closed it): replies still due are lost, so nothing more can be said.
                _cmdlet.ThrowConnectionError(e, connection);
            }
        }

        private bool QuietErrors()
        {
            if (!_cmdlet.MyInvocation.BoundParameters.TryGetValue("ErrorAction", out object? value)) return false;
            object? action = value is PSObject ps ? ps.BaseObject : value;
            return action is ActionPreference preference && (preference == ActionPreference.SilentlyContinue || preference == ActionPreference.Ignore);
        }

        /// <summary>Runs the handler a reply was queued with; connection-level failures never come here (they are thrown).</summary>
        internal static void Handle(PipelineReply reply, Cmdlet output)
        {
            if (reply.State is ReplyHandler handler) handler.Handle(reply, output);
            else ReplyHandler.Default(reply, output);
        }
    }
}
