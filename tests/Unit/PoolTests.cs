using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PSRedis.Protocol;
using PSRedis.Tests.Unit.Fakes;
using Xunit;

namespace PSRedis.Tests.Unit
{
    public class PoolTests
    {
        // Far above any legitimate wait here, so a lost wake-up fails the test instead of hanging the run.
        private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

        public enum Kind { NonBlocking, Blocking }

        /// <summary>Makes fakes and remembers them, so tests can look at connections the pool never handed out.</summary>
        private sealed class FakeFactory
        {
            public readonly ConcurrentQueue<FakeConnection> Created = new ConcurrentQueue<FakeConnection>();
            /// <summary>Set to make the next connections fail to connect.</summary>
            public Exception? ConnectError;
            public bool Throw;

            public IRedisConnection Make(ConnectionOptions options)
            {
                if (Throw) throw new InvalidOperationException("factory failed");
                var connection = new FakeConnection(options) { ConnectError = ConnectError };
                Created.Enqueue(connection);
                return connection;
            }
        }

        private static (IConnectionPool Pool, FakeFactory Factory) Make(Kind kind, int max, TimeSpan? timeout = null)
        {
            var factory = new FakeFactory();
            IConnectionPool pool = kind == Kind.Blocking
                ? new BlockingConnectionPool(new ConnectionOptions(), max, timeout ?? Generous, factory.Make)
                : new ConnectionPool(new ConnectionOptions(), max, factory.Make);
            return (pool, factory);
        }

        private static int Created(IConnectionPool pool) => pool is BlockingConnectionPool b ? b.CreatedCount : ((ConnectionPool)pool).CreatedCount;
        private static int Idle(IConnectionPool pool) => pool is BlockingConnectionPool b ? b.IdleCount : ((ConnectionPool)pool).IdleCount;
        private static int InUse(IConnectionPool pool) => pool is BlockingConnectionPool b ? b.InUseCount : ((ConnectionPool)pool).InUseCount;

        private static FakeConnection Get(IConnectionPool pool) => (FakeConnection)pool.GetConnection();

        // A dedicated thread: GetConnection blocks, and a starved 2-core thread pool would delay these for seconds.
        private static Task<IRedisConnection> StartGet(IConnectionPool pool) =>
            Task.Factory.StartNew(pool.GetConnection, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // ---- constructors ----

        [Fact]
        public void ConnectionPool_TakesMaximumFromOptions_NullMeaningUnlimited()
        {
            using var limited = new ConnectionPool(new ConnectionOptions { MaxConnections = 7 });
            using var unlimited = new ConnectionPool(new ConnectionOptions());
            Assert.Equal(7, limited.MaxConnections);
            Assert.Null(unlimited.MaxConnections);
            Assert.Equal(0, limited.CreatedCount);
        }

        [Fact]
        public void BlockingPool_DefaultsToFiftyConnectionsAndOptionsTimeout()
        {
            // No pool timeout of its own: the wait is bounded by the socket timeout (30 s by default), so one setting
            // bounds every wait of a call.
            using var defaults = new BlockingConnectionPool(new ConnectionOptions());
            Assert.Equal(50, defaults.MaxConnections);
            Assert.Equal(TimeSpan.FromSeconds(30), defaults.Timeout);

            using var followsSocket = new BlockingConnectionPool(new ConnectionOptions { SocketTimeout = TimeSpan.FromSeconds(2) });
            Assert.Equal(TimeSpan.FromSeconds(2), followsSocket.Timeout);

            using var own = new BlockingConnectionPool(new ConnectionOptions { SocketTimeout = TimeSpan.FromSeconds(2), PoolTimeout = TimeSpan.FromSeconds(7) });
            Assert.Equal(TimeSpan.FromSeconds(7), own.Timeout);

            using var custom = new BlockingConnectionPool(new ConnectionOptions { MaxConnections = 3, PoolTimeout = Timeout.InfiniteTimeSpan });
            Assert.Equal(3, custom.MaxConnections);
            Assert.Null(custom.Timeout);

            using var noSocketLimit = new BlockingConnectionPool(new ConnectionOptions { SocketTimeout = null });
            Assert.Null(noSocketLimit.Timeout);
        }

        [Fact]
        public void PoolTimeout_RejectsNegativeSpansButInfinite()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { PoolTimeout = TimeSpan.FromSeconds(-1) });
            Assert.Equal(Timeout.InfiniteTimeSpan, new ConnectionOptions { PoolTimeout = Timeout.InfiniteTimeSpan }.PoolTimeout);
        }

        [Fact]
        public void Constructors_RejectNonPositiveMaximumAndNegativeTimeout()
        {
            var factory = new FakeFactory();
            Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionPool(new ConnectionOptions(), 0, factory.Make));
            Assert.Throws<ArgumentOutOfRangeException>(() => new BlockingConnectionPool(new ConnectionOptions(), 0, null, factory.Make));
            Assert.Throws<ArgumentOutOfRangeException>(() => new BlockingConnectionPool(new ConnectionOptions(), 1, TimeSpan.FromSeconds(-1), factory.Make));
        }

        // ---- shared semantics ----

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void GetConnection_ConnectsBeforeHandingOut(Kind kind)
        {
            var (pool, _) = Make(kind, 2);
            var c = Get(pool);
            Assert.True(c.IsConnected);
            Assert.Equal(1, c.ConnectCalls);
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void Release_ThenGet_ReusesMostRecentlyReleasedFirst(Kind kind)
        {
            var (pool, _) = Make(kind, 3);
            var a = Get(pool);
            var b = Get(pool);
            pool.Release(a);
            pool.Release(b);

            Assert.Same(b, Get(pool));
            Assert.Same(a, Get(pool));
            Assert.Equal(2, Created(pool));
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void CreatedCount_GrowsOnlyWithDemand(Kind kind)
        {
            var (pool, factory) = Make(kind, 10);
            Assert.Equal(0, Created(pool));
            Assert.Empty(factory.Created);

            for (int i = 0; i < 5; i++) pool.Release(pool.GetConnection());
            Assert.Equal(1, Created(pool));

            var x = pool.GetConnection();
            var y = pool.GetConnection();
            Assert.Equal(2, Created(pool));
            Assert.Equal(2, InUse(pool));
            pool.Release(x);
            pool.Release(y);
            Assert.Equal(2, Idle(pool));
            Assert.Equal(0, InUse(pool));
            Assert.Equal(2, factory.Created.Count);
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void Release_Broken_DisposesItFreesItsSlotAndNeverHandsItOutAgain(Kind kind)
        {
            var (pool, factory) = Make(kind, 1);
            var broken = Get(pool);
            broken.IsBroken = true;
            pool.Release(broken);

            Assert.Equal(1, broken.DisposeCalls);
            Assert.Equal(0, Created(pool));
            Assert.Equal(0, Idle(pool));

            var next = Get(pool);
            Assert.NotSame(broken, next);
            Assert.Equal(2, factory.Created.Count);

            // A late second release of the discarded one must not bring it back.
            pool.Release(broken);
            pool.Release(next);
            Assert.Same(next, Get(pool));
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void ConnectFailure_DisposesConnectionFreesSlotAndPropagates(Kind kind)
        {
            var (pool, factory) = Make(kind, 1, TimeSpan.FromMilliseconds(50));
            factory.ConnectError = new RedisConnectionException("refused");

            var thrown = Assert.Throws<RedisConnectionException>(() => pool.GetConnection());
            Assert.Equal("refused", thrown.Message);
            Assert.True(factory.Created.Single().IsDisposed);
            Assert.Equal(0, Created(pool));

            // The one slot is free again: with max 1, a leak would make this fail with exhaustion.
            factory.ConnectError = null;
            var ok = Get(pool);
            Assert.True(ok.IsConnected);
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void ConnectFailure_OnReusedIdleConnection_DiscardsIt(Kind kind)
        {
            var (pool, _) = Make(kind, 1, TimeSpan.FromMilliseconds(50));
            var c = Get(pool);
            pool.Release(c);
            c.ConnectError = new RedisConnectionException("gone");

            Assert.Throws<RedisConnectionException>(() => pool.GetConnection());
            Assert.True(c.IsDisposed);
            Assert.Equal(0, Created(pool));
            Assert.NotSame(c, Get(pool));
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void FactoryFailure_FreesSlot(Kind kind)
        {
            var (pool, factory) = Make(kind, 1, TimeSpan.FromMilliseconds(50));
            factory.Throw = true;
            Assert.Throws<InvalidOperationException>(() => pool.GetConnection());
            Assert.Equal(0, Created(pool));
            factory.Throw = false;
            Assert.NotNull(pool.GetConnection());
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void Release_Twice_DoesNotPutItInThePoolTwice(Kind kind)
        {
            var (pool, _) = Make(kind, 5);
            var c = Get(pool);
            pool.Release(c);
            pool.Release(c);

            Assert.Equal(1, Idle(pool));
            Assert.Same(c, Get(pool));
            Assert.NotSame(c, Get(pool));
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void Release_ForeignConnection_IsIgnored(Kind kind)
        {
            var (pool, _) = Make(kind, 2);
            var stranger = new FakeConnection(new ConnectionOptions());
            pool.Release(stranger);

            Assert.Equal(0, Idle(pool));
            Assert.Equal(0, Created(pool));
            Assert.Equal(0, stranger.DisposeCalls);
            Assert.NotSame(stranger, pool.GetConnection());
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void Disconnect_False_ClosesOnlyIdleConnections(Kind kind)
        {
            var (pool, _) = Make(kind, 3);
            var busy = Get(pool);
            var idle = Get(pool);
            pool.Release(idle);

            pool.Disconnect(inUseConnections: false);

            Assert.Equal(1, idle.DisconnectCalls);
            Assert.False(idle.IsConnected);
            Assert.Equal(0, busy.DisconnectCalls);
            Assert.True(busy.IsConnected);
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void Disconnect_True_ClosesInUseToo_WhichStayOwnedAndReconnectOnNextUse(Kind kind)
        {
            var (pool, _) = Make(kind, 3);
            var busy = Get(pool);
            var idle = Get(pool);
            pool.Release(idle);

            pool.Disconnect();

            Assert.Equal(1, idle.DisconnectCalls);
            Assert.Equal(1, busy.DisconnectCalls);
            Assert.Equal(2, Created(pool));
            Assert.Equal(1, InUse(pool));

            pool.Release(busy);
            var again = Get(pool);
            Assert.Same(busy, again);
            Assert.True(again.IsConnected);
            Assert.Equal(2, again.ConnectCalls);
        }

        [Theory]
        [InlineData(Kind.NonBlocking)]
        [InlineData(Kind.Blocking)]
        public void Dispose_DisposesIdleDisconnectsInUseAndRefusesLaterGets(Kind kind)
        {
            var (pool, _) = Make(kind, 3);
            var busy = Get(pool);
            var idle = Get(pool);
            pool.Release(idle);

            pool.Dispose();
            pool.Dispose();

            Assert.Equal(1, idle.DisposeCalls);
            Assert.Equal(1, busy.DisconnectCalls);
            Assert.Equal(0, busy.DisposeCalls);
            Assert.Throws<ObjectDisposedException>(() => pool.GetConnection());

            // Its user gives it back after the pool is gone: it is closed for good rather than pooled.
            pool.Release(busy);
            Assert.Equal(1, busy.DisposeCalls);
            Assert.Equal(0, Created(pool));
        }

        // ---- ConnectionPool: fail fast ----

        [Fact]
        public void ConnectionPool_Exhausted_ThrowsTooManyConnectionsImmediately()
        {
            var (pool, _) = Make(Kind.NonBlocking, 2);
            pool.GetConnection();
            pool.GetConnection();

            var clock = Stopwatch.StartNew();
            var ex = Assert.Throws<RedisPoolExhaustedException>(() => pool.GetConnection());
            clock.Stop();

            Assert.StartsWith("Too many connections: all 2 connections of the pool for localhost:6379 are in use", ex.Message);
            // "Immediately" with room for a slow CI machine: well under any wait a blocking pool would do.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
            Assert.Equal(2, Created(pool));
        }

        [Fact]
        public void ConnectionPool_Unlimited_KeepsCreating()
        {
            var factory = new FakeFactory();
            using var pool = new ConnectionPool(new ConnectionOptions(), null, factory.Make);
            var all = Enumerable.Range(0, 200).Select(_ => pool.GetConnection()).ToList();
            Assert.Equal(200, all.Distinct().Count());
            Assert.Equal(200, pool.CreatedCount);
        }

        // ---- BlockingConnectionPool: waiting ----

        [Fact]
        public void BlockingPool_CreatesNothingUntilAsked()
        {
            var factory = new FakeFactory();
            using var pool = new BlockingConnectionPool(new ConnectionOptions(), 50, null, factory.Make);
            Assert.Equal(0, pool.CreatedCount);
            Assert.Equal(0, pool.IdleCount);
            Assert.Empty(factory.Created);

            pool.Release(pool.GetConnection());
            Assert.Single(factory.Created);
        }

        [Fact]
        public async Task BlockingPool_Exhausted_WaitsAndGetsTheConnectionAnotherThreadReleases()
        {
            var (pool, factory) = Make(Kind.Blocking, 1);
            var held = Get(pool);

            var waiter = StartGet(pool);
            await Task.Delay(200);
            Assert.False(waiter.IsCompleted, "the waiter should block while the only connection is held");

            pool.Release(held);
            Assert.Same(held, await waiter.WaitAsync(Generous));
            Assert.Single(factory.Created);
        }

        [Fact]
        public void BlockingPool_Exhausted_TimesOutWithNoConnectionAvailable()
        {
            var timeout = TimeSpan.FromMilliseconds(300);
            var (pool, _) = Make(Kind.Blocking, 1, timeout);
            pool.GetConnection();

            var clock = Stopwatch.StartNew();
            var ex = Assert.Throws<RedisPoolExhaustedException>(() => pool.GetConnection());
            clock.Stop();

            Assert.StartsWith("No connection available: the pool for localhost:6379 is full (all 1 connection in use) and none was released within 0.3", ex.Message);
            Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(20), $"gave up early: {clock.Elapsed}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took far too long: {clock.Elapsed}");
        }

        [Fact]
        public void BlockingPool_ZeroTimeout_FailsWithoutWaiting()
        {
            var factory = new FakeFactory();
            using var pool = new BlockingConnectionPool(new ConnectionOptions(), 1, TimeSpan.Zero, factory.Make);
            pool.GetConnection();
            var clock = Stopwatch.StartNew();
            Assert.Throws<RedisPoolExhaustedException>(() => pool.GetConnection());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        }

        [Fact]
        public async Task BlockingPool_NullTimeout_WaitsUntilARelease()
        {
            var factory = new FakeFactory();
            using var pool = new BlockingConnectionPool(new ConnectionOptions(), 1, null, factory.Make);
            var held = pool.GetConnection();

            var waiter = StartGet(pool);
            // Longer than a short default would be, yet the waiter must still be waiting.
            await Task.Delay(700);
            Assert.False(waiter.IsCompleted, "a null timeout must keep waiting");

            pool.Release(held);
            Assert.Same(held, await waiter.WaitAsync(Generous));
        }

        [Fact]
        public async Task BlockingPool_ReleaseOfBrokenConnection_LetsWaiterCreateAFreshOne()
        {
            var (pool, factory) = Make(Kind.Blocking, 1);
            var broken = Get(pool);

            var waiter = StartGet(pool);
            await Task.Delay(100);
            broken.IsBroken = true;
            pool.Release(broken);

            Assert.NotSame(broken, await waiter.WaitAsync(Generous));
            Assert.True(broken.IsDisposed);
            Assert.Equal(2, factory.Created.Count);
            Assert.Equal(1, pool is BlockingConnectionPool b ? b.CreatedCount : -1);
        }

        [Fact]
        public async Task BlockingPool_ConnectFailure_WakesWaiterToTryAgain()
        {
            var (pool, factory) = Make(Kind.Blocking, 1);
            var held = Get(pool);
            held.IsBroken = true;
            factory.ConnectError = new RedisConnectionException("refused");

            var first = StartGet(pool);
            var second = StartGet(pool);
            await Task.Delay(100);
            pool.Release(held);

            // Both waiters get to try (and fail to connect) promptly; neither is left waiting out its 30 s timeout
            // for a slot nobody holds. Five seconds is far more than the handoff needs and far less than that timeout.
            var prompt = TimeSpan.FromSeconds(5);
            Assert.Equal("refused", (await Assert.ThrowsAsync<RedisConnectionException>(() => first.WaitAsync(prompt))).Message);
            Assert.Equal("refused", (await Assert.ThrowsAsync<RedisConnectionException>(() => second.WaitAsync(prompt))).Message);
        }

        [Fact]
        public async Task BlockingPool_Dispose_WakesEveryWaiterWithObjectDisposed()
        {
            var (pool, _) = Make(Kind.Blocking, 1);
            pool.GetConnection();
            var waiters = Enumerable.Range(0, 4).Select(_ => StartGet(pool)).ToArray();
            await Task.Delay(200);
            Assert.All(waiters, w => Assert.False(w.IsCompleted));

            pool.Dispose();

            foreach (var w in waiters)
            {
                await Assert.ThrowsAsync<ObjectDisposedException>(() => w.WaitAsync(Generous));
            }
        }

        // ---- thread safety ----

        [Fact]
        public void BlockingPool_ManyThreads_NeverExceedsMaximumNorSharesAConnection()
        {
            const int threads = 32, cycles = 2000, max = 4;
            var (pool, factory) = Make(Kind.Blocking, max);
            int sharedViolations = 0, peakInUse = 0, inUse = 0;
            var failures = new ConcurrentQueue<Exception>();
            using var start = new Barrier(threads);

            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    for (int i = 0; i < cycles; i++)
                    {
                        var c = Get(pool);
                        if (c.Enter() != 1) Interlocked.Increment(ref sharedViolations);
                        int now = Interlocked.Increment(ref inUse);
                        InterlockedMax(ref peakInUse, now);
                        if (i % 7 == 0) Thread.Yield();
                        Interlocked.Decrement(ref inUse);
                        c.Exit();
                        pool.Release(c);
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a worker never finished"));

            Assert.Empty(failures);
            Assert.Equal(0, sharedViolations);
            Assert.InRange(factory.Created.Count, 1, max);
            Assert.InRange(peakInUse, 1, max);
            Assert.Equal(factory.Created.Count, Idle(pool));
            Assert.Equal(0, InUse(pool));
        }

        [Fact]
        public void ConnectionPool_ManyThreads_NeverExceedsMaximumNorSharesAConnection()
        {
            const int threads = 32, cycles = 2000, max = 4;
            var (pool, factory) = Make(Kind.NonBlocking, max);
            int sharedViolations = 0, exhausted = 0;
            var failures = new ConcurrentQueue<Exception>();
            using var start = new Barrier(threads);

            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    for (int i = 0; i < cycles; i++)
                    {
                        FakeConnection c;
                        try
                        {
                            c = Get(pool);
                        }
                        catch (RedisConnectionException)
                        {
                            // Expected here: this pool fails fast when all four are out; count and carry on.
                            Interlocked.Increment(ref exhausted);
                            continue;
                        }
                        if (c.Enter() != 1) Interlocked.Increment(ref sharedViolations);
                        if (i % 7 == 0) Thread.Yield();
                        c.Exit();
                        pool.Release(c);
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a worker never finished"));

            Assert.Empty(failures);
            Assert.Equal(0, sharedViolations);
            Assert.InRange(factory.Created.Count, 1, max);
            Assert.Equal(0, InUse(pool));
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }
}
