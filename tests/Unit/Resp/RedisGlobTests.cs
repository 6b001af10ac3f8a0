using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit.Resp
{
    /// <summary>RedisGlob matches as the server's MATCH does (stringmatchlen), case-sensitive.</summary>
    public sealed class RedisGlobTests
    {
        [Theory]
        [InlineData("*", "anything", true)]
        [InlineData("*", "", true)]
        [InlineData("a*", "apple", true)]
        [InlineData("a*", "banana", false)]
        [InlineData("*na", "banana", true)]
        [InlineData("b*n*a", "banana", true)]
        [InlineData("h?llo", "hello", true)]
        [InlineData("h?llo", "hllo", false)]
        [InlineData("h[ae]llo", "hallo", true)]
        [InlineData("h[ae]llo", "hillo", false)]
        [InlineData("h[^e]llo", "hallo", true)]
        [InlineData("h[^e]llo", "hello", false)]
        [InlineData("h[a-c]llo", "hbllo", true)]
        [InlineData("h[a-c]llo", "hdllo", false)]
        [InlineData("h\\*llo", "h*llo", true)]
        [InlineData("h\\*llo", "hello", false)]
        [InlineData("Power*", "powershell", false)]
        [InlineData("user:*:name", "user:42:name", true)]
        [InlineData("user:*:name", "user:42:email", false)]
        public void MatchesAsTheServerDoes(string pattern, string text, bool expected) =>
            Assert.Equal(expected, RedisGlob.IsMatch(pattern, text));
    }
}
