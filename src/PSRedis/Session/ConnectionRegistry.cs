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

    /// <summary>
    /// One runspace's connections by name (case-insensitive) and its default. Only Disconnect-Redis (or the end of
    /// the runspace) closes a connection: a connection object a script holds is never closed behind its back, even
    /// when a later Connect-Redis takes over its name.
    /// </summary>
    internal sealed class SessionConnections
    {
        private readonly object _lock = new object();
        private readonly Dictionary<string, RedisConnection> _byName = new Dictionary<string, RedisConnection>(StringComparer.OrdinalIgnoreCase);
        // Every connection opened in this runspace and not closed yet, named or not, so the runspace's end closes them all.
        private readonly HashSet<RedisConnection> _open = new HashSet<RedisConnection>();

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

        /// <summary>
        /// Registers <paramref name="connection"/> under its name and makes it the default. Returns the connection that
        /// had the name before (it stays open: whoever holds it can go on using it until Disconnect-Redis), or null.
        /// </summary>
        internal RedisConnection? Add(RedisConnection connection)
        {
            lock (_lock)
            {
                _byName.TryGetValue(connection.Name, out RedisConnection? previous);
                _byName[connection.Name] = connection;
                _open.Add(connection);
                connection.MarkUsed();
                Default = connection;
                return previous != null && !ReferenceEquals(previous, connection) ? previous : null;
            }
        }

        /// <summary>Makes a registered, open connection the default again (Connect-Redis repeated with the same settings).</summary>
        internal void MakeDefault(RedisConnection connection)
        {
            lock (_lock)
            {
                connection.MarkUsed();
                Default = connection;
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
        /// Closes <paramref name="connection"/> and unregisters it (when it is the one registered under its name). When
        /// it was the default, the most recently used connection still registered becomes the default (returned), or
        /// none when none is left.
        /// </summary>
        internal RedisConnection? Remove(RedisConnection connection, out bool wasDefault)
        {
            RedisConnection? promoted = null;
            lock (_lock)
            {
                if (_byName.TryGetValue(connection.Name, out RedisConnection? registered) && ReferenceEquals(registered, connection))
                {
                    _byName.Remove(connection.Name);
                }
                _open.Remove(connection);
                wasDefault = ReferenceEquals(Default, connection);
                if (wasDefault)
                {
                    foreach (RedisConnection candidate in _byName.Values)
                    {
                        if (candidate.IsClosed) continue;
                        if (promoted == null || candidate.LastUsed > promoted.LastUsed) promoted = candidate;
                    }
                    Default = promoted;
                }
            }
            connection.Dispose();
            return promoted;
        }

        /// <summary>The registered connections (one per name).</summary>
        internal IReadOnlyList<RedisConnection> All
        {
            get
            {
                lock (_lock) return new List<RedisConnection>(_byName.Values);
            }
        }

        /// <summary>Every open connection of the session: the registered ones and those whose name was taken over.</summary>
        internal IReadOnlyList<RedisConnection> AllOpen
        {
            get
            {
                lock (_lock) return new List<RedisConnection>(_open);
            }
        }

        internal void CloseAll()
        {
            List<RedisConnection> all;
            lock (_lock)
            {
                all = new List<RedisConnection>(_open);
                _open.Clear();
                _byName.Clear();
                Default = null;
            }
            foreach (RedisConnection connection in all) connection.Dispose();
        }
    }
}
