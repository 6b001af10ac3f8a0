using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Sentinel family: the SENTINEL subcommands. Send them to a sentinel (redis-sentinel or redis-server --sentinel),
    // e.g. a RedisClient on port 26379 or one of RedisSentinel.Sentinels.
    public abstract partial class RedisCommands
    {
        /// <summary>
        /// Any SENTINEL subcommand, e.g. <c>Sentinel("INFO-CACHE", "mymaster")</c>; the reply comes back as plain .NET
        /// values, as <see cref="RedisClient.ExecuteCommand"/> returns them. Prefer the typed Sentinel* methods.
        /// </summary>
        public object? Sentinel(params object?[] args)
        {
            if (args == null || args.Length == 0) throw new RedisDataException("SENTINEL needs a subcommand.");
            var all = new object?[args.Length + 1];
            all[0] = "SENTINEL";
            Array.Copy(args, 0, all, 1, args.Length);
            return Run(all, r => r.ToObject(true));
        }

        /// <summary>The address (host, port) of the current master of <paramref name="serviceName"/>, or null when the sentinel does not know the name.</summary>
        public SentinelAddress? SentinelGetMasterAddrByName(string serviceName) =>
            Run(new object?[] { "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SentinelReplies.Name(serviceName, nameof(serviceName)) }, SentinelReplies.Address);

        /// <summary>
        /// The sentinel's state of master <paramref name="serviceName"/>: its fields with numbers as long, plus the
        /// booleans is_master, is_slave, is_sdown, is_odown, is_sentinel, is_disconnected, is_master_down from "flags".
        /// An unknown name is a RedisResponseException.
        /// </summary>
        public IDictionary<string, object?> SentinelMaster(string serviceName) =>
            Run(new object?[] { "SENTINEL", "MASTER", SentinelReplies.Name(serviceName, nameof(serviceName)) }, SentinelReplies.State);

        /// <summary>Every master the sentinel monitors, by name, each as <see cref="SentinelMaster"/> returns it.</summary>
        public IDictionary<string, IDictionary<string, object?>> SentinelMasters() =>
            Run(new object?[] { "SENTINEL", "MASTERS" }, SentinelReplies.Masters);

        /// <summary>Starts monitoring a master at <paramref name="ip"/>:<paramref name="port"/> as <paramref name="name"/>, failing over when <paramref name="quorum"/> sentinels agree it is down.</summary>
        public bool SentinelMonitor(string name, string ip, int port, int quorum)
        {
            SentinelReplies.Name(name, nameof(name));
            if (string.IsNullOrEmpty(ip)) throw new RedisDataException("SENTINEL MONITOR needs the master's IP address.");
            if (port < 1 || port > 65535) throw new RedisDataException("port must be 1-65535.");
            if (quorum < 1) throw new RedisDataException("quorum must be at least 1.");
            return Run(new object?[] { "SENTINEL", "MONITOR", name, ip, port, quorum }, Reply.Ok);
        }

        /// <summary>Stops monitoring master <paramref name="name"/> and forgets it.</summary>
        public bool SentinelRemove(string name) =>
            Run(new object?[] { "SENTINEL", "REMOVE", SentinelReplies.Name(name, nameof(name)) }, Reply.Ok);

        /// <summary>The other sentinels watching <paramref name="serviceName"/>, each as a dictionary of typed fields (see <see cref="SentinelMaster"/>).</summary>
        public IList<IDictionary<string, object?>> SentinelSentinels(string serviceName) =>
            Run(new object?[] { "SENTINEL", "SENTINELS", SentinelReplies.Name(serviceName, nameof(serviceName)) }, SentinelReplies.StateList);

        /// <summary>Changes one monitoring setting of master <paramref name="name"/>, e.g. ("down-after-milliseconds", 5000).</summary>
        public bool SentinelSet(string name, string option, object value)
        {
            SentinelReplies.Name(name, nameof(name));
            if (string.IsNullOrEmpty(option)) throw new RedisDataException("SENTINEL SET needs an option name.");
            if (value == null) throw new RedisDataException("SENTINEL SET needs a value.");
            return Run(new object?[] { "SENTINEL", "SET", name, option, value }, Reply.Ok);
        }

        /// <summary>The replicas of <paramref name="serviceName"/>, each as a dictionary of typed fields (see <see cref="SentinelMaster"/>).</summary>
        public IList<IDictionary<string, object?>> SentinelSlaves(string serviceName) =>
            Run(new object?[] { "SENTINEL", "SLAVES", SentinelReplies.Name(serviceName, nameof(serviceName)) }, SentinelReplies.StateList);

        /// <summary>Forces a failover of <paramref name="serviceName"/> without asking other sentinels. Fails with NOGOODSLAVE when no replica can be promoted yet.</summary>
        public bool SentinelFailover(string serviceName) =>
            Run(new object?[] { "SENTINEL", "FAILOVER", SentinelReplies.Name(serviceName, nameof(serviceName)) }, Reply.Ok);

        /// <summary>Resets the masters whose names match the glob <paramref name="pattern"/> (forgets their replicas and sentinels); returns how many.</summary>
        public long SentinelReset(string pattern) =>
            Run(new object?[] { "SENTINEL", "RESET", SentinelReplies.Name(pattern, nameof(pattern)) }, Reply.Integer);

        /// <summary>True when enough sentinels are reachable to reach the quorum and authorise a failover of <paramref name="serviceName"/>; otherwise the server's NOQUORUM error is thrown.</summary>
        public bool SentinelCkQuorum(string serviceName) =>
            Run(new object?[] { "SENTINEL", "CKQUORUM", SentinelReplies.Name(serviceName, nameof(serviceName)) }, SentinelReplies.OkPrefix);

        /// <summary>Makes the sentinel rewrite its configuration file now.</summary>
        public bool SentinelFlushConfig() => Run(new object?[] { "SENTINEL", "FLUSHCONFIG" }, Reply.Ok);
    }

    /// <summary>Reply parsers of the SENTINEL subcommands (redis-py parse_sentinel_*).</summary>
    internal static class SentinelReplies
    {
        // The fields redis-py converts to int (SENTINEL_STATE_TYPES), plus the two link-* counters Redis 6+ reports
        // and redis-py leaves as text only because its table predates them.
        private static readonly HashSet<string> IntegerFields = new HashSet<string>(StringComparer.Ordinal)
        {
            "can-failover-its-master", "config-epoch", "down-after-milliseconds", "failover-timeout", "info-refresh",
            "last-hello-message", "last-ok-ping-reply", "last-ping-reply", "last-ping-sent", "master-link-down-time",
            "master-port", "num-other-sentinels", "num-slaves", "o-down-time", "pending-commands", "parallel-syncs",
            "port", "quorum", "role-reported-time", "s-down-time", "slave-priority", "slave-repl-offset",
            "voted-leader-epoch", "link-pending-commands", "link-refcount",
        };

        private static readonly string[][] FlagNames =
        {
            new[] { "is_master", "master" },
            new[] { "is_slave", "slave" },
            new[] { "is_sdown", "s_down" },
            new[] { "is_odown", "o_down" },
            new[] { "is_sentinel", "sentinel" },
            new[] { "is_disconnected", "disconnected" },
            new[] { "is_master_down", "master_down" },
        };

        public static string Name(string value, string parameter)
        {
            if (string.IsNullOrEmpty(value)) throw new RedisDataException(parameter + " must not be empty.");
            return value;
        }

        public static readonly Func<RespValue, SentinelAddress?> Address = r =>
        {
            if (r.IsNull || r.Items.Count < 2) return null;
            string host = r.Items[0].AsString() ?? string.Empty;
            return new SentinelAddress(host, (int)ParsePort(r.Items[1]));
        };

        // CKQUORUM answers "+OK 1 usable Sentinels. Quorum and failover authorization can be reached".
        public static readonly Func<RespValue, bool> OkPrefix = r =>
            !r.IsNull && (r.AsString() ?? string.Empty).StartsWith("OK", StringComparison.Ordinal);

        /// <summary>One instance's state; RESP2 sends a flat field/value array, RESP3 a map, which RespValue flattens the same way.</summary>
        public static readonly Func<RespValue, IDictionary<string, object?>> State = r =>
        {
            IReadOnlyList<RespValue> items = r.Items;
            if (items.Count % 2 != 0) throw new RedisInvalidResponseException("A sentinel state should be field/value pairs, got " + r.Describe());
            var state = new Dictionary<string, object?>(items.Count / 2 + FlagNames.Length, StringComparer.Ordinal);
            for (int i = 0; i < items.Count; i += 2)
            {
                string field = items[i].AsString() ?? string.Empty;
                state[field] = FieldValue(field, items[i + 1]);
            }
            var flags = new HashSet<string>(StringComparer.Ordinal);
            if (state.TryGetValue("flags", out object? text) && text is string flagText)
            {
                foreach (string flag in flagText.Split(',')) flags.Add(flag);
            }
            foreach (string[] pair in FlagNames) state[pair[0]] = flags.Contains(pair[1]);
            return state;
        };

        public static readonly Func<RespValue, IList<IDictionary<string, object?>>> StateList = r => Reply.ToList(r, State);

        public static readonly Func<RespValue, IDictionary<string, IDictionary<string, object?>>> Masters = r =>
        {
            var masters = new Dictionary<string, IDictionary<string, object?>>(StringComparer.Ordinal);
            foreach (RespValue item in r.Items)
            {
                IDictionary<string, object?> state = State(item);
                masters[state.TryGetValue("name", out object? name) ? name as string ?? string.Empty : string.Empty] = state;
            }
            return masters;
        };

        private static object? FieldValue(string field, RespValue value)
        {
            if (value.IsNull) return null;
            if (value.Type == RespType.Integer) return value.Integer64;
            string? text = value.AsString();
            if (text != null && IntegerFields.Contains(field)
                && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number))
            {
                return number;
            }
            return text;
        }

        private static long ParsePort(RespValue value)
        {
            if (value.Type == RespType.Integer) return value.Integer64;
            if (long.TryParse(value.AsString(), NumberStyles.None, CultureInfo.InvariantCulture, out long port) && port > 0 && port <= 65535) return port;
            throw new RedisInvalidResponseException("Invalid port in sentinel reply: " + value.Describe());
        }

        // Helpers for RedisSentinel, which reads a few fields of these dictionaries.
        internal static bool Flag(IDictionary<string, object?> state, string name) =>
            state.TryGetValue(name, out object? value) && value is bool b && b;

        internal static long Number(IDictionary<string, object?> state, string name) =>
            state.TryGetValue(name, out object? value) && value is long n ? n : 0;

        internal static SentinelAddress? AddressOf(IDictionary<string, object?> state)
        {
            if (!state.TryGetValue("ip", out object? ip) || !(ip is string host) || host.Length == 0) return null;
            long port = Number(state, "port");
            return port > 0 && port <= 65535 ? new SentinelAddress(host, (int)port) : null;
        }
    }
}
