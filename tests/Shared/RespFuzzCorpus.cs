using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace PSRedis.Tests.Shared
{
    /// <summary>
    /// The seeded RESP fuzz corpus, shared by the parser fuzz test (tests/Unit) and the garbage-through-the-proxy test
    /// (tests/Integration), which link this file. Three hundred valid RESP2/RESP3 replies (hand-written ones shaped like
    /// what a server sends, and generated ones of every type, nested) and, with a fixed seed, mutants of each: bytes
    /// flipped, cut short, spans duplicated, CR/LF inserted, lengths made huge or negative, wrapped in deep nesting, type
    /// bytes swapped, replies spliced, noise inserted. The same seed always gives the same cases, so a failing case
    /// index is reproducible.
    /// </summary>
    public static class RespFuzzCorpus
    {
        public const int Seed = 12_0512;
        private const int GeneratedSeeds = 250;
        public const int MutationsPerSeed = 16;

        /// <summary>Every seed unchanged, then <see cref="MutationsPerSeed"/> mutants of each.</summary>
        public static List<byte[]> Cases()
        {
            List<byte[]> seeds = Seeds();
            var rng = new Random(Seed);
            var cases = new List<byte[]>(seeds);
            foreach (byte[] seed in seeds)
            {
                for (int m = 0; m < MutationsPerSeed; m++)
                {
                    byte[] mutant = seed;
                    int rounds = rng.Next(1, 4);
                    for (int r = 0; r < rounds; r++) mutant = Mutate(rng, mutant, seeds);
                    cases.Add(mutant);
                }
            }
            return cases;
        }

        public static List<byte[]> Seeds()
        {
            var seeds = Recorded().Select(s => Encoding.Latin1.GetBytes(s)).ToList();
            var rng = new Random(Seed);
            for (int i = 0; i < GeneratedSeeds; i++) seeds.Add(Encoding.Latin1.GetBytes(Generate(rng, 0)));
            // A few bulks past half the read buffer, which the reader copies straight into the value.
            for (int size = 40_000; size <= 160_000; size += 60_000) seeds.Add(Encoding.Latin1.GetBytes(Bulk('$', new string('x', size))));
            return seeds;
        }

        /// <summary>Replies shaped like what Redis 7 sends for everyday commands, both protocols.</summary>
        private static IEnumerable<string> Recorded() => new[]
        {
            "+OK\r\n", "+PONG\r\n", "+QUEUED\r\n", "+string\r\n",
            "-ERR unknown command 'FOO', with args beginning with: \r\n",
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            "-NOAUTH Authentication required.\r\n", "-MOVED 3999 127.0.0.1:6381\r\n", "-LOADING Redis is loading the dataset in memory\r\n",
            ":0\r\n", ":1\r\n", ":-1\r\n", ":-2\r\n", ":9223372036854775807\r\n", ":-9223372036854775808\r\n",
            Bulk('$', "value"), "$0\r\n\r\n", "$-1\r\n", "*-1\r\n", "*0\r\n", "%0\r\n", "~0\r\n", "_\r\n", "#t\r\n", "#f\r\n",
            Array('*', Bulk('$', "a"), Bulk('$', "b"), "$-1\r\n"),
            Array('*', Bulk('$', "0"), Array('*', Bulk('$', "cache:1"), Bulk('$', "cache:2"))),
            Array('*', Array('*', Bulk('$', "a"), ",1\r\n"), Array('*', Bulk('$', "b"), ",2.5\r\n")), // ZRANGE WITHSCORES, RESP3
            Array('%', Bulk('$', "server"), Bulk('$', "redis"), Bulk('$', "version"), Bulk('$', "7.0.15"), Bulk('$', "proto"), ":3\r\n",
                Bulk('$', "id"), ":12\r\n", Bulk('$', "mode"), Bulk('$', "standalone"), Bulk('$', "role"), Bulk('$', "master"), Bulk('$', "modules"), "*0\r\n"),
            Array('>', Bulk('$', "message"), Bulk('$', "alerts"), Bulk('$', "disk full")),
            Array('>', Bulk('$', "pmessage"), Bulk('$', "alerts:*"), Bulk('$', "alerts:disk"), Bulk('$', "90%")),
            Array('>', Bulk('$', "invalidate"), Array('*', Bulk('$', "user:1"))),
            Array('*', Bulk('$', "subscribe"), Bulk('$', "alerts"), ":1\r\n"),
            Array('~', "+a\r\n", "+b\r\n", "+c\r\n"),
            ",3.14159\r\n", ",-0\r\n", ",inf\r\n", ",-inf\r\n", ",nan\r\n", ",1e+308\r\n", ",1.5e-7\r\n",
            "(3492890328409238509324850943850943825024385\r\n", "(-12345678901234567890\r\n",
            Bulk('=', "txt:# Server\r\nredis_version:7.0.15\r\n"), Bulk('=', "mkd:*hello*"),
            Bulk('!', "SYNTAX invalid syntax"),
            "|1\r\n+ttl\r\n:3600\r\n" + Bulk('$', "cached"),
            "|1\r\n" + Bulk('$', "popularity") + Array('%', Bulk('$', "a"), ",0.25\r\n") + Array('*', ":1\r\n", ":2\r\n"),
            Array('*', Array('*', Bulk('$', "stream"), Array('*', Array('*', Bulk('$', "1700000000000-0"), Array('*', Bulk('$', "f"), Bulk('$', "v")))))), // XREAD
            Array('*', "+OK\r\n", ":5\r\n", "$-1\r\n", "-ERR in a transaction\r\n"), // EXEC
            Bulk('$', "line one\r\nline two\r\n$3\r\nnot a header"), // binary-safe payload with RESP inside
        };

        private static string Bulk(char type, string payload) =>
            type + payload.Length.ToString(CultureInfo.InvariantCulture) + "\r\n" + payload + "\r\n"; // Latin-1: one byte per char

        private static string Array(char type, params string[] items)
        {
            int count = type == '%' ? items.Length / 2 : items.Length;
            return type + count.ToString(CultureInfo.InvariantCulture) + "\r\n" + string.Concat(items);
        }

        /// <summary>One random valid reply. Latin-1 text so that every char is one byte.</summary>
        private static string Generate(Random rng, int depth)
        {
            int kind = rng.Next(depth >= 4 ? 15 : 21);
            switch (kind)
            {
                case 0: return "+" + Text(rng, rng.Next(0, 30)) + "\r\n";
                case 1: return "-ERR " + Text(rng, rng.Next(0, 30)) + "\r\n";
                case 2: return ":" + Integer(rng).ToString(CultureInfo.InvariantCulture) + "\r\n";
                case 3:
                case 4: return Bulk('$', Bytes(rng, rng.Next(0, 200)));
                case 5: return rng.Next(2) == 0 ? "$-1\r\n" : "*-1\r\n";
                case 6: return "_\r\n";
                case 7: return rng.Next(2) == 0 ? "#t\r\n" : "#f\r\n";
                case 8: return "," + Double(rng) + "\r\n";
                case 9: return "(" + (rng.Next(2) == 0 ? "-" : "") + Digits(rng, rng.Next(1, 60)) + "\r\n";
                case 10: return Bulk('=', (rng.Next(2) == 0 ? "txt:" : "mkd:") + Bytes(rng, rng.Next(0, 80)));
                case 11: return Bulk('!', "ERR " + Text(rng, rng.Next(0, 40)));
                case 12: return Bulk('$', new string((char)rng.Next(256), rng.Next(1000, 5000)));
                case 13: return "+OK\r\n";
                case 14: return ":" + rng.Next(-5, 100).ToString(CultureInfo.InvariantCulture) + "\r\n";
                case 15:
                case 16: return Aggregate(rng, '*', depth);
                case 17: return Aggregate(rng, '%', depth);
                case 18: return Aggregate(rng, rng.Next(2) == 0 ? '~' : '>', depth);
                case 19: return "|" + "1\r\n" + Generate(rng, depth + 1) + Generate(rng, depth + 1) + Generate(rng, depth + 1);
                default: return Aggregate(rng, '*', depth);
            }
        }

        private static string Aggregate(Random rng, char type, int depth)
        {
            int count = rng.Next(0, 6);
            var items = new StringBuilder();
            items.Append(type).Append(count.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            int values = type == '%' ? count * 2 : count;
            for (int i = 0; i < values; i++) items.Append(Generate(rng, depth + 1));
            return items.ToString();
        }

        private static string Text(Random rng, int length)
        {
            var sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) sb.Append((char)rng.Next(32, 127));
            return sb.ToString();
        }

        /// <summary>Any bytes, CR and LF included: bulk payloads are binary-safe.</summary>
        private static string Bytes(Random rng, int length)
        {
            var sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) sb.Append((char)rng.Next(256));
            return sb.ToString();
        }

        private static string Digits(Random rng, int length)
        {
            var sb = new StringBuilder(length);
            sb.Append((char)('1' + rng.Next(9)));
            for (int i = 1; i < length; i++) sb.Append((char)('0' + rng.Next(10)));
            return sb.ToString();
        }

        private static long Integer(Random rng) => rng.Next(6) switch
        {
            0 => long.MaxValue,
            1 => long.MinValue,
            2 => 0,
            _ => rng.NextInt64(long.MinValue, long.MaxValue),
        };

        private static string Double(Random rng) => rng.Next(8) switch
        {
            0 => "inf",
            1 => "-inf",
            2 => "nan",
            3 => "0",
            _ => (rng.NextDouble() * Math.Pow(10, rng.Next(-300, 300))).ToString("R", CultureInfo.InvariantCulture),
        };

        // ---- mutations -------------------------------------------------------------------------------------

        private static readonly string[] HugeOrNegative =
        {
            "536870000", "536870912", "536870913", "2147483647", "2147483648", "4294967296", "9223372036854775807",
            "9223372036854775808", "99999999999999999999", "-2", "-1", "-9223372036854775808", "+5", "0x10", "1e6", "",
            "268435456", "134217728", "4097", "4096",
        };

        private static readonly byte[] TypeBytes = Encoding.ASCII.GetBytes("+-:$*_#,(!=%~>|@?\0\r\n ");

        private static byte[] Mutate(Random rng, byte[] input, List<byte[]> seeds)
        {
            var bytes = new List<byte>(input);
            switch (rng.Next(10))
            {
                case 0: // flip bits of a few bytes
                    for (int i = rng.Next(1, 4); i > 0 && bytes.Count > 0; i--)
                    {
                        int at = rng.Next(bytes.Count);
                        bytes[at] = (byte)(bytes[at] ^ (1 << rng.Next(8)));
                    }
                    break;
                case 1: // cut short, as a connection lost mid-reply
                    if (bytes.Count > 0) bytes = bytes.GetRange(0, rng.Next(bytes.Count));
                    break;
                case 2: // duplicate a span in place
                    if (bytes.Count > 0)
                    {
                        int start = rng.Next(bytes.Count);
                        int length = rng.Next(1, Math.Min(64, bytes.Count - start) + 1);
                        bytes.InsertRange(start, bytes.GetRange(start, length));
                    }
                    break;
                case 3: // stray CR, LF or CRLF
                {
                    string[] breaks = { "\r", "\n", "\r\n", "\r\r\n", "\n\r" };
                    bytes.InsertRange(rng.Next(bytes.Count + 1), Encoding.ASCII.GetBytes(breaks[rng.Next(breaks.Length)]));
                    break;
                }
                case 4: // a length or count made huge, negative or malformed
                case 5:
                    ReplaceLength(rng, bytes, HugeOrNegative[rng.Next(HugeOrNegative.Length)]);
                    break;
                case 6: // wrapped in deep nesting
                {
                    string[] levels = { "*1\r\n", ">1\r\n", "~1\r\n", "%1\r\n+k\r\n", "|1\r\n+a\r\n+b\r\n" };
                    string level = levels[rng.Next(levels.Length)];
                    int depth = rng.Next(4) == 0 ? rng.Next(60, 70) : rng.Next(65, 5000);
                    var prefix = new List<byte>();
                    for (int i = 0; i < depth; i++) prefix.AddRange(Encoding.ASCII.GetBytes(level));
                    bytes.InsertRange(0, prefix);
                    break;
                }
                case 7: // a type byte swapped for another
                {
                    int at = FindTypeByte(rng, bytes);
                    if (at >= 0) bytes[at] = TypeBytes[rng.Next(TypeBytes.Length)];
                    break;
                }
                case 8: // spliced with another reply at random points
                {
                    byte[] other = seeds[rng.Next(seeds.Count)];
                    int cut = bytes.Count == 0 ? 0 : rng.Next(bytes.Count);
                    bytes = bytes.Take(cut).Concat(other.Skip(other.Length == 0 ? 0 : rng.Next(other.Length))).ToList();
                    break;
                }
                default: // random bytes inserted
                {
                    var noise = new byte[rng.Next(1, 9)];
                    rng.NextBytes(noise);
                    bytes.InsertRange(rng.Next(bytes.Count + 1), noise);
                    break;
                }
            }
            return bytes.ToArray();
        }

        /// <summary>Replaces the digits after one of the length-carrying type bytes with <paramref name="number"/>.</summary>
        private static void ReplaceLength(Random rng, List<byte> bytes, string number)
        {
            var headers = new List<int>();
            for (int i = 0; i < bytes.Count; i++)
            {
                byte b = bytes[i];
                bool lengthType = b == '$' || b == '*' || b == '%' || b == '~' || b == '>' || b == '|' || b == '=' || b == '!';
                if (lengthType && (i == 0 || bytes[i - 1] == '\n') && i + 1 < bytes.Count && (bytes[i + 1] == '-' || (bytes[i + 1] >= '0' && bytes[i + 1] <= '9')))
                    headers.Add(i);
            }
            if (headers.Count == 0) return;
            int at = headers[rng.Next(headers.Count)] + 1;
            int end = at;
            while (end < bytes.Count && bytes[end] != '\r') end++;
            bytes.RemoveRange(at, end - at);
            bytes.InsertRange(at, Encoding.ASCII.GetBytes(number));
        }

        private static int FindTypeByte(Random rng, List<byte> bytes)
        {
            var starts = new List<int>();
            for (int i = 0; i < bytes.Count; i++)
            {
                if (i == 0 || bytes[i - 1] == '\n') starts.Add(i);
            }
            return starts.Count == 0 ? -1 : starts[rng.Next(starts.Count)];
        }

        /// <summary>Printable form of a case for failure messages: ASCII as is, other bytes as \xNN, long ones cut.</summary>
        public static string Show(byte[] bytes)
        {
            var sb = new StringBuilder();
            foreach (byte b in bytes.Take(60))
            {
                if (b >= 32 && b < 127) sb.Append((char)b);
                else sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
            if (bytes.Length > 60) sb.Append("... (").Append(bytes.Length).Append(" bytes)");
            return sb.ToString();
        }
    }
}
