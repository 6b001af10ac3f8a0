using System.Text;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using Xunit;

namespace PSRedis.Tests.Unit
{
    /// <summary>
    /// LPOP/RPOP with a count: Redis answers an array (a null array for a missing list); Garnet a bare bulk string when
    /// the count pops exactly one element. Every shape reads as the list of popped elements.
    /// </summary>
    public sealed class CountPopReplyTests
    {
        private static RespValue Array(params RespValue[] items) => RespValue.Aggregate(RespType.Array, items);

        [Fact]
        public void AnArrayIsTheElements()
        {
            Assert.Equal(new[] { "a", "b" }, CountPopReplies.Strings(Array(RespValue.BulkString("a"), RespValue.BulkString("b"))));
            Assert.Equal(new[] { "a" }, CountPopReplies.Strings(Array(RespValue.BulkString("a"))));
        }

        [Fact]
        public void ABareBulkStringIsOneElement()
        {
            Assert.Equal(new[] { "a" }, CountPopReplies.Strings(RespValue.BulkString("a")));
            byte[] bytes = { 0xff, 0x00 };
            Assert.Equal(new[] { bytes }, CountPopReplies.Bytes(RespValue.BulkString(bytes)));
        }

        [Fact]
        public void NullIsNothing()
        {
            Assert.Empty(CountPopReplies.Strings(RespValue.Null));
            Assert.Empty(CountPopReplies.Bytes(RespValue.Null));
        }

        [Fact]
        public void AnIntegerIsStillAnUnexpectedReply()
        {
            Assert.ThrowsAny<RedisException>(() => CountPopReplies.Strings(RespValue.Integer(1)));
        }
    }
}
