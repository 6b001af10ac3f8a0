using System;
using System.Collections.Generic;
using System.Text;

namespace PSRedis
{
    /// <summary>One command a server ran, as Watch-RedisCommand reports it from MONITOR (secrets masked).</summary>
    public sealed class RedisMonitorEntry
    {
        internal RedisMonitorEntry(string node, DateTime time, int database, string client, string command, string[] arguments)
        {
            Node = node;
            Time = time;
            Database = database;
            Client = client;
            Command = command;
            Arguments = arguments;
        }

        /// <summary>The server that ran the command, as host:port (or its unix socket's path).</summary>
        public string Node { get; }
        /// <summary>When the server ran the command (UTC, microsecond resolution).</summary>
        public DateTime Time { get; }
        /// <summary>The database the command ran in.</summary>
        public int Database { get; }
        /// <summary>Who sent it: the client's ip:port, "unix" for a unix-socket client, "lua" for a script's redis.call.</summary>
        public string Client { get; }
        /// <summary>The command's name, upper case (e.g. SET; CONFIG for CONFIG SET, whose subcommand is the first argument).</summary>
        public string Command { get; }
        /// <summary>The arguments as UTF-8 strings; passwords (AUTH, HELLO ... AUTH, MIGRATE ... AUTH, CONFIG SET *pass*/*auth*, ACL SETUSER &gt;pass) show as "(redacted)".</summary>
        public string[] Arguments { get; }

        /// <summary>The command as it would be typed (arguments quoted when they hold spaces or quotes).</summary>
        public override string ToString()
        {
            var text = new StringBuilder(Command);
            foreach (string a in Arguments)
            {
                text.Append(' ');
                if (a.Length > 0 && a.IndexOfAny(new[] { ' ', '"', '\'', '\t', '\r', '\n' }) < 0) text.Append(a);
                else text.Append('"').Append(a.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
            }
            return text.ToString();
        }

        internal const string Redacted = "(redacted)";

        /// <summary>
        /// The arguments with every secret replaced by "(redacted)". The server already redacts AUTH, HELLO and
        /// MIGRATE passwords in MONITOR; this keeps them out of our output whatever the server version does.
        /// </summary>
        internal static string[] Mask(string command, IList<string> arguments)
        {
            string[] args = new string[arguments.Count];
            arguments.CopyTo(args, 0);
            switch (command)
            {
                case "AUTH":
                    for (int i = 0; i < args.Length; i++) args[i] = Redacted; // AUTH password | AUTH user password
                    break;
                case "HELLO":
                    for (int i = 0; i + 2 < args.Length; i++)
                    {
                        if (!Is(args[i], "AUTH")) continue;
                        args[i + 2] = Redacted; // HELLO 3 AUTH user password
                        i += 2;
                    }
                    break;
                case "MIGRATE":
                    for (int i = 0; i + 1 < args.Length; i++)
                    {
                        if (Is(args[i], "AUTH")) args[++i] = Redacted;
                        else if (Is(args[i], "AUTH2") && i + 2 < args.Length) { args[i + 2] = Redacted; i += 2; }
                        else if (Is(args[i], "KEYS")) break;
                    }
                    break;
                case "CONFIG":
                    if (args.Length > 0 && Is(args[0], "SET"))
                    {
                        for (int i = 1; i + 1 < args.Length; i += 2)
                        {
                            if (IsSecretSetting(args[i])) args[i + 1] = Redacted;
                        }
                    }
                    break;
                case "ACL":
                    if (args.Length > 0 && Is(args[0], "SETUSER"))
                    {
                        for (int i = 2; i < args.Length; i++)
                        {
                            string rule = args[i];
                            if (rule.Length > 0 && (rule[0] == '>' || rule[0] == '<' || rule[0] == '#' || rule[0] == '!')) args[i] = rule[0] + Redacted;
                        }
                    }
                    break;
            }
            return args;
        }

        private static bool Is(string value, string word) => string.Equals(value, word, StringComparison.OrdinalIgnoreCase);

        private static bool IsSecretSetting(string name) =>
            name.IndexOf("pass", StringComparison.OrdinalIgnoreCase) >= 0 || name.IndexOf("auth", StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
