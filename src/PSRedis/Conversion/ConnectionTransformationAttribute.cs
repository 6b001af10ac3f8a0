using System.Management.Automation;

namespace PSRedis
{
    /// <summary>
    /// Lets -Connection take a connection's name as well as the object (`-Connection cache`): a name is looked up among
    /// the runspace's connections, and an unknown one is a binding error that lists the names there are.
    /// </summary>
    internal sealed class ConnectionTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
            if (!(value is string name)) return inputData;
            SessionConnections? session = ConnectionRegistry.Current;
            RedisConnection? connection = session?.Get(name);
            if (connection != null) return connection;
            string known = session == null || session.All.Count == 0 ? "none (run Connect-Redis first)" : string.Join(", ", Names(session));
            throw new ArgumentTransformationMetadataException("No connection is named '" + name + "'. Connections of this session: " + known + ".");
        }

        private static System.Collections.Generic.IEnumerable<string> Names(SessionConnections session)
        {
            foreach (RedisConnection c in session.All) yield return "'" + c.Name + "'";
        }
    }
}
