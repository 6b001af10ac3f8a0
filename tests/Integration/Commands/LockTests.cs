using System;
using System.Diagnostics;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>RedisLock: contention, blocking timeouts, expiry, extend/reacquire, thread-local tokens, Dispose.</summary>
    [Collection("redis")]
    public sealed class LockTests : IDisposable
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly RedisClient _other;
        private readonly string _p = "lk:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public LockTests(RedisFixture fixture)
        {
            _url = fixture.Url;
            _client = RedisClient.FromUrl(fixture.Url);
            _other = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose()
        {
            _client.Dispose();
            _other.Dispose();
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void AcquireAndRelease(int protocol)
        {
            using var client = RedisClient.FromUrl(_url, o => o.Protocol = protocol);
            string name = _p + "lock";
            RedisLock l = client.Lock(name);
            Assert.False(l.Locked());
            Assert.False(l.Owned());
            Assert.True(l.Acquire());
            Assert.True(l.Locked());
            Assert.True(l.Owned());
            Assert.Equal(l.Token, client.Get(name));
            Assert.Equal(-1, client.Ttl(name)); // no timeout: held until released
            l.Release();
            Assert.False(l.Locked());
            Assert.Null(l.Token);
            var ex = Assert.Throws<RedisLockException>(() => l.Release());
            Assert.IsNotType<RedisLockNotOwnedException>(ex);
        }

        [Fact]
        public void TimeoutSetsTheKeysExpiryAndCustomTokenIsUsed()
        {
            string name = _p + "lock";
            RedisLock l = _client.Lock(name, timeout: TimeSpan.FromSeconds(30));
            Assert.True(l.Acquire(token: "my-token"));
            Assert.Equal("my-token", _client.Get(name));
            Assert.InRange(_client.PTtl(name), 20_000, 30_000);
            l.Release();
        }

        [Fact]
        public void SecondClientBlocksUntilTheFirstReleases()
        {
            string name = _p + "lock";
            RedisLock first = _client.Lock(name);
            RedisLock second = _other.Lock(name, sleep: TimeSpan.FromMilliseconds(20));
            Assert.True(first.Acquire());
            Assert.False(second.Acquire(blocking: false));

            var clock = Stopwatch.StartNew();
            bool acquired = false;
            var waiting = new Thread(() => acquired = second.Acquire());
            waiting.Start();
            Thread.Sleep(400);
            Assert.True(waiting.IsAlive); // still blocked in Acquire
            first.Release();
            Assert.True(waiting.Join(TimeSpan.FromSeconds(10)));
            Assert.True(acquired);
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(350), "elapsed " + clock.Elapsed);
            Assert.False(first.Owned());
            Assert.True(_other.Get(name) != null);
            _other.Delete(name);
        }

        [Fact]
        public void BlockingTimeoutReturnsFalseAfterAboutThatTime()
        {
            string name = _p + "lock";
            RedisLock holder = _client.Lock(name);
            Assert.True(holder.Acquire());

            RedisLock waiter = _other.Lock(name, sleep: TimeSpan.FromMilliseconds(50), blockingTimeout: TimeSpan.FromMilliseconds(500));
            var clock = Stopwatch.StartNew();
            Assert.False(waiter.Acquire());
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(10));

            clock.Restart();
            Assert.False(waiter.Acquire(blockingTimeout: TimeSpan.FromMilliseconds(200))); // per-call override
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
            Assert.False(waiter.Acquire(blockingTimeout: TimeSpan.Zero));
            Assert.Null(waiter.Token);
            holder.Release();
            Assert.True(waiter.Acquire());
            waiter.Release();
        }

        [Fact]
        public void LockThatExpiredAndWasTakenCannotBeReleasedByTheOldOwner()
        {
            string name = _p + "lock";
            RedisLock mine = _client.Lock(name, timeout: TimeSpan.FromMilliseconds(100));
            Assert.True(mine.Acquire());
            Thread.Sleep(300);
            RedisLock theirs = _other.Lock(name, timeout: TimeSpan.FromSeconds(30));
            Assert.True(theirs.Acquire(blocking: false));

            Assert.False(mine.Owned());
            Assert.Throws<RedisLockNotOwnedException>(() => mine.Release());
            Assert.True(theirs.Owned()); // the old owner's release did not touch the new owner's key
            Assert.Equal(theirs.Token, _client.Get(name));
            theirs.Release();
        }

        [Fact]
        public void LockThatExpiredUntakenAlsoReportsNotOwned()
        {
            RedisLock l = _client.Lock(_p + "lock", timeout: TimeSpan.FromMilliseconds(50));
            Assert.True(l.Acquire());
            Thread.Sleep(200);
            Assert.False(l.Locked());
            Assert.Throws<RedisLockNotOwnedException>(() => l.Release());
        }

        [Fact]
        public void ExtendAndReacquire()
        {
            string name = _p + "lock";
            RedisLock l = _client.Lock(name, timeout: TimeSpan.FromSeconds(10));
            Assert.Throws<RedisLockException>(() => l.Extend(TimeSpan.FromSeconds(1)));
            Assert.Throws<RedisLockException>(() => l.Reacquire());
            Assert.True(l.Acquire());

            Assert.True(l.Extend(TimeSpan.FromSeconds(10)));
            Assert.InRange(_client.PTtl(name), 15_000, 20_000);
            Assert.True(l.Extend(TimeSpan.FromSeconds(5), replaceTtl: true));
            Assert.InRange(_client.PTtl(name), 3_000, 5_000);
            Assert.True(l.Reacquire());
            Assert.InRange(_client.PTtl(name), 8_000, 10_000);
            Assert.Throws<RedisDataException>(() => l.Extend(TimeSpan.Zero));

            _client.Set(name, "someone else");
            Assert.Throws<RedisLockNotOwnedException>(() => l.Extend(TimeSpan.FromSeconds(1)));
            Assert.Throws<RedisLockNotOwnedException>(() => l.Reacquire());
            Assert.Equal("someone else", _client.Get(name));
            _client.Delete(name);
        }

        [Fact]
        public void LockWithoutTimeoutCannotBeExtended()
        {
            RedisLock l = _client.Lock(_p + "lock");
            Assert.True(l.Acquire());
            Assert.Throws<RedisLockException>(() => l.Extend(TimeSpan.FromSeconds(1)));
            Assert.Throws<RedisLockException>(() => l.Reacquire());
            l.Release();
        }

        [Fact]
        public void ThreadLocalTokenIsInvisibleToOtherThreads()
        {
            string name = _p + "lock";
            RedisLock l = _client.Lock(name);
            Assert.True(l.Acquire());
            Exception? fromOtherThread = null;
            bool ownedThere = true;
            var thread = new Thread(() =>
            {
                ownedThere = l.Owned();
                fromOtherThread = Record.Exception(() => l.Release());
            });
            thread.Start();
            thread.Join();
            Assert.False(ownedThere);
            Assert.IsType<RedisLockException>(fromOtherThread);
            Assert.True(l.Owned()); // still held by this thread
            l.Release();
        }

        [Fact]
        public void SharedTokenCanBeReleasedByAnotherThread()
        {
            string name = _p + "lock";
            RedisLock l = _client.Lock(name, threadLocal: false);
            Assert.True(l.Acquire());
            var thread = new Thread(() => l.Release());
            thread.Start();
            thread.Join();
            Assert.False(l.Locked());
            Assert.Null(l.Token);
        }

        [Fact]
        public void DisposeReleasesAHeldLock()
        {
            string name = _p + "lock";
            using (RedisLock l = _client.Lock(name))
            {
                Assert.True(l.Acquire());
                Assert.True(l.Locked());
            }
            Assert.Null(_client.Get(name));

            using (RedisLock never = _client.Lock(name))
            {
                // never acquired: Dispose has nothing to release
            }

            RedisLock expired = _client.Lock(name, timeout: TimeSpan.FromMilliseconds(50));
            Assert.True(expired.Acquire());
            Thread.Sleep(200);
            _other.Set(name, "new owner");
            expired.Dispose(); // no longer ours: left alone, without throwing
            Assert.Equal("new owner", _client.Get(name));
            _client.Delete(name);
        }

        [Fact]
        public void BadArgumentsAreRejected()
        {
            Assert.Throws<RedisDataException>(() => _client.Lock(""));
            Assert.Throws<RedisDataException>(() => _client.Lock(_p + "l", timeout: TimeSpan.Zero));
            Assert.Throws<RedisDataException>(() => _client.Lock(_p + "l", sleep: TimeSpan.FromSeconds(-1)));
            Assert.Throws<RedisDataException>(() => _client.Lock(_p + "l", blockingTimeout: TimeSpan.FromSeconds(-1)));
            Assert.Throws<RedisDataException>(() => _client.Lock(_p + "l").Acquire(token: ""));
        }
    }
}
