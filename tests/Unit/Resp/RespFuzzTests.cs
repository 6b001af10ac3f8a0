using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using PSRedis.Tests.Shared;
using Xunit;

namespace PSRedis.Tests.Unit.Resp
{
    /// <summary>
    /// A seeded fuzzer for the reply parser, over <see cref="RespFuzzCorpus"/>: about three hundred valid RESP2/RESP3
    /// replies and sixteen mutants of each (<see cref="ExpectedCases"/> cases, about a second here). Every case is fed in
    /// random small pieces from a stream that then ends, as a connection the server closes. What a caller relies on: the parser ends (no hang), throws only the protocol's own exceptions (never
    /// IndexOutOfRange, NullReference, Overflow, OutOfMemory, and no stack overflow, which would kill the process), and
    /// allocates in proportion to what arrived, not to what a header claims.
    /// </summary>
    public sealed class RespFuzzTests
    {
        /// <summary>The corpus size, stated so that a change to the corpus is a visible decision and the count is on record.</summary>
        private const int ExpectedCases = 5168;

        /// <summary>
        /// Allocation allowed for one case, beyond its size-proportional part: one bulk chunk (a header is trusted that far)
        /// plus a preallocated item array (at most 4096 slots of 8 bytes) at every level of the deepest allowed nesting,
        /// and the per-case overhead of exceptions and their messages.
        /// </summary>
        private static readonly long FixedAllocationBound =
            RespReader.BulkChunk + (RespReader.DefaultMaxDepth + 1) * 4096L * 8 + 256 * 1024;

        /// <summary>Per input byte: each can start a value object, an array slot and a line copy.</summary>
        private const long AllocationPerInputByte = 256;

        [Fact]
        public void SeedsAreValidRepliesTheReaderParsesWhole()
        {
            List<byte[]> seeds = RespFuzzCorpus.Seeds();
            Assert.InRange(seeds.Count, 290, 310);
            for (int i = 0; i < seeds.Count; i++)
            {
                var reader = new RespReader(new ChunkedStream(seeds[i], 7));
                RespValue value = reader.ReadValue();
                Assert.NotNull(value);
                Assert.False(reader.HasBufferedData, "seed " + i + " has bytes after its reply: " + RespFuzzCorpus.Show(seeds[i]));
            }
        }

        [Fact]
        public void MutatedRepliesEndInTimeWithProtocolErrorsAndBoundedAllocation()
        {
            List<byte[]> cases = RespFuzzCorpus.Cases();
            Assert.Equal(ExpectedCases, cases.Count);
            var failures = new List<string>();
            var slowest = TimeSpan.Zero;
            long worstAllocated = 0;
            int completed = 0;
            // On a thread of its own so that a hang fails the test at the deadline instead of stopping the run.
            var worker = new Thread(() =>
            {
                var rng = new Random(RespFuzzCorpus.Seed + 1);
                for (int i = 0; i < cases.Count; i++)
                {
                    byte[] input = cases[i];
                    var stream = new ChunkedStream(input, rng.Next(1, 97));
                    var reader = new RespReader(stream);
                    var clock = Stopwatch.StartNew();
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    Exception? error = ReadAll(reader);
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    TimeSpan elapsed = clock.Elapsed;
                    if (elapsed > slowest) slowest = elapsed;
                    if (allocated > worstAllocated) worstAllocated = allocated;
                    string? problem = Judge(error, allocated, input.Length, elapsed);
                    if (problem != null && failures.Count < 20) failures.Add("case " + i + " (" + RespFuzzCorpus.Show(input) + "): " + problem);
                    Interlocked.Increment(ref completed);
                }
            }, 16 * 1024 * 1024) { IsBackground = true, Name = "RESP fuzz" };
            var total = Stopwatch.StartNew();
            worker.Start();
            bool finished = worker.Join(TimeSpan.FromSeconds(60));
            Assert.True(finished, "the fuzz run did not finish within 60 s: stuck after case " + Volatile.Read(ref completed) + " of " + cases.Count);
            Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
            Assert.True(total.Elapsed < TimeSpan.FromSeconds(30), cases.Count + " cases took " + total.Elapsed);
            Assert.True(slowest < TimeSpan.FromSeconds(2), "slowest case took " + slowest);
        }

        [Theory]
        [InlineData("$536870000\r\n")]           // just under the 512 MB limit, nothing behind it
        [InlineData("$536870000\r\nabc")]        // a few bytes of it, then the connection ends
        [InlineData("*1\r\n$536870000\r\nabc")]  // inside an aggregate
        [InlineData("!536870000\r\nERR")]        // a blob error
        [InlineData("=536870000\r\ntxt:")]       // a verbatim string
        public void HugeBulkHeaderAllocatesWhatArrivedNotWhatItClaims(string input)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(input);
            var reader = new RespReader(new ChunkedStream(bytes, 64));
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<RedisConnectionException>(() => reader.ReadValue());
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains("closed", error.Message, StringComparison.OrdinalIgnoreCase);
            Assert.True(allocated < RespReader.BulkChunk + 64 * 1024, "a " + bytes.Length + "-byte input allocated " + allocated + " bytes");
        }

        [Fact]
        public void LargeBulkStillArrivesWholeWhenItGrowsWithTheBytes()
        {
            // Five chunks' worth, fed in odd pieces: the array grows as the bytes come and the value is exact.
            var payload = new byte[RespReader.BulkChunk * 5 + 123];
            new Random(RespFuzzCorpus.Seed).NextBytes(payload);
            byte[] header = Encoding.ASCII.GetBytes("$" + payload.Length.ToString(CultureInfo.InvariantCulture) + "\r\n");
            byte[] input = header.Concat(payload).Concat(new byte[] { (byte)'\r', (byte)'\n', (byte)'+', (byte)'O', (byte)'K', (byte)'\r', (byte)'\n' }).ToArray();
            var reader = new RespReader(new ChunkedStream(input, 40_000));
            long before = GC.GetAllocatedBytesForCurrentThread();
            RespValue value = reader.ReadValue();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(payload.AsSpan().SequenceEqual(value.Bytes), "the bulk was not read back exactly");
            Assert.Same(RespValue.Ok, reader.ReadValue());
            // Doubling from one chunk: at most about twice the value, never a copy per piece.
            Assert.True(allocated < payload.Length * 3L, "allocated " + allocated + " for a " + payload.Length + "-byte value");
        }

        [Theory]
        [InlineData("*1\r\n", 100_000)]
        [InlineData("%1\r\n+k\r\n", 10_000)]
        [InlineData(">1\r\n", 10_000)]
        [InlineData("|1\r\n+a\r\n+b\r\n", 10_000)]
        [InlineData("~1\r\n", 10_000)]
        public void DeepNestingIsAClearErrorNotAStackOverflow(string level, int levels)
        {
            var text = new StringBuilder();
            for (int i = 0; i < levels; i++) text.Append(level);
            text.Append(":1\r\n");
            var reader = new RespReader(new ChunkedStream(Encoding.ASCII.GetBytes(text.ToString()), 4096));
            var error = Assert.Throws<RedisInvalidResponseException>(() => reader.ReadValue());
            Assert.Contains("nested deeper than " + RespReader.DefaultMaxDepth, error.Message);
        }

        /// <summary>Reads replies until the input ends; returns how it ended (null never: the stream always ends).</summary>
        private static Exception? ReadAll(RespReader reader)
        {
            try
            {
                // A mutation can leave several replies (or a reply and garbage) behind each other: read them all.
                for (int i = 0; i < 100_000; i++) reader.ReadValue();
                return new InvalidOperationException("more than 100,000 replies from one short input");
            }
            catch (Exception ex)
            {
                // Kept for Judge, which fails the test on anything but the protocol's own exceptions.
                return ex;
            }
        }

        private static string? Judge(Exception? error, long allocated, int inputLength, TimeSpan elapsed)
        {
            if (error is RedisInvalidResponseException) { }
            else if (error is RedisConnectionException closed && closed.GetType() == typeof(RedisConnectionException) && closed.Message.Contains("closed")) { }
            else return "threw " + error?.GetType().FullName + ": " + error?.Message + Environment.NewLine + error?.StackTrace;
            long bound = FixedAllocationBound + AllocationPerInputByte * inputLength;
            if (allocated > bound) return "allocated " + allocated + " bytes, bound " + bound;
            if (elapsed > TimeSpan.FromSeconds(2)) return "took " + elapsed;
            return null;
        }
    }
}
