using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// The notify-keyspace-events flags keyspace events need (Register-RedisEvent -KeyEvent): checks them on each server
    /// (every primary of a cluster), warns when some are missing, or with -EnableNotifications adds them (CONFIG SET,
    /// keeping the flags already set).
    /// </summary>
    internal static class KeyspaceNotifications
    {
        private const string Setting = "notify-keyspace-events";

        /// <summary>The class flag of an event (Redis's notify-keyspace-events documentation); 'A' (all classes) when unknown or a wildcard.</summary>
        internal static char ClassOf(string keyEvent)
        {
            string e = keyEvent.ToLowerInvariant();
            switch (e)
            {
                case "set": case "setrange": case "incrby": case "incrbyfloat": case "append": case "getdel": case "getex":
                    return '$';
                case "del": case "rename_from": case "rename_to": case "expire": case "persist": case "copy_to": case "restore":
                case "move_from": case "move_to": case "unlink":
                    return 'g';
                case "expired": return 'x';
                case "evicted": return 'e';
                case "new": return 'n';
                case "lpush": case "rpush": case "lpop": case "rpop": case "linsert": case "lset": case "lrem": case "ltrim": case "lmove": case "blmove":
                    return 'l';
                case "hset": case "hdel": case "hincrby": case "hincrbyfloat": case "hexpire": case "hpersist": case "hexpired":
                    return 'h';
                case "sadd": case "srem": case "spop": case "sinterstore": case "sunionstore": case "sdiffstore": case "smove":
                    return 's';
                case "zadd": case "zincr": case "zrem": case "zrembyscore": case "zrembyrank": case "zrembylex": case "zinterstore": case "zunionstore": case "zdiffstore":
                    return 'z';
                case "xadd": case "xdel": case "xtrim": case "xsetid": case "xgroup-create": case "xgroup-destroy": case "xgroup-setid":
                case "xgroup-createconsumer": case "xgroup-delconsumer": case "xclaim": case "xautoclaim":
                    return 't';
                default:
                    return 'A';
            }
        }

        /// <summary>The flags of <paramref name="needed"/> that <paramref name="current"/> lacks ('A' stands for g$lshzxetd).</summary>
        internal static string Missing(string current, IEnumerable<char> needed)
        {
            bool all = current.IndexOf('A') >= 0;
            var missing = new List<char>();
            foreach (char f in needed.Distinct())
            {
                bool has = current.IndexOf(f) >= 0 || (all && "g$lshzxetd".IndexOf(f) >= 0);
                if (!has && !missing.Contains(f)) missing.Add(f);
            }
            return new string(missing.ToArray());
        }

        internal static void Check(PSCmdlet cmdlet, RedisConnection connection, IList<string> keyEvents, bool enable)
        {
            var needed = new List<char> { 'E' };
            needed.AddRange(keyEvents.Select(ClassOf));
            foreach ((string node, RedisClientBase client) in ServerNodes.Each(connection, primariesOnly: true))
            {
                string current;
                try
                {
                    client.ConfigGet(Setting).TryGetValue(Setting, out string? value);
                    current = value ?? string.Empty;
                }
                catch (RedisException e)
                {
                    // Managed services (Azure Cache for Redis) may refuse CONFIG: set notifications in the service instead.
                    cmdlet.WriteWarning("Could not read " + Setting + " on " + node + " (" + e.Message + "); keyspace events arrive only when it includes '"
                        + new string(needed.Distinct().ToArray()) + "' (on a managed service, set it in the service's settings).");
                    continue;
                }
                string missing = Missing(current, needed);
                if (missing.Length == 0)
                {
                    cmdlet.WriteVerbose(Setting + " on " + node + " is '" + current + "', which sends the requested events.");
                    continue;
                }
                string wanted = current + missing;
                if (!enable)
                {
                    cmdlet.WriteWarning(Setting + " on " + node + " is '" + current + "', so the server does not send all of these events: it needs '" + missing
                        + "' as well. Run Register-RedisEvent with -EnableNotifications, or Set-RedisConfig -Name " + Setting + " -Value '" + wanted + "'.");
                    continue;
                }
                try
                {
                    client.ConfigSet(Setting, wanted);
                }
                catch (RedisException e)
                {
                    cmdlet.WriteWarning("Could not set " + Setting + " on " + node + " to '" + wanted + "': " + e.Message);
                    continue;
                }
                cmdlet.WriteWarning("Enabled keyspace notifications on " + node + ": " + Setting + " is now '" + wanted + "' (was '" + current
                    + "'). It stays so until changed back (Set-RedisConfig -Name " + Setting + " -Value '" + current + "').");
            }
        }
    }
}
