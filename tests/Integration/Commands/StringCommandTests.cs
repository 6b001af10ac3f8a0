using System;
using System.Collections.Generic;
using System.Text;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>The string and bit commands against a real server, under RESP2 and RESP3 where replies could differ.</summary>
    [Collection("redis")]
    public sealed class StringCommandTests : IDisposable
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly List<RedisClient> _extraClients = new List<RedisClient>();
        private readonly string _p = "str:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        public StringCommandTests(RedisFixture fixture)
        {
            _url = fixture.Url;
            _client = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose()
        {
            _client.Dispose();
            foreach (RedisClient c in _extraClients) c.Dispose();
        }

        private RedisClient Client(int protocol)
        {
            if (protocol == 2) return _client;
            RedisClient c = RedisClient.FromUrl(_url, o => o.Protocol = protocol);
            _extraClients.Add(c);
            return c;
        }

        private string MakeList()
        {
            string k = _p + "list";
            _client.ExecuteCommand("RPUSH", k, "a");
            return k;
        }

        private static void AssertWrongType(Action action)
        {
            var ex = Assert.Throws<RedisResponseException>(action);
            Assert.Equal("WRONGTYPE", ex.ErrorCode);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void GetSetMGetMSet(int protocol)
        {
            RedisClient c = Client(protocol);
            Assert.True(c.Set(_p + "a", "1"));
            Assert.Equal("1", c.Get(_p + "a"));
            Assert.Null(c.Get(_p + "missing"));
            Assert.True(c.MSet(new Dictionary<string, object> { [_p + "b"] = "zwei", [_p + "c"] = new byte[] { 0, 255 } }));
            Assert.Equal(new string?[] { "1", "zwei", null }, c.MGet(_p + "a", _p + "b", _p + "missing"));
            Assert.Equal(new byte[] { 0, 255 }, c.MGetBytes(_p + "c")[0]);
            Assert.Equal(new byte[] { 0, 255 }, c.GetBytes(_p + "c"));
            Assert.Equal("1", c.SetAndGet(_p + "a", "2"));
            Assert.Throws<RedisDataException>(() => c.MGet());
            Assert.Throws<RedisDataException>(() => c.MSet(new Dictionary<string, object>()));
            AssertWrongType(() => c.Get(MakeList()));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void AppendStrLenAndRanges(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = _p + "text";
            Assert.Equal(0, c.StrLen(k));
            Assert.Equal(5, c.Append(k, "Hello"));
            Assert.Equal(11, c.Append(k, " World"));
            Assert.Equal(11, c.StrLen(k));
            Assert.Equal("Hello", c.GetRange(k, 0, 4));
            Assert.Equal("World", c.GetRange(k, -5, -1));
            Assert.Equal("", c.GetRange(k, 20, 30));
            Assert.Equal("", c.GetRange(_p + "missing", 0, -1));
            Assert.Equal("World", c.Substr(k, 6));
            Assert.Equal("lo W", c.Substr(k, 3, 6));
            Assert.Equal(11, c.SetRange(k, 6, "Redis"));
            Assert.Equal("Hello Redis", c.Get(k));
            // Past the end the server pads with zero bytes.
            Assert.Equal(5, c.SetRange(_p + "padded", 3, "xy"));
            Assert.Equal(new byte[] { 0, 0, 0, (byte)'x', (byte)'y' }, c.GetBytes(_p + "padded"));
            Assert.Throws<RedisDataException>(() => c.SetRange(k, -1, "x"));
            string list = MakeList();
            AssertWrongType(() => c.Append(list, "x"));
            AssertWrongType(() => c.StrLen(list));
            AssertWrongType(() => c.GetRange(list, 0, 1));
        }

        [Fact]
        public void GetRangeBytesKeepsBinaryAndSplitCharacters()
        {
            string k = _p + "bin";
            byte[] utf8 = Encoding.UTF8.GetBytes("ü!"); // 0xC3 0xBC '!'
            _client.Set(k, utf8);
            Assert.Equal(new byte[] { 0xC3 }, _client.GetRangeBytes(k, 0, 0));
            Assert.Equal(new byte[] { 0xBC, (byte)'!' }, _client.GetRangeBytes(k, 1, -1));
            Assert.Empty(_client.GetRangeBytes(_p + "missing", 0, -1));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void IncrAndDecr(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = _p + "counter";
            Assert.Equal(1, c.Incr(k));
            Assert.Equal(11, c.Incr(k, 10));
            Assert.Equal(16, c.IncrBy(k, 5));
            Assert.Equal(15, c.Decr(k));
            Assert.Equal(5, c.Decr(k, 10));
            Assert.Equal(2, c.DecrBy(k, 3));
            Assert.Equal(1, c.DecrBy(k));
            Assert.Equal(2, c.IncrBy(k));
            Assert.Equal(-7, c.Decr(_p + "fresh", 7));
            Assert.Equal(7, c.IncrBy(_p + "fresh2", 7));
            Assert.Equal("2", c.Get(k));
            c.Set(_p + "word", "abc");
            var ex = Assert.Throws<RedisResponseException>(() => c.Incr(_p + "word"));
            Assert.Contains("not an integer", ex.Message);
            AssertWrongType(() => c.Incr(MakeList()));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void IncrByFloatReturnsDouble(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = _p + "float";
            Assert.Equal(1.0, c.IncrByFloat(k));
            Assert.Equal(11.5, c.IncrByFloat(k, 10.5));
            Assert.Equal(11.6, c.IncrByFloat(k, 0.1), 10);
            Assert.Equal(1.6, c.IncrByFloat(k, -10), 10);
            Assert.Equal(-2.5e-3, c.IncrByFloat(_p + "fresh", -2.5e-3), 12);
            Assert.Throws<RedisDataException>(() => c.IncrByFloat(k, double.NaN));
            Assert.Throws<RedisDataException>(() => c.IncrByFloat(k, double.PositiveInfinity));
            AssertWrongType(() => c.IncrByFloat(MakeList(), 1));
        }

        [Fact]
        public void GetSetReturnsOldValue()
        {
            string k = _p + "gs";
            Assert.Null(_client.GetSet(k, "first"));
            Assert.Equal("first", _client.GetSet(k, 2));
            Assert.Equal("2", _client.Get(k));
            AssertWrongType(() => _client.GetSet(MakeList(), "x"));
        }

        [Fact]
        public void SetNxSetExPSetEx()
        {
            string k = _p + "nx";
            Assert.True(_client.SetNx(k, "one"));
            Assert.False(_client.SetNx(k, "two"));
            Assert.Equal("one", _client.Get(k));

            Assert.True(_client.SetEx(_p + "ex", TimeSpan.FromSeconds(100), "v"));
            Assert.Equal("v", _client.Get(_p + "ex"));
            Assert.InRange(_client.Ttl(_p + "ex"), 90, 100);
            Assert.True(_client.PSetEx(_p + "px", TimeSpan.FromMilliseconds(50500), "w"));
            Assert.Equal("w", _client.Get(_p + "px"));
            Assert.InRange(_client.PTtl(_p + "px"), 40000, 50500);

            Assert.Throws<RedisDataException>(() => _client.SetEx(k, TimeSpan.FromMilliseconds(1500), "v"));
            Assert.Throws<RedisDataException>(() => _client.SetEx(k, TimeSpan.Zero, "v"));
            Assert.Throws<RedisDataException>(() => _client.PSetEx(k, TimeSpan.FromSeconds(-1), "v"));
            Assert.Equal("one", _client.Get(k));
        }

        [Fact]
        public void MSetNxSetsAllOrNothing()
        {
            Assert.True(_client.MSetNx(new Dictionary<string, object> { [_p + "m1"] = "a", [_p + "m2"] = "b" }));
            Assert.Equal(new string?[] { "a", "b" }, _client.MGet(_p + "m1", _p + "m2"));
            Assert.False(_client.MSetNx(new Dictionary<string, object> { [_p + "m2"] = "x", [_p + "m3"] = "y" }));
            Assert.Equal(new string?[] { "b", null }, _client.MGet(_p + "m2", _p + "m3"));
            Assert.Throws<RedisDataException>(() => _client.MSetNx(new Dictionary<string, object>()));
        }

        [Fact]
        public void GetBitAndSetBit()
        {
            string k = _p + "bits";
            Assert.False(_client.GetBit(k, 7));
            Assert.False(_client.SetBit(k, 7, true));
            Assert.True(_client.SetBit(k, 7, true));
            Assert.True(_client.GetBit(k, 7));
            Assert.False(_client.GetBit(k, 6));
            Assert.False(_client.GetBit(k, 1000));
            Assert.Equal(new byte[] { 1 }, _client.GetBytes(k));
            Assert.True(_client.SetBit(k, 7, false));
            Assert.Equal(new byte[] { 0 }, _client.GetBytes(k));
            Assert.Throws<RedisDataException>(() => _client.GetBit(k, -1));
            Assert.Throws<RedisDataException>(() => _client.SetBit(k, -1, true));
            AssertWrongType(() => _client.GetBit(MakeList(), 0));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void BitCountWithRangesAndUnits(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = _p + "bc";
            c.Set(k, new byte[] { 0xFF, 0xF0, 0x00, 0x01 });
            Assert.Equal(13, c.BitCount(k));
            Assert.Equal(12, c.BitCount(k, 0, 1));
            Assert.Equal(1, c.BitCount(k, -1, -1));
            Assert.Equal(12, c.BitCount(k, 0, 1, BitUnit.Byte));
            Assert.Equal(4, c.BitCount(k, 8, 15, BitUnit.Bit)); // the second byte, 0xF0
            Assert.Equal(0, c.BitCount(_p + "missing"));
            Assert.Throws<RedisDataException>(() => c.BitCount(k, 0));
            Assert.Throws<RedisDataException>(() => c.BitCount(k, end: 1));
            Assert.Throws<RedisDataException>(() => c.BitCount(k, unit: BitUnit.Bit));
            AssertWrongType(() => c.BitCount(MakeList()));
        }

        [Fact]
        public void BitPosFindsFirstBit()
        {
            string k = _p + "bp";
            _client.Set(k, new byte[] { 0xFF, 0xF0, 0x00 });
            Assert.Equal(0, _client.BitPos(k, true));
            Assert.Equal(12, _client.BitPos(k, false));
            Assert.Equal(8, _client.BitPos(k, true, 1));
            Assert.Equal(-1, _client.BitPos(k, true, 2));
            Assert.Equal(16, _client.BitPos(k, false, 2, 2));
            Assert.Equal(9, _client.BitPos(k, true, 9, 20, BitUnit.Bit));
            Assert.Equal(12, _client.BitPos(k, false, 0, 15, BitUnit.Bit));
            Assert.Equal(-1, _client.BitPos(k, true, 12, 15, BitUnit.Bit));
            Assert.Equal(-1, _client.BitPos(_p + "missing", true));
            Assert.Equal(0, _client.BitPos(_p + "missing", false));
            Assert.Throws<RedisDataException>(() => _client.BitPos(k, true, end: 3));
            Assert.Throws<RedisDataException>(() => _client.BitPos(k, true, 0, unit: BitUnit.Bit));
            AssertWrongType(() => _client.BitPos(MakeList(), true));
        }

        [Fact]
        public void BitOpCombinesKeys()
        {
            string a = _p + "a", b = _p + "b", d = _p + "dest";
            _client.Set(a, new byte[] { 0b1100, 0xFF });
            _client.Set(b, new byte[] { 0b1010 });
            Assert.Equal(2, _client.BitOp(BitOperation.And, d, a, b));
            Assert.Equal(new byte[] { 0b1000, 0x00 }, _client.GetBytes(d)); // the shorter key counts as zero-padded
            Assert.Equal(2, _client.BitOp(BitOperation.Or, d, a, b));
            Assert.Equal(new byte[] { 0b1110, 0xFF }, _client.GetBytes(d));
            Assert.Equal(2, _client.BitOp(BitOperation.Xor, d, a, b));
            Assert.Equal(new byte[] { 0b0110, 0xFF }, _client.GetBytes(d));
            Assert.Equal(1, _client.BitOp(BitOperation.Not, d, b));
            Assert.Equal(new byte[] { 0xF5 }, _client.GetBytes(d));
            Assert.Equal(0, _client.BitOp(BitOperation.And, d, _p + "none1", _p + "none2"));
            Assert.Equal(0, _client.Exists(d));
            Assert.Throws<RedisDataException>(() => _client.BitOp(BitOperation.Not, d, a, b));
            Assert.Throws<RedisDataException>(() => _client.BitOp(BitOperation.Or, d));
            AssertWrongType(() => _client.BitOp(BitOperation.Or, d, a, MakeList()));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void BitFieldBuilderGetSetIncrByAndOverflow(int protocol)
        {
            RedisClient c = Client(protocol);
            string k = _p + "bf";
            IList<long?> results = c.BitField(k)
                .Set("u8", 0, 200)
                .Get("u8", 0)
                .IncrBy("u8", 0, 100)              // wraps: 300 - 256
                .IncrBy("u8", 0, 250, BitFieldOverflow.Sat)
                .IncrBy("u8", 0, 1, BitFieldOverflow.Fail)
                .Set("i8", "#1", -5)
                .Get("i8", "#1")
                .Execute();
            Assert.Equal(new long?[] { 0, 200, 44, 255, null, 0, -5 }, results);
            Assert.Equal(new byte[] { 255, unchecked((byte)-5) }, c.GetBytes(k));

            // A default overflow applies to INCRBYs that name none.
            Assert.Equal(new long?[] { 255, 0 }, c.BitField(k, BitFieldOverflow.Sat).IncrBy("u8", 0, 10).Get("u8", 16).Execute());
            Assert.Equal(new long?[] { null }, c.BitField(k, BitFieldOverflow.Fail).IncrBy("u8", 0, 10).Execute());
            Assert.Equal(new long?[] { 255 }, c.BitField(_p + "missing2").IncrBy("u8", 0, -1).Execute());
            Assert.Equal(new long?[] { 0 }, c.BitField(_p + "missing").Get("u4", 100).Execute());
            Assert.Equal(long.MinValue, c.BitField(_p + "big").Set("i64", 0, long.MinValue).Get("i64", 0).Execute()[1]);
        }

        [Fact]
        public void BitFieldBuilderCommandResetAndValidation()
        {
            string k = _p + "bf";
            BitFieldOperation op = _client.BitField(k, BitFieldOverflow.Fail);
            Assert.Equal(new object?[] { "BITFIELD", k, "OVERFLOW", "FAIL" }, op.Command);
            op.IncrBy("u8", 0, 1).IncrBy("u8", 8, 1, BitFieldOverflow.Fail).Overflow(BitFieldOverflow.Wrap).Get("U8", "#1");
            Assert.Equal(new object?[] { "BITFIELD", k, "OVERFLOW", "FAIL", "INCRBY", "u8", "0", 1L, "INCRBY", "u8", "8", 1L, "OVERFLOW", "WRAP", "GET", "u8", "#1" }, op.Command);
            Assert.Equal(new long?[] { 1, 1, 1 }, op.Execute());
            // Execute starts the builder afresh (with the default overflow), so it can be reused.
            Assert.Equal(new object?[] { "BITFIELD", k, "OVERFLOW", "FAIL" }, op.Command);
            Assert.Equal(new long?[] { 2 }, op.IncrBy("u8", 0, 1).Execute());
            op.Get("u8", 0).Reset();
            Assert.Empty(op.Execute());

            Assert.Throws<RedisDataException>(() => op.Get("u64", 0));
            Assert.Throws<RedisDataException>(() => op.Get("i65", 0));
            Assert.Throws<RedisDataException>(() => op.Get("x8", 0));
            Assert.Throws<RedisDataException>(() => op.Get("u0", 0));
            Assert.Throws<RedisDataException>(() => op.Get("u8", -1));
            Assert.Throws<RedisDataException>(() => op.Get("u8", "#"));
            Assert.Throws<RedisDataException>(() => op.Set("u8", "abc", 1));
            Assert.Throws<RedisDataException>(() => op.IncrBy("u8", "-3", 1));
            AssertWrongType(() => _client.BitField(MakeList()).Get("u8", 0).Execute());
        }

        [Fact]
        public void BitFieldRunsThroughRunSoAPipelineCanQueueIt()
        {
            string k = _p + "queued";
            var queue = new QueueingCommands();
            IList<long?> immediate = queue.BitField(k).Set("u8", 0, 7).Get("u8", 0).Execute();
            Assert.Null(immediate); // queued: like a pipeline, the method itself returns the default
            Assert.Single(queue.Queued);
            (IReadOnlyList<object?> args, Func<RespValue, object?> parse) = queue.Queued[0];
            Assert.Equal(new object?[] { "BITFIELD", k, "SET", "u8", "0", 7L, "GET", "u8", "0" }, args);
            // Applying the queued parser to the real reply later gives what Execute would have returned.
            RespValue reply = _client.Execute(args);
            Assert.Equal(new long?[] { 0, 7 }, (IList<long?>)parse(reply)!);
        }

        /// <summary>A stand-in for a pipeline: records each command and its parser instead of running it.</summary>
        private sealed class QueueingCommands : RedisCommands
        {
            public List<(IReadOnlyList<object?> Args, Func<RespValue, object?> Parse)> Queued { get; } =
                new List<(IReadOnlyList<object?>, Func<RespValue, object?>)>();

            internal override T Run<T>(IReadOnlyList<object?> args, Func<RespValue, T> parse, TimeSpan? blockFor = null)
            {
                Queued.Add((args, r => parse(r)));
                return default!;
            }

            internal override object? ConvertReply(string? command, RespValue reply) => reply.ToObject(true);
        }
    }
}
