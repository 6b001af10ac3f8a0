using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Export-RedisKey: writes keys (type, remaining TTL and value, binary-safe) to a file, one JSON object per line per
    /// key (see <see cref="KeyFile"/>), in constant memory: the keyspace is read a SCAN page at a time, each page's TYPE,
    /// PTTL and string values in one pipelined round trip, and each collection a page at a time through the client's
    /// binary iterators. A scan export keeps a sidecar file (the path + ".resume") with the SCAN position and the file's
    /// length after the last complete page, so -Resume continues an interrupted export without losing or repeating a key.
    /// </summary>
    [Cmdlet(VerbsData.Export, "RedisKey", DefaultParameterSetName = ScanSet)]
    [OutputType(typeof(RedisKeyExportResult))]
    public sealed class ExportRedisKeyCommand : RedisCmdlet
    {
        private const string ScanSet = "Scan";
        private const string InputObjectSet = "InputObject";
        private const int ProgressId = 0x4558;
        private const int PageSize = 500;
        internal const string ResumeSuffix = ".resume";

        private readonly ProgressThrottle _progress = new ProgressThrottle(ProgressId, "Exporting Redis keys");
        private readonly Stopwatch _clock = new Stopwatch();
        private FileStream? _file;
        private StreamWriter? _text;
        private KeyLineWriter? _writer;
        private string _path = string.Empty;
        private long _written;
        private long _skipped;
        private long _estimate = -1;
        private bool _resumed;
        private int _startNode;
        private ulong _startCursor;
        private readonly List<byte[]> _page = new List<byte[]>(PageSize);
        private RedisConnection? _pageConnection;
        private RedisConnection? _sessionConnection;

        /// <summary>The file to write (one JSON object per line per key, UTF-8).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>Glob-style pattern of the keys to export (SCAN MATCH). Default '*'.</summary>
        [Parameter(ParameterSetName = ScanSet)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Match { get; set; }

        /// <summary>Only keys of this type (SCAN TYPE).</summary>
        [Parameter(ParameterSetName = ScanSet)]
        [ValidateSet("string", "list", "set", "zset", "hash", "stream")]
        public string? Type { get; set; }

        /// <summary>The SCAN COUNT hint: keys examined per round trip.</summary>
        [Parameter(ParameterSetName = ScanSet)]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; } = GetRedisKeyCommand.DefaultCount;

        /// <summary>Continues an interrupted scan export of the same file, from the position its ".resume" file recorded.</summary>
        [Parameter(ParameterSetName = ScanSet)]
        public SwitchParameter Resume { get; set; }

        /// <summary>Keys to export from the pipeline: Get-RedisKey's objects, key names, or objects with a Key property.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        public PSObject? InputObject { get; set; }

        /// <summary>The connection to read (default: the one each piped key object brings, else the session's).</summary>
        [Parameter]
        [ValidateNotNull]
        [ConnectionTransformation]
        [ArgumentCompleter(typeof(Completion.ConnectionNameCompleter))]
        public new RedisConnection? Connection
        {
            get => base.Connection;
            set => base.Connection = value;
        }

        /// <summary>Overwrites an existing file.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Adds the keys at the end of an existing file.</summary>
        [Parameter]
        public SwitchParameter Append { get; set; }

        /// <summary>Emits one summary object at the end.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private string ResumePath => _path + ResumeSuffix;

        protected override void BeginProcessing()
        {
            _clock.Start();
            _progress.Start();
            if ((Force ? 1 : 0) + (Append ? 1 : 0) + (Resume ? 1 : 0) > 1)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Use only one of -Force, -Append and -Resume."),
                    ErrorIds.ConflictingOptions, ErrorCategory.InvalidArgument, null));
            }
            _path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            if (Resume) ReadResumeState();
            Open();
        }

        private void Open()
        {
            FileMode mode = Resume || Append ? FileMode.OpenOrCreate : Force ? FileMode.Create : FileMode.CreateNew;
            try
            {
                _file = new FileStream(_path, mode, FileAccess.Write, FileShare.Read);
                if (Append || Resume) _file.Seek(0, SeekOrigin.End);
            }
            catch (IOException e) when (mode == FileMode.CreateNew && File.Exists(_path))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new IOException("The file '" + _path + "' already exists. Use -Force to overwrite it, -Append to add to it, or -Resume to continue an interrupted export.", e),
                    ErrorIds.FileExists, ErrorCategory.ResourceExists, _path));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                ThrowTerminatingError(new ErrorRecord(e, ErrorIds.FileError, ErrorCategory.WriteError, _path));
            }
            _text = new StreamWriter(_file!, new UTF8Encoding(false), 64 * 1024) { NewLine = "\n" };
            _writer = new KeyLineWriter(_text);
        }

        /// <summary>-Resume: the position of the last complete page, and the file cut back to its length then.</summary>
        private void ReadResumeState()
        {
            if (!File.Exists(ResumePath) || !File.Exists(_path))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("There is no interrupted export of '" + _path + "' to resume: '" + ResumePath
                        + "' is written while a scan export runs and removed when it completes. Export again without -Resume (with -Force to overwrite)."),
                    ErrorIds.NothingToResume, ErrorCategory.ObjectNotFound, _path));
            }
            var state = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string line in File.ReadAllLines(ResumePath))
            {
                int eq = line.IndexOf('=');
                if (eq > 0) state[line.Substring(0, eq)] = line.Substring(eq + 1);
            }
            state.TryGetValue("length", out string? length);
            state.TryGetValue("node", out string? node);
            state.TryGetValue("cursor", out string? cursor);
            if (length == null || node == null || cursor == null)
            {
                ThrowTerminatingError(new ErrorRecord(new InvalidDataException("'" + ResumePath + "' is not a PSRedis export position."),
                    ErrorIds.NothingToResume, ErrorCategory.InvalidData, ResumePath));
            }
            string? match = state.TryGetValue("match", out string? m) && m.Length > 0 ? m : null;
            string? type = state.TryGetValue("type", out string? t) && t.Length > 0 ? t : null;
            if ((Match != null && Match != (match ?? "*")) || (Type != null && Type != type))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("The interrupted export was of -Match '" + (match ?? "*") + "'" + (type != null ? " -Type " + type : string.Empty)
                        + "; resume it with the same (or without -Match and -Type)."),
                    ErrorIds.ConflictingOptions, ErrorCategory.InvalidArgument, _path));
            }
            Match = match;
            Type = type;
            _startNode = int.Parse(node!, CultureInfo.InvariantCulture);
            _startCursor = ulong.Parse(cursor!, CultureInfo.InvariantCulture);
            long keep = long.Parse(length!, CultureInfo.InvariantCulture);
            // What was written after the last complete page (its lines, perhaps the start of one) goes: those keys come again.
            using (var file = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.Read))
            {
                if (file.Length < keep)
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new InvalidDataException("'" + _path + "' is shorter than its export position says (" + keep.ToString(CultureInfo.InvariantCulture) + " bytes): it was changed since. Export again."),
                        ErrorIds.NothingToResume, ErrorCategory.InvalidData, _path));
                }
                file.SetLength(keep);
            }
            _resumed = true;
            WriteVerbose("Resuming the export of '" + _path + "' after " + keep.ToString(CultureInfo.InvariantCulture) + " bytes, at node "
                + _startNode.ToString(CultureInfo.InvariantCulture) + " cursor " + _startCursor.ToString(CultureInfo.InvariantCulture) + ".");
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ScanSet)
            {
                Scan();
                return;
            }
            if (InputObject == null) return;
            IReadOnlyList<string> keys;
            RedisConnection? from;
            if (InputObject.BaseObject is RedisKeyInfo info)
            {
                keys = new[] { info.Key };
                from = info.Connection;
            }
            else
            {
                keys = PipedKeys.Read(InputObject, out from, out ErrorRecord? error);
                if (error != null) WriteError(error);
            }
            foreach (string key in keys)
            {
                RedisConnection connection = Connection ?? from ?? (_sessionConnection ??= ResolveConnection());
                if (_pageConnection != null && !ReferenceEquals(_pageConnection, connection)) FlushPage();
                if (!ReferenceEquals(_pageConnection, connection))
                {
                    EnsureOpen(connection);
                    ThrowIfBatching(connection, "an export reads each collection page by page.");
                }
                _pageConnection = connection;
                _page.Add(Encoding.UTF8.GetBytes(key));
                if (_page.Count >= PageSize) FlushPage();
            }
        }

        private void FlushPage()
        {
            if (_page.Count == 0 || _pageConnection == null) return;
            ExportPage(_pageConnection, _page);
            _page.Clear();
            _text!.Flush();
        }

        private void Scan()
        {
            RedisConnection connection = ResolveConnection();
            ThrowIfBatching(connection, "SCAN needs each page's reply to ask for the next, and a batch sends nothing until its block ends.");
            RedisClientBase client = connection.Client;
            string match = Match ?? "*";
            WriteVerbose("Exporting SCAN MATCH " + match + " COUNT " + Count.ToString(CultureInfo.InvariantCulture)
                + (Type != null ? " TYPE " + Type : string.Empty) + " on " + connection.Url + " to '" + _path + "'");
            try
            {
                if (!_resumed) WriteResumeState(0, 0); // from the first byte written, an interruption can be resumed
                foreach (KeyBytesPage page in client.ScanBytesPages(match, Count, Type, _startNode, _startCursor))
                {
                    ExportPage(connection, page.Keys);
                    _text!.Flush();
                    _file!.Flush(true);
                    // The position after this page: its node's next cursor, or the next node's start when this node is done.
                    if (page.Cursor == 0) WriteResumeState(page.Node + 1, 0);
                    else WriteResumeState(page.Node, page.Cursor);
                }
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                ThrowTerminatingError(ToErrorRecord(e, IsConnectionLevel(e) ? (object)connection : match));
            }
        }

        private void WriteResumeState(int node, ulong cursor)
        {
            string temp = ResumePath + ".tmp";
            File.WriteAllText(temp, "psredis-export=1\nlength=" + _file!.Length.ToString(CultureInfo.InvariantCulture)
                + "\nnode=" + node.ToString(CultureInfo.InvariantCulture) + "\ncursor=" + cursor.ToString(CultureInfo.InvariantCulture)
                + "\nmatch=" + (Match ?? string.Empty) + "\ntype=" + (Type ?? string.Empty) + "\n");
            if (File.Exists(ResumePath)) File.Replace(temp, ResumePath, null);
            else File.Move(temp, ResumePath);
        }

        /// <summary>One page of keys: TYPE and PTTL of all in one round trip, then string values in one, then each key's line.</summary>
        private void ExportPage(RedisConnection connection, IReadOnlyList<byte[]> keys)
        {
            int n = keys.Count;
            if (n == 0) return;
            var types = new string?[n];
            var ttls = new long[n];
            var values = new byte[]?[n];
            for (int i = 0; i < n; i++)
            {
                int at = i;
                byte[] key = keys[i];
                string display = KeyFile.Display(key);
                Commands.Add(connection, c => c.TypeOf(key), display, (t, output) => types[at] = t);
                Commands.Add(connection, c => c.PTtlOf(key), display, (ms, output) => ttls[at] = ms);
            }
            Commands.Flush();
            bool strings = false;
            for (int i = 0; i < n; i++)
            {
                if (types[i] != "string") continue;
                int at = i;
                byte[] key = keys[i];
                Commands.Add(connection, c => c.GetBytesOf(key), KeyFile.Display(key), (v, output) => values[at] = v);
                strings = true;
            }
            if (strings) Commands.Flush();
            for (int i = 0; i < n; i++)
            {
                string? type = types[i];
                if (type == null || type == "none" || (type == "string" && values[i] == null))
                {
                    _skipped++; // gone since the scan (or its TYPE failed, which said so already)
                    continue;
                }
                long? ttl = ttls[i] >= 0 ? ttls[i] : (long?)null;
                if (ttls[i] == -2)
                {
                    _skipped++;
                    continue;
                }
                WriteKey(connection, keys[i], type, ttl, values[i]);
            }
            Progress(connection);
        }

        private void WriteKey(RedisConnection connection, byte[] key, string type, long? ttl, byte[]? value)
        {
            KeyLineWriter w = _writer!;
            RedisClientBase client = connection.Client;
            switch (type)
            {
                case "string":
                case "list":
                case "set":
                case "zset":
                case "hash":
                case "stream":
                    break;
                default:
                    _skipped++;
                    WriteWarning("The key '" + KeyFile.Display(key) + "' is of the module type '" + type + "', which Export-RedisKey cannot write; it is skipped.");
                    return;
            }
            try
            {
                w.Begin(key, type, ttl);
                switch (type)
                {
                    case "string":
                        w.Data(value!);
                        break;
                    case "list":
                        Items(client.ListBytesIter(key));
                        break;
                    case "set":
                        Items(client.SetBytesIter(key));
                        break;
                    case "zset":
                        w.Raw("[");
                        bool first = true;
                        foreach (ScoredBytes member in client.SortedSetBytesIter(key))
                        {
                            if (!first) w.Raw(",");
                            first = false;
                            w.Raw("[");
                            w.Data(member.Member);
                            w.Raw(",");
                            w.Raw(KeyFile.Score(member.Score));
                            w.Raw("]");
                        }
                        w.Raw("]");
                        break;
                    case "hash":
                        Hash(client, key);
                        break;
                    case "stream":
                        w.Raw("[");
                        bool firstEntry = true;
                        foreach (StreamEntryBytes entry in client.StreamBytesIter(key))
                        {
                            if (!firstEntry) w.Raw(",");
                            firstEntry = false;
                            w.Raw("{\"id\":");
                            w.String(entry.Id);
                            w.Raw(",\"fields\":");
                            Fields(entry.Fields);
                            w.Raw("}");
                        }
                        w.Raw("]");
                        break;
                }
                w.End();
                _written++;
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                // Part of this key's line is written already, so the file cannot go on: the export ends here, and a
                // scan export can be resumed (-Resume cuts the file back to its last complete page).
                ThrowTerminatingError(ToErrorRecord(e, IsConnectionLevel(e) ? (object)connection : KeyFile.Display(key)));
            }
        }

        private void Items(IEnumerable<byte[]> items)
        {
            KeyLineWriter w = _writer!;
            w.Raw("[");
            bool first = true;
            foreach (byte[] item in items)
            {
                if (!first) w.Raw(",");
                first = false;
                w.Data(item);
            }
            w.Raw("]");
        }

        /// <summary>
        /// A hash of up to <see cref="KeyFile.HashObjectLimit"/> fields with UTF-8 names is a JSON object; a bigger one, or one
        /// with a field name that is not UTF-8, an array of [field, value] pairs, written a page at a time.
        /// </summary>
        private void Hash(RedisClientBase client, byte[] key)
        {
            KeyLineWriter w = _writer!;
            var head = new List<KeyValuePair<byte[], byte[]>>();
            using (IEnumerator<KeyValuePair<byte[], byte[]>> fields = client.HashBytesIter(key).GetEnumerator())
            {
                bool more = false;
                while (fields.MoveNext())
                {
                    head.Add(fields.Current);
                    if (head.Count > KeyFile.HashObjectLimit)
                    {
                        more = true;
                        break;
                    }
                }
                if (!more && TextNames(head))
                {
                    w.Raw("{");
                    for (int i = 0; i < head.Count; i++)
                    {
                        if (i > 0) w.Raw(",");
                        w.Data(head[i].Key);
                        w.Raw(":");
                        w.Data(head[i].Value);
                    }
                    w.Raw("}");
                    return;
                }
                w.Raw("[");
                for (int i = 0; i < head.Count; i++)
                {
                    if (i > 0) w.Raw(",");
                    w.Pair(head[i].Key, head[i].Value);
                }
                head.Clear();
                while (more && fields.MoveNext())
                {
                    w.Raw(",");
                    w.Pair(fields.Current.Key, fields.Current.Value);
                }
                w.Raw("]");
            }
        }

        /// <summary>A stream entry's fields: an object when every name is UTF-8 and none repeats, else [name, value] pairs.</summary>
        private void Fields(IReadOnlyList<KeyValuePair<byte[], byte[]>> fields)
        {
            KeyLineWriter w = _writer!;
            if (TextNames(fields))
            {
                w.Raw("{");
                for (int i = 0; i < fields.Count; i++)
                {
                    if (i > 0) w.Raw(",");
                    w.Data(fields[i].Key);
                    w.Raw(":");
                    w.Data(fields[i].Value);
                }
                w.Raw("}");
                return;
            }
            w.Raw("[");
            for (int i = 0; i < fields.Count; i++)
            {
                if (i > 0) w.Raw(",");
                w.Pair(fields[i].Key, fields[i].Value);
            }
            w.Raw("]");
        }

        private static bool TextNames(IReadOnlyList<KeyValuePair<byte[], byte[]>> fields)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var field in fields)
            {
                string? name = KeyFile.AsText(field.Key);
                if (name == null || !seen.Add(name)) return false;
            }
            return true;
        }

        private void Progress(RedisConnection connection)
        {
            if (!_progress.Due()) return;
            if (_estimate < 0 && ParameterSetName == ScanSet)
            {
                try
                {
                    _estimate = connection.Client.DbSize();
                }
                catch (RedisException)
                {
                    _estimate = 0;
                }
            }
            ProgressRecord record = _progress.Record(_written.ToString(CultureInfo.InvariantCulture) + " key(s) written to '" + _path + "'"
                + (_estimate > 0 ? " (the database holds about " + _estimate.ToString(CultureInfo.InvariantCulture) + ")" : string.Empty));
            if (_estimate > 0) record.PercentComplete = (int)Math.Min(99, _written * 100 / _estimate);
            WriteProgress(record);
        }

        protected override void EndProcessing()
        {
            FlushPage();
            base.EndProcessing();
            Close();
            // Complete: nothing is left to resume.
            if (ParameterSetName == ScanSet && File.Exists(ResumePath)) File.Delete(ResumePath);
            _progress.Complete(this);
            WriteVerbose("Exported " + _written.ToString(CultureInfo.InvariantCulture) + " key(s) to '" + _path + "' in "
                + _clock.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s.");
            if (PassThru) WriteObject(new RedisKeyExportResult(_path, _written, _skipped, _resumed, _clock.Elapsed));
        }

        private void Close()
        {
            try
            {
                _text?.Flush();
            }
            finally
            {
                _text?.Dispose();
                _file?.Dispose();
                _text = null;
                _file = null;
            }
        }

        private protected override void DisposeResources() => Close();
    }
}
