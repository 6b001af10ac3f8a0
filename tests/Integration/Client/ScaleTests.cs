using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Client
{
    /// <summary>Many threads on one pool, and SCAN over a large keyspace.</summary>
    [Collection("redis")]
    public sealed class ScaleTests
    {
        private readonly RedisFixture _fixture;

        public ScaleTests(RedisFixture fixture) => _fixture = fixture;

        [Fact]
        public void FiftyThreadsShareOnePoolWithoutCrossedReplies()
        {
            string prefix = "it:threads:" + Guid.NewGuid().ToString("N") + ":";
            var options = RedisUrl.Parse(_fixture.Url, o => o.MaxConnections = 8);
            using var pool = new BlockingConnectionPool(options);
            using var client = new RedisClient(pool);
            var failures = new ConcurrentQueue<string>();
            var threads = new List<Thread>();
            for (int t = 0; t < 50; t++)
            {
                int id = t;
                threads.Add(new Thread(() =>
                {
                    for (int i = 0; i < 200; i++)
                    {
                        string key = prefix + id + ":" + i;
                        string value = id + "/" + i + "/" + new string('x', i % 50);
                        client.Set(key, value);
                        string? back = client.Get(key);
                        if (back != value) failures.Enqueue(key + " got " + back);
                        if (client.Echo(key) != key) failures.Enqueue("echo " + key);
                    }
                }));
            }
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Empty(failures);
            Assert.InRange(pool.CreatedCount, 1, 8);
            client.Unlink(client.ScanIter(prefix + "*", 1000).ToArray());
        }

        [Fact]
        public void ScanIterReturnsEveryOneOfOneHundredThousandKeysOnePageAtATime()
        {
            const int total = 100_000;
            string prefix = "it:scan100k:" + Guid.NewGuid().ToString("N") + ":";
            using RedisClient client = RedisClient.FromUrl(_fixture.Url);
            Populate(client, prefix, total);
            for (int i = 0; i < 100; i++) client.Set("it:scan-other:" + i, "x"); // must not match

            long scansBefore = ScanCalls(client);
            using (IEnumerator<string> lazy = client.ScanIter(prefix + "*", 1000).GetEnumerator())
            {
                Assert.True(lazy.MoveNext());
                Assert.Equal(scansBefore + 1, ScanCalls(client)); // one page fetched, not the whole keyspace
            }

            var seen = new HashSet<string>();
            foreach (string key in client.ScanIter(prefix + "*", 1000)) seen.Add(key);
            Assert.Equal(total, seen.Count);
            Assert.All(seen, k => Assert.StartsWith(prefix, k));

            foreach (string[] batch in client.ScanIter(prefix + "*", 1000).Chunk(1000)) client.Unlink(batch);
            Assert.Empty(client.ScanIter(prefix + "*", 1000));
        }

        private static void Populate(RedisClient client, string prefix, int total)
        {
            client.WithConnection(connection =>
            {
                for (int start = 0; start < total; start += 1000)
                {
                    var args = new List<object?> { "MSET" };
                    for (int i = start; i < start + 1000; i++)
                    {
                        args.Add(prefix + i);
                        args.Add("v");
                    }
                    connection.SendCommand(args);
                    connection.ReadResponse();
                }
                return 0;
            });
        }

        private static long ScanCalls(RedisClient client)
        {
            RedisInfo stats = client.Info("commandstats");
            return stats.TryGetValue("cmdstat_scan", out object? entry) ? (long)((Dictionary<string, object>)entry)["calls"] : 0;
        }
    }
}
