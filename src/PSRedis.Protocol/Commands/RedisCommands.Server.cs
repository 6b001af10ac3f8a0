using System.Collections.Generic;

namespace PSRedis.Protocol
{
    // Server family (first part): DBSIZE, INFO, FLUSHDB, FLUSHALL.
    public abstract partial class RedisCommands
    {
        /// <summary>DBSIZE: the number of keys in the selected database.</summary>
        public long DbSize() => Run(new object?[] { "DBSIZE" }, Reply.Integer);

        /// <summary>INFO, parsed into typed values by section. <paramref name="section"/>: "server", "keyspace", "all", ...</summary>
        public RedisInfo Info(string? section = null)
        {
            var args = new List<object?>(2) { "INFO" };
            if (section != null) args.Add(section);
            return Run(args, r => RedisInfo.Parse(r.AsString() ?? string.Empty));
        }

        /// <summary>FLUSHDB: deletes every key of the selected database (<paramref name="asynchronous"/>: ASYNC).</summary>
        public bool FlushDb(bool asynchronous = false) =>
            Run(asynchronous ? new object?[] { "FLUSHDB", "ASYNC" } : new object?[] { "FLUSHDB" }, Reply.Ok);

        /// <summary>FLUSHALL: deletes every key of every database.</summary>
        public bool FlushAll(bool asynchronous = false) =>
            Run(asynchronous ? new object?[] { "FLUSHALL", "ASYNC" } : new object?[] { "FLUSHALL" }, Reply.Ok);
    }
}
