using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using Xunit;

namespace PSRedis.Tests.Unit
{
    public class RespWriterTests
    {
        private static byte[] A(string s) => Encoding.UTF8.GetBytes(s);

        private static byte[] Concat(IEnumerable<byte[]> parts)
        {
            var ms = new MemoryStream();
            foreach (byte[] p in parts) ms.Write(p, 0, p.Length);
            return ms.ToArray();
        }

        /// <summary>The encoding of a two-argument command "CMD &lt;payload&gt;".</summary>
        private static byte[] Cmd(byte[] payload) =>
            Concat(new[] { A("*2\r\n$3\r\nCMD\r\n$" + payload.Length.ToString(CultureInfo.InvariantCulture) + "\r\n"), payload, A("\r\n") });

        private static void AssertBytes(byte[] expected, byte[] actual)
        {
            if (!expected.AsSpan().SequenceEqual(actual))
                Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual)); // readable diff
            Assert.Equal(expected, actual);
        }

        [Fact]
        public void Set_key_value()
        {
            AssertBytes(A("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"), RespWriter.Encode("SET", "key", "value"));
        }

        [Fact]
        public void Single_argument_and_empty_values()
        {
            AssertBytes(A("*1\r\n$4\r\nPING\r\n"), RespWriter.Encode("PING"));
            AssertBytes(A("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n"), RespWriter.Encode("SET", "", Array.Empty<byte>()));
        }

        [Fact]
        public void Utf8_length_is_counted_in_bytes()
        {
            AssertBytes(A("*2\r\n$3\r\nGET\r\n$8\r\nключ\r\n"), RespWriter.Encode("GET", "ключ"));
            byte[] emoji = RespWriter.Encode("GET", "a😀b");
            AssertBytes(Concat(new[] { A("*2\r\n$3\r\nGET\r\n$6\r\na"), new byte[] { 0xF0, 0x9F, 0x98, 0x80 }, A("b\r\n") }), emoji);
            AssertBytes(A("*2\r\n$3\r\nCMD\r\n$2\r\né\r\n"), RespWriter.Encode("CMD", 'é'));
        }

        [Fact]
        public void Binary_values_pass_through_untouched()
        {
            byte[] payload = { 0x00, 0x0d, 0x0a, 0x24, 0x2a, 0xff, 0x00, 0x0d };
            AssertBytes(Cmd(payload), RespWriter.Encode("CMD", payload));
            var backing = new byte[] { 9, 9, 0x0d, 0x0a, 0x00, 9, 9 };
            AssertBytes(Cmd(new byte[] { 0x0d, 0x0a, 0x00 }), RespWriter.Encode("CMD", new ArraySegment<byte>(backing, 2, 3)));
            AssertBytes(Cmd(Array.Empty<byte>()), RespWriter.Encode("CMD", new ArraySegment<byte>(backing, 7, 0)));
        }

        public static IEnumerable<object[]> Scalars => new[]
        {
            new object[] { 0, "0" },
            new object[] { 42, "42" },
            new object[] { -42, "-42" },
            new object[] { int.MinValue, "-2147483648" },
            new object[] { long.MaxValue, "9223372036854775807" },
            new object[] { long.MinValue, "-9223372036854775808" },
            new object[] { (short)-5, "-5" },
            new object[] { (ushort)65535, "65535" },
            new object[] { (byte)255, "255" },
            new object[] { (sbyte)-128, "-128" },
            new object[] { uint.MaxValue, "4294967295" },
            new object[] { ulong.MaxValue, "18446744073709551615" },
            new object[] { 'x', "x" },
            new object[] { 1.5, "1.5" },
            new object[] { -0.25, "-0.25" },
            new object[] { 0.1, "0.1" },
            new object[] { 0.1 + 0.2, "0.30000000000000004" },
            new object[] { 1e300, "1E+300" },
            new object[] { -1e-7, "-1E-07" },
            new object[] { 10.0, "10" },
            new object[] { double.PositiveInfinity, "inf" },
            new object[] { double.NegativeInfinity, "-inf" },
            new object[] { double.NaN, "nan" },
            new object[] { 1.5f, "1.5" },
            new object[] { 0.1f, "0.1" },
            new object[] { -2.25f, "-2.25" },
            new object[] { float.PositiveInfinity, "inf" },
            new object[] { float.NegativeInfinity, "-inf" },
            new object[] { 1.50m, "1.50" },
            new object[] { -1234567.891m, "-1234567.891" },
            new object[] { decimal.MaxValue, "79228162514264337593543950335" },
        };

        private static CultureInfo OddCulture()
        {
            var c = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            c.NumberFormat.NegativeSign = "\u2212";
            c.NumberFormat.NumberDecimalSeparator = ",";
            c.NumberFormat.NumberGroupSeparator = ".";
            c.NumberFormat.PositiveInfinitySymbol = "\u221e";
            c.NumberFormat.NegativeInfinitySymbol = "-\u221e";
            c.NumberFormat.NaNSymbol = "NaN!";
            return c;
        }

        [Theory]
        [MemberData(nameof(Scalars))]
        public void Numbers_are_written_in_invariant_culture_whatever_the_current_culture(object arg, string expected)
        {
            CultureInfo savedCulture = CultureInfo.CurrentCulture;
            CultureInfo savedUiCulture = CultureInfo.CurrentUICulture;
            try
            {
                foreach (CultureInfo culture in new[] { CultureInfo.InvariantCulture, new CultureInfo("de-DE"), new CultureInfo("ar-SA"), OddCulture() })
                {
                    CultureInfo.CurrentCulture = culture;
                    CultureInfo.CurrentUICulture = culture;
                    AssertBytes(Cmd(A(expected)), RespWriter.Encode("CMD", arg));
                }
            }
            finally
            {
                CultureInfo.CurrentCulture = savedCulture;
                CultureInfo.CurrentUICulture = savedUiCulture;
            }
        }

        [Fact]
        public void De_DE_really_formats_differently_so_the_culture_test_means_something()
        {
            var de = new CultureInfo("de-DE");
            Assert.Equal("1,5", 1.5.ToString(de));
            Assert.Equal("\u2212" + "5", (-5).ToString(OddCulture()));
        }

        public static IEnumerable<object[]> BadArguments => new[]
        {
            new object[] { "null", new Func<object?>(() => null) },
            new object[] { "Boolean", new Func<object?>(() => true) },
            new object[] { "DateTime", new Func<object?>(() => new DateTime(2020, 1, 2)) },
            new object[] { "Object", new Func<object?>(() => new object()) },
            new object[] { "Guid", new Func<object?>(() => Guid.Empty) },
            new object[] { "Int32[]", new Func<object?>(() => new[] { 1, 2 }) },
            new object[] { "List`1", new Func<object?>(() => new List<string> { "a" }) },
            new object[] { "TimeSpan", new Func<object?>(() => TimeSpan.FromSeconds(1)) },
            new object[] { "surrogate", new Func<object?>(() => "ab\uD800cd") },
            new object[] { "surrogate", new Func<object?>(() => "ab\uDC00") },
            new object[] { "surrogate", new Func<object?>(() => "\uD83D") },
            new object[] { "surrogate", new Func<object?>(() => '\uD83D') },
            new object[] { "ArraySegment", new Func<object?>(() => default(ArraySegment<byte>)) },
        };

        [Theory]
        [MemberData(nameof(BadArguments))]
        public void Unsupported_argument_throws_data_error_and_writes_nothing(string named, Func<object?> make)
        {
            object? bad = make();
            var ms = new MemoryStream();
            var writer = new RespWriter(ms, 64);
            writer.WriteCommand(new object?[] { "SET", "a", "b" });
            int pending = writer.Pending;
            long flushed = ms.Length;

            var ex = Assert.Throws<RedisDataException>(() => writer.WriteCommand(new object?[] { "SET", new string('k', 100), bad }));
            Assert.Contains(named, ex.Message);
            Assert.Contains("argument 2", ex.Message);
            Assert.Equal(pending, writer.Pending);
            Assert.Equal(flushed, ms.Length);

            // The earlier command is intact and the writer still works.
            writer.WriteCommand(new object?[] { "GET", "a" });
            writer.Flush();
            AssertBytes(Concat(new[] { RespWriter.Encode("SET", "a", "b"), RespWriter.Encode("GET", "a") }), ms.ToArray());

            Assert.Throws<RedisDataException>(() => RespWriter.Encode("CMD", bad));
        }

        [Fact]
        public void Empty_or_missing_args_throw_data_error()
        {
            Assert.Throws<RedisDataException>(() => RespWriter.Encode());
            var ms = new MemoryStream();
            var writer = new RespWriter(ms);
            Assert.Throws<RedisDataException>(() => writer.WriteCommand(Array.Empty<object?>()));
            Assert.Throws<RedisDataException>(() => writer.WriteCommand(null!));
            Assert.Equal(0, writer.Pending);
            writer.Flush();
            Assert.Equal(0, ms.Length);
        }

        private static List<object?[]> ManyCommands()
        {
            var rng = new Random(4242);
            var commands = new List<object?[]>();
            var big = new byte[10 * 1024];
            rng.NextBytes(big);
            commands.Add(new object?[] { "SET", "big:bytes", big });
            commands.Add(new object?[] { "SET", "big:text", new string('v', 10 * 1024) });
            commands.Add(new object?[] { "SET", "big:utf8", string.Concat(Enumerable.Repeat("ключ😀", 1000)) });
            commands.Add(new object?[] { "SET", "big:segment", new ArraySegment<byte>(big, 17, 9000) });
            // Every size around the buffer's edges and halves, for strings, UTF-8 strings and byte arrays.
            for (int size = 0; size <= 140; size++)
            {
                var bytes = new byte[size];
                rng.NextBytes(bytes);
                commands.Add(new object?[] { "SET", "k" + size, bytes });
                commands.Add(new object?[] { "APPEND", new string('s', size) });
                commands.Add(new object?[] { "X", new string('é', size / 2), size, -size * 1.5, (long)size << 40 });
            }
            for (int i = 0; i < 500; i++) commands.Add(new object?[] { "INCRBY", "counter", i, 0.5 * i, 1.5f, 2m });
            return commands;
        }

        [Fact]
        public void Small_buffer_produces_exactly_the_concatenated_encodings()
        {
            List<object?[]> commands = ManyCommands();
            byte[] expected = Concat(commands.Select(c => RespWriter.Encode(c)));

            var ms = new MemoryStream();
            var writer = new RespWriter(ms, 64);
            foreach (object?[] c in commands) writer.WriteCommand(c);
            Assert.True(writer.Pending <= 64);
            writer.Flush();
            Assert.Equal(0, writer.Pending);
            AssertBytes(expected, ms.ToArray());
        }

        [Theory]
        [InlineData(64)]
        [InlineData(100)]
        [InlineData(16 * 1024)]
        public void Flushing_in_between_does_not_change_the_bytes(int bufferSize)
        {
            List<object?[]> commands = ManyCommands();
            byte[] expected = Concat(commands.Select(c => RespWriter.Encode(c)));
            var ms = new MemoryStream();
            var writer = new RespWriter(ms, bufferSize);
            for (int i = 0; i < commands.Count; i++)
            {
                writer.WriteCommand(commands[i]);
                if (i % 7 == 0)
                {
                    writer.Flush();
                    Assert.Equal(0, writer.Pending);
                }
            }
            writer.Flush();
            Assert.Equal(0, writer.Pending);
            AssertBytes(expected, ms.ToArray());
        }

        [Fact]
        public void Small_command_stays_pending_until_flush()
        {
            var ms = new MemoryStream();
            var writer = new RespWriter(ms, 64);
            writer.WriteCommand(new object?[] { "PING" });
            Assert.Equal(14, writer.Pending);
            Assert.Equal(0, ms.Length);
            writer.Flush();
            Assert.Equal(0, writer.Pending);
            AssertBytes(A("*1\r\n$4\r\nPING\r\n"), ms.ToArray());
            writer.Flush();
            Assert.Equal(14, ms.Length);
        }

        [Fact]
        public void Reset_drops_unflushed_bytes()
        {
            var ms = new MemoryStream();
            var writer = new RespWriter(ms);
            writer.WriteCommand(new object?[] { "SET", "a", "b" });
            writer.Reset();
            Assert.Equal(0, writer.Pending);
            writer.WriteCommand(new object?[] { "GET", "a" });
            writer.Flush();
            AssertBytes(RespWriter.Encode("GET", "a"), ms.ToArray());
        }

        [Fact]
        public void Written_commands_read_back_as_arrays_of_bulk_strings()
        {
            List<object?[]> commands = ManyCommands();
            var ms = new MemoryStream();
            var writer = new RespWriter(ms, 64);
            foreach (object?[] c in commands) writer.WriteCommand(c);
            writer.Flush();
            var reader = new RespReader(ChunkedStream.MaxPerRead(ms.ToArray(), 513));
            foreach (object?[] c in commands)
            {
                RespValue value = reader.ReadValue();
                Assert.Equal(RespType.Array, value.Type);
                Assert.Equal(c.Length, value.Items.Count);
                Assert.All(value.Items, item => Assert.Equal(RespType.BulkString, item.Type));
                if (c[c.Length - 1] is byte[] raw) Assert.Equal(raw, value.Items[c.Length - 1].Bytes);
                if (c[c.Length - 1] is string s) Assert.Equal(s, value.Items[c.Length - 1].AsString());
            }
            Assert.False(reader.HasBufferedData);
        }

        [Fact]
        public void Constructor_validates_arguments()
        {
            Assert.Throws<ArgumentNullException>(() => new RespWriter(null!));
            Assert.Throws<ArgumentOutOfRangeException>(() => new RespWriter(new MemoryStream(), 63));
        }
    }
}
