using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Invoke-RedisScript: runs a Lua script by its SHA1 (EVALSHA), loading it when the server lacks it (after a
    /// restart or SCRIPT FLUSH) and trying once more, through the client's RedisScript. The registered script is
    /// cached per connection and script text. -Sha runs a script already loaded (no fallback possible). The
    /// converted reply is emitted as one object, as Invoke-RedisCommand does.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RedisScript", DefaultParameterSetName = ScriptSet)]
    [OutputType(typeof(object))]
    public sealed class InvokeRedisScriptCommand : RedisCmdlet
    {
        private const string ScriptSet = "Script";
        private const string ShaSet = "Sha";
        private const int MaxCachedScripts = 256;

        private static readonly ConditionalWeakTable<RedisClient, ConcurrentDictionary<string, RedisScript>> s_scripts =
            new ConditionalWeakTable<RedisClient, ConcurrentDictionary<string, RedisScript>>();

        /// <summary>The Lua source.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ScriptSet)]
        [ValidateNotNullOrEmpty]
        public string? Script { get; set; }

        /// <summary>The SHA1 of a script the server has already loaded (SCRIPT LOAD).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ShaSet)]
        [ValidatePattern("^[0-9a-fA-F]{40}$")]
        public string? Sha { get; set; }

        /// <summary>The keys the script touches (KEYS[1], KEYS[2], ...); binds by property name from Get-RedisKey objects.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>The other arguments (ARGV[1], ...): strings, numbers or byte arrays.</summary>
        [Parameter]
        [AllowEmptyCollection]
        public object[]? ArgumentList { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string[] keys = Key ?? new string[0];
            var args = new List<object>(ArgumentList?.Length ?? 0);
            if (ArgumentList != null)
            {
                for (int i = 0; i < ArgumentList.Length; i++)
                {
                    object? arg = InvokeRedisCommandCommand.ToArgument(ArgumentList[i], out string? problem);
                    if (arg == null)
                    {
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException("Argument " + (i + 1).ToString(CultureInfo.InvariantCulture) + ": " + problem),
                            "PSRedis.InvalidArgument", ErrorCategory.InvalidArgument, null));
                    }
                    args.Add(arg!);
                }
            }

            RedisScript? script = ParameterSetName == ScriptSet ? ScriptFor(connection.Client, Script!) : null;
            string sha = script?.Sha ?? Sha!.ToLowerInvariant();
            bool batching = IsBatching(connection);
            WriteVerbose("EVALSHA " + sha + " with " + keys.Length.ToString(CultureInfo.InvariantCulture) + " key(s) and "
                + args.Count.ToString(CultureInfo.InvariantCulture) + " argument(s)" + (batching ? " (queued in the batch)" : " on " + connection.Url));
            object? result;
            try
            {
                RedisCommands target = CommandsFor(connection);
                result = script != null ? script.Invoke(keys, args, target) : target.EvalSha(sha, keys, args);
            }
            catch (RedisNoScriptException e)
            {
                // Only with -Sha: a registered script loads itself.
                ErrorRecord record = new ErrorRecord(e, "PSRedis.NoScript", ErrorCategory.ObjectNotFound, sha);
                record.ErrorDetails = new ErrorDetails("The server has no script " + sha + ". Pass the source with -Script (it is loaded when missing), or SCRIPT LOAD it first.");
                WriteError(record);
                return;
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                WriteRedisError(e, connection, keys.Length > 0 ? keys[0] : sha);
                return;
            }
            if (!batching) WriteObject(result, enumerateCollection: false);
        }

        /// <summary>The client's RedisScript for this text, registered once (bounded: the cache starts over past 256 scripts).</summary>
        private static RedisScript ScriptFor(RedisClient client, string source)
        {
            ConcurrentDictionary<string, RedisScript> scripts = s_scripts.GetValue(client, _ => new ConcurrentDictionary<string, RedisScript>(StringComparer.Ordinal));
            if (scripts.TryGetValue(source, out RedisScript? cached)) return cached;
            if (scripts.Count >= MaxCachedScripts) scripts.Clear();
            return scripts.GetOrAdd(source, client.RegisterScript);
        }
    }
}
