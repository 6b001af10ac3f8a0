using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using Xunit;

namespace PSRedis.Tests.Unit
{
    /// <summary>Structural equality for replies: type, payload, items and attributes, recursively.</summary>
    internal static class RespAssert
    {
        public static void Equal(RespValue expected, RespValue actual) => Compare(expected, actual, "reply");

        private static void Compare(RespValue expected, RespValue actual, string path)
        {
            if (expected.Type != actual.Type)
                Assert.Fail(path + ": expected type " + expected.Type + ", got " + actual.Type + " (" + actual.Describe() + ").");
            if (expected.Format != actual.Format)
                Assert.Fail(path + ": expected format '" + expected.Format + "', got '" + actual.Format + "'.");
            if ((expected.Bytes == null) != (actual.Bytes == null))
                Assert.Fail(path + ": one side has bytes, the other has none.");
            if (expected.Bytes != null && !expected.Bytes.AsSpan().SequenceEqual(actual.Bytes))
                Assert.Fail(path + ": bytes differ: expected [" + Show(expected.Bytes) + "], got [" + Show(actual.Bytes!) + "].");
            switch (expected.Type)
            {
                case RespType.Integer:
                    if (expected.Integer64 != actual.Integer64)
                        Assert.Fail(path + ": expected integer " + expected.Integer64 + ", got " + actual.Integer64 + ".");
                    break;
                case RespType.Boolean:
                    if (expected.BooleanValue != actual.BooleanValue)
                        Assert.Fail(path + ": expected " + expected.BooleanValue + ", got " + actual.BooleanValue + ".");
                    break;
                case RespType.Double:
                    double e = expected.DoubleValue, a = actual.DoubleValue;
                    bool same = double.IsNaN(e) ? double.IsNaN(a) : BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a);
                    if (!same) Assert.Fail(path + ": expected double " + RespDouble.Format(e) + ", got " + RespDouble.Format(a) + ".");
                    break;
            }
            if (expected.IsAggregate != actual.IsAggregate)
                Assert.Fail(path + ": aggregate on one side only.");
            if (expected.Items.Count != actual.Items.Count)
                Assert.Fail(path + ": expected " + expected.Items.Count + " items, got " + actual.Items.Count + ".");
            for (int i = 0; i < expected.Items.Count; i++)
                Compare(expected.Items[i], actual.Items[i], path + "[" + i + "]");
            if ((expected.Attributes == null) != (actual.Attributes == null))
                Assert.Fail(path + ": attributes on one side only.");
            if (expected.Attributes != null)
                Compare(expected.Attributes, actual.Attributes!, path + ".attributes");
        }

        private static string Show(byte[] bytes) =>
            string.Join(" ", bytes.Take(64).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    public class RespReaderTests
    {
        // ---------- builders for expected values ----------
        private static byte[] A(string s) => Encoding.UTF8.GetBytes(s);
        private static RespValue Simple(string s) => RespValue.SimpleString(s);
        private static RespValue Err(string s) => RespValue.Error(s);
        private static RespValue Int(long n) => RespValue.Integer(n);
        private static RespValue Bulk(string s) => RespValue.BulkString(s);
        private static RespValue Bulk(byte[] b) => RespValue.BulkString(b);
        private static RespValue Dbl(double d) => RespValue.Double(d);
        private static RespValue Arr(params RespValue[] items) => RespValue.Aggregate(RespType.Array, items);
        private static RespValue Map(params RespValue[] items) => RespValue.Aggregate(RespType.Map, items);
        private static RespValue Set(params RespValue[] items) => RespValue.Aggregate(RespType.Set, items);
        private static RespValue Push(params RespValue[] items) => RespValue.Aggregate(RespType.Push, items);
        private static RespValue Attr(params RespValue[] items) => RespValue.Aggregate(RespType.Attribute, items);

        private static RespValue With(RespValue value, RespValue attributes)
        {
            value.Attributes = attributes;
            return value;
        }

        private static readonly byte[] BinaryPayload = { 0x00, 0x0d, 0x0a, 0xff, 0x00, 0x24, 0x0d, 0x0a, 0x2a, 0x80, 0x00 };

        private static byte[] Concat(params byte[][] parts)
        {
            var ms = new MemoryStream();
            foreach (byte[] p in parts) ms.Write(p, 0, p.Length);
            return ms.ToArray();
        }

        /// <summary>Every vector: its wire bytes and the value it must parse to.</summary>
        private static readonly Dictionary<string, Func<(byte[] Wire, RespValue Expected)>> Vectors = new Dictionary<string, Func<(byte[], RespValue)>>
        {
            ["simple"] = () => (A("+OK\r\n"), Simple("OK")),
            ["simple-empty"] = () => (A("+\r\n"), Simple("")),
            ["simple-utf8"] = () => (A("+héllo ключ\r\n"), Simple("héllo ключ")),
            ["simple-long"] = () => (A("+" + new string('x', 300) + "\r\n"), Simple(new string('x', 300))),
            ["error"] = () => (A("-ERR unknown command 'foo'\r\n"), Err("ERR unknown command 'foo'")),
            ["error-wrongtype"] = () => (A("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"), Err("WRONGTYPE Operation against a key holding the wrong kind of value")),
            ["integer-0"] = () => (A(":0\r\n"), Int(0)),
            ["integer-positive"] = () => (A(":1000\r\n"), Int(1000)),
            ["integer-plus-sign"] = () => (A(":+42\r\n"), Int(42)),
            ["integer-negative"] = () => (A(":-1\r\n"), Int(-1)),
            ["integer-max"] = () => (A(":9223372036854775807\r\n"), Int(long.MaxValue)),
            ["integer-min"] = () => (A(":-9223372036854775808\r\n"), Int(long.MinValue)),
            ["bulk"] = () => (A("$5\r\nhello\r\n"), Bulk("hello")),
            ["bulk-empty"] = () => (A("$0\r\n\r\n"), Bulk(Array.Empty<byte>())),
            ["bulk-binary"] = () => (Concat(A("$11\r\n"), BinaryPayload, A("\r\n")), Bulk(BinaryPayload)),
            ["bulk-utf8"] = () => (Concat(A("$8\r\n"), A("ключ"), A("\r\n")), Bulk("ключ")),
            ["bulk-100"] = () => (A("$100\r\n" + new string('b', 100) + "\r\n"), Bulk(new string('b', 100))),
            ["bulk-null"] = () => (A("$-1\r\n"), RespValue.Null),
            ["array-empty"] = () => (A("*0\r\n"), Arr()),
            ["array-null"] = () => (A("*-1\r\n"), RespValue.Null),
            ["array"] = () => (A("*3\r\n$3\r\nfoo\r\n:-7\r\n+bar\r\n"), Arr(Bulk("foo"), Int(-7), Simple("bar"))),
            ["array-with-nulls"] = () => (A("*3\r\n$1\r\na\r\n$-1\r\n*-1\r\n"), Arr(Bulk("a"), RespValue.Null, RespValue.Null)),
            ["array-nested"] = () => (A("*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-Err x\r\n"),
                Arr(Arr(Int(1), Int(2), Int(3)), Arr(Simple("Hello"), Err("Err x")))),
            ["array-deep"] = () => (A("*1\r\n*1\r\n*1\r\n*0\r\n"), Arr(Arr(Arr(Arr())))),
            ["null"] = () => (A("_\r\n"), RespValue.Null),
            ["true"] = () => (A("#t\r\n"), RespValue.True),
            ["false"] = () => (A("#f\r\n"), RespValue.False),
            ["double"] = () => (A(",1.5\r\n"), Dbl(1.5)),
            ["double-negative"] = () => (A(",-0.25\r\n"), Dbl(-0.25)),
            ["double-inf"] = () => (A(",inf\r\n"), Dbl(double.PositiveInfinity)),
            ["double-neg-inf"] = () => (A(",-inf\r\n"), Dbl(double.NegativeInfinity)),
            ["double-nan"] = () => (A(",nan\r\n"), Dbl(double.NaN)),
            ["double-1e300"] = () => (A(",1e300\r\n"), Dbl(1e300)),
            ["double-exponent"] = () => (A(",1.23E-5\r\n"), Dbl(1.23E-5)),
            ["double-integer"] = () => (A(",10\r\n"), Dbl(10)),
            ["big-number"] = () => (A("(3492890328409238509324850943850943825024385\r\n"), RespValue.BigNumber(A("3492890328409238509324850943850943825024385"))),
            ["big-number-negative"] = () => (A("(-3492890328409238509324850943850943825024385\r\n"), RespValue.BigNumber(A("-3492890328409238509324850943850943825024385"))),
            ["blob-error"] = () => (A("!21\r\nSYNTAX invalid syntax\r\n"), Err("SYNTAX invalid syntax")),
            ["verbatim"] = () => (A("=15\r\ntxt:Some string\r\n"), RespValue.Verbatim("txt", A("Some string"))),
            ["verbatim-empty"] = () => (A("=4\r\nmkd:\r\n"), RespValue.Verbatim("mkd", Array.Empty<byte>())),
            ["map"] = () => (A("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n"), Map(Simple("first"), Int(1), Simple("second"), Int(2))),
            ["map-empty"] = () => (A("%0\r\n"), Map()),
            ["map-nested"] = () => (A("%1\r\n$4\r\nkey1\r\n%1\r\n:1\r\n*2\r\n#t\r\n_\r\n"),
                Map(Bulk("key1"), Map(Int(1), Arr(RespValue.True, RespValue.Null)))),
            ["set"] = () => (A("~3\r\n+a\r\n+b\r\n:3\r\n"), Set(Simple("a"), Simple("b"), Int(3))),
            ["set-empty"] = () => (A("~0\r\n"), Set()),
            ["push"] = () => (A(">3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n"), Push(Bulk("message"), Bulk("chan"), Bulk("hello"))),
            ["attribute"] = () => (A("|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n"),
                With(Arr(Int(2039123), Int(9543892)),
                    Attr(Simple("key-popularity"), Map(Bulk("a"), Dbl(0.1923), Bulk("b"), Dbl(0.0012))))),
            ["attribute-on-null"] = () => (A("|1\r\n+ttl\r\n:3600\r\n_\r\n"), With(RespValue.FreshNull(), Attr(Simple("ttl"), Int(3600)))),
            ["attribute-on-bulk-null"] = () => (A("|1\r\n+a\r\n+b\r\n$-1\r\n"), With(RespValue.FreshNull(), Attr(Simple("a"), Simple("b")))),
            ["attribute-on-true"] = () => (A("|1\r\n+a\r\n+b\r\n#t\r\n"), With(RespValue.FreshBoolean(true), Attr(Simple("a"), Simple("b")))),
            ["attribute-empty"] = () => (A("|0\r\n:5\r\n"), With(Int(5), Attr())),
            ["attribute-inside-array"] = () => (A("*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n"), Arr(With(Int(1), Attr(Simple("a"), Simple("b"))), Int(2))),
            ["attribute-twice"] = () => (A("|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n+v\r\n"), With(Simple("v"), Attr(Simple("a"), Int(1), Simple("b"), Int(2)))),
        };

        public static IEnumerable<object[]> VectorNames => Vectors.Keys.Select(k => new object[] { k });

        private static RespValue ReadOne(Stream stream, int bufferSize)
        {
            var reader = new RespReader(stream, bufferSize);
            RespValue value = reader.ReadValue();
            Assert.False(reader.HasBufferedData, "The reply was not consumed exactly.");
            // Nothing further: the next read must hit the end of the stream, proving no byte was left unread.
            var ex = Assert.Throws<RedisConnectionException>(() => reader.ReadValue());
            Assert.Equal("Connection closed by server.", ex.Message);
            return value;
        }

        [Theory]
        [MemberData(nameof(VectorNames))]
        public void Vector_parses_whole(string name)
        {
            var (wire, expected) = Vectors[name]();
            RespAssert.Equal(expected, ReadOne(new MemoryStream(wire), 64 * 1024));
            RespAssert.Equal(expected, ReadOne(new MemoryStream(wire), 16));
        }

        [Theory]
        [MemberData(nameof(VectorNames))]
        public void Vector_parses_split_in_two_at_every_byte(string name)
        {
            var (wire, expected) = Vectors[name]();
            for (int split = 1; split < wire.Length; split++)
            {
                RespAssert.Equal(expected, ReadOne(ChunkedStream.SplitAt(wire, split), 64 * 1024));
                RespAssert.Equal(expected, ReadOne(ChunkedStream.SplitAt(wire, split), 16));
            }
        }

        [Theory]
        [MemberData(nameof(VectorNames))]
        public void Vector_parses_one_byte_per_read(string name)
        {
            var (wire, expected) = Vectors[name]();
            var stream = ChunkedStream.MaxPerRead(wire, 1);
            RespAssert.Equal(expected, ReadOne(stream, 64 * 1024));
            Assert.Equal(1, stream.LargestRead);
            RespAssert.Equal(expected, ReadOne(ChunkedStream.MaxPerRead(wire, 1), 16));
        }

        [Theory]
        [MemberData(nameof(VectorNames))]
        public void Vector_truncated_anywhere_reports_closed_connection(string name)
        {
            var (wire, _) = Vectors[name]();
            for (int cut = 0; cut < wire.Length; cut++)
            {
                var reader = new RespReader(new MemoryStream(wire, 0, cut));
                var ex = Assert.Throws<RedisConnectionException>(() => reader.ReadValue());
                Assert.Equal("Connection closed by server.", ex.Message);
            }
        }

        [Fact]
        public void Every_vector_back_to_back_in_one_buffer_is_read_in_order()
        {
            var names = Vectors.Keys.ToList();
            var all = names.Select(n => Vectors[n]()).ToList();
            byte[] wire = Concat(all.Select(v => v.Wire).ToArray());
            foreach (Stream stream in new Stream[] { new MemoryStream(wire), ChunkedStream.MaxPerRead(wire, 7), ChunkedStream.MaxPerRead(wire, 1) })
            {
                var reader = new RespReader(stream, 16);
                foreach (var v in all) RespAssert.Equal(v.Expected, reader.ReadValue());
                Assert.False(reader.HasBufferedData);
            }
        }

        [Fact]
        public void Back_to_back_replies_and_HasBufferedData()
        {
            byte[] wire = A("+OK\r\n:1\r\n$3\r\nabc\r\n*1\r\n_\r\n");
            var reader = new RespReader(new MemoryStream(wire));
            Assert.False(reader.HasBufferedData);
            RespAssert.Equal(Simple("OK"), reader.ReadValue());
            Assert.True(reader.HasBufferedData);
            RespAssert.Equal(Int(1), reader.ReadValue());
            Assert.True(reader.HasBufferedData);
            RespAssert.Equal(Bulk("abc"), reader.ReadValue());
            Assert.True(reader.HasBufferedData);
            RespAssert.Equal(Arr(RespValue.Null), reader.ReadValue());
            Assert.False(reader.HasBufferedData);
            Assert.Throws<RedisConnectionException>(() => reader.ReadValue());
        }

        [Fact]
        public void HasBufferedData_only_counts_bytes_already_received()
        {
            byte[] wire = A("+OK\r\n:1\r\n");
            var reader = new RespReader(ChunkedStream.SplitAt(wire, 5));
            RespAssert.Equal(Simple("OK"), reader.ReadValue());
            Assert.False(reader.HasBufferedData);
            RespAssert.Equal(Int(1), reader.ReadValue());
            Assert.False(reader.HasBufferedData);
        }

        [Fact]
        public void Reset_forgets_buffered_bytes()
        {
            var reader = new RespReader(new MemoryStream(A("+OK\r\n:1\r\n")));
            reader.ReadValue();
            Assert.True(reader.HasBufferedData);
            reader.Reset();
            Assert.False(reader.HasBufferedData);
            Assert.Throws<RedisConnectionException>(() => reader.ReadValue());
        }

        [Fact]
        public void Attributes_never_modify_the_shared_null_and_boolean_instances()
        {
            var reader = new RespReader(new MemoryStream(A("|1\r\n+a\r\n+b\r\n_\r\n|1\r\n+a\r\n+b\r\n#t\r\n|1\r\n+a\r\n+b\r\n#f\r\n_\r\n")));
            RespValue n = reader.ReadValue();
            RespValue t = reader.ReadValue();
            RespValue f = reader.ReadValue();
            Assert.NotSame(RespValue.Null, n);
            Assert.NotSame(RespValue.True, t);
            Assert.NotSame(RespValue.False, f);
            Assert.NotNull(n.Attributes);
            Assert.True(t.BooleanValue);
            Assert.False(f.BooleanValue);
            Assert.Null(RespValue.Null.Attributes);
            Assert.Null(RespValue.True.Attributes);
            Assert.Null(RespValue.False.Attributes);
            Assert.Null(reader.ReadValue().Attributes);
        }

        [Fact]
        public void Ok_replies_share_one_instance_but_an_attributed_ok_gets_its_own()
        {
            var reader = new RespReader(new MemoryStream(A("+OK\r\n|1\r\n+a\r\n+b\r\n+OK\r\n+OK\r\n+OKAY\r\n+O\r\n")));
            RespValue plain = reader.ReadValue();
            RespValue attributed = reader.ReadValue();
            RespValue again = reader.ReadValue();
            Assert.Same(RespValue.Ok, plain);
            Assert.NotSame(RespValue.Ok, attributed);
            Assert.Equal("OK", attributed.AsString());
            Assert.NotNull(attributed.Attributes);
            Assert.Same(RespValue.Ok, again);
            Assert.Null(RespValue.Ok.Attributes);
            Assert.Equal("OKAY", reader.ReadValue().AsString()); // only the exact line "OK" is shared
            Assert.Equal("O", reader.ReadValue().AsString());
        }

        // ---------- malformed input ----------

        [Theory]
        [InlineData("?foo\r\n")]
        [InlineData("\r\n")]
        [InlineData("OK\r\n")]
        [InlineData(":12a\r\n")]
        [InlineData(":\r\n")]
        [InlineData(":-\r\n")]
        [InlineData(": 1\r\n")]
        [InlineData(":1.5\r\n")]
        [InlineData(":99999999999999999999\r\n")]
        [InlineData(":9223372036854775808\r\n")]
        [InlineData(":-9223372036854775809\r\n")]
        [InlineData(":18446744073709551615\r\n")]
        [InlineData("$abc\r\n")]
        [InlineData("$?\r\n")]
        [InlineData("*x\r\n")]
        [InlineData("$3\r\nabcX\r\n")]
        [InlineData("$3\r\nabcde\r\n")]
        [InlineData("$3\r\nabc\n\r\n")]
        [InlineData("$3\r\nabc\rX")]
        [InlineData("+OK\rX\n")]
        [InlineData(":12\r3\r\n")]
        [InlineData("$-2\r\n")]
        [InlineData("!-1\r\n")]
        [InlineData("=-1\r\n")]
        [InlineData("*-2\r\n")]
        [InlineData("*-100\r\n")]
        [InlineData("%-1\r\n")]
        [InlineData("~-1\r\n")]
        [InlineData(">-1\r\n")]
        [InlineData("|-1\r\n")]
        [InlineData("#x\r\n")]
        [InlineData("#\r\n")]
        [InlineData("#true\r\n")]
        [InlineData("_x\r\n")]
        [InlineData("=3\r\nabc\r\n")]
        [InlineData("=4\r\nabcd\r\n")]
        [InlineData("(12a\r\n")]
        [InlineData("(\r\n")]
        [InlineData("(-\r\n")]
        [InlineData(",abc\r\n")]
        [InlineData(",\r\n")]
        public void Malformed_reply_throws_invalid_response(string wire)
        {
            byte[] bytes = A(wire);
            foreach (Stream stream in new Stream[] { new MemoryStream(bytes), ChunkedStream.MaxPerRead(bytes, 1) })
            {
                var reader = new RespReader(stream);
                var ex = Assert.Throws<RedisInvalidResponseException>(() => reader.ReadValue());
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            }
        }

        [Fact]
        public void Cr_not_followed_by_lf_is_reported_as_such()
        {
            var ex = Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(A("+OK\rX\n"))).ReadValue());
            Assert.Contains("CR not followed by LF", ex.Message);
        }

        [Fact]
        public void Missing_crlf_after_bulk_is_reported_as_such()
        {
            var ex = Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(A("$3\r\nabcde\r\n"))).ReadValue());
            Assert.Contains("not terminated by CRLF", ex.Message);
        }

        [Fact]
        public void Bad_integer_message_names_the_text()
        {
            var ex = Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(A(":12a\r\n"))).ReadValue());
            Assert.Contains("'12a'", ex.Message);
        }

        [Fact]
        public void Unknown_type_byte_is_named_in_the_message()
        {
            var ex = Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(new byte[] { 0x01, 0x0d, 0x0a })).ReadValue());
            Assert.Contains("\\x01", ex.Message);
        }

        [Fact]
        public void Bulk_length_over_limit_throws_without_allocating_the_payload()
        {
            var reader = new RespReader(new MemoryStream(A("$600000000\r\n")));
            // Warm up the throw path so first-use costs (type loading, resources) are not counted.
            Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(A("$600000001\r\n"))).ReadValue());
            long before = GC.GetAllocatedBytesForCurrentThread();
            var ex = Assert.Throws<RedisInvalidResponseException>(() => reader.ReadValue());
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 1024 * 1024, "Allocated " + allocated + " bytes.");
            Assert.Contains("600000000", ex.Message);
            Assert.Contains("536870912", ex.Message);
        }

        [Fact]
        public void Blob_error_and_verbatim_lengths_obey_the_bulk_limit()
        {
            Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(A("!600000000\r\n"))).ReadValue());
            Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(A("=600000000\r\n"))).ReadValue());
        }

        [Fact]
        public void Custom_bulk_limit_is_inclusive()
        {
            var ok = new RespReader(new MemoryStream(A("$10\r\n0123456789\r\n"))) { MaxBulkLength = 10 };
            RespAssert.Equal(Bulk("0123456789"), ok.ReadValue());
            var tooLong = new RespReader(new MemoryStream(A("$11\r\n0123456789a\r\n"))) { MaxBulkLength = 10 };
            Assert.Throws<RedisInvalidResponseException>(() => tooLong.ReadValue());
        }

        [Fact]
        public void Huge_aggregate_header_does_not_allocate_its_announced_size()
        {
            // 200 million items is under the default aggregate limit; the reader must not allocate 1.6 GB for it
            // before the items exist. Here the stream ends right after the header.
            Assert.Throws<RedisConnectionException>(() => new RespReader(new MemoryStream(A("*200000001\r\n"))).ReadValue());
            var reader = new RespReader(new MemoryStream(A("*200000000\r\n:1\r\n")));
            long before = GC.GetAllocatedBytesForCurrentThread();
            var ex = Assert.Throws<RedisConnectionException>(() => reader.ReadValue());
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 1024 * 1024, "Allocated " + allocated + " bytes.");
            Assert.Equal("Connection closed by server.", ex.Message);
        }

        [Fact]
        public void Aggregate_larger_than_the_preallocation_still_parses()
        {
            const int n = 10000;
            var sb = new StringBuilder("%" + n + "\r\n");
            for (int i = 0; i < n; i++) sb.Append(':').Append(i).Append("\r\n+v").Append(i).Append("\r\n");
            RespValue map = new RespReader(ChunkedStream.MaxPerRead(A(sb.ToString()), 333)).ReadValue();
            Assert.Equal(RespType.Map, map.Type);
            Assert.Equal(2 * n, map.Items.Count);
            Assert.Equal(9999, map.Items[2 * 9999].Integer64);
            Assert.Equal("v9999", map.Items[2 * 9999 + 1].AsString());
        }

        [Fact]
        public void Aggregate_length_over_limit_throws()
        {
            var reader = new RespReader(new MemoryStream(A("*11\r\n"))) { MaxAggregateLength = 10 };
            Assert.Throws<RedisInvalidResponseException>(() => reader.ReadValue());
            // A map counts keys and values.
            var map = new RespReader(new MemoryStream(A("%6\r\n"))) { MaxAggregateLength = 10 };
            Assert.Throws<RedisInvalidResponseException>(() => map.ReadValue());
            Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(A("*300000000\r\n"))).ReadValue());
        }

        private static byte[] Repeat(string unit, int times, string tail) =>
            A(string.Concat(Enumerable.Repeat(unit, times)) + tail);

        [Fact]
        public void Nesting_deeper_than_MaxDepth_throws()
        {
            var ex = Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(Repeat("*1\r\n", 100, ":1\r\n"))).ReadValue());
            Assert.Contains("nested deeper than 64", ex.Message);
        }

        [Fact]
        public void Nesting_exactly_MaxDepth_is_allowed()
        {
            RespValue value = new RespReader(new MemoryStream(Repeat("*1\r\n", RespReader.DefaultMaxDepth, ":1\r\n"))).ReadValue();
            int depth = 0;
            while (value.Type == RespType.Array) { value = value.Items[0]; depth++; }
            Assert.Equal(RespReader.DefaultMaxDepth, depth);
            Assert.Equal(1, value.Integer64);
            Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(Repeat("*1\r\n", RespReader.DefaultMaxDepth + 1, ":1\r\n"))).ReadValue());
        }

        [Theory]
        [InlineData("%1\r\n:1\r\n")]
        [InlineData("~1\r\n")]
        [InlineData(">1\r\n")]
        public void Nesting_limit_applies_to_every_aggregate_type(string unit)
        {
            var reader = new RespReader(new MemoryStream(Repeat(unit, 10, ":1\r\n:1\r\n"))) { MaxDepth = 5 };
            Assert.Throws<RedisInvalidResponseException>(() => reader.ReadValue());
        }

        [Fact]
        public void Endless_attribute_headers_are_bounded_by_MaxDepth()
        {
            // Before the fix every attribute header recursed at the same depth, so enough of them overflowed
            // the stack and killed the process instead of raising a protocol error.
            var ex = Assert.Throws<RedisInvalidResponseException>(() => new RespReader(new MemoryStream(Repeat("|0\r\n", 200000, ":1\r\n"))).ReadValue());
            Assert.Contains("nested deeper", ex.Message);
        }

        [Fact]
        public void Empty_stream_reports_closed_connection()
        {
            var ex = Assert.Throws<RedisConnectionException>(() => new RespReader(new MemoryStream()).ReadValue());
            Assert.Equal("Connection closed by server.", ex.Message);
        }

        [Fact]
        public void Line_longer_than_the_buffer_grows_it()
        {
            string text = new string('y', 100000);
            RespValue value = new RespReader(ChunkedStream.MaxPerRead(A("+" + text + "\r\n:2\r\n"), 999), 16).ReadValue();
            Assert.Equal(text, value.AsString());
        }

        [Theory]
        [InlineData(1, 16)]
        [InlineData(7, 16)]
        [InlineData(1021, 1000)]
        [InlineData(65537, 64 * 1024)]
        [InlineData(3, 64 * 1024)]
        [InlineData(int.MaxValue, 64 * 1024)]
        public void Large_bulk_round_trips_byte_exact(int chunk, int bufferSize)
        {
            var data = new byte[5 * 1024 * 1024];
            new Random(12345 + chunk).NextBytes(data);
            byte[] wire = Concat(A("+before\r\n$" + data.Length + "\r\n"), data, A("\r\n+after\r\n"));
            var reader = new RespReader(ChunkedStream.MaxPerRead(wire, chunk), bufferSize);
            RespAssert.Equal(Simple("before"), reader.ReadValue());
            RespValue value = reader.ReadValue();
            Assert.Equal(RespType.BulkString, value.Type);
            Assert.True(data.AsSpan().SequenceEqual(value.Bytes), "Payload differs.");
            RespAssert.Equal(Simple("after"), reader.ReadValue());
            Assert.False(reader.HasBufferedData);
        }

        [Fact]
        public void Integer_extremes_via_Integer64()
        {
            var reader = new RespReader(new MemoryStream(A(":-9223372036854775808\r\n:9223372036854775807\r\n:-0\r\n:007\r\n")));
            Assert.Equal(long.MinValue, reader.ReadValue().Integer64);
            Assert.Equal(long.MaxValue, reader.ReadValue().Integer64);
            Assert.Equal(0, reader.ReadValue().Integer64);
            Assert.Equal(7, reader.ReadValue().Integer64);
        }

        [Fact]
        public void Bulk_length_with_leading_plus_and_negative_zero()
        {
            var reader = new RespReader(new MemoryStream(A("$+3\r\nabc\r\n$-0\r\n\r\n")));
            RespAssert.Equal(Bulk("abc"), reader.ReadValue());
            RespAssert.Equal(Bulk(""), reader.ReadValue());
        }

        // ---------- RespValue.ToObject and error mapping ----------

        private static RespValue Parse(string wire) => new RespReader(new MemoryStream(A(wire))).ReadValue();

        [Fact]
        public void ToObject_scalars()
        {
            Assert.Equal("OK", Parse("+OK\r\n").ToObject());
            Assert.Equal("OK", Parse("+OK\r\n").ToObject(decode: false));
            Assert.Equal(-5L, Parse(":-5\r\n").ToObject());
            Assert.Equal(long.MinValue, Parse(":-9223372036854775808\r\n").ToObject());
            Assert.Equal(1.5, Parse(",1.5\r\n").ToObject());
            Assert.Equal(double.NegativeInfinity, Parse(",-inf\r\n").ToObject());
            Assert.True(double.IsNaN((double)Parse(",nan\r\n").ToObject()!));
            Assert.Equal(true, Parse("#t\r\n").ToObject());
            Assert.Equal(false, Parse("#f\r\n").ToObject());
            Assert.Null(Parse("_\r\n").ToObject());
            Assert.Null(Parse("$-1\r\n").ToObject());
            Assert.Null(Parse("*-1\r\n").ToObject(decode: false));
            Assert.Equal("3492890328409238509324850943850943825024385", Parse("(3492890328409238509324850943850943825024385\r\n").ToObject());
            Assert.Equal("Some string", Parse("=15\r\ntxt:Some string\r\n").ToObject());
            Assert.Equal(A("Some string"), Parse("=15\r\ntxt:Some string\r\n").ToObject(decode: false));
        }

        [Fact]
        public void ToObject_bulk_is_string_when_decoding_and_exact_bytes_otherwise()
        {
            byte[] wire = Concat(A("$11\r\n"), BinaryPayload, A("\r\n"));
            RespValue value = new RespReader(new MemoryStream(wire)).ReadValue();
            byte[] raw = Assert.IsType<byte[]>(value.ToObject(decode: false));
            Assert.Equal(BinaryPayload, raw);
            Assert.Equal("ключ", Assert.IsType<string>(Parse("$8\r\nключ\r\n").ToObject()));
            Assert.Equal(A("ключ"), Assert.IsType<byte[]>(Parse("$8\r\nключ\r\n").ToObject(false)));
            Assert.Equal("", Parse("$0\r\n\r\n").ToObject());
        }

        [Fact]
        public void ToObject_aggregates()
        {
            object?[] arr = Assert.IsType<object?[]>(Parse("*4\r\n$1\r\na\r\n:2\r\n$-1\r\n*1\r\n#t\r\n").ToObject());
            Assert.Equal("a", arr[0]);
            Assert.Equal(2L, arr[1]);
            Assert.Null(arr[2]);
            Assert.Equal(new object?[] { true }, Assert.IsType<object?[]>(arr[3]));

            Assert.Equal(new object?[] { "x", "y" }, Assert.IsType<object?[]>(Parse("~2\r\n+x\r\n+y\r\n").ToObject()));
            Assert.Equal(new object?[] { "message", "ch", "hi" }, Assert.IsType<object?[]>(Parse(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n").ToObject()));
            Assert.Empty(Assert.IsType<object?[]>(Parse("*0\r\n").ToObject()));
        }

        [Fact]
        public void ToObject_map_becomes_dictionary_with_string_keys_even_undecoded()
        {
            const string wire = "%3\r\n$4\r\nname\r\n$3\r\nbob\r\n+age\r\n:42\r\n$4\r\ntags\r\n%1\r\n$1\r\nk\r\n_\r\n";
            var map = Assert.IsType<Dictionary<object, object?>>(Parse(wire).ToObject());
            Assert.Equal(3, map.Count);
            Assert.Equal("bob", map["name"]);
            Assert.Equal(42L, map["age"]);
            var inner = Assert.IsType<Dictionary<object, object?>>(map["tags"]);
            Assert.True(inner.ContainsKey("k"));
            Assert.Null(inner["k"]);

            var raw = Assert.IsType<Dictionary<object, object?>>(Parse(wire).ToObject(decode: false));
            Assert.Equal(A("bob"), Assert.IsType<byte[]>(raw["name"]));
            Assert.Equal(42L, raw["age"]);
            Assert.Empty(Assert.IsType<Dictionary<object, object?>>(Parse("%0\r\n").ToObject()));
        }

        [Fact]
        public void ToObject_nested_error_becomes_exception_object()
        {
            object?[] arr = Assert.IsType<object?[]>(Parse("*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n:1\r\n").ToObject());
            Assert.Equal("OK", arr[0]);
            var err = Assert.IsType<RedisResponseException>(arr[1]);
            Assert.Equal("ERR value is not an integer or out of range", err.Message);
            Assert.Equal("ERR", err.ErrorCode);
            Assert.Equal(1L, arr[2]);

            var blob = Assert.IsType<RedisResponseException>(Parse("!21\r\nSYNTAX invalid syntax\r\n").ToObject());
            Assert.Equal("SYNTAX invalid syntax", blob.Message);
            Assert.Equal("SYNTAX", blob.ErrorCode);
        }

        [Theory]
        [InlineData("ERR unknown command 'foo'", typeof(RedisResponseException))]
        [InlineData("WRONGTYPE Operation against a key holding the wrong kind of value", typeof(RedisResponseException))]
        [InlineData("NOSCRIPT No matching script. Please use EVAL.", typeof(RedisNoScriptException))]
        [InlineData("EXECABORT Transaction discarded because of previous errors.", typeof(RedisExecAbortException))]
        [InlineData("OOM command not allowed when used memory > 'maxmemory'.", typeof(RedisOutOfMemoryException))]
        [InlineData("NOPERM this user has no permissions to run the 'get' command", typeof(RedisNoPermissionException))]
        [InlineData("LOADING Redis is loading the dataset in memory", typeof(RedisBusyLoadingException))]
        [InlineData("READONLY You can't write against a read only replica.", typeof(RedisReadOnlyException))]
        [InlineData("WRONGPASS invalid username-password pair or user is disabled.", typeof(RedisAuthenticationException))]
        [InlineData("NOAUTH Authentication required.", typeof(RedisAuthenticationException))]
        [InlineData("ERR invalid password", typeof(RedisAuthenticationException))]
        [InlineData("ERR Client sent AUTH, but no password is set", typeof(RedisAuthenticationException))]
        [InlineData("ERR wrong number of arguments for 'auth' command", typeof(RedisAuthenticationWrongNumberOfArgsException))]
        [InlineData("ERR max number of clients reached", typeof(RedisConnectionException))]
        [InlineData("BUSY Redis is busy running a script.", typeof(RedisResponseException))]
        [InlineData("some lowercase text", typeof(RedisResponseException))]
        public void Error_reply_maps_to_its_exception_type_keeping_the_message(string message, Type expected)
        {
            RespValue value = Parse("-" + message + "\r\n");
            Assert.True(value.IsError);
            Assert.Equal(message, value.AsString());
            object? mapped = value.ToObject();
            Assert.NotNull(mapped);
            Assert.Equal(expected, mapped!.GetType());
            Assert.Equal(message, ((Exception)mapped).Message);
            RedisException direct = ServerErrors.Map(message);
            Assert.Equal(expected, direct.GetType());
            Assert.Equal(message, direct.Message);
        }

        [Theory]
        [InlineData("ERR x", "ERR")]
        [InlineData("WRONGTYPE x", "WRONGTYPE")]
        [InlineData("NOSCRIPT", "NOSCRIPT")]
        [InlineData("some lowercase text", "ERR")]
        [InlineData("", "ERR")]
        public void Error_code_is_the_capitalised_first_word(string message, string code)
        {
            Assert.Equal(code, ServerErrors.CodeOf(message));
            if (message.Length > 0)
                Assert.Equal(code, Assert.IsAssignableFrom<RedisResponseException>(RespValue.Error(message).ToObject()).ErrorCode);
        }

        [Fact]
        public void Numeric_accessors()
        {
            Assert.Equal(12, Parse("$2\r\n12\r\n").Integer64);
            Assert.Equal(-3, Parse("+-3\r\n").Integer64);
            Assert.Equal(1, Parse("#t\r\n").Integer64);
            Assert.Equal(10, Parse(",10\r\n").Integer64);
            Assert.Equal(2.5, Parse("$3\r\n2.5\r\n").DoubleValue);
            Assert.Equal(double.PositiveInfinity, Parse("$3\r\ninf\r\n").DoubleValue);
            Assert.Equal(7.0, Parse(":7\r\n").DoubleValue);
            Assert.True(Parse(":1\r\n").BooleanValue);
            Assert.Throws<RedisInvalidResponseException>(() => Parse("$3\r\nabc\r\n").Integer64);
            Assert.Throws<RedisInvalidResponseException>(() => Parse("(3492890328409238509324850943850943825024385\r\n").Integer64);
            Assert.Throws<RedisInvalidResponseException>(() => Parse("*0\r\n").Integer64);
            Assert.Throws<RedisInvalidResponseException>(() => Parse("*0\r\n").AsString());
            // Doubles that are no long: NaN, infinities, out of range. These used to escape as OverflowException.
            Assert.Throws<RedisInvalidResponseException>(() => Parse(",nan\r\n").Integer64);
            Assert.Throws<RedisInvalidResponseException>(() => Parse(",inf\r\n").Integer64);
            Assert.Throws<RedisInvalidResponseException>(() => Parse(",1e300\r\n").Integer64);
            Assert.Equal(long.MinValue, RespValue.Double(-9223372036854775808.0).Integer64);
            Assert.Throws<RedisInvalidResponseException>(() => RespValue.Double(9223372036854775808.0).Integer64);
        }

        [Fact]
        public void Double_AsString_is_invariant_round_trip()
        {
            Assert.Equal("1.5", Parse(",1.5\r\n").AsString());
            Assert.Equal("inf", Parse(",inf\r\n").AsString());
            Assert.Equal("-inf", Parse(",-inf\r\n").AsString());
            Assert.Equal("nan", Parse(",nan\r\n").AsString());
            Assert.Equal(0.1, double.Parse(Parse(",0.1\r\n").AsString()!, System.Globalization.CultureInfo.InvariantCulture));
        }

        [Fact]
        public void Constructor_validates_arguments()
        {
            Assert.Throws<ArgumentNullException>(() => new RespReader(null!));
            Assert.Throws<ArgumentOutOfRangeException>(() => new RespReader(new MemoryStream(), 15));
        }
    }
}
