using System;
using System.Management.Automation;

namespace PSRedis
{
    internal static class SecretArguments
    {
        /// <summary>
        /// Keeps only the redacted form of a URL argument in an invocation's record: PowerShell keeps bound arguments
        /// in $Error[n].InvocationInfo.BoundParameters, where a password in the URL would otherwise stay readable.
        /// </summary>
        internal static void RedactUrl(InvocationInfo invocation, string parameterName, string? url)
        {
            if (url != null && invocation.BoundParameters.ContainsKey(parameterName))
                invocation.BoundParameters[parameterName] = PSRedis.Protocol.RedisUrl.Redact(url);
        }

        /// <summary><see cref="RedactUrl(InvocationInfo, string, string?)"/> for a parameter that takes several URLs.</summary>
        internal static void RedactUrls(InvocationInfo invocation, string parameterName, string[]? urls)
        {
            if (urls != null && invocation.BoundParameters.ContainsKey(parameterName))
                invocation.BoundParameters[parameterName] = Array.ConvertAll(urls, u => u == null ? u : PSRedis.Protocol.RedisUrl.Redact(u));
        }
    }
}
