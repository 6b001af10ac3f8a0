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

        private RedisConnection? _default;

        /// <summary>The session default; setting it keeps <see cref="RedisConnection.IsDefault"/> in step.</summary>
        internal RedisConnection? Default
        {
            get => _default;
            private set
            {
                if (_default != null) _default.IsDefault = false;
                _default = value;
                if (value != null) value.IsDefault = true;
            }
        }

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
            if (replaced != null && !ReferenceEquals(replaced, connection))
            {
                replaced.IsDefault = false;
                replaced.Dispose();
            }
        }

        internal RedisConnection? Get(string name)
        {
            lock (_lock)
            {
                return _byName.TryGetValue(name, out RedisConnection? connection) ? connection : null;
            }
        }

        /// <summary>
        /// Unregisters <paramref name="connection"/> (when it is the one registered under its name) and closes it.
        /// When it was the default, the session has no default afterwards: nothing is picked silently.
        /// </summary>
        internal bool Remove(RedisConnection connection)
        {
            bool removed;
            lock (_lock)
            {
                removed = _byName.TryGetValue(connection.Name, out RedisConnection? registered) && ReferenceEquals(registered, connection);
                if (removed) _byName.Remove(connection.Name);
                if (ReferenceEquals(Default, connection)) Default = null;
            }
            connection.Dispose();
            return removed;
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
