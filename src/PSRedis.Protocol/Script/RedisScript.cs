using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A Lua script run by its SHA1 (redis-py's Script, from <see cref="RedisClient.RegisterScript"/>): EVALSHA, and
    /// when the server does not have it (restarted, flushed, another server) SCRIPT LOAD and once more.
    /// </summary>
    public sealed class RedisScript
    {
        private readonly RedisCommands? _client;

        internal RedisScript(RedisCommands? client, string script)
        {
            _client = client;
            Script = script ?? throw new ArgumentNullException(nameof(script));
            Sha = ComputeSha(script);
        }

        /// <summary>The Lua source.</summary>
        public string Script { get; }

        /// <summary>The SHA1 of the UTF-8 source in lowercase hex: the name the server caches it under.</summary>
        public string Sha { get; }

        /// <summary>
        /// Runs the script with <paramref name="keys"/> and <paramref name="args"/> on <paramref name="client"/> (default:
        /// the client that registered it) and returns its converted result (see <see cref="RedisCommands.Eval"/>).
        /// A pipeline queues it (returning null) and loads the script before it executes.
        /// </summary>
        public object? Invoke(IEnumerable<string>? keys = null, IEnumerable<object>? args = null, RedisCommands? client = null)
        {
            RedisCommands target = client ?? _client ?? throw new RedisException("This script has no client: pass one to Invoke.");
            if (target is RedisPipeline pipeline) return Invoke(pipeline, keys, args);
            return Run(target, keys, args);
        }

        /// <summary>
        /// Queues the script on <paramref name="pipeline"/> (returning null; its result comes from Execute), making sure
        /// the server has it before the pipeline runs (redis-py's load_scripts). In immediate mode (after WATCH) it runs at once.
        /// </summary>
        public object? Invoke(RedisPipeline pipeline, IEnumerable<string>? keys = null, IEnumerable<object>? args = null)
        {
            if (pipeline == null) throw new ArgumentNullException(nameof(pipeline));
            if (pipeline.IsImmediate) return Run(pipeline, keys, args);
            pipeline.AddScript(this);
            return pipeline.EvalSha(Sha, keys, args);
        }

        private object? Run(RedisCommands target, IEnumerable<string>? keys, IEnumerable<object>? args)
        {
            // Enumerate once: a retry must send the same keys and arguments.
            List<string>? keyList = keys == null ? null : new List<string>(keys);
            List<object>? argList = args == null ? null : new List<object>(args);
            try
            {
                return target.EvalSha(Sha, keyList, argList);
            }
            catch (RedisNoScriptException)
            {
                target.ScriptLoad(Script);
                return target.EvalSha(Sha, keyList, argList);
            }
        }

        private static string ComputeSha(string script)
        {
            byte[] hash;
            using (SHA1 sha1 = SHA1.Create()) hash = sha1.ComputeHash(Encoding.UTF8.GetBytes(script));
            var hex = new StringBuilder(hash.Length * 2);
            foreach (byte b in hash) hex.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            return hex.ToString();
        }

        public override string ToString() => "RedisScript " + Sha;
    }
}
