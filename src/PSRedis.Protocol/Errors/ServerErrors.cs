using System;

namespace PSRedis.Protocol
{
    /// <summary>Turns a server error reply into the exception redis-py would raise for it.</summary>
    public static class ServerErrors
    {
        /// <summary>The error code: the first word of the message when it is all capitals, else "ERR".</summary>
        public static string CodeOf(string message)
        {
            if (string.IsNullOrEmpty(message)) return "ERR";
            int space = message.IndexOf(' ');
            string first = space < 0 ? message : message.Substring(0, space);
            foreach (char c in first)
            {
                if (!(c >= 'A' && c <= 'Z') && c != '_' && !(c >= '0' && c <= '9')) return "ERR";
            }
            return first.Length == 0 ? "ERR" : first;
        }

        /// <summary>Maps a server error reply (without the leading '-') to its exception.</summary>
        public static RedisException Map(string message)
        {
            string code = CodeOf(message);
            switch (code)
            {
                case "NOSCRIPT": return new RedisNoScriptException(message);
                case "EXECABORT": return new RedisExecAbortException(message);
                case "OOM": return new RedisOutOfMemoryException(message);
                case "NOPERM": return new RedisNoPermissionException(message);
                case "LOADING": return new RedisBusyLoadingException(message);
                case "READONLY": return new RedisReadOnlyException(message);
                case "WRONGPASS":
                case "NOAUTH":
                    return new RedisAuthenticationException(message);
            }
            // Older servers and AUTH misuse answer with plain ERR texts; redis-py matches these literally.
            if (code != "ERR") return new RedisResponseException(message);
            if (Contains(message, "invalid password") || Contains(message, "invalid username-password pair")
                || Contains(message, "Client sent AUTH, but no password is set")
                || Contains(message, "AUTH <password> called without any password configured"))
            {
                return new RedisAuthenticationException(message);
            }
            if (Contains(message, "wrong number of arguments for 'auth' command"))
            {
                return new RedisAuthenticationWrongNumberOfArgsException(message);
            }
            if (Contains(message, "max number of clients reached"))
            {
                return new RedisConnectionException(message);
            }
            return new RedisResponseException(message);
        }

        private static bool Contains(string text, string part) =>
            text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
