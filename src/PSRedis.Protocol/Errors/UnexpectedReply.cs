using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A well-formed reply of a shape the command's parser does not expect (an integer where MGET gives an array: a
    /// proxy, a module or a Redis-like server answering differently). Parsers index and cast; their .NET exceptions
    /// ("Index was out of range") are turned into an error that names the command and the reply.
    /// </summary>
    internal static class UnexpectedReply
    {
        internal static bool IsParserFailure(Exception ex) =>
            ex is IndexOutOfRangeException || ex is ArgumentOutOfRangeException || ex is InvalidCastException
            || ex is NullReferenceException || ex is FormatException || ex is KeyNotFoundException || ex is OverflowException;

        internal static RedisInvalidResponseException For(IReadOnlyList<object?> args, RespValue reply, Exception parserFailure) =>
            new RedisInvalidResponseException(
                "Unexpected reply to " + CommandText.Name(args) + ": "
                + (parserFailure is RedisInvalidResponseException said ? said.Message.TrimEnd('.') : reply.Describe())
                + ". The server (or a proxy in front of it) answered in a form this command does not give.", parserFailure);
    }
}
