using System;

namespace PSRedis.Protocol
{
    // HyperLogLog family: PFADD, PFCOUNT, PFMERGE.
    public abstract partial class RedisCommands
    {
        /// <summary>PFADD: adds the values to the HyperLogLog (creating it); true when its estimate changed.</summary>
        public bool PfAdd(string key, params object[] values)
        {
            values = values ?? Array.Empty<object>();
            var args = new object?[values.Length + 2];
            args[0] = "PFADD";
            args[1] = key;
            values.CopyTo(args, 2);
            return Run(args, Reply.IsOne);
        }

        /// <summary>PFCOUNT: the approximate number of distinct values seen by the HyperLogLog(s); several keys count their union.</summary>
        public long PfCount(params string[] keys) => Run(Args.Prepend("PFCOUNT", keys), Reply.Integer);

        /// <summary>PFMERGE: stores the union of the source HyperLogLogs (and <paramref name="destination"/> itself) in <paramref name="destination"/>.</summary>
        public bool PfMerge(string destination, params string[] sources)
        {
            sources = sources ?? Array.Empty<string>();
            var args = new object?[sources.Length + 2];
            args[0] = "PFMERGE";
            args[1] = destination;
            sources.CopyTo(args, 2);
            return Run(args, Reply.Ok);
        }
    }
}
