using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// A well-formed reply of a shape the command's parser does not expect (an integer where MGET gives an array: a
    /// proxy, a module or a Redis-like server answering differently). Parsers index and cast; their .NET exceptions
    /// ("Index was out of range") are turned into an error that names the command, what it should have answered and
    /// what came.
    /// </summary>
    internal static class UnexpectedReply
    {
        internal static bool IsParserFailure(Exception ex) =>
            ex is IndexOutOfRangeException || ex is ArgumentOutOfRangeException || ex is InvalidCastException
            || ex is NullReferenceException || ex is FormatException || ex is KeyNotFoundException || ex is OverflowException;

        internal static RedisInvalidResponseException For(IReadOnlyList<object?> args, RespValue reply, Exception parserFailure) =>
            new RedisInvalidResponseException(
                "Unexpected reply to " + NameOf(args) + ": " + ExpectedAndGot(reply, parserFailure)
                + ". The server (or a proxy in front of it) answered in a form this command does not give.", parserFailure);

        /// <summary>"OBJECT FREQ", "MGET": the subcommand tells which reply was due; arguments never appear (secrets).</summary>
        private static string NameOf(IReadOnlyList<object?> args) =>
            CommandText.HasSubcommand(args) ? CommandText.Name(args) + " " + CommandText.Word(args[1]) : CommandText.Name(args);

        private static string ExpectedAndGot(RespValue reply, Exception parserFailure)
        {
            // The reply accessors say both already ("Expected an integer reply, got null").
            if (parserFailure is RedisInvalidResponseException said) return Lower(said.Message.TrimEnd('.'));
            bool indexed = parserFailure is IndexOutOfRangeException || parserFailure is ArgumentOutOfRangeException;
            if (indexed && reply.Items.Count == 0 && !IsAggregate(reply)) return "expected an array reply, got " + reply.Describe();
            if (indexed) return "expected more items, got " + reply.Describe();
            return "got " + reply.Describe() + ", which it could not read (" + parserFailure.GetType().Name + ")";
        }

        private static bool IsAggregate(RespValue reply) =>
            reply.Type == RespType.Array || reply.Type == RespType.Map || reply.Type == RespType.Set || reply.Type == RespType.Push;

        private static string Lower(string text) => text.Length > 0 && char.IsUpper(text[0]) ? char.ToLowerInvariant(text[0]) + text.Substring(1) : text;
    }
}
