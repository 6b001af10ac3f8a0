using System;
using System.Management.Automation;
using PSRedis.Completion;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>Rename-RedisKey: RENAME (replacing the target), or RENAMENX with -NoClobber (an error when the target exists).</summary>
    [Cmdlet(VerbsCommon.Rename, "RedisKey", SupportsShouldProcess = true)]
    [OutputType(typeof(RedisKeyInfo))]
    public sealed class RenameRedisKeyCommand : RedisCmdlet
    {
        /// <summary>The key to rename.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>Its new name.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        public string? NewName { get; set; }

        /// <summary>Fails instead of replacing an existing key (RENAMENX).</summary>
        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Emits the renamed key as a key object.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string key = Key!;
            string newName = NewName!;
            if (!ShouldProcess(key + " on " + connection.Name, "Rename to " + newName + (NoClobber ? "" : " (replacing it if it exists)"))) return;
            WriteVerbose((NoClobber ? "RENAMENX " : "RENAME ") + key + " " + newName + " on " + connection.Url);
            Action<bool, Cmdlet> done = (renamed, output) =>
            {
                if (!renamed)
                {
                    output.WriteError(new ErrorRecord(new InvalidOperationException("Key '" + newName + "' already exists; '" + key + "' was not renamed (-NoClobber)."),
                        ErrorIds.KeyExists, ErrorCategory.ResourceExists, key));
                    return;
                }
                if (PassThru) output.WriteObject(new RedisKeyInfo(newName, connection.Database, connection));
            };
            if (NoClobber) Commands.Add(connection, c => c.RenameNx(key, newName), key, done, NoSuchKey);
            else Commands.Add(connection, c => c.Rename(key, newName), key, done, NoSuchKey);
        }

        private static ErrorRecord NoSuchKey(RedisException e, object? key)
        {
            if (e is RedisResponseException && e.Message.IndexOf("no such key", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return new ErrorRecord(new ItemNotFoundException("Key '" + key + "' does not exist.", e),
                    ErrorIds.KeyNotFound, ErrorCategory.ObjectNotFound, key);
            }
            return ToErrorRecord(e, key);
        }
    }
}
