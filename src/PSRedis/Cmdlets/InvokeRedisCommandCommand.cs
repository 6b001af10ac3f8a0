using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Invoke-RedisCommand: any command, its reply parsed into .NET values and emitted as ONE object (an array
    /// reply is one object[]; PowerShell unrolls it when piped or assigned). Verbose shows the command name and
    /// the argument count only, so no password (AUTH, HELLO, ACL SETUSER, CONFIG SET requirepass, MIGRATE ... AUTH)
    /// ever reaches a log.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RedisCommand")]
    [OutputType(typeof(object))]
    public sealed class InvokeRedisCommandCommand : RedisCmdlet
    {
        /// <summary>Commands whose first argument names a subcommand worth showing in -Verbose (never a secret).</summary>
        private static readonly HashSet<string> s_containers = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "ACL", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DEBUG", "FUNCTION", "LATENCY", "MEMORY", "MODULE",
            "OBJECT", "PUBSUB", "SCRIPT", "SLOWLOG", "XGROUP", "XINFO",
        };

        /// <summary>The command name (GET, HSET, CONFIG, ...).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Command { get; set; }

        /// <summary>The arguments: strings, numbers, byte arrays; the rest of the command line also lands here.</summary>
        [Parameter(Position = 1, ValueFromRemainingArguments = true)]
        [AllowEmptyCollection]
        [AllowNull]
        public object?[]? ArgumentList { get; set; }

        /// <summary>Keeps bulk-string replies as byte arrays instead of decoding them as UTF-8 text.</summary>
        [Parameter]
        public SwitchParameter AsByteArray { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string name = Command!;
            var args = new List<object?>((ArgumentList?.Length ?? 0) + 1) { name };
            if (ArgumentList != null)
            {
                for (int i = 0; i < ArgumentList.Length; i++)
                {
                    object? arg = RedisValues.ToArgument(ArgumentList[i], out string? problem);
                    if (arg == null)
                    {
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException("Argument " + (i + 1).ToString(CultureInfo.InvariantCulture) + ": " + problem),
                            ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, name));
                    }
                    args.Add(arg);
                }
            }
            string shown = name.ToUpperInvariant();
            if (s_containers.Contains(name) && args.Count > 1 && args[1] is string sub && IsWord(sub)) shown += " " + sub.ToUpperInvariant();
            WriteVerbose(shown + " with " + (args.Count - 1).ToString(CultureInfo.InvariantCulture) + " argument(s) on " + connection.Url);

            // Error replies are the command's answer, not a broken connection (a refused AUTH must not end the script as a
            // connection failure would). The error's target is the command name only: arguments may hold a password.
            Commands.Add(connection, c => c.ExecuteToObject(args, decode: !AsByteArray), shown, s_write);
        }

        private static readonly Action<object?, Cmdlet> s_write = (reply, output) => output.WriteObject(reply);

        private static bool IsWord(string text)
        {
            if (text.Length == 0 || text.Length > 32) return false;
            foreach (char c in text) if (!(char.IsLetter(c) || c == '-' || c == '|')) return false;
            return true;
        }
    }
}
