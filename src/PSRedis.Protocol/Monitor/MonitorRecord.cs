using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace PSRedis.Protocol
{
    /// <summary>One command the server executed, as MONITOR reports it (redis-py Monitor.next_command).</summary>
    public sealed class MonitorRecord
    {
        /// <summary>When the server ran the command (microsecond resolution).</summary>
        public DateTimeOffset Time { get; init; }

        /// <summary>The database the command ran in.</summary>
        public int Database { get; init; }

        /// <summary>Who sent it: "host:port" for TCP, the socket path for a unix socket, "lua" for a script's redis.call.</summary>
        public string ClientAddress { get; init; } = string.Empty;

        /// <summary>"tcp", "unix" or "lua".</summary>
        public string ClientType { get; init; } = string.Empty;

        /// <summary>The command name as the client sent it (e.g. "set").</summary>
        public string Command { get; init; } = string.Empty;

        /// <summary>The command's arguments, unescaped and decoded as UTF-8.</summary>
        public IList<string> Arguments { get; init; } = new string[0];

        /// <summary>The command's arguments as the exact bytes sent (for binary arguments).</summary>
        public IList<byte[]> ArgumentBytes { get; init; } = new byte[0][];

        /// <summary>The line as the server sent it.</summary>
        public string Line { get; init; } = string.Empty;

        /// <summary>The command as it would be typed: name and quoted arguments.</summary>
        public override string ToString() => Line;

        /// <summary>
        /// Parses a MONITOR line such as <c>1339518083.107412 [0 127.0.0.1:60866] "keys" "*"</c>; arguments are
        /// quoted with \" \\ \n \r \t \a \b and \xNN escapes (Redis's sdscatrepr).
        /// </summary>
        public static MonitorRecord Parse(string line)
        {
            if (line == null) throw new ArgumentNullException(nameof(line));
            int space = line.IndexOf(' ');
            int open = line.IndexOf('[');
            int close = open < 0 ? -1 : line.IndexOf("] ", open, StringComparison.Ordinal);
            if (close < 0 && open >= 0 && line.EndsWith("]", StringComparison.Ordinal)) close = line.Length - 1;
            if (space <= 0 || open != space + 1 || close < 0) throw Bad(line);

            DateTimeOffset time = ParseTime(line.Substring(0, space), line);
            string client = line.Substring(open + 1, close - open - 1);
            int split = client.IndexOf(' ');
            if (split <= 0 || !int.TryParse(client.Substring(0, split), NumberStyles.None, CultureInfo.InvariantCulture, out int db)) throw Bad(line);
            string info = client.Substring(split + 1);
            string type, address;
            if (info == "lua")
            {
                type = "lua";
                address = "lua";
            }
            else if (info.StartsWith("unix:", StringComparison.Ordinal))
            {
                type = "unix";
                address = info.Substring(5);
            }
            else
            {
                type = "tcp";
                address = info;
            }

            List<byte[]> parts = ParseArguments(line, close + 1);
            if (parts.Count == 0) throw Bad(line);
            var text = new List<string>(parts.Count - 1);
            var bytes = new List<byte[]>(parts.Count - 1);
            for (int i = 1; i < parts.Count; i++)
            {
                bytes.Add(parts[i]);
                text.Add(Encoding.UTF8.GetString(parts[i]));
            }
            return new MonitorRecord
            {
                Time = time,
                Database = db,
                ClientAddress = address,
                ClientType = type,
                Command = Encoding.UTF8.GetString(parts[0]),
                Arguments = text,
                ArgumentBytes = bytes,
                Line = line,
            };
        }

        private static DateTimeOffset ParseTime(string text, string line)
        {
            int dot = text.IndexOf('.');
            string whole = dot < 0 ? text : text.Substring(0, dot);
            string fraction = dot < 0 ? string.Empty : text.Substring(dot + 1);
            if (!long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || fraction.Length > 7 ||
                (fraction.Length > 0 && !long.TryParse(fraction, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw Bad(line);
            long ticks = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(7, '0'), CultureInfo.InvariantCulture);
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(ticks);
        }

        private static List<byte[]> ParseArguments(string line, int start)
        {
            var parts = new List<byte[]>();
            int i = start;
            while (i < line.Length)
            {
                if (line[i] == ' ')
                {
                    i++;
                    continue;
                }
                if (line[i] != '"') throw Bad(line);
                i++;
                var current = new List<byte>();
                bool closed = false;
                while (i < line.Length)
                {
                    char c = line[i++];
                    if (c == '"')
                    {
                        closed = true;
                        break;
                    }
                    if (c != '\\')
                    {
                        AppendUtf8(current, c);
                        continue;
                    }
                    if (i >= line.Length) throw Bad(line);
                    char e = line[i++];
                    switch (e)
                    {
                        case 'n': current.Add((byte)'\n'); break;
                        case 'r': current.Add((byte)'\r'); break;
                        case 't': current.Add((byte)'\t'); break;
                        case 'a': current.Add(7); break;
                        case 'b': current.Add(8); break;
                        case 'x':
                            if (i + 2 > line.Length || !byte.TryParse(line.Substring(i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
                                throw Bad(line);
                            current.Add(b);
                            i += 2;
                            break;
                        default:
                            AppendUtf8(current, e); // \\ and \" (and anything else) stand for themselves
                            break;
                    }
                }
                if (!closed) throw Bad(line);
                parts.Add(current.ToArray());
            }
            return parts;
        }

        private static void AppendUtf8(List<byte> bytes, char c)
        {
            if (c < 0x80) bytes.Add((byte)c);
            else bytes.AddRange(Encoding.UTF8.GetBytes(new[] { c }));
        }

        private static RedisInvalidResponseException Bad(string line) =>
            new RedisInvalidResponseException("Unrecognised MONITOR line: " + (line.Length > 120 ? line.Substring(0, 120) + "..." : line));
    }
}
