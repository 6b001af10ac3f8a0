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
    public abstract class RedisCmdlet : PSCmdlet, IDisposable
    {
        private CommandQueue? _commands;
        internal const string NoConnectionMessage = "No Redis connection. Run Connect-Redis first.";

        /// <summary>The connection to use, as an object or by its name; the session default when absent.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ConnectionTransformation]
        [ArgumentCompleter(typeof(Completion.ConnectionNameCompleter))]
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
                    ErrorIds.NoConnection,
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
                    ErrorIds.ConnectionClosed,
                    ErrorCategory.ConnectionError,
                    connection));
            }
            connection.MarkUsed();
            SentinelAddress? primary = connection.TakePrimaryChange();
            if (primary != null)
            {
                WriteVerbose("'" + connection.Name + "' follows service " + connection.ServiceName + " to its new primary " + primary + " (a Sentinel failover).");
            }
            return connection;
        }

        /// <summary>
        /// The queue this cmdlet sends its commands through (see <see cref="CommandQueue"/>): streamed in windows of
        /// <see cref="CommandWindow"/> commands, or queued on an enclosing Invoke-RedisPipeline/-Transaction.
        /// Sent and answered at the latest in EndProcessing.
        /// </summary>
        internal CommandQueue Commands => _commands ??= new CommandQueue(this, CommandWindow);

        /// <summary>Commands per round trip of <see cref="Commands"/>; one window is in flight while the next is gathered.</summary>
        private protected virtual int CommandWindow => CommandQueue.DefaultWindow;

        /// <summary>Sends what is still queued and writes the output of its replies. Overrides call this first.</summary>
        protected override void EndProcessing() => _commands?.Complete();

        /// <summary>Ctrl+C: the pipeline thread stops waiting for replies; the stop thread itself touches no socket.</summary>
        protected override void StopProcessing() => _commands?.Stop();

        /// <summary>
        /// ShouldProcess with PowerShell's rule for -Force: it skips the confirmation the command's impact would ask
        /// for, but never -WhatIf (which only says what would happen) nor an explicit -Confirm.
        /// </summary>
        protected bool Approve(string target, string action, bool force)
        {
            if (force && !Requested("WhatIf", "WhatIfPreference") && !Requested("Confirm", null)) return true;
            return ShouldProcess(target, action);
        }

        private bool Requested(string parameter, string? preference)
        {
            if (MyInvocation.BoundParameters.TryGetValue(parameter, out object? value)) return LanguagePrimitives.IsTrue(value);
            return preference != null && GetVariableValue(preference) is object set && LanguagePrimitives.IsTrue(set);
        }

        /// <summary>Gives back the queue's connection: in step after draining, or closed when it was stopped mid-reply.</summary>
        public void Dispose()
        {
            _commands?.Dispose();
            _commands = null;
            DisposeResources();
        }

        /// <summary>What a cmdlet holds besides its command queue, released when PowerShell disposes it.</summary>
        private protected virtual void DisposeResources()
        {
        }

        /// <summary>True inside Invoke-RedisPipeline/Invoke-RedisTransaction for this connection.</summary>
        private static bool IsBatching(RedisConnection connection) => CommandQueue.IsBatching(connection);

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
                ErrorIds.NotBatchable, ErrorCategory.InvalidOperation, connection));
        }

        /// <summary>True for failures of the connection itself, after which the cmdlet cannot go on.</summary>
        internal static bool IsConnectionLevel(Exception exception) => ErrorRecords.IsConnectionLevel(exception);

        /// <summary>Maps a client exception to an ErrorRecord with a fitting category and a "PSRedis.*" id.</summary>
        protected internal static ErrorRecord ToErrorRecord(Exception exception, object? target) => ErrorRecords.For(exception, target);

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
        internal void ThrowConnectionError(Exception exception, RedisConnection connection) =>
            ThrowTerminatingError(ToErrorRecord(exception, connection));
    }
}
