using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation.Runspaces;

namespace PSRedis
{
    /// <summary>
    /// The named connections of each runspace and its default. Keyed by runspace so that several runspaces in
    /// one process (hosted engines, ForEach-Object -Parallel, runspace pools) never see each other's
    /// connections; a runspace's connections are closed when it closes.
    /// </summary>
    internal static class ConnectionRegistry
    {
        private static readonly ConcurrentDictionary<Guid, SessionConnections> s_sessions =
            new ConcurrentDictionary<Guid, SessionConnections>();

        /// <summary>The connections of the runspace running on this thread (null outside any runspace).</summary>
        internal static SessionConnections? Current
        {
            get
            {
                Runspace? runspace = Runspace.DefaultRunspace;
                if (runspace == null) return null;
                return s_sessions.GetOrAdd(runspace.InstanceId, _ => Track(runspace));
            }
        }

        private static SessionConnections Track(Runspace runspace)
        {
            var session = new SessionConnections();
            runspace.StateChanged += OnStateChanged;
            return session;
        }

        private static void OnStateChanged(object? sender, RunspaceStateEventArgs e)
        {
            if (!(sender is Runspace runspace)) return;
            RunspaceState state = e.RunspaceStateInfo.State;
            if (state != RunspaceState.Closed && state != RunspaceState.Broken) return;
            runspace.StateChanged -= OnStateChanged;
            if (s_sessions.TryRemove(runspace.InstanceId, out SessionConnections? session)) session.CloseAll();
        }
    }

    /// <summary>One runspace's connections by name (case-insensitive) and its default.</summary>
    internal sealed class SessionConnections
    {
        private readonly object _lock = new object();
        private readonly Dictionary<string, RedisConnection> _byName = new Dictionary<string, RedisConnection>(StringComparer.OrdinalIgnoreCase);

        internal RedisConnection? Default { get; private set; }

        /// <summary>Registers <paramref name="connection"/> as the default; a connection of the same name is replaced and closed.</summary>
        internal void Add(RedisConnection connection)
        {
            RedisConnection? replaced;
            lock (_lock)
            {
                _byName.TryGetValue(connection.Name, out replaced);
                _byName[connection.Name] = connection;
                Default = connection;
            }
            if (replaced != null && !ReferenceEquals(replaced, connection)) replaced.Dispose();
        }

        internal RedisConnection? Get(string name)
        {
            lock (_lock)
            {
                return _byName.TryGetValue(name, out RedisConnection? connection) ? connection : null;
            }
        }

        internal IReadOnlyList<RedisConnection> All
        {
            get
            {
                lock (_lock) return new List<RedisConnection>(_byName.Values);
            }
        }

        internal void CloseAll()
        {
            List<RedisConnection> all;
            lock (_lock)
            {
                all = new List<RedisConnection>(_byName.Values);
                _byName.Clear();
                Default = null;
            }
            foreach (RedisConnection connection in all) connection.Dispose();
        }
    }
}
