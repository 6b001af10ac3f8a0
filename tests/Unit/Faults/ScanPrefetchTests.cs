using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit.Faults
{
    /// <summary>
    /// RedisClient.ScanPagesAhead (Get-RedisKey's source of pages) against a scripted server: pages in order, a failed
    /// page thrown when its turn comes, never more than the asked-for lead fetched, nothing fetched after abandoning.
    /// </summary>
    public sealed class ScanPrefetchTests
    {
        [Fact]
        public void PagesArriveInOrderAndAFailedPageIsThrownWhenItsTurnComes()
        {
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] != "SCAN") return FakeRedisServer.Healthy(c, s);
                FakeRedisServer.Write(s, c[1] switch
                {
                    "0" => Page("1", "a", "b"),
                    "1" => Page("2", "c"),
                    _ => "-ERR boom on page three\r\n",
                });
                return true;
            });
            using RedisClient client = FaultTests.ClientFor(server);
            using IEnumerator<ScanPage> pages = client.ScanPagesAhead("*", 10).GetEnumerator();

            Assert.True(pages.MoveNext());
            Assert.Equal(new[] { "a", "b" }, pages.Current.Keys);
            Assert.True(pages.MoveNext());
            Assert.Equal(new[] { "c" }, pages.Current.Keys);
            var error = Assert.Throws<RedisResponseException>(() => pages.MoveNext());
            Assert.Equal("ERR", error.ErrorCode);
            Assert.Contains("boom on page three", error.Message);
            Assert.True(client.Ping()); // an error reply leaves the connection and the pool usable
        }

        [Fact]
        public void TheFetcherStaysWithinItsLeadAndStopsOnceTheScanIsAbandoned()
        {
            int scans = 0;
            using var server = new FakeRedisServer((c, s) =>
            {
                if (c[0] != "SCAN") return FakeRedisServer.Healthy(c, s);
                long cursor = long.Parse(c[1], System.Globalization.CultureInfo.InvariantCulture);
                Interlocked.Increment(ref scans);
                FakeRedisServer.Write(s, Page((cursor + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "k" + cursor));
                return true; // the cursor never comes back to 0: only the consumer can end this scan
            });
            using RedisClient client = FaultTests.ClientFor(server);
            var pool = (ConnectionPool)client.ConnectionPool;

            using (IEnumerator<ScanPage> pages = client.ScanPagesAhead("*", 10, pagesAhead: 2).GetEnumerator())
            {
                Assert.True(pages.MoveNext());
                Assert.Equal(new[] { "k0" }, pages.Current.Keys);
                // One page handed out and two waiting: the fetcher must stop there, however long the consumer takes.
                WaitUntil(() => Volatile.Read(ref scans) >= 3);
                Thread.Sleep(300);
                Assert.Equal(3, Volatile.Read(ref scans));
                Assert.True(pages.MoveNext());
                Assert.Equal(new[] { "k1" }, pages.Current.Keys);
                WaitUntil(() => Volatile.Read(ref scans) >= 4);
            }

            WaitUntil(() => pool.InUseCount == 0);
            int afterAbandon = Volatile.Read(ref scans);
            Thread.Sleep(300);
            Assert.Equal(afterAbandon, Volatile.Read(ref scans));
            Assert.InRange(afterAbandon, 4, 5); // at most the page that was being read when the scan was abandoned
        }

        [Fact]
        public void ALeadOfLessThanOnePageIsRefused()
        {
            using var server = new FakeRedisServer(FakeRedisServer.Healthy);
            using RedisClient client = FaultTests.ClientFor(server);
            Assert.Throws<ArgumentOutOfRangeException>(() => client.ScanPagesAhead("*", 10, pagesAhead: 0));
            Assert.Equal(0, server.AcceptedConnections);
        }

        private static string Page(string cursor, params string[] keys) =>
            "*2\r\n$" + cursor.Length + "\r\n" + cursor + "\r\n*" + keys.Length + "\r\n"
            + string.Concat(keys.Select(k => "$" + k.Length + "\r\n" + k + "\r\n"));

        private static void WaitUntil(Func<bool> condition)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException("The condition was not met within 10 s.");
                Thread.Sleep(5);
            }
        }
    }
}
