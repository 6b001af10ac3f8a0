using System;
using System.Diagnostics;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// Base of the PSRedis cmdlets: resolves -Connection (or the session default) and turns client exceptions
    /// into ErrorRecords. Connection-level failures are terminating; per-key failures are not, so one bad key
    /// does not stop a pipeline.
    /// </summary>
    public abstract class RedisCmdlet : PSCmdlet
    {
        internal const string NoConnectionMessage = "No Redis connection. Run Connect-Redis first.";

        /// <summary>The connection to use; the session default (the last Connect-Redis) when absent.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        public RedisConnection? Connection { get; set; }

        /// <summary>
        /// -Connection when given, else the session default; a terminating error when there is none or when it was
        /// closed. Marks it used, which decides the next default when the default is closed.
        /// </summary>
        protected RedisConnection ResolveConnection()
        {
            RedisConnection? connection = Connection ?? ConnectionRegistry.Current?.Default;
            if (connection == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException(NoConnectionMessage),
                    "PSRedis.NoConnection",
                    ErrorCategory.ConnectionError,
                    null));
            }
            return EnsureOpen(connection!);
        }

        /// <summary>A terminating error naming Disconnect-Redis for a closed connection, rather than "disposed object" later.</summary>
        protected RedisConnection EnsureOpen(RedisConnection connection)
        {
            if (connection.IsClosed)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("The connection '" + connection.Name + "' was closed by Disconnect-Redis. Run Connect-Redis to open a new one."),
                    "PSRedis.ConnectionClosed",
                    ErrorCategory.ConnectionError,
                    connection));
            }
            connection.MarkUsed();
            return connection;
        }

        /// <summary>
        /// Where typed commands go: the batch of an enclosing Invoke-RedisPipeline/Invoke-RedisTransaction for this
        /// connection (commands are queued and their methods return default values), else the client (commands run).
        /// </summary>
        protected static RedisCommands CommandsFor(RedisConnection connection) =>
            (RedisCommands?)BatchScope.For(connection) ?? connection.Client;

        /// <summary>
        /// True inside Invoke-RedisPipeline/Invoke-RedisTransaction for this connection: queue through
        /// <see cref="CommandsFor"/> and emit nothing; the batch cmdlet emits every reply, in order, when it runs.
        /// </summary>
        protected static bool IsBatching(RedisConnection connection) => BatchScope.For(connection) != null;

        /// <summary>
        /// Inside a batch: queues the commands <paramref name="queue"/> sends and notes, for each, the target its error
        /// names (a key) and how its reply is shown (<paramref name="shape"/>: e.g. EXISTS' 1/0 as $true/$false).
        /// Plain <c>CommandsFor(connection).X(...)</c> works too; its replies are emitted as parsed.
        /// </summary>
        protected static void QueueInBatch(RedisConnection connection, object? target, Action<RedisCommands> queue,
            Func<object?, object?>? shape = null) => BatchScope.Queue(connection, target, queue, shape);

        /// <summary>The longest single server-side wait of a blocking cmdlet: how long Ctrl+C may take to be noticed.</summary>
        internal static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(1);

        /// <summary>
        /// Runs a blocking command (<paramref name="once"/>, given how long the server may wait this time) in waits of at
        /// most <see cref="WaitSlice"/> until it returns true or <paramref name="timeout"/> has passed (zero: forever).
        /// A blocking read cannot be interrupted from PowerShell's stop thread, so one long wait would ignore Ctrl+C until
        /// it ended; between slices a stopped pipeline ends the cmdlet. Only for commands whose repeat is the same wait
        /// (BLPOP, XREADGROUP &gt;): a slice that returns nothing has consumed nothing.
        /// </summary>
        protected bool WaitInSlices(TimeSpan timeout, Func<TimeSpan, bool> once)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                TimeSpan slice = WaitSlice;
                if (timeout > TimeSpan.Zero)
                {
                    TimeSpan left = timeout - clock.Elapsed;
                    if (left <= TimeSpan.Zero) return false;
                    if (left < slice) slice = left;
                }
                if (once(slice)) return true;
                if (Stopping) throw new PipelineStoppedException();
            }
        }

        /// <summary>
        /// For cmdlets that need their replies while they run (SCAN, PING timing, closing a connection): a terminating
        /// error inside Invoke-RedisPipeline/Invoke-RedisTransaction for this connection, instead of a surprising
        /// immediate command in the middle of a batch.
        /// </summary>
        protected void ThrowIfBatching(RedisConnection connection, string why)
        {
            if (!IsBatching(connection)) return;
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException(MyInvocation.MyCommand.Name + " cannot run inside Invoke-RedisPipeline or Invoke-RedisTransaction for the same connection: "
                    + why + " Run it before or after the batch, or give it another connection with -Connection."),
                "PSRedis.NotBatchable", ErrorCategory.InvalidOperation, connection));
        }

        /// <summary>True for failures of the connection itself, after which the cmdlet cannot go on.</summary>
        protected static bool IsConnectionLevel(Exception exception) =>
            exception is RedisConnectionException
            || exception is RedisTimeoutException
            || exception is RedisInvalidResponseException
            || exception is ObjectDisposedException;

        /// <summary>Maps a client exception to an ErrorRecord with a fitting category and a "PSRedis.*" id.</summary>
        protected internal static ErrorRecord ToErrorRecord(Exception exception, object? target)
        {
            string id;
            ErrorCategory category;
            switch (exception)
            {
                case RedisAuthenticationException _:
                    id = "PSRedis.AuthenticationFailed"; category = ErrorCategory.AuthenticationError; break;
                case RedisConnectionException _:
                    id = "PSRedis.ConnectionFailed"; category = ErrorCategory.ConnectionError; break;
                case RedisTimeoutException _:
                    id = "PSRedis.Timeout"; category = ErrorCategory.OperationTimeout; break;
                case RedisNoPermissionException _:
                    id = "PSRedis.NoPermission"; category = ErrorCategory.PermissionDenied; break;
                case RedisReadOnlyException _:
                    id = "PSRedis.ReadOnly"; category = ErrorCategory.WriteError; break;
                case RedisOutOfMemoryException _:
                    id = "PSRedis.OutOfMemory"; category = ErrorCategory.LimitsExceeded; break;
                case RedisResponseException response when response.ErrorCode == "WRONGTYPE":
                    id = "PSRedis.WrongType"; category = ErrorCategory.InvalidType; break;
                case RedisResponseException _:
                    id = "PSRedis.ServerError"; category = ErrorCategory.InvalidOperation; break;
                case RedisDataException _:
                    id = "PSRedis.InvalidArgument"; category = ErrorCategory.InvalidArgument; break;
                case RedisInvalidResponseException _:
                    id = "PSRedis.InvalidResponse"; category = ErrorCategory.ProtocolError; break;
                case ObjectDisposedException _:
                    id = "PSRedis.ConnectionClosed"; category = ErrorCategory.ConnectionError; break;
                case ArgumentException _:
                case FormatException _:
                    id = "PSRedis.InvalidArgument"; category = ErrorCategory.InvalidArgument; break;
                default:
                    id = "PSRedis.Error"; category = ErrorCategory.NotSpecified; break;
            }
            return new ErrorRecord(exception, id, category, target);
        }

        /// <summary>
        /// Reports a failure: terminating when it is connection-level (target: the connection), otherwise a
        /// non-terminating error with <paramref name="key"/> as target so the pipeline goes on.
        /// </summary>
        protected void WriteRedisError(Exception exception, RedisConnection connection, string? key)
        {
            if (IsConnectionLevel(exception)) ThrowTerminatingError(ToErrorRecord(exception, connection));
            WriteError(ToErrorRecord(exception, (object?)key ?? connection));
        }

        /// <summary>A connection-level failure as a terminating error with the connection as target.</summary>
        protected void ThrowConnectionError(Exception exception, RedisConnection connection) =>
            ThrowTerminatingError(ToErrorRecord(exception, connection));
    }
}
