using System;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// Every error id the module writes (the part of FullyQualifiedErrorId before the comma), in one list users and
    /// tests can read.
    /// </summary>
    internal static class ErrorIds
    {
        public const string AfterCount = "PSRedis.AfterCount";
        public const string ApproximateWithoutMaxLength = "PSRedis.ApproximateWithoutMaxLength";
        public const string AuthenticationFailed = "PSRedis.AuthenticationFailed";
        public const string ClientNotFound = "PSRedis.ClientNotFound";
        public const string CommandNotAllowed = "PSRedis.CommandNotAllowed";
        public const string CommandNotSupported = "PSRedis.CommandNotSupported";
        public const string ConfigNotFound = "PSRedis.ConfigNotFound";
        public const string MaskedValue = "PSRedis.MaskedValue";
        public const string SaveFailed = "PSRedis.SaveFailed";
        public const string SaveInProgress = "PSRedis.SaveInProgress";
        public const string WaitTimeout = "PSRedis.WaitTimeout";
        public const string ConflictingOptions = "PSRedis.ConflictingOptions";
        public const string CommandInDoubt = "PSRedis.CommandInDoubt";
        public const string ConnectionClosed = "PSRedis.ConnectionClosed";
        public const string ConnectionFailed = "PSRedis.ConnectionFailed";
        public const string ConnectionNotFound = "PSRedis.ConnectionNotFound";
        public const string Error = "PSRedis.Error";
        public const string FileError = "PSRedis.FileError";
        public const string FileExists = "PSRedis.FileExists";
        public const string MalformedLine = "PSRedis.MalformedLine";
        public const string NothingToResume = "PSRedis.NothingToResume";
        public const string ExpiryAndKeepTtl = "PSRedis.ExpiryAndKeepTtl";
        public const string InvalidArgument = "PSRedis.InvalidArgument";
        public const string InvalidBlock = "PSRedis.InvalidBlock";
        public const string InvalidExpiry = "PSRedis.InvalidExpiry";
        public const string InvalidRange = "PSRedis.InvalidRange";
        public const string InvalidResponse = "PSRedis.InvalidResponse";
        public const string InvalidScore = "PSRedis.InvalidScore";
        public const string InvalidTimeToLive = "PSRedis.InvalidTimeToLive";
        public const string InvalidTimeout = "PSRedis.InvalidTimeout";
        public const string InvalidUrl = "PSRedis.InvalidUrl";
        public const string KeyNotDumpable = "PSRedis.KeyNotDumpable";
        public const string KeyExists = "PSRedis.KeyExists";
        public const string KeyNotFound = "PSRedis.KeyNotFound";
        public const string LeftAndRight = "PSRedis.LeftAndRight";
        public const string LockInBatch = "PSRedis.LockInBatch";
        public const string LockNotAcquired = "PSRedis.LockNotAcquired";
        public const string LockNotOwned = "PSRedis.LockNotOwned";
        public const string NoChannel = "PSRedis.NoChannel";
        public const string NoConnection = "PSRedis.NoConnection";
        public const string NoFields = "PSRedis.NoFields";
        public const string NoPermission = "PSRedis.NoPermission";
        public const string NoScript = "PSRedis.NoScript";
        public const string NotAKey = "PSRedis.NotAKey";
        public const string NotBatchable = "PSRedis.NotBatchable";
        public const string OutOfMemory = "PSRedis.OutOfMemory";
        public const string ReadOnly = "PSRedis.ReadOnly";
        public const string ServerError = "PSRedis.ServerError";
        public const string TestServerEngineNotFound = "PSRedis.TestServerEngineNotFound";
        public const string TestServerNotFound = "PSRedis.TestServerNotFound";
        public const string TestServerStartFailed = "PSRedis.TestServerStartFailed";
        public const string TestServerStopFailed = "PSRedis.TestServerStopFailed";
        public const string SubscriptionExists = "PSRedis.SubscriptionExists";
        public const string Timeout = "PSRedis.Timeout";
        public const string TransactionAborted = "PSRedis.TransactionAborted";
        public const string TransactionDiscarded = "PSRedis.TransactionDiscarded";
        public const string UnknownInfoSection = "PSRedis.UnknownInfoSection";
        public const string NodeNotFound = "PSRedis.NodeNotFound";
        public const string UnsupportedMember = "PSRedis.UnsupportedMember";
        public const string UnsupportedValue = "PSRedis.UnsupportedValue";
        public const string WatchConflict = "PSRedis.WatchConflict";
        public const string WrongType = "PSRedis.WrongType";
    }

    /// <summary>
    /// From client exceptions to error records, in one place: the id and category of each kind of failure, and the rule
    /// that a failure of the connection itself (lost, timed out, out of step) ends the cmdlet while a refusal of one
    /// key's command does not.
    /// </summary>
    internal static class ErrorRecords
    {
        /// <summary>True for failures of the connection itself, after which the cmdlet cannot go on.</summary>
        public static bool IsConnectionLevel(Exception exception) =>
            exception is RedisConnectionException
            || exception is RedisTimeoutException
            || exception is RedisCommandInDoubtException
            || exception is RedisInvalidResponseException
            || exception is ObjectDisposedException;

        /// <summary>Maps a client exception to an ErrorRecord with a fitting category and a "PSRedis.*" id.</summary>
        public static ErrorRecord For(Exception exception, object? target)
        {
            string id;
            ErrorCategory category;
            switch (exception)
            {
                case RedisAuthenticationException _:
                    id = ErrorIds.AuthenticationFailed; category = ErrorCategory.AuthenticationError; break;
                case RedisCommandInDoubtException _:
                    id = ErrorIds.CommandInDoubt; category = ErrorCategory.ConnectionError; break;
                case RedisConnectionException _:
                    id = ErrorIds.ConnectionFailed; category = ErrorCategory.ConnectionError; break;
                case RedisTimeoutException _:
                    id = ErrorIds.Timeout; category = ErrorCategory.OperationTimeout; break;
                case RedisNoPermissionException _:
                    id = ErrorIds.NoPermission; category = ErrorCategory.PermissionDenied; break;
                case RedisReadOnlyException _:
                    id = ErrorIds.ReadOnly; category = ErrorCategory.WriteError; break;
                case RedisOutOfMemoryException _:
                    id = ErrorIds.OutOfMemory; category = ErrorCategory.LimitsExceeded; break;
                case RedisUnsupportedCommandException _:
                    // The server (its product or version) lacks the command: not the data's fault, nor the connection's.
                    id = ErrorIds.CommandNotSupported; category = ErrorCategory.NotImplemented; break;
                case RedisResponseException response when response.ErrorCode == "WRONGPASS" || response.ErrorCode == "NOAUTH":
                    // A refused AUTH sent as a command (Invoke-RedisCommand) is that command's answer, not a lost connection.
                    id = ErrorIds.AuthenticationFailed; category = ErrorCategory.AuthenticationError; break;
                case RedisResponseException response when response.ErrorCode == "WRONGTYPE":
                    id = ErrorIds.WrongType; category = ErrorCategory.InvalidType; break;
                case RedisResponseException _:
                    id = ErrorIds.ServerError; category = ErrorCategory.InvalidOperation; break;
                case RedisDataException _:
                    id = ErrorIds.InvalidArgument; category = ErrorCategory.InvalidArgument; break;
                case RedisInvalidResponseException _:
                    id = ErrorIds.InvalidResponse; category = ErrorCategory.ProtocolError; break;
                case ObjectDisposedException _:
                    id = ErrorIds.ConnectionClosed; category = ErrorCategory.ConnectionError; break;
                case ArgumentException _:
                case FormatException _:
                    id = ErrorIds.InvalidArgument; category = ErrorCategory.InvalidArgument; break;
                default:
                    id = ErrorIds.Error; category = ErrorCategory.NotSpecified; break;
            }
            return new ErrorRecord(exception, id, category, target);
        }

    }
}
