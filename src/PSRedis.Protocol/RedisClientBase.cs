using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// What every client offers, whatever is behind it: <see cref="RedisClient"/> (one server, or the primary a Sentinel
    /// names) and <see cref="RedisCluster"/> (a Redis Cluster, each command routed to the node that owns its keys). The
    /// typed commands come from <see cref="RedisCommands"/>; this adds pipelines, transactions, iterators, scripts,
    /// locks and pub/sub, written once on top of how the client runs a command.
    /// </summary>
    public abstract partial class RedisClientBase : RedisCommands, IDisposable
    {
        private readonly ConcurrentDictionary<string, Func<RespValue, object?>> _responseCallbacks =
            new ConcurrentDictionary<string, Func<RespValue, object?>>(StringComparer.OrdinalIgnoreCase);

        internal RedisClientBase()
        {
        }

        /// <summary>The connection settings (for a cluster: those every node's connections are made with).</summary>
        public abstract ConnectionOptions Options { get; }

        /// <summary>Bulk replies become UTF-8 strings (true, the default) or stay byte[] in <see cref="RedisCommands.ExecuteCommand"/>.</summary>
        public bool DecodeResponses { get; set; } = true;

        /// <summary>
        /// redis-py's set_response_callback: <see cref="RedisCommands.ExecuteCommand"/> converts replies to <paramref name="command"/>
        /// with <paramref name="callback"/> from now on (null removes it). Typed methods keep their own parsers.
        /// </summary>
        public void SetResponseCallback(string command, Func<RespValue, object?>? callback)
        {
            if (string.IsNullOrEmpty(command)) throw new ArgumentException("Name the command.", nameof(command));
            if (callback == null) _responseCallbacks.TryRemove(command, out _);
            else _responseCallbacks[command] = callback;
        }

        /// <summary>Sends any command and returns the reply model; an error reply is thrown as its exception.</summary>
        public RespValue Execute(IReadOnlyList<object?> args) => Run(args, Reply.Raw);

        /// <summary>What <see cref="RedisCommands.ExecuteCommand"/> would return for this reply (response callback or plain values).</summary>
        internal override object? ConvertReply(string? command, RespValue reply)
        {
            if (command != null && _responseCallbacks.TryGetValue(command, out Func<RespValue, object?>? callback)) return callback(reply);
            return reply.ToObject(DecodeResponses);
        }

        /// <summary>
        /// A new pipeline: commands queued on it are sent in one write by <see cref="RedisPipeline.Execute(bool)"/>.
        /// <paramref name="transaction"/> (the default, as in redis-py) runs them atomically inside MULTI/EXEC.
        /// </summary>
        public abstract RedisPipeline Pipeline(bool transaction = true);

        /// <summary>
        /// Runs <paramref name="func"/> as an optimistic transaction: WATCHes <paramref name="watches"/>, calls func
        /// (whose commands run at once until it calls <see cref="RedisPipeline.Multi"/>, then are queued), executes,
        /// and starts over from the WATCH whenever a watched key changed meanwhile. Returns the EXEC results.
        /// </summary>
        public IList<object?> Transaction(Action<RedisPipeline> func, params string[] watches) =>
            Transaction(func, null, watches);

        /// <summary>
        /// <see cref="Transaction(Action{RedisPipeline}, string[])"/>, waiting <paramref name="watchDelay"/> before each
        /// retry after a watch conflict (redis-py's watch_delay).
        /// </summary>
        public IList<object?> Transaction(Action<RedisPipeline> func, TimeSpan? watchDelay, params string[] watches)
        {
            if (func == null) throw new ArgumentNullException(nameof(func));
            return RunTransaction<object?>(pipe => { func(pipe); return null; }, watchDelay, watches).Item2;
        }

        /// <summary>
        /// <see cref="Transaction(Action{RedisPipeline}, string[])"/> that returns what <paramref name="func"/> returned
        /// on the attempt that committed, instead of the EXEC results (redis-py's value_from_callable=True).
        /// </summary>
        public T TransactionValue<T>(Func<RedisPipeline, T> func, params string[] watches) =>
            TransactionValue(func, null, watches);

        /// <summary><see cref="TransactionValue{T}(Func{RedisPipeline, T}, string[])"/> with a delay before each retry.</summary>
        public T TransactionValue<T>(Func<RedisPipeline, T> func, TimeSpan? watchDelay, params string[] watches)
        {
            if (func == null) throw new ArgumentNullException(nameof(func));
            return RunTransaction(func, watchDelay, watches).Item1;
        }

        private Tuple<T, IList<object?>> RunTransaction<T>(Func<RedisPipeline, T> func, TimeSpan? watchDelay, string[]? watches)
        {
            if (watchDelay.HasValue && watchDelay.Value < TimeSpan.Zero) throw new RedisDataException("watchDelay cannot be negative.");
            using (RedisPipeline pipe = Pipeline(transaction: true))
            {
                while (true)
                {
                    try
                    {
                        if (watches != null && watches.Length > 0) pipe.Watch(watches);
                        T value = func(pipe);
                        IList<object?> results = pipe.Execute();
                        return Tuple.Create(value, results);
                    }
                    catch (RedisWatchException)
                    {
                        // Someone changed a watched key first: Execute already reset the pipeline, so simply try again.
                        pipe.Reset();
                        if (watchDelay.HasValue && watchDelay.Value > TimeSpan.Zero) Thread.Sleep(watchDelay.Value);
                    }
                }
            }
        }

        /// <summary>
        /// All keys matching, lazily: one SCAN page is fetched when the previous one is used up, so memory
        /// stays at one page whatever the keyspace size. As with SCAN, a key may be returned more than once.
        /// </summary>
        public IEnumerable<string> ScanIter(string? match = null, int? count = null, string? type = null)
        {
            if (count.HasValue && count.Value <= 0) throw new RedisDataException("count must be positive.");
            return ScanIterator(match, count, type);
        }

        private IEnumerable<string> ScanIterator(string? match, int? count, string? type)
        {
            object? before = ScanBegins();
            foreach (RedisCommands node in ScanTargets())
            {
                ulong cursor = 0;
                do
                {
                    ScanPage page = node.Scan(cursor, match, count, type);
                    cursor = page.Cursor;
                    foreach (string key in page.Keys) yield return key;
                }
                while (cursor != 0);
            }
            foreach (ScanPage page in ScanEnds(before, match, type))
            {
                foreach (string key in page.Keys) yield return key;
            }
        }

        internal const int DefaultPagesAhead = 4;

        /// <summary>
        /// SCAN pages fetched in the background, up to <paramref name="pagesAhead"/> pages ahead of the caller, so the
        /// round trips overlap the caller's work instead of adding to it (the PowerShell pipeline is slower than the
        /// wire). At most <paramref name="pagesAhead"/> + 1 pages are in memory. The default lead is 4 pages: 32 were tried
        /// (Get-RedisKey | Remove-RedisKey waits on pages for 0.5-1.3 s of its 2.3 s), but pages held longer survive into
        /// older GC generations, +18 MB peak for Get-RedisKey alone, and no gain in time stood out of the noise. Errors surface, in order, when the page
        /// that failed is asked for. Abandoning the enumeration stops the fetcher after the page it is reading (its
        /// connection goes back to the pool) and drops what it had fetched. On a cluster every primary is scanned at once,
        /// each with its own cursor, and their pages are handed out in turn.
        /// </summary>
        public IEnumerable<ScanPage> ScanPagesAhead(string? match = null, int? count = null, string? type = null, int pagesAhead = DefaultPagesAhead)
        {
            if (count.HasValue && count.Value <= 0) throw new RedisDataException("count must be positive.");
            if (pagesAhead < 1) throw new ArgumentOutOfRangeException(nameof(pagesAhead), "At least one page is fetched ahead.");
            return ScanPagesAheadIterator(match, count, type, pagesAhead);
        }

        private IEnumerable<ScanPage> ScanPagesAheadIterator(string? match, int? count, string? type, int pagesAhead)
        {
            // One fetcher per node, all running at once (a cluster's primaries are scanned in parallel), their pages
            // taken in turn: at most (pagesAhead + 1) pages per node are in memory.
            var fetchers = new List<ScanPrefetcher>();
            object? before = ScanBegins();
            try
            {
                foreach (RedisCommands node in ScanTargets()) fetchers.Add(new ScanPrefetcher(node, match, count, type, pagesAhead));
                while (fetchers.Count > 0)
                {
                    for (int i = 0; i < fetchers.Count;)
                    {
                        if (fetchers[i].TryTake(out ScanPage page))
                        {
                            yield return page;
                            i++;
                        }
                        else
                        {
                            fetchers[i].Dispose();
                            fetchers.RemoveAt(i);
                        }
                    }
                }
            }
            finally
            {
                foreach (ScanPrefetcher fetcher in fetchers) fetcher.Dispose();
            }
            foreach (ScanPage page in ScanEnds(before, match, type)) yield return page;
        }

        /// <summary>What a keyspace scan must remember from its start (a cluster: its slot map and the slots in migration).</summary>
        internal virtual object? ScanBegins() => null;

        /// <summary>
        /// Pages a keyspace scan adds after every cursor finished: on a cluster, the matching keys of slots that moved or
        /// were being migrated meanwhile, which the per-node cursors may have missed. Nothing on one server.
        /// </summary>
        internal virtual IEnumerable<ScanPage> ScanEnds(object? before, string? match, string? type) => Array.Empty<ScanPage>();

        /// <summary>What a keyspace scan walks, each with a SCAN cursor of its own: the client itself, or every primary of a cluster.</summary>
        internal abstract IEnumerable<RedisCommands> ScanTargets();

        /// <summary>
        /// A publish/subscribe session on a new connection of its own (redis-py pubsub()); dispose it to close
        /// that connection. <paramref name="ignoreSubscribeMessages"/>: skip subscribe/unsubscribe confirmations.
        /// </summary>
        public RedisPubSub PubSub(bool ignoreSubscribeMessages = false) => PubSub(null, ignoreSubscribeMessages);

        /// <summary>
        /// As <see cref="PubSub(bool)"/>, with the dedicated connection named <paramref name="clientName"/> (CLIENT SETNAME,
        /// also after a reconnect), so CLIENT LIST can tell it apart; null keeps the client's own name.
        /// </summary>
        public RedisPubSub PubSub(string? clientName, bool ignoreSubscribeMessages = false)
        {
            ConnectionOptions options = PubSubOptions();
            if (clientName != null) options.ClientName = clientName;
            return new RedisPubSub(options, ignoreSubscribeMessages);
        }

        /// <summary>
        /// The subscriber this client needs, with background readers (<see cref="IRedisPubSub.Start"/>): on one server a
        /// <see cref="RedisPubSub"/>; on a cluster a <see cref="RedisClusterPubSub"/>, which sends each shard channel
        /// (SSUBSCRIBE) to the node owning its slot and keyspace notifications to every primary. Code that subscribes
        /// through this works unchanged on both (Register-RedisEvent does).
        /// </summary>
        public virtual IRedisPubSub Subscriber(string? clientName = null, bool ignoreSubscribeMessages = false) =>
            PubSub(clientName, ignoreSubscribeMessages);

        /// <summary>Where a subscriber connects (a copy it may change): the server, or one node of a cluster.</summary>
        internal abstract ConnectionOptions PubSubOptions();

        /// <summary>
        /// MONITOR on a new connection of its own (redis-py monitor()): read what the server runs with
        /// <see cref="RedisMonitor.Next"/> or <see cref="RedisMonitor.Listen"/>; dispose it to stop. On a cluster it
        /// watches the node a subscriber would use; monitor another node through <see cref="RedisCluster.NodeClient"/>.
        /// </summary>
        public RedisMonitor Monitor() => new RedisMonitor(PubSubOptions());

        public abstract void Dispose();
    }
}
