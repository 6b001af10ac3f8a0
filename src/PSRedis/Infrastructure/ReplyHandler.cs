using System;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// How one queued command's outcome becomes cmdlet output, decided by the cmdlet when it queues the command and
    /// carried with it as the pipeline entry's state. Whoever reads the reply runs it: the cmdlet's own
    /// <see cref="CommandQueue"/>, or Invoke-RedisPipeline/-Transaction for a command queued in its block. So a cmdlet's
    /// output is the same inside and outside a batch block: the same code makes it from the same reply.
    /// </summary>
    internal abstract class ReplyHandler
    {
        protected ReplyHandler(object? target) => Target = target;

        /// <summary>The cmdlet that queued the command.</summary>
        public Cmdlet? Source { get; set; }

        /// <summary>What an error names as its target: the key, or the command for commands without one.</summary>
        public object? Target { get; }

        /// <summary>
        /// The queuing cmdlet ran with -ErrorAction SilentlyContinue or Ignore: its errors are not written when another
        /// cmdlet (the batch) handles the reply, as the cmdlet itself would not have shown them.
        /// </summary>
        public bool QuietErrors { get; set; }

        /// <summary>Writes what the reply means (nothing, one object, one per element) to <paramref name="output"/>.</summary>
        internal abstract void OnReply(object? value, Cmdlet output);

        /// <summary>
        /// The error record for a command the server (or the reply's parser) refused: non-terminating, its target the key;
        /// null when the cmdlet expects this refusal (BUSYGROUP for a group it creates only if missing).
        /// </summary>
        internal abstract ErrorRecord? OnError(RedisException error);

        /// <summary>Runs the right one of <see cref="OnReply"/> and <see cref="OnError"/> for <paramref name="reply"/>.</summary>
        internal void Handle(PipelineReply reply, Cmdlet output)
        {
            if (reply.Error == null) OnReply(reply.Value, output);
            else if (OnError(reply.Error) is ErrorRecord record && !(QuietErrors && !ReferenceEquals(output, Source))) output.WriteError(record);
        }

        /// <summary>What a reply without a handler writes (commands queued on a batch's pipeline by other code).</summary>
        internal static void Default(PipelineReply reply, Cmdlet output)
        {
            if (reply.Error != null) output.WriteError(RedisCmdlet.ToErrorRecord(reply.Error, reply.Error.Data["PipelineCommand"]));
            else output.WriteObject(reply.Value);
        }
    }

    /// <summary>A <see cref="ReplyHandler"/> for a typed command whose parsed result is a <typeparamref name="T"/>.</summary>
    internal sealed class ReplyHandler<T> : ReplyHandler
    {
        private readonly Action<T, Cmdlet>? _onReply;
        private readonly Func<RedisException, object?, ErrorRecord?>? _onError;

        /// <param name="target">The key (or command) an error names.</param>
        /// <param name="onReply">Writes the output for the result; null: the command's result is not shown.</param>
        /// <param name="onError">Makes the error record; null: <see cref="RedisCmdlet.ToErrorRecord"/> with the target.</param>
        internal ReplyHandler(object? target, Action<T, Cmdlet>? onReply, Func<RedisException, object?, ErrorRecord?>? onError)
            : base(target)
        {
            _onReply = onReply;
            _onError = onError;
        }

        internal override void OnReply(object? value, Cmdlet output) => _onReply?.Invoke((T)value!, output);

        internal override ErrorRecord? OnError(RedisException error) =>
            _onError != null ? _onError(error, Target) : RedisCmdlet.ToErrorRecord(error, Target);
    }
}
