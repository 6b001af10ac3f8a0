using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Set-RedisConfig: CONFIG SET of one setting at run time; -WhatIf/-Confirm. Name and Value bind by property name
    /// from Get-RedisConfig's objects (a masked password is refused, never written back as '********'). On a cluster
    /// the client sends it to every primary. A password's value never appears in a prompt or a Verbose line.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "RedisConfig", SupportsShouldProcess = true)]
    [OutputType(typeof(void))]
    public sealed class SetRedisConfigCommand : RedisCmdlet
    {
        /// <summary>The setting's name (maxmemory, slowlog-log-slower-than, notify-keyspace-events, ...).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>The new value, as CONFIG SET takes it (numbers and units such as 100mb as text or numbers; an empty string clears).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string? Value { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string name = Name!;
            string value = Value ?? string.Empty;
            bool secret = RedisConfigEntry.IsSecret(name);
            // $Error[n].InvocationInfo.BoundParameters keeps what was bound: only the mask stays there for a password.
            if (secret && MyInvocation.BoundParameters.ContainsKey(nameof(Value))) MyInvocation.BoundParameters[nameof(Value)] = RedisConfigEntry.Mask;
            if (secret && value == RedisConfigEntry.Mask)
            {
                WriteError(new ErrorRecord(new ArgumentException("The value of '" + name + "' is the mask Get-RedisConfig shows for passwords, "
                    + "not a password; nothing was changed. Give the new value with -Value (or Get-RedisConfig -ShowSecret)."),
                    ErrorIds.MaskedValue, ErrorCategory.InvalidArgument, name));
                return;
            }
            string shown = secret ? RedisConfigEntry.Mask : "'" + value + "'";
            string target = connection.Client is RedisCluster cluster
                ? "all " + cluster.Primaries.Count.ToString(CultureInfo.InvariantCulture) + " primaries of the cluster " + connection.Name
                    + " (" + string.Join(", ", cluster.Primaries.Select(p => p.Endpoint)) + ")"
                : ServerNodes.Endpoint(connection) + " (" + connection.Name + ")";
            if (!ShouldProcess(target, "CONFIG SET " + name + " " + shown)) return;
            WriteVerbose("CONFIG SET " + name + " " + shown + " on " + target);
            Commands.Add(connection, c => c.ConfigSet(name, value), name);
        }
    }
}
