using System;

namespace PSRedis.Protocol
{
    // One exception per redis-py error (redis.exceptions), with the same parent/child shape so that
    // "catch RedisConnectionException" catches what "except ConnectionError" catches in Python.

    /// <summary>Base of every error the client raises (redis-py: RedisError).</summary>
    public class RedisException : Exception
    {
        public RedisException(string message) : base(message) { }
        public RedisException(string message, Exception? innerException) : base(message, innerException) { }
    }

    /// <summary>The connection could not be made, was lost, or no pooled connection was available (ConnectionError).</summary>
    public class RedisConnectionException : RedisException
    {
        public RedisConnectionException(string message) : base(message) { }
        public RedisConnectionException(string message, Exception? innerException) : base(message, innerException) { }
    }

    /// <summary>Every connection of a pool with a size limit was in use, and none came free in time.</summary>
    public class RedisPoolExhaustedException : RedisConnectionException
    {
        public RedisPoolExhaustedException(string message) : base(message) { }
    }

    /// <summary>
    /// The connection failed after the command was sent, so it may or may not have been applied; it was not sent again
    /// because running it twice is not harmless (an INCR, a push, a script). The inner exception is the failure. Read
    /// the data back to see whether it took effect before trying again.
    /// </summary>
    public class RedisCommandInDoubtException : RedisException
    {
        public RedisCommandInDoubtException(string command, Exception failure, string? where = null)
            : base(command + (where == null ? "" : " " + where) + " may or may not have been applied: " + TrimPeriod(failure.Message)
                + " after it was sent, and it was not sent again because running it twice is not harmless. Check the data before retrying.", failure)
        {
            Command = command;
        }

        /// <summary>The command's name (never its arguments).</summary>
        public string Command { get; }

        private static string TrimPeriod(string message) => message.TrimEnd('.', ' ');
    }

    /// <summary>The server rejected the credentials (AuthenticationError).</summary>
    public class RedisAuthenticationException : RedisConnectionException
    {
        public RedisAuthenticationException(string message) : base(message) { }
        public RedisAuthenticationException(string message, Exception? innerException) : base(message, innerException) { }
    }

    /// <summary>The server is loading its dataset into memory (BusyLoadingError, prefix LOADING).</summary>
    public class RedisBusyLoadingException : RedisConnectionException
    {
        public RedisBusyLoadingException(string message) : base(message) { }
    }

    /// <summary>A connect, read or write did not finish within its timeout (TimeoutError).</summary>
    public class RedisTimeoutException : RedisException
    {
        public RedisTimeoutException(string message) : base(message) { }
        public RedisTimeoutException(string message, Exception? innerException) : base(message, innerException) { }
    }

    /// <summary>The server answered a command with an error reply (ResponseError).</summary>
    public class RedisResponseException : RedisException
    {
        public RedisResponseException(string message) : base(message)
        {
            ErrorCode = ServerErrors.CodeOf(message);
        }

        /// <summary>The first word of the server's error ("ERR", "WRONGTYPE", "NOSCRIPT", ...).</summary>
        public string ErrorCode { get; }
    }

    /// <summary>AUTH was sent with the wrong number of arguments (AuthenticationWrongNumberOfArgsError).</summary>
    public class RedisAuthenticationWrongNumberOfArgsException : RedisResponseException
    {
        public RedisAuthenticationWrongNumberOfArgsException(string message) : base(message) { }
    }

    /// <summary>A write was sent to a read-only replica (ReadOnlyError, prefix READONLY).</summary>
    public class RedisReadOnlyException : RedisResponseException
    {
        public RedisReadOnlyException(string message) : base(message) { }
    }

    /// <summary>EVALSHA named a script the server does not have (NoScriptError, prefix NOSCRIPT).</summary>
    public class RedisNoScriptException : RedisResponseException
    {
        public RedisNoScriptException(string message) : base(message) { }
    }

    /// <summary>EXEC was discarded because a queued command was rejected (ExecAbortError, prefix EXECABORT).</summary>
    public class RedisExecAbortException : RedisResponseException
    {
        public RedisExecAbortException(string message) : base(message)
        {
            Errors = Array.Empty<RedisResponseException>();
        }

        /// <summary>An EXECABORT with the queueing errors that caused it (a pipeline collects them as it reads).</summary>
        public RedisExecAbortException(string message, System.Collections.Generic.IReadOnlyList<RedisResponseException> errors) : base(message)
        {
            Errors = errors ?? Array.Empty<RedisResponseException>();
        }

        /// <summary>The errors the server gave for the queued commands that made it discard the transaction.</summary>
        public System.Collections.Generic.IReadOnlyList<RedisResponseException> Errors { get; }
    }

    /// <summary>The server is over its maxmemory (OutOfMemoryError, prefix OOM).</summary>
    public class RedisOutOfMemoryException : RedisResponseException
    {
        public RedisOutOfMemoryException(string message) : base(message) { }
    }

    /// <summary>The ACL user may not run this command or touch this key (NoPermissionError, prefix NOPERM).</summary>
    public class RedisNoPermissionException : RedisResponseException
    {
        public RedisNoPermissionException(string message) : base(message) { }
    }

    /// <summary>A value cannot be sent as a Redis argument, or arguments do not make sense together (DataError).</summary>
    public class RedisDataException : RedisException
    {
        public RedisDataException(string message) : base(message) { }
    }

    /// <summary>The server sent bytes that are not valid RESP, or a reply past the reader's limits (InvalidResponse).</summary>
    public class RedisInvalidResponseException : RedisException
    {
        public RedisInvalidResponseException(string message) : base(message) { }
        public RedisInvalidResponseException(string message, Exception? innerException) : base(message, innerException) { }
    }

    /// <summary>Pub/sub misuse or a pub/sub protocol failure (PubSubError).</summary>
    public class RedisPubSubException : RedisException
    {
        public RedisPubSubException(string message) : base(message) { }
    }

    /// <summary>A WATCHed key changed, so EXEC did nothing (WatchError).</summary>
    public class RedisWatchException : RedisException
    {
        public RedisWatchException(string message) : base(message) { }
        public RedisWatchException(string message, Exception? innerException) : base(message, innerException) { }
    }
}
