using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;

namespace PSRedis.Protocol
{
    /// <summary>
    /// INFO parsed as redis-py does (one flat dictionary of typed values) and, beyond redis-py, grouped by
    /// section. Values are long, double, a dictionary for "a=1,b=2" lines (db0, cmdstat_*, slave0), or string.
    /// </summary>
    public sealed class RedisInfo : IReadOnlyDictionary<string, object>
    {
        private readonly Dictionary<string, object> _all = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, IReadOnlyDictionary<string, object>> _sections =
            new Dictionary<string, IReadOnlyDictionary<string, object>>(StringComparer.OrdinalIgnoreCase);

        /// <summary>Section name ("Server", "Keyspace", ...) to its fields, in the server's order.</summary>
        public IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> Sections => _sections;

        public static RedisInfo Parse(string text)
        {
            var info = new RedisInfo();
            Dictionary<string, object>? section = null;
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                if (line.Length == 0) continue;
                if (line[0] == '#')
                {
                    string name = line.Substring(1).Trim();
                    section = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
                    info._sections[name] = section;
                    continue;
                }
                int colon = line.IndexOf(':');
                if (colon <= 0) continue; // redis-py keeps such lines under __raw__; they carry nothing typed
                string key = line.Substring(0, colon);
                object value = ParseValue(line.Substring(colon + 1));
                info._all[key] = value;
                if (section == null)
                {
                    section = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
                    info._sections[string.Empty] = section;
                }
                section[key] = value;
            }
            return info;
        }

        internal static object ParseValue(string value)
        {
            if (value.IndexOf('=') > 0 && !value.StartsWith("=", StringComparison.Ordinal))
            {
                var fields = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
                foreach (string pair in value.Split(','))
                {
                    int eq = pair.IndexOf('=');
                    if (eq <= 0) return value; // not a field list after all (e.g. a path containing '=')
                    fields[pair.Substring(0, eq)] = ParseScalar(pair.Substring(eq + 1));
                }
                return fields;
            }
            return ParseScalar(value);
        }

        private static object ParseScalar(string value)
        {
            if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)) return n;
            if (value.IndexOf('.') > 0 && double.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double d)) return d;
            return value;
        }

        public object this[string key] => _all[key];
        public IEnumerable<string> Keys => _all.Keys;
        public IEnumerable<object> Values => _all.Values;
        public int Count => _all.Count;
        public bool ContainsKey(string key) => _all.ContainsKey(key);
#pragma warning disable CS8767 // the BCL interface is not annotated for netstandard2.0
        public bool TryGetValue(string key, out object value) => _all.TryGetValue(key, out value!);
#pragma warning restore CS8767
        public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => _all.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
