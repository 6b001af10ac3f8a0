using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PSRedis.Completion
{
    /// <summary>Completes Get-RedisServerInfo -Section with the INFO sections of Redis 7 (modules may add others).</summary>
    internal sealed class InfoSectionCompleter : IArgumentCompleter
    {
        private static readonly string[] s_sections =
        {
            "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errors", "cluster",
            "keyspace", "commandstats", "latencystats", "default", "all", "everything",
        };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = CompletionText.Unquote(wordToComplete);
            foreach (string section in s_sections)
            {
                if (section.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                    yield return new CompletionResult(section, section, CompletionResultType.ParameterValue, section);
            }
        }
    }
}
