using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// The Export-RedisKey file: UTF-8 text, one JSON object per line per key, written and read as a stream (no JSON
    /// package: the module has no third-party dependency, and netstandard2.0 has no JSON of its own). Every piece of
    /// stored data (key name, value, element, field, member) is a JSON string when its bytes are valid UTF-8, otherwise
    /// an object {"base64":"..."} with the exact bytes.
    /// <code>
    /// {"key":"k","type":"string","ttl":5000,"value":"text"}
    /// {"key":"k","type":"list","value":["a","b"]}                        (set: the same, in SSCAN order)
    /// {"key":"k","type":"hash","value":{"field":"value"}}                 ([["field","value"],...] when a field name is not UTF-8 or the hash is big)
    /// {"key":"k","type":"zset","value":[["member",1.5],["m2","inf"]]}     (scores round-trip exactly; "inf"/"-inf" as strings)
    /// {"key":"k","type":"stream","value":[{"id":"1-1","fields":{"f":"v"}}]} ([[f,v],...] for fields not UTF-8 or repeated)
    /// </code>
    /// "ttl" is the remaining time to live in milliseconds at export time, absent for a key without expiry.
    /// </summary>
    internal static class KeyFile
    {
        internal static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        /// <summary>Hashes up to this many fields (with UTF-8 names) are written as one JSON object; bigger ones as pairs, a page at a time.</summary>
        internal const int HashObjectLimit = 1000;

        /// <summary>The text of <paramref name="bytes"/> when they are valid UTF-8, else null.</summary>
        internal static string? AsText(byte[] bytes)
        {
            try
            {
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }

        /// <summary>A key for messages and error targets: its text, or its bytes as base64 when they are not UTF-8.</summary>
        internal static string Display(byte[] key) => AsText(key) ?? "base64:" + Convert.ToBase64String(key);

        /// <summary>A score that parses back to the same double: "R" where it round-trips (not always on .NET Framework), else G17.</summary>
        internal static string Score(double score)
        {
            if (double.IsPositiveInfinity(score)) return "\"inf\"";
            if (double.IsNegativeInfinity(score)) return "\"-inf\"";
            string text = score.ToString("R", CultureInfo.InvariantCulture);
            if (double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).Equals(score)) return text;
            return score.ToString("G17", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Writes the lines of an export file to a <see cref="TextWriter"/>, one key at a time.</summary>
    internal sealed class KeyLineWriter
    {
        private readonly TextWriter _out;

        internal KeyLineWriter(TextWriter output) => _out = output;

        internal void Begin(byte[] key, string type, long? ttlMilliseconds)
        {
            _out.Write("{\"key\":");
            Data(key);
            _out.Write(",\"type\":");
            String(type);
            if (ttlMilliseconds.HasValue)
            {
                _out.Write(",\"ttl\":");
                _out.Write(ttlMilliseconds.Value.ToString(CultureInfo.InvariantCulture));
            }
            _out.Write(",\"value\":");
        }

        internal void End() => _out.Write("}\n");

        internal void Raw(string text) => _out.Write(text);

        /// <summary>Stored bytes: a JSON string when valid UTF-8, else {"base64":"..."}.</summary>
        internal void Data(byte[] bytes)
        {
            string? text = KeyFile.AsText(bytes);
            if (text != null)
            {
                String(text);
                return;
            }
            _out.Write("{\"base64\":\"");
            _out.Write(Convert.ToBase64String(bytes));
            _out.Write("\"}");
        }

        internal void Pair(byte[] first, byte[] second)
        {
            _out.Write('[');
            Data(first);
            _out.Write(',');
            Data(second);
            _out.Write(']');
        }

        internal void String(string text)
        {
            _out.Write('"');
            int run = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                string? escape = c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    '\b' => "\\b",
                    '\f' => "\\f",
                    // Line and paragraph separators are escaped too, so no reader splits a line at them.
                    _ when c < 0x20 || c == '\u2028' || c == '\u2029' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                    _ => null,
                };
                if (escape == null) continue;
                if (i > run) _out.Write(text.ToCharArray(run, i - run));
                _out.Write(escape);
                run = i + 1;
            }
            if (text.Length > run) _out.Write(text.ToCharArray(run, text.Length - run));
            _out.Write('"');
        }
    }

    /// <summary>A line of an import file that is not what Export-RedisKey writes.</summary>
    internal sealed class KeyLineException : Exception
    {
        internal KeyLineException(long line, string message) : base("Line " + line.ToString(CultureInfo.InvariantCulture) + ": " + message)
        {
            Line = line;
        }

        internal long Line { get; }
    }

    /// <summary>
    /// A pull reader of JSON tokens over a <see cref="TextReader"/>, so that a line holding a collection of millions of
    /// elements is read element by element, in constant memory. Tracks the line number; <see cref="SkipLine"/> recovers
    /// after a malformed line.
    /// </summary>
    internal sealed class KeyLineReader
    {
        private readonly TextReader _in;
        private readonly StringBuilder _text = new StringBuilder();

        internal KeyLineReader(TextReader input) => _in = input;

        /// <summary>The line the reader is on (1-based).</summary>
        internal long Line { get; private set; } = 1;

        private int Peek() => _in.Peek();

        private int Read()
        {
            int c = _in.Read();
            if (c == '\n') Line++;
            return c;
        }

        /// <summary>The line the current key started on (what errors name, even when the line ended early).</summary>
        internal long KeyLine { get; private set; } = 1;

        internal KeyLineException Error(string message) => new KeyLineException(KeyLine, message);

        /// <summary>Skips spaces and tabs (not line ends: one key per line).</summary>
        private void SkipSpace()
        {
            while (true)
            {
                int c = Peek();
                if (c == ' ' || c == '\t' || c == '\r') _in.Read();
                else return;
            }
        }

        /// <summary>Moves to the start of the next line that has something on it; false at the end of the file.</summary>
        internal bool NextLine()
        {
            while (true)
            {
                int c = Peek();
                if (c < 0) return false;
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\uFEFF') Read();
                else
                {
                    KeyLine = Line;
                    return true;
                }
            }
        }

        /// <summary>After an error: drops the rest of the current line.</summary>
        internal void SkipLine(long line)
        {
            while (Line == line)
            {
                if (Read() < 0) return;
            }
        }

        /// <summary>The end of a key's line: only spaces may follow the closing brace.</summary>
        internal void EndOfLine()
        {
            SkipSpace();
            int c = Peek();
            if (c < 0) return;
            if (c != '\n') throw Error("unexpected '" + (char)c + "' after the end of the object.");
            Read();
        }

        internal void Expect(char expected)
        {
            SkipSpace();
            int c = Read();
            if (c != expected) throw Error("expected '" + expected + "', found " + Describe(c) + ".");
        }

        /// <summary>True and consumed when the next character is <paramref name="c"/>.</summary>
        internal bool TryTake(char c)
        {
            SkipSpace();
            if (Peek() != c) return false;
            Read();
            return true;
        }

        internal char PeekChar()
        {
            SkipSpace();
            int c = Peek();
            if (c < 0 || c == '\n') throw Error("the line ends in the middle of a JSON value.");
            return (char)c;
        }

        private static string Describe(int c) => c < 0 ? "the end of the file" : c == '\n' ? "the end of the line" : "'" + (char)c + "'";

        /// <summary>For arrays and objects: after an item, true when another follows (a comma), false at <paramref name="close"/>.</summary>
        internal bool More(char close)
        {
            SkipSpace();
            int c = Read();
            if (c == ',') return true;
            if (c == close) return false;
            throw Error("expected ',' or '" + close + "', found " + Describe(c) + ".");
        }

        /// <summary>Opens an array or object; false when it is empty (and then already closed).</summary>
        internal bool Open(char open, char close)
        {
            Expect(open);
            return !TryTake(close);
        }

        internal string ReadString()
        {
            Expect('"');
            _text.Clear();
            while (true)
            {
                int c = Read();
                if (c < 0 || c == '\n') throw Error("a string is not closed.");
                if (c == '"') return _text.ToString();
                if (c != '\\')
                {
                    _text.Append((char)c);
                    continue;
                }
                int e = Read();
                switch (e)
                {
                    case '"': _text.Append('"'); break;
                    case '\\': _text.Append('\\'); break;
                    case '/': _text.Append('/'); break;
                    case 'b': _text.Append('\b'); break;
                    case 'f': _text.Append('\f'); break;
                    case 'n': _text.Append('\n'); break;
                    case 'r': _text.Append('\r'); break;
                    case 't': _text.Append('\t'); break;
                    case 'u':
                        int code = 0;
                        for (int i = 0; i < 4; i++)
                        {
                            int h = Read();
                            int digit = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                            if (digit < 0) throw Error("a \\u escape needs four hex digits.");
                            code = code * 16 + digit;
                        }
                        _text.Append((char)code);
                        break;
                    default:
                        throw Error("unknown escape '\\" + (e < 0 ? "" : ((char)e).ToString()) + "' in a string.");
                }
            }
        }

        /// <summary>A number or a bare word (null, true, false) as its text.</summary>
        internal string ReadWord()
        {
            SkipSpace();
            _text.Clear();
            while (true)
            {
                int c = Peek();
                if (c < 0 || c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n') break;
                _text.Append((char)Read());
            }
            if (_text.Length == 0) throw Error("expected a value, found " + Describe(Peek()) + ".");
            return _text.ToString();
        }

        /// <summary>Stored bytes: a JSON string (its UTF-8) or {"base64":"..."}.</summary>
        internal byte[] ReadData()
        {
            char c = PeekChar();
            if (c == '"')
            {
                string text = ReadString();
                try
                {
                    return KeyFile.StrictUtf8.GetBytes(text);
                }
                catch (EncoderFallbackException)
                {
                    throw Error("a string holds a lone UTF-16 surrogate; binary data belongs in {\"base64\":\"...\"}.");
                }
            }
            if (c != '{') throw Error("expected a string or {\"base64\":\"...\"}, found '" + c + "'.");
            Expect('{');
            string name = ReadString();
            if (name != "base64") throw Error("expected {\"base64\":\"...\"}, found the property '" + name + "'.");
            Expect(':');
            string encoded = ReadString();
            Expect('}');
            try
            {
                return Convert.FromBase64String(encoded);
            }
            catch (FormatException)
            {
                throw Error("'" + (encoded.Length > 20 ? encoded.Substring(0, 20) + "..." : encoded) + "' is not base64.");
            }
        }

        /// <summary>A score: a JSON number or "inf"/"-inf"/"+inf".</summary>
        internal double ReadScore()
        {
            string text = PeekChar() == '"' ? ReadString() : ReadWord();
            try
            {
                double score = PSRedis.Protocol.Resp.RespDouble.Parse(text);
                if (double.IsNaN(score)) throw Error("a score cannot be NaN.");
                return score;
            }
            catch (RedisException)
            {
                throw Error("'" + text + "' is not a score.");
            }
        }

        /// <summary>A whole number, or null for JSON null.</summary>
        internal long? ReadNullableInteger(string what)
        {
            string text = ReadWord();
            if (text == "null") return null;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)) return value;
            throw Error(what + " '" + text + "' is not a whole number.");
        }

        /// <summary>Skips any JSON value (for properties this version does not know).</summary>
        internal void SkipValue()
        {
            char c = PeekChar();
            if (c == '"')
            {
                ReadString();
                return;
            }
            if (c == '[' || c == '{')
            {
                char close = c == '[' ? ']' : '}';
                if (!Open(c, close)) return;
                do
                {
                    if (c == '{')
                    {
                        ReadString();
                        Expect(':');
                    }
                    SkipValue();
                }
                while (More(close));
                return;
            }
            ReadWord();
        }
    }
}
