using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // ACL family: ACL CAT/DELUSER/GENPASS/GETUSER/LIST/LOAD/SAVE/SETUSER/USERS/WHOAMI.
    public abstract partial class RedisCommands
    {
        /// <summary>ACL CAT: every command category, or the commands in <paramref name="category"/>.</summary>
        public IList<string> AclCat(string? category = null) =>
            Run(category == null ? new object?[] { "ACL", "CAT" } : new object?[] { "ACL", "CAT", category }, AclReplies.Strings);

        /// <summary>ACL DELUSER: deletes users; returns how many existed.</summary>
        public long AclDelUser(params string[] usernames)
        {
            if (usernames == null || usernames.Length == 0) throw new RedisDataException("ACL DELUSER needs at least one user name.");
            var args = new object?[usernames.Length + 2];
            args[0] = "ACL";
            args[1] = "DELUSER";
            for (int i = 0; i < usernames.Length; i++) args[i + 2] = usernames[i];
            return Run(args, Reply.Integer);
        }

        /// <summary>ACL GENPASS: a random password from the server, as hex; <paramref name="bits"/> of randomness (server default 256).</summary>
        public string AclGenPass(int? bits = null)
        {
            if (bits.HasValue && (bits.Value <= 0 || bits.Value > 4096)) throw new RedisDataException("ACL GENPASS: bits must be from 1 to 4096.");
            return Run(bits.HasValue ? new object?[] { "ACL", "GENPASS", bits.Value } : new object?[] { "ACL", "GENPASS" }, r => r.AsString() ?? string.Empty);
        }

        /// <summary>ACL GETUSER: the user's flags, passwords and permissions, or null when there is no such user.</summary>
        public AclUser? AclGetUser(string username) => Run(new object?[] { "ACL", "GETUSER", username }, AclReplies.User);

        /// <summary>ACL LIST: every user as an ACL rule line ("user default on nopass ~* &amp;* +@all").</summary>
        public IList<string> AclList() => Run(new object?[] { "ACL", "LIST" }, AclReplies.Strings);

        /// <summary>ACL USERS: the user names.</summary>
        public IList<string> AclUsers() => Run(new object?[] { "ACL", "USERS" }, AclReplies.Strings);

        /// <summary>ACL WHOAMI: the user the connection is authenticated as.</summary>
        public string AclWhoAmI() => Run(new object?[] { "ACL", "WHOAMI" }, r => r.AsString() ?? string.Empty);

        /// <summary>ACL LOAD: replaces the users with those in the server's aclfile (an error when it has none).</summary>
        public bool AclLoad() => Run(new object?[] { "ACL", "LOAD" }, Reply.Ok);

        /// <summary>ACL SAVE: writes the users to the server's aclfile (an error when it has none).</summary>
        public bool AclSave() => Run(new object?[] { "ACL", "SAVE" }, Reply.Ok);

        /// <summary>
        /// ACL SETUSER, with redis-py's options: the user is created or changed (<paramref name="reset"/> starts from nothing).
        /// <paramref name="enabled"/>: on/off (off unless given, as in redis-py). <paramref name="passwords"/> and
        /// <paramref name="hashedPasswords"/> (SHA-256 hex) each start with "+" (add) or "-" (remove); <paramref name="nopass"/>
        /// cannot go with them. <paramref name="categories"/> ("+@read", "-dangerous": "+"/"-" with or without "@") and
        /// <paramref name="commands"/> ("+get", "-flushall") start with "+" or "-". <paramref name="keys"/> are patterns without
        /// "~" (it is added); <paramref name="channels"/> pub/sub patterns without "&amp;". <paramref name="selectors"/> (Redis 7)
        /// are rules put in one pair of parentheses each, e.g. "+get ~ro:*". <paramref name="resetKeys"/>,
        /// <paramref name="resetChannels"/> and <paramref name="resetPasswords"/> clear those first.
        /// </summary>
        public bool AclSetUser(string username, bool enabled = false, bool nopass = false, IEnumerable<string>? passwords = null,
            IEnumerable<string>? hashedPasswords = null, IEnumerable<string>? categories = null, IEnumerable<string>? commands = null,
            IEnumerable<string>? keys = null, IEnumerable<string>? channels = null, IEnumerable<string>? selectors = null,
            bool reset = false, bool resetKeys = false, bool resetChannels = false, bool resetPasswords = false) =>
            Run(AclArgs.SetUser(username, enabled, nopass, passwords, hashedPasswords, categories, commands, keys, channels, selectors,
                reset, resetKeys, resetChannels, resetPasswords), Reply.Ok);
    }

    internal static class AclArgs
    {
        public static List<object?> SetUser(string username, bool enabled, bool nopass, IEnumerable<string>? passwords,
            IEnumerable<string>? hashedPasswords, IEnumerable<string>? categories, IEnumerable<string>? commands,
            IEnumerable<string>? keys, IEnumerable<string>? channels, IEnumerable<string>? selectors,
            bool reset, bool resetKeys, bool resetChannels, bool resetPasswords)
        {
            if (string.IsNullOrEmpty(username)) throw new RedisDataException("ACL SETUSER needs a user name.");
            var args = new List<object?>(16) { "ACL", "SETUSER", username };
            if (reset) args.Add("reset");
            if (resetKeys) args.Add("resetkeys");
            if (resetChannels) args.Add("resetchannels");
            if (resetPasswords) args.Add("resetpass");
            args.Add(enabled ? "on" : "off");

            List<string> plain = Materialize(passwords);
            List<string> hashed = Materialize(hashedPasswords);
            if (nopass && (plain.Count > 0 || hashed.Count > 0))
                throw new RedisDataException("ACL SETUSER: nopass cannot go with passwords or hashedPasswords.");
            for (int i = 0; i < plain.Count; i++) args.Add(Prefixed(plain[i], ">", "<", "Password " + i));
            for (int i = 0; i < hashed.Count; i++) args.Add(Prefixed(hashed[i], "#", "!", "Hashed password " + i));
            if (nopass) args.Add("nopass");

            foreach (string category in Materialize(categories))
            {
                if (category.StartsWith("+@", StringComparison.Ordinal) || category.StartsWith("-@", StringComparison.Ordinal)) args.Add(category);
                else if (category.StartsWith("+", StringComparison.Ordinal)) args.Add("+@" + category.Substring(1));
                else if (category.StartsWith("-", StringComparison.Ordinal)) args.Add("-@" + category.Substring(1));
                else throw new RedisDataException("ACL SETUSER: category '" + category + "' must start with '+' or '-'.");
            }
            foreach (string command in Materialize(commands))
            {
                if (!command.StartsWith("+", StringComparison.Ordinal) && !command.StartsWith("-", StringComparison.Ordinal))
                    throw new RedisDataException("ACL SETUSER: command '" + command + "' must start with '+' or '-'.");
                args.Add(command);
            }
            foreach (string key in Materialize(keys)) args.Add("~" + key);
            foreach (string channel in Materialize(channels)) args.Add("&" + channel);
            foreach (string selector in Materialize(selectors))
            {
                if (selector.Length == 0) throw new RedisDataException("ACL SETUSER: a selector needs at least one rule.");
                args.Add(selector.StartsWith("(", StringComparison.Ordinal) ? selector : "(" + selector + ")");
            }
            return args;
        }

        private static List<string> Materialize(IEnumerable<string>? values)
        {
            var list = new List<string>();
            if (values == null) return list;
            foreach (string value in values)
            {
                if (value == null) throw new RedisDataException("ACL SETUSER: a rule is null.");
                list.Add(value);
            }
            return list;
        }

        private static string Prefixed(string value, string add, string remove, string what)
        {
            if (value.StartsWith("+", StringComparison.Ordinal)) return add + value.Substring(1);
            if (value.StartsWith("-", StringComparison.Ordinal)) return remove + value.Substring(1);
            throw new RedisDataException("ACL SETUSER: " + what + " must be prefixed with '+' to add or '-' to remove.");
        }
    }

    internal static class AclReplies
    {
        public static readonly Func<RespValue, IList<string>> Strings = r => Reply.ToList(r, v => v.AsString() ?? string.Empty);

        public static readonly Func<RespValue, AclUser?> User = r =>
        {
            if (r.IsNull) return null;
            Dictionary<string, RespValue> map = StreamReplies.ToMap(r);
            IReadOnlyList<string> flags = Names(map, "flags");
            var commands = new List<string>();
            var categories = new List<string>();
            foreach (string rule in Words(map, "commands"))
            {
                if (rule.IndexOf('@') >= 0) categories.Add(rule);
                else commands.Add(rule);
            }
            var selectors = new List<IReadOnlyDictionary<string, string>>();
            if (map.TryGetValue("selectors", out RespValue? rawSelectors))
            {
                foreach (RespValue selector in rawSelectors.Items)
                {
                    var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (KeyValuePair<string, RespValue> pair in StreamReplies.ToMap(selector)) fields[pair.Key] = pair.Value.AsString() ?? string.Empty;
                    selectors.Add(fields);
                }
            }
            return new AclUser
            {
                Flags = flags,
                Enabled = ContainsOrdinal(flags, "on"),
                Passwords = Names(map, "passwords"),
                Commands = commands,
                Categories = categories,
                Keys = Words(map, "keys"),
                Channels = Words(map, "channels"),
                Selectors = selectors,
            };
        };

        private static bool ContainsOrdinal(IReadOnlyList<string> list, string value)
        {
            foreach (string item in list) if (string.Equals(item, value, StringComparison.Ordinal)) return true;
            return false;
        }

        private static IReadOnlyList<string> Names(Dictionary<string, RespValue> map, string name)
        {
            var list = new List<string>();
            if (map.TryGetValue(name, out RespValue? value)) foreach (RespValue item in value.Items) list.Add(item.AsString() ?? string.Empty);
            return list;
        }

        /// <summary>Redis 7 sends keys/channels/commands as one space-separated string, Redis 6 keys and channels as arrays.</summary>
        private static IReadOnlyList<string> Words(Dictionary<string, RespValue> map, string name)
        {
            var list = new List<string>();
            if (!map.TryGetValue(name, out RespValue? value) || value.IsNull) return list;
            if (value.IsAggregate)
            {
                foreach (RespValue item in value.Items) list.Add(item.AsString() ?? string.Empty);
                return list;
            }
            foreach (string word in (value.AsString() ?? string.Empty).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries)) list.Add(word);
            return list;
        }
    }
}
