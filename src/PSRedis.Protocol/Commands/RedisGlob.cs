namespace PSRedis.Protocol
{
    /// <summary>
    /// The glob patterns of SCAN's MATCH and KEYS, applied on the client: <c>*</c> (any run), <c>?</c> (one character),
    /// <c>[abc]</c>, <c>[a-z]</c> and <c>[^a]</c> (a class, or its complement), and <c>\x</c> (x itself). Case-sensitive,
    /// as the server matches. For filtering where the server cannot (a whole-set read that stands in for SSCAN).
    /// </summary>
    public static class RedisGlob
    {
        /// <summary>True when <paramref name="text"/> matches <paramref name="pattern"/> as the server's MATCH would.</summary>
        public static bool IsMatch(string pattern, string text)
        {
            if (pattern == null) throw new System.ArgumentNullException(nameof(pattern));
            if (text == null) throw new System.ArgumentNullException(nameof(text));
            return Match(pattern, 0, text, 0);
        }

        private static bool Match(string p, int pi, string s, int si)
        {
            while (pi < p.Length)
            {
                char c = p[pi];
                if (c == '*')
                {
                    while (pi + 1 < p.Length && p[pi + 1] == '*') pi++;
                    if (pi + 1 == p.Length) return true;
                    for (int start = si; start <= s.Length; start++)
                    {
                        if (Match(p, pi + 1, s, start)) return true;
                    }
                    return false;
                }
                if (si >= s.Length) return false;
                if (c == '?')
                {
                    pi++;
                    si++;
                    continue;
                }
                if (c == '[')
                {
                    if (!MatchClass(p, ref pi, s[si])) return false;
                    si++;
                    continue;
                }
                if (c == '\\' && pi + 1 < p.Length) c = p[++pi];
                if (c != s[si]) return false;
                pi++;
                si++;
            }
            return si == s.Length;
        }

        /// <summary>Matches one character against the class starting at p[pi] ('['); leaves pi after the class.</summary>
        private static bool MatchClass(string p, ref int pi, char ch)
        {
            pi++;
            bool negate = pi < p.Length && p[pi] == '^';
            if (negate) pi++;
            bool matched = false;
            while (pi < p.Length && p[pi] != ']')
            {
                char c = p[pi];
                if (c == '\\' && pi + 1 < p.Length)
                {
                    c = p[++pi];
                    if (c == ch) matched = true;
                }
                else if (pi + 2 < p.Length && p[pi + 1] == '-' && p[pi + 2] != ']')
                {
                    char low = c, high = p[pi + 2];
                    if (low > high) (low, high) = (high, low);
                    if (ch >= low && ch <= high) matched = true;
                    pi += 2;
                }
                else if (c == ch)
                {
                    matched = true;
                }
                pi++;
            }
            if (pi < p.Length) pi++; // the closing ']'
            return negate ? !matched : matched;
        }
    }
}
