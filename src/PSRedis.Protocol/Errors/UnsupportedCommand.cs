using System;
using System.Collections.Generic;

namespace PSRedis.Protocol
{
    /// <summary>
    /// The server does not know the command or subcommand (an older Redis, Garnet, Valkey, a proxy): "ERR unknown command",
    /// "ERR unknown subcommand 'DOCTOR'". A <see cref="RedisResponseException"/>, so existing handlers still catch it; its
    /// message names the command (never its arguments) and the server, and <see cref="ServerError"/> keeps the server's text.
    /// </summary>
    public class RedisUnsupportedCommandException : RedisResponseException
    {
        private ServerIdentity? _server;

        public RedisUnsupportedCommandException(string command, string serverError, ServerIdentity? server)
            : base(serverError)
        {
            Command = command;
            ServerError = serverError;
            _server = server;
        }

        /// <summary>The command as sent, upper case, with its subcommand ("OBJECT FREQ"), never its arguments.</summary>
        public string Command { get; }

        /// <summary>The server's own error text, without the arguments Redis quotes back ("with args beginning with").</summary>
        public string ServerError { get; }

        /// <summary>Which server refused; null while a pipeline could not ask yet (see <see cref="Identify"/>).</summary>
        public ServerIdentity? Server => _server;

        public override string Message =>
            "The server " + (_server == null ? "" : _server.Describe() + " ") + "does not support " + Command + " (" + ServerError.TrimEnd('.', ' ') + ").";

        /// <summary>
        /// Names the server once it is known: a streamed pipeline reads an error before it may ask INFO on the same
        /// connection (the other replies come first), so the server is filled in once the replies are all read.
        /// </summary>
        internal void Identify(ServerIdentity server) => _server ??= server;
    }

    /// <summary>Recognises a server's "unknown command" errors and turns them into <see cref="RedisUnsupportedCommandException"/>.</summary>
    internal static class UnsupportedCommand
    {
        private const int MaxWord = 64;
        private const int MaxServerText = 300;

        /// <summary>
        /// True for the errors servers give for a command or subcommand they do not have: Redis and Valkey
        /// ("ERR unknown command 'FOO', with args beginning with: ...", "ERR unknown subcommand 'X'. Try OBJECT HELP."),
        /// Garnet ("ERR unknown command", "ERR unknown subcommand 'X'.", "ERR OBJECT FREQ is not supported: ...").
        /// </summary>
        internal static bool IsUnknown(string? message, IReadOnlyList<object?> args)
        {
            if (message == null || !message.StartsWith("ERR ", StringComparison.Ordinal)) return false;
            if (message.IndexOf("unknown command", StringComparison.OrdinalIgnoreCase) >= 0
                || message.IndexOf("unknown subcommand", StringComparison.OrdinalIgnoreCase) >= 0) return true;
            // "ERR <command> is not supported": only when the named command is the one sent, so that an argument's
            // "not supported" (an option, an encoding) is not taken for the whole command.
            return NamedNotSupported(message, NameOf(args, withSubcommand: false))
                || (args.Count > 1 && NamedNotSupported(message, NameOf(args, withSubcommand: true)));
        }

        private static bool NamedNotSupported(string message, string named) =>
            message.StartsWith("ERR " + named + " is not supported", StringComparison.OrdinalIgnoreCase);

        /// <summary>The exception for an unknown-command <paramref name="message"/>; <paramref name="server"/> may come later.</summary>
        internal static RedisUnsupportedCommandException For(IReadOnlyList<object?> args, string message, ServerIdentity? server)
        {
            bool subcommand = message.IndexOf("unknown subcommand", StringComparison.OrdinalIgnoreCase) >= 0
                || CommandText.HasSubcommand(args)
                || (args.Count > 1 && message.StartsWith("ERR " + NameOf(args, true) + " ", StringComparison.OrdinalIgnoreCase));
            return new RedisUnsupportedCommandException(NameOf(args, subcommand), WithoutArguments(message), server);
        }

        /// <summary>"OBJECT FREQ": the name, and the subcommand when there is one, upper case, each cut to a sane length.</summary>
        private static string NameOf(IReadOnlyList<object?> args, bool withSubcommand)
        {
            string name = args.Count > 0 ? Cut(CommandText.Word(args[0])) : "?";
            if (withSubcommand && args.Count > 1)
            {
                string sub = Cut(CommandText.Word(args[1]));
                if (sub.Length > 0) name += " " + sub;
            }
            return name;
        }

        private static string Cut(string word) => word.Length > MaxWord ? word.Substring(0, MaxWord) + "..." : word;

        /// <summary>
        /// Redis quotes the first arguments back ("..., with args beginning with: 'secret' "), and those may be a password
        /// or a huge value: the text is cut there, and to a bounded length.
        /// </summary>
        internal static string WithoutArguments(string message)
        {
            int args = message.IndexOf(", with args beginning with", StringComparison.OrdinalIgnoreCase);
            string text = args >= 0 ? message.Substring(0, args) : message;
            if (text.Length > MaxServerText) text = text.Substring(0, MaxServerText) + "...";
            return text.TrimEnd();
        }
    }
}
