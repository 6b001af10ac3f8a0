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
    }
}
