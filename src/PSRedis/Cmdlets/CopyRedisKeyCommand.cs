using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Completion;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Copy-RedisKey: COPY on one server (Redis 6.2+, same slot on a cluster), otherwise DUMP + PTTL pipelined on the
    /// source and RESTORE (with the remaining time to live) pipelined on the destination: across servers with
    /// -DestinationConnection, across slots on a cluster, or on a server without COPY (older than 6.2, or Garnet). Keys are named with -Key or piped
    /// (Get-RedisKey's objects bring their connection); without -Destination each key keeps its name.
    /// </summary>
    // Like Remove-RedisKey only -InputObject takes pipeline input (see there why); the cmdlet reads Key and Connection itself.
    [Cmdlet(VerbsCommon.Copy, "RedisKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = InputObjectSet)]
    [OutputType(typeof(RedisKeyCopyResult))]
    public sealed class CopyRedisKeyCommand : RedisCmdlet
    {
        private const string KeySet = "Key";
        private const string InputObjectSet = "InputObject";
        private const int ProgressId = 0x4350;
        private const string CopyMethod = "COPY";
        private const string DumpMethod = "DUMP/RESTORE";

        private readonly Stopwatch _clock = new Stopwatch();
        private readonly ProgressThrottle _progress = new ProgressThrottle(ProgressId, "Copying Redis keys");
        private readonly Dictionary<RedisConnection, bool> _copySupported = new Dictionary<RedisConnection, bool>();
        private readonly HashSet<RedisConnection> _checked = new HashSet<RedisConnection>();
        private CommandQueue? _restores;
        private RedisConnection? _sessionConnection;
        private RedisConnection? _lastSource;
        private string? _lastDestination;
        private bool _usedCopy;
        private bool _usedDump;
        private long _seen;
        private long _requested;
        private long _copied;
        private long _failed;

        /// <summary>Keys to copy, named on the command line (piped keys arrive through -InputObject).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = KeySet)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(KeyCompleter))]
        public string[]? Key { get; set; }

        /// <summary>Get-RedisKey's objects, strings, or objects with a Key property (and optionally a Connection).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        public PSObject? InputObject { get; set; }

        /// <summary>The new key's name; only with one key. Omitted: each key keeps its name (with -DestinationDatabase or -DestinationConnection).</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>Overwrites a destination key that exists (COPY ... REPLACE, RESTORE ... REPLACE).</summary>
        [Parameter]
        public SwitchParameter Replace { get; set; }

        /// <summary>The database to copy into on the same server (COPY ... DB; Redis 6.2+, not on a cluster).</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int? DestinationDatabase { get; set; }

        /// <summary>Another connection (another server) to copy to, with DUMP and RESTORE.</summary>
        [Parameter]
        [ValidateNotNull]
        [ConnectionTransformation]
        [ArgumentCompleter(typeof(Completion.ConnectionNameCompleter))]
        public RedisConnection? DestinationConnection { get; set; }

        /// <summary>The source connection for every key (default: the one each piped object brings, else the session's).</summary>
        [Parameter(ParameterSetName = KeySet)]
        [Parameter(ParameterSetName = InputObjectSet)]
        [ValidateNotNull]
        [ConnectionTransformation]
        [ArgumentCompleter(typeof(Completion.ConnectionNameCompleter))]
        public new RedisConnection? Connection
        {
            get => base.Connection;
            set => base.Connection = value;
        }

        /// <summary>Emits one summary object at the end.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            _clock.Start();
            _progress.Start();
            if (Destination != null && Key != null && Key.Length > 1)
                Refuse("-Destination names one new key: give it with one -Key, or leave it out to copy each key under its own name.");
            if (Destination == null && DestinationDatabase == null && DestinationConnection == null)
                Refuse("Nothing to copy to: give -Destination, -DestinationDatabase or -DestinationConnection.");
            if (DestinationDatabase != null && DestinationConnection != null)
                Refuse("-DestinationDatabase is for a copy on the same server; for another server connect -DestinationConnection to the database you want (Connect-Redis -Database).");
        }

        private void Refuse(string message) =>
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, Destination));

        protected override void ProcessRecord()
        {
            if (InputObject != null)
            {
                if (InputObject.BaseObject is RedisKeyInfo info)
                {
                    Take(info.Key, Connection ?? info.Connection);
                    return;
                }
                IReadOnlyList<string> keys = PipedKeys.Read(InputObject, out RedisConnection? from, out ErrorRecord? error);
                if (error != null) WriteError(error);
                foreach (string key in keys) Take(key, Connection ?? from);
                return;
            }
            RedisConnection connection = Connection ?? ResolveConnection();
            foreach (string key in Key!) Take(key, connection);
        }

        /// <summary>One key: approved, then queued as COPY or as DUMP + PTTL (whose reply queues the RESTORE).</summary>
        private void Take(string key, RedisConnection? from)
        {
            RedisConnection source = from ?? (_sessionConnection ??= ResolveConnection());
            if (++_seen > 1 && Destination != null)
            {
                WriteError(new ErrorRecord(new ArgumentException("-Destination names one new key, so '" + key + "' was not copied: leave -Destination out to copy several keys under their own names."),
                    ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, key));
                return;
            }
            RedisConnection target = DestinationConnection ?? source;
            if (_checked.Add(source)) EnsureOpen(source);
            if (_checked.Add(target)) EnsureOpen(target);
            string destination = Destination ?? key;
            bool copy = UsesCopy(source, target, key, destination);

            string where = "'" + destination + "'" + (DestinationDatabase is int db ? " in database " + db.ToString(CultureInfo.InvariantCulture) : string.Empty)
                + " on " + target.Name + (Replace ? " (replacing it if it exists)" : string.Empty);
            if (!ShouldProcess("'" + key + "' on " + source.Name, "Copy to " + where)) return;

            _requested++;
            _lastSource = source;
            _lastDestination = target.Name;
            if (copy) QueueCopy(source, key, destination);
            else QueueDump(source, target, key, destination);
            Progress();
        }

        /// <summary>COPY when source and destination are one server that has it (6.2+) and, on a cluster, one slot.</summary>
        private bool UsesCopy(RedisConnection source, RedisConnection target, string key, string destination)
        {
            if (!ReferenceEquals(source, target)) return false;
            if (source.Client is RedisCluster)
            {
                if (DestinationDatabase != null)
                    Refuse("-DestinationDatabase cannot be used on a cluster: a cluster has only database 0.");
                return ClusterSlot.Of(key) == ClusterSlot.Of(destination);
            }
            if (CopySupported(source)) return true;
            if (DestinationDatabase != null)
                Refuse("-DestinationDatabase needs COPY, which came with Redis 6.2; " + source.Url + " is older, or a server without COPY (Garnet).");
            return false;
        }

        /// <summary>Asks the server's version once (INFO server); inside a batch block COPY is assumed.</summary>
        private bool CopySupported(RedisConnection connection)
        {
            if (_copySupported.TryGetValue(connection, out bool known)) return known;
            bool supported = true;
            if (!CommandQueue.IsBatching(connection))
            {
                try
                {
                    RedisInfo info = connection.Client.Info("server");
                    if (info.TryGetValue("redis_version", out object? text) && Version.TryParse(Convert.ToString(text, CultureInfo.InvariantCulture), out Version? version))
                        supported = version >= new Version(6, 2);
                    // Garnet reports a Redis version (7.4.3 in Garnet 2.2) but has no COPY: DUMP/RESTORE instead.
                    if (IsGarnet(info)) supported = false;
                }
                catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
                {
                    if (IsConnectionLevel(e)) ThrowConnectionError(e, connection);
                    // INFO refused (an ACL without it): try COPY and let the server say.
                }
            }
            _copySupported[connection] = supported;
            WriteVerbose((supported ? "COPY" : "DUMP/RESTORE (no COPY before Redis 6.2, nor on Garnet)") + " on " + connection.Url);
            return supported;
        }

        private static bool IsGarnet(RedisInfo info) =>
            string.Equals(ServerIdentity.FromInfo(info, string.Empty).Name, "garnet", StringComparison.OrdinalIgnoreCase);

        private void QueueCopy(RedisConnection source, string key, string destination)
        {
            _usedCopy = true;
            // COPY answers 0 both for a missing source and for an existing destination: EXISTS, in the same round trip, tells which.
            bool exists = true;
            Commands.Add(source, c => c.Exists(key), key, (n, output) => exists = n > 0, (e, t) => null);
            Commands.Add(source, c => c.Copy(key, destination, DestinationDatabase, Replace), key, (copied, output) =>
            {
                if (copied)
                {
                    _copied++;
                    return;
                }
                _failed++;
                output.WriteError(exists ? DestinationExists(key, destination) : Missing(key));
            }, (e, t) =>
            {
                _failed++;
                return ToErrorRecord(e, key);
            });
        }

        private void QueueDump(RedisConnection source, RedisConnection target, string key, string destination)
        {
            _usedDump = true;
            ThrowIfBatching(source, "DUMP's reply is needed to send the RESTORE.");
            ThrowIfBatching(target, "DUMP's reply is needed to send the RESTORE.");
            _restores ??= new CommandQueue(this);
            byte[]? dump = null;
            bool failed = false;
            Commands.Add(source, c => c.Dump(key), key, (value, output) => dump = value, (e, t) =>
            {
                failed = true;
                _failed++;
                return ToErrorRecord(e, key);
            });
            Commands.Add(source, c => c.PTtl(key), key, (ttl, output) =>
            {
                if (failed) return;
                if (dump == null || ttl == -2)
                {
                    _failed++;
                    // A nil DUMP of a key that exists (PTTL not -2) is a server that cannot serialize that type: Garnet
                    // 2.2 dumps only strings. Saying "does not exist" there would send the user looking for the wrong thing.
                    output.WriteError(ttl == -2 ? Missing(key) : NotDumpable(key, source));
                    return;
                }
                // PTTL -1: no expiry (RESTORE's 0); a key due to expire within the millisecond keeps 1 ms.
                TimeSpan remaining = ttl < 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(1, ttl));
                byte[] value = dump;
                _restores.Add(target, c => c.Restore(destination, remaining, value, Replace), destination, (ok, o) => _copied++, (e, t) =>
                {
                    _failed++;
                    if (e is RedisResponseException && e.Message.StartsWith("BUSYKEY", StringComparison.Ordinal)) return DestinationExists(key, destination);
                    return ToErrorRecord(e, destination);
                });
            }, (e, t) =>
            {
                if (failed) return null;
                failed = true;
                _failed++;
                return ToErrorRecord(e, key);
            });
        }

        private ErrorRecord DestinationExists(string key, string destination) =>
            new ErrorRecord(new InvalidOperationException("Key '" + destination + "' already exists" + (DestinationDatabase is int db ? " in database " + db.ToString(CultureInfo.InvariantCulture) : string.Empty)
                + (DestinationConnection != null ? " on " + DestinationConnection.Name : string.Empty) + "; '" + key + "' was not copied (use -Replace to overwrite it)."),
                ErrorIds.KeyExists, ErrorCategory.ResourceExists, destination);

        private static ErrorRecord NotDumpable(string key, RedisConnection source) =>
            new ErrorRecord(new NotSupportedException("Key '" + key + "' exists, but " + source.Url + " gave no DUMP of it (Garnet dumps only strings); nothing was copied."),
                ErrorIds.KeyNotDumpable, ErrorCategory.NotImplemented, key);

        private static ErrorRecord Missing(string key) =>
            new ErrorRecord(new ItemNotFoundException("Key '" + key + "' does not exist; nothing was copied."), ErrorIds.KeyNotFound, ErrorCategory.ObjectNotFound, key);

        protected override void EndProcessing()
        {
            RedisConnection? source = _lastSource;
            if (source == null)
            {
                Summarize(this);
                return;
            }
            if (_restores != null)
            {
                // Every DUMP answered queues its RESTORE; then the RESTOREs are answered.
                Commands.Complete();
                _restores.Complete();
                Summarize(this);
                return;
            }
            // After the last COPY's reply: here, or where an enclosing batch emits its replies.
            Commands.Then(source, Summarize);
            base.EndProcessing();
        }

        private void Summarize(Cmdlet output)
        {
            _progress.Complete(output);
            string method = _usedCopy && _usedDump ? CopyMethod + ", " + DumpMethod : _usedDump ? DumpMethod : _usedCopy ? CopyMethod : string.Empty;
            output.WriteVerbose("Copied " + _copied.ToString(CultureInfo.InvariantCulture) + " of " + _requested.ToString(CultureInfo.InvariantCulture)
                + " key(s) (" + (method.Length == 0 ? "none sent" : method) + ") in " + _clock.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s.");
            if (PassThru) output.WriteObject(new RedisKeyCopyResult(_requested, _copied, _failed, method, _clock.Elapsed, _lastDestination));
        }

        private void Progress()
        {
            if (!_progress.Due()) return;
            WriteProgress(_progress.Record(_requested.ToString(CultureInfo.InvariantCulture) + " sent, " + _copied.ToString(CultureInfo.InvariantCulture) + " copied"));
        }

        protected override void StopProcessing()
        {
            base.StopProcessing();
            _restores?.Stop();
        }

        private protected override void DisposeResources()
        {
            _restores?.Dispose();
            _restores = null;
        }
    }
}
