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
    [Cmdlet(VerbsLifecycle.Invoke, "RedisScript", SupportsShouldProcess = true, DefaultParameterSetName = ScriptSet)]
    [OutputType(typeof(object))]
    public sealed class InvokeRedisScriptCommand : RedisCmdlet
    {
        private const string ScriptSet = "Script";
        private const string ShaSet = "Sha";
        private const int MaxCachedScripts = 256;

        private static readonly ConditionalWeakTable<RedisClientBase, ConcurrentDictionary<string, RedisScript>> s_scripts =
            new ConditionalWeakTable<RedisClientBase, ConcurrentDictionary<string, RedisScript>>();

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

        /// <summary>Emits an array result as one object[] instead of one output per element.</summary>
        [Parameter]
        public SwitchParameter NoEnumerate { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string[] keys = Key ?? new string[0];
            var args = new List<object>(ArgumentList?.Length ?? 0);
            if (ArgumentList != null)
            {
                for (int i = 0; i < ArgumentList.Length; i++)
                {
                    object? arg = RedisValues.ToArgument(ArgumentList[i], out string? problem);
                    if (arg == null)
                    {
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException("Argument " + (i + 1).ToString(CultureInfo.InvariantCulture) + ": " + problem),
                            ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, null));
                    }
                    args.Add(arg!);
                }
            }

            RedisScript? script = ParameterSetName == ScriptSet ? ScriptFor(connection.Client, Script!) : null;
            string sha = script?.Sha ?? Sha!.ToLowerInvariant();
            WriteVerbose("EVALSHA " + sha + " with " + keys.Length.ToString(CultureInfo.InvariantCulture) + " key(s) and "
                + args.Count.ToString(CultureInfo.InvariantCulture) + " argument(s) on " + connection.Url);
            // A registered script (-Script) is loaded before the commands are sent when the server lacks it.
            object target = keys.Length > 0 ? keys[0] : sha;
            if (!ShouldProcess((keys.Length > 0 ? string.Join(", ", keys) : "no keys") + " on " + connection.Name, "Run script " + sha)) return;
            Action<object?, Cmdlet> write = NoEnumerate ? s_whole : s_enumerated;
            if (script != null) Commands.Add(connection, c => script.Invoke(keys, args, c), target, write);
            else Commands.Add(connection, c => c.EvalSha(sha, keys, args), target, write, NoScript);
        }

        private static readonly Action<object?, Cmdlet> s_whole = (result, output) => output.WriteObject(result);

        // A table result, one output per element, as cmdlets emit collections.
        private static readonly Action<object?, Cmdlet> s_enumerated = (result, output) => output.WriteObject(result, result is object?[]);

        private static ErrorRecord NoScript(RedisException e, object? target)
        {
            if (!(e is RedisNoScriptException)) return ToErrorRecord(e, target);
            // Only with -Sha: a registered script loads itself.
            string sha = e.Data["PipelineCommand"] as string ?? string.Empty;
            var record = new ErrorRecord(e, ErrorIds.NoScript, ErrorCategory.ObjectNotFound, target);
            record.ErrorDetails = new ErrorDetails("The server has no such script. Pass the source with -Script (it is loaded when missing), or SCRIPT LOAD it first.");
            return record;
        }

        /// <summary>The client's RedisScript for this text, registered once (bounded: the cache starts over past 256 scripts).</summary>
        private static RedisScript ScriptFor(RedisClientBase client, string source)
        {
            ConcurrentDictionary<string, RedisScript> scripts = s_scripts.GetValue(client, _ => new ConcurrentDictionary<string, RedisScript>(StringComparer.Ordinal));
            if (scripts.TryGetValue(source, out RedisScript? cached)) return cached;
            if (scripts.Count >= MaxCachedScripts) scripts.Clear();
            return scripts.GetOrAdd(source, client.RegisterScript);
        }
    }
}
