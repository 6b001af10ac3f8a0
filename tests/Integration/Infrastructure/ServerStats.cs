using System;
using System.Collections.Generic;
using System.Globalization;
using PSRedis.Protocol;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>What the server counted (INFO stats / commandstats): proves round trips and command counts from outside the client.</summary>
internal static class ServerStats
{
    public static long Stat(RedisClient client, string name) => Convert.ToInt64(client.Info("stats")[name], CultureInfo.InvariantCulture);

    /// <summary>How many times the server ran <paramref name="command"/> (lowercase, e.g. "zrange"), since start or CONFIG RESETSTAT.</summary>
    public static long CommandCalls(RedisClient client, string command)
    {
        RedisInfo info = client.Info("commandstats");
        // "cmdstat_multi" => calls=1,usec=...,... (parsed into a dictionary by RedisInfo)
        if (!info.TryGetValue("cmdstat_" + command, out object? stat)) return 0;
        return stat switch
        {
            IReadOnlyDictionary<string, object> d => Convert.ToInt64(d["calls"], CultureInfo.InvariantCulture),
            System.Collections.IDictionary d => Convert.ToInt64(d["calls"], CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException("Unexpected commandstats entry: " + stat),
        };
    }
}
