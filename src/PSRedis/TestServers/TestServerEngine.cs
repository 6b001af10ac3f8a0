namespace PSRedis.TestServers
{
    /// <summary>Which server Start-RedisTestServer runs. Auto takes the first that is installed, in this order.</summary>
    public enum TestServerEngine
    {
        /// <summary>redis-server from PATH, else Garnet, else Docker's redis image.</summary>
        Auto,

        /// <summary>redis-server from PATH.</summary>
        Redis,

        /// <summary>Microsoft Garnet: the dotnet tool garnet-server, installed globally (on PATH) or in a tool manifest.</summary>
        Garnet,

        /// <summary>The redis image in a Docker container (needs a Docker engine that answers).</summary>
        Docker,
    }
}
