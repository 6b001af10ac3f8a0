using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PSRedis.Completion
{
    /// <summary>Completes -Name with the names of the session's registered connections.</summary>
    internal sealed class ConnectionNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var results = new List<CompletionResult>();
            SessionConnections? session = ConnectionRegistry.Current;
            if (session == null) return results;
            string prefix = CompletionText.Unquote(wordToComplete);
            var names = new List<string>();
            foreach (RedisConnection connection in session.All)
            {
                if (connection.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) names.Add(connection.Name);
            }
            names.Sort(StringComparer.OrdinalIgnoreCase);
            foreach (string name in names)
            {
                results.Add(new CompletionResult(CompletionText.Quote(name), name, CompletionResultType.ParameterValue, name));
            }
            return results;
        }
    }

    internal static class CompletionText
    {
        internal static string Unquote(string? word)
        {
            if (string.IsNullOrEmpty(word)) return string.Empty;
            string w = word!;
            if (w.Length > 0 && (w[0] == '\'' || w[0] == '"')) w = w.Substring(1);
            if (w.Length > 0 && (w[w.Length - 1] == '\'' || w[w.Length - 1] == '"')) w = w.Substring(0, w.Length - 1);
            return w;
        }

        /// <summary>Single-quotes text that PowerShell would not read back as one bare word.</summary>
        internal static string Quote(string text)
        {
            bool plain = text.Length > 0;
            foreach (char c in text)
            {
                if (!(char.IsLetterOrDigit(c) || c == ':' || c == '_' || c == '-' || c == '.' || c == '/' || c == '*' || c == '?'))
                {
                    plain = false;
                    break;
                }
            }
            if (plain && text[0] != '-') return text;
            return "'" + text.Replace("'", "''") + "'";
        }
    }
}
