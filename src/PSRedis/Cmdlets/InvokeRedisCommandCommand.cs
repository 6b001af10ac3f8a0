using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Invoke-RedisCommand: any command, its reply parsed into .NET values; an array reply is enumerated (one output
    /// per element, as PowerShell cmdlets do with collections) unless -NoEnumerate. Verbose shows the command name and
    /// the argument count only, so no password (HELLO, ACL SETUSER, CONFIG SET requirepass, MIGRATE ... AUTH) ever
    /// reaches a log. Commands that would change a pooled connection behind the pool's back are refused, naming what
    /// to use instead; blocking commands wait their own timeout and end within about 0.1 s on Ctrl+C.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RedisCommand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
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

        /// <summary>Runs commands that empty or stop the server (FLUSHALL, FLUSHDB, SHUTDOWN, DEBUG, ...) without asking.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Emits an array reply as one object[] instead of one output per element.</summary>
        [Parameter]
        public SwitchParameter NoEnumerate { get; set; }

        /// <summary>What to use instead of a command that would change a pooled connection behind the pool's back.</summary>
        private static readonly Dictionary<string, string> s_refused = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["SELECT"] = "Connect-Redis -Database (or a URL ending in /<db>), or -Connection with a connection to that database",
            ["SUBSCRIBE"] = "Register-RedisEvent -Channel",
            ["PSUBSCRIBE"] = "Register-RedisEvent -Pattern",
            ["SSUBSCRIBE"] = "Register-RedisEvent",
            ["UNSUBSCRIBE"] = "Unregister-Event",
            ["PUNSUBSCRIBE"] = "Unregister-Event",
            ["SUNSUBSCRIBE"] = "Unregister-Event",
            ["MONITOR"] = "$connection.Client.Monitor() on a connection of its own",
            ["RESET"] = "Disconnect-Redis and Connect-Redis",
            ["QUIT"] = "Disconnect-Redis",
            ["HELLO"] = "Connect-Redis (protocol=3 in the URL's query string)",
            ["AUTH"] = "Connect-Redis -Credential or -AccessToken",
        };

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
            RefuseConnectionStateChanges(shown);
            if (!Approve(shown, connection)) return;
            WriteVerbose(shown + " with " + (args.Count - 1).ToString(CultureInfo.InvariantCulture) + " argument(s) on " + connection.Url);

            // Error replies are the command's answer, not a broken connection. The error's target is the command name
            // only: arguments may hold a password. A blocking command's own wait comes on top of the socket timeout.
            TimeSpan? blockFor = BlockingCommands.WaitOf(args);
            bool decode = !AsByteArray;
            Commands.Add(connection, c => c.ExecuteToObject(args, decode, blockFor), shown, NoEnumerate ? s_whole : s_enumerated);
        }

        private static readonly Action<object?, Cmdlet> s_whole = (reply, output) => output.WriteObject(reply);

        // An array reply, one output per element, as cmdlets emit collections; a bulk string as bytes stays one byte[].
        private static readonly Action<object?, Cmdlet> s_enumerated = (reply, output) => output.WriteObject(reply, reply is object?[]);

        /// <summary>
        /// Reads never ask and run under -WhatIf too; other commands go through ShouldProcess (Medium impact); commands
        /// that empty or stop a server also ask for confirmation unless -Force, as Clear-RedisDatabase does.
        /// </summary>
        private bool Approve(string shown, RedisConnection connection)
        {
            if (CommandImpact.IsRead(shown)) return true;
            string target = connection.Name + " (" + connection.Url + ")";
            if (!ShouldProcess(target, shown)) return false;
            if (!CommandImpact.IsHigh(shown) || Force) return true;
            return ShouldContinue(shown + " on " + target + " cannot be undone. Run it?", "Confirm " + shown);
        }

        private void RefuseConnectionStateChanges(string shown)
        {
            string? instead = s_refused.TryGetValue(shown.Split(' ')[0], out string? use) ? use
                : shown == "CLIENT TRACKING" ? "a connection of its own from the client (RESP3 push messages would reach pooled commands)"
                : shown == "CLIENT REPLY" ? "nothing: every pooled command needs its reply"
                : null;
            if (instead == null) return;
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException(shown + " would change the pooled connection it runs on behind the pool's back (later commands would see its effect, or wait for replies that never come). Use " + instead + " instead."),
                ErrorIds.CommandNotAllowed, ErrorCategory.InvalidOperation, shown));
        }

        private static bool IsWord(string text)
        {
            if (text.Length == 0 || text.Length > 32) return false;
            foreach (char c in text) if (!(char.IsLetter(c) || c == '-' || c == '|')) return false;
            return true;
        }
    }
}
