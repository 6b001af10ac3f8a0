using System;
using System.Collections.Generic;
using System.Globalization;

namespace PSRedis.Protocol
{
    /// <summary>How a command is named in error messages and exception data: never with arguments that may be secrets.</summary>
    internal static class CommandText
    {
        // Commands whose arguments after the name (and subcommand) can carry a password or token.
        private static readonly HashSet<string> s_secretBearing = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "AUTH", "HELLO", "ACL", "CONFIG", "MIGRATE", "SENTINEL",
        };

        // Commands whose first argument is a subcommand rather than a key.
        private static readonly HashSet<string> s_withSubcommand = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "ACL", "CONFIG", "CLIENT", "CLUSTER", "COMMAND", "FUNCTION", "LATENCY", "MEMORY", "MODULE", "OBJECT",
            "PUBSUB", "SCRIPT", "SENTINEL", "SLOWLOG", "XGROUP", "XINFO",
        };

        /// <summary>"INCR counter", "CONFIG SET", "AUTH": the name (and subcommand), and the key when it is not secret-bearing.</summary>
        public static string NameAndKey(IReadOnlyList<object?> args)
        {
            if (args.Count == 0) return string.Empty;
            string name = Text(args[0]).ToUpperInvariant();
            int next = 1;
            if (s_withSubcommand.Contains(name) && args.Count > 1)
            {
                name += " " + Text(args[1]).ToUpperInvariant();
                next = 2;
            }
            if (s_secretBearing.Contains(Text(args[0])) || args.Count <= next) return name;
            string key = Text(args[next]);
            if (key.Length > 80) key = key.Substring(0, 80) + "...";
            return name + " " + key;
        }

        /// <summary>The command's name in upper case ("INCRBY"), never an argument: for "INCR may or may not have been applied".</summary>
        public static string Name(IReadOnlyList<object?> args)
        {
            string name = args.Count > 0 ? Word(args[0]) : string.Empty;
            return name.Length > 0 ? name : "?";
        }

        /// <summary>True when the command is a container ("OBJECT", "CLIENT") and a subcommand follows.</summary>
        public static bool HasSubcommand(IReadOnlyList<object?> args) => args.Count > 1 && s_withSubcommand.Contains(Word(args[0]));

        /// <summary>An argument as the word it names (a name or subcommand sent as text or as UTF-8 bytes), in upper case.</summary>
        public static string Word(object? arg) => arg switch
        {
            string s => s.ToUpperInvariant(),
            byte[] b => System.Text.Encoding.UTF8.GetString(b).ToUpperInvariant(),
            _ => string.Empty,
        };

        private static string Text(object? arg) =>
            arg is byte[] bytes ? "<" + bytes.Length.ToString(CultureInfo.InvariantCulture) + " bytes>"
                : Convert.ToString(arg, CultureInfo.InvariantCulture) ?? string.Empty;
    }
}
