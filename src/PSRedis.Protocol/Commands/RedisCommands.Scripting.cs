using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>How SCRIPT FLUSH empties the script cache.</summary>
    public enum ScriptFlushMode
    {
        /// <summary>SYNC: before replying.</summary>
        Sync,
        /// <summary>ASYNC: in the background.</summary>
        Async,
    }

    // Scripting family: EVAL, EVALSHA, SCRIPT EXISTS/FLUSH/KILL/LOAD. RedisClient.RegisterScript builds on these.
    public abstract partial class RedisCommands
    {
        /// <summary>
        /// EVAL: runs a Lua script with <paramref name="keys"/> (KEYS[]) and <paramref name="args"/> (ARGV[]). The result
        /// is converted as Redis converts Lua values: numbers to long (fractions truncated), strings to string, tables to
        /// object?[] (up to the first nil), nil and false to null, true to 1, status replies
        /// (redis.status_reply / {ok=...}) to their text; an error reply is thrown as <see cref="RedisResponseException"/>.
        /// A script that calls redis.setresp(3) on a RESP3 connection can also return bool, double and maps (Dictionary).
        /// </summary>
        public object? Eval(string script, IEnumerable<string>? keys = null, IEnumerable<object>? args = null)
        {
            if (script == null) throw new RedisDataException("EVAL needs a script.");
            return Run(ScriptArgs.Build("EVAL", script, keys, args), ScriptArgs.Result);
        }

        /// <summary>EVALSHA: runs a script from the server's cache by its SHA1; <see cref="RedisNoScriptException"/> if it is not there. Results as <see cref="Eval"/>.</summary>
        public object? EvalSha(string sha, IEnumerable<string>? keys = null, IEnumerable<object>? args = null)
        {
            if (string.IsNullOrEmpty(sha)) throw new RedisDataException("EVALSHA needs a script SHA1.");
            return Run(ScriptArgs.Build("EVALSHA", sha, keys, args), ScriptArgs.Result);
        }

        /// <summary>SCRIPT EXISTS: for each SHA1, whether the server's script cache holds that script.</summary>
        public IList<bool> ScriptExists(params string[] shas)
        {
            if (shas == null || shas.Length == 0) throw new RedisDataException("SCRIPT EXISTS needs at least one SHA1.");
            var args = new object?[shas.Length + 2];
            args[0] = "SCRIPT";
            args[1] = "EXISTS";
            for (int i = 0; i < shas.Length; i++) args[i + 2] = shas[i];
            return Run(args, r => Reply.ToList(r, item => item.BooleanValue));
        }

        /// <summary>SCRIPT FLUSH: empties the server's script cache (<paramref name="mode"/>: SYNC or ASYNC; null: the server's default).</summary>
        public bool ScriptFlush(ScriptFlushMode? mode = null)
        {
            object?[] args = mode.HasValue
                ? new object?[] { "SCRIPT", "FLUSH", mode.Value == ScriptFlushMode.Async ? "ASYNC" : "SYNC" }
                : new object?[] { "SCRIPT", "FLUSH" };
            return Run(args, Reply.Ok);
        }

        /// <summary>SCRIPT KILL: stops the script running now if it has not written anything (else the server answers UNKILLABLE; with none running, NOTBUSY).</summary>
        public bool ScriptKill() => Run(new object?[] { "SCRIPT", "KILL" }, Reply.Ok);

        /// <summary>SCRIPT LOAD: puts a script in the server's cache without running it; returns its SHA1 (lowercase hex).</summary>
        public string ScriptLoad(string script)
        {
            if (script == null) throw new RedisDataException("SCRIPT LOAD needs a script.");
            return Run(new object?[] { "SCRIPT", "LOAD", script }, r => r.AsString() ?? string.Empty);
        }
    }

    /// <summary>Arguments and reply conversion for EVAL/EVALSHA.</summary>
    internal static class ScriptArgs
    {
        public static readonly Func<RespValue, object?> Result = r => r.ToObject(decode: true);

        public static List<object?> Build(string command, string scriptOrSha, IEnumerable<string>? keys, IEnumerable<object>? args)
        {
            var list = new List<object?> { command, scriptOrSha, 0 };
            int keyCount = 0;
            if (keys != null)
            {
                foreach (string key in keys)
                {
                    if (key == null) throw new RedisDataException(command + ": a key cannot be null.");
                    list.Add(key);
                    keyCount++;
                }
            }
            list[2] = keyCount;
            if (args != null)
            {
                foreach (object arg in args)
                {
                    if (arg == null) throw new RedisDataException(command + ": an argument cannot be null.");
                    list.Add(arg);
                }
            }
            return list;
        }
    }
}
