using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace PSRedis.TestServers
{
    /// <summary>
    /// Every test server still running, by the runspace that started it. A server outlives neither its runspace (closed
    /// or broken), nor the module's removal from it, nor the process: whatever a script forgets to stop is stopped then.
    /// </summary>
    internal static class TestServerRegistry
    {
        private static readonly object s_lock = new object();
        private static readonly Dictionary<Guid, List<RedisTestServer>> s_byRunspace = new Dictionary<Guid, List<RedisTestServer>>();
        private static readonly HashSet<Guid> s_watched = new HashSet<Guid>();
        private static bool s_processExitHooked;

        internal static void Add(RedisTestServer server, Runspace runspace)
        {
            lock (s_lock)
            {
                if (!s_processExitHooked)
                {
                    AppDomain.CurrentDomain.ProcessExit += (_, __) => StopAll(All());
                    s_processExitHooked = true;
                }
                if (s_watched.Add(runspace.InstanceId)) runspace.StateChanged += OnRunspaceStateChanged;
                if (!s_byRunspace.TryGetValue(runspace.InstanceId, out List<RedisTestServer>? servers))
                {
                    servers = new List<RedisTestServer>();
                    s_byRunspace[runspace.InstanceId] = servers;
                }
                servers.Add(server);
            }
        }

        internal static void Remove(RedisTestServer server)
        {
            lock (s_lock)
            {
                foreach (List<RedisTestServer> servers in s_byRunspace.Values) servers.Remove(server);
            }
        }

        /// <summary>The servers the runspace started and has not stopped, oldest first.</summary>
        internal static IReadOnlyList<RedisTestServer> Of(Runspace runspace)
        {
            lock (s_lock)
            {
                return s_byRunspace.TryGetValue(runspace.InstanceId, out List<RedisTestServer>? servers) ? servers.ToArray() : Array.Empty<RedisTestServer>();
            }
        }

        /// <summary>
        /// Makes Remove-Module PSRedis stop the servers of the runspace removing it. A binary module learns of its removal
        /// only through the module's OnRemove script block (IModuleAssemblyCleanup is PowerShell 7 only).
        /// </summary>
        internal static void HookModuleRemoval(PSModuleInfo? module)
        {
            if (module == null || module.OnRemove != null) return;
            module.OnRemove = ScriptBlock.Create("[PSRedis.TestServers.ModuleCleanup]::StopServersOfThisRunspace()");
        }

        internal static void StopServersOf(Runspace runspace)
        {
            List<RedisTestServer>? servers;
            lock (s_lock)
            {
                if (!s_byRunspace.TryGetValue(runspace.InstanceId, out servers)) return;
                s_byRunspace.Remove(runspace.InstanceId);
            }
            StopAll(servers);
        }

        private static List<RedisTestServer> All()
        {
            lock (s_lock)
            {
                var all = s_byRunspace.Values.SelectMany(s => s).ToList();
                s_byRunspace.Clear();
                return all;
            }
        }

        private static void StopAll(IEnumerable<RedisTestServer> servers)
        {
            // Nobody is left to report a problem to (the runspace or process is going away); each server is still tried.
            foreach (RedisTestServer server in servers) server.Running?.Stop();
        }

        private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
        {
            if (!(sender is Runspace runspace)) return;
            RunspaceState state = e.RunspaceStateInfo.State;
            if (state != RunspaceState.Closed && state != RunspaceState.Broken && state != RunspaceState.Closing) return;
            if (state != RunspaceState.Closing)
            {
                runspace.StateChanged -= OnRunspaceStateChanged;
                lock (s_lock) s_watched.Remove(runspace.InstanceId);
            }
            StopServersOf(runspace);
        }
    }

    /// <summary>Called by the module's OnRemove script block; public only because a script block must reach it.</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public static class ModuleCleanup
    {
        /// <summary>Stops the test servers the current runspace started (Remove-Module PSRedis).</summary>
        public static void StopServersOfThisRunspace()
        {
            Runspace? runspace = Runspace.DefaultRunspace;
            if (runspace != null) TestServerRegistry.StopServersOf(runspace);
        }
    }
}
