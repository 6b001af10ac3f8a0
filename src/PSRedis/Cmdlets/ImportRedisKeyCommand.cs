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
    /// Import-RedisKey: writes back the keys of an Export-RedisKey file, each exactly (type, value, bytes, remaining TTL),
    /// reading the file as a stream of JSON tokens (constant memory, however big a line) and sending through the command
    /// queue, pipelined. A string is one SET (PX for its TTL, NX unless -Replace). A collection is written to a temporary
    /// key in the same cluster slot (a "{tag}" prefix chosen for the key's slot), given its TTL, then moved onto the key
    /// with RENAMENX (RENAME with -Replace): the key appears, or is replaced, at once and whole, and without -Replace an
    /// existing key is never touched, not even for a moment, however many commands its elements took.
    /// </summary>
    [Cmdlet(VerbsData.Import, "RedisKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(RedisKeyImportResult))]
    public sealed class ImportRedisKeyCommand : RedisCmdlet
    {
        private const int ProgressId = 0x494D;
        internal const string TempPrefix = "psredis-import:";

        private readonly ProgressThrottle _progress = new ProgressThrottle(ProgressId, "Importing Redis keys");
        private readonly Stopwatch _clock = new Stopwatch();
        private long _lines;
        private long _imported;
        private long _existing;
        private long _failed;
        private long _declined;
        private string _path = string.Empty;

        /// <summary>The file to read, as Export-RedisKey writes it.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("FullName")]
        public string Path { get; set; } = string.Empty;

        /// <summary>The connection to write to (default: the session's).</summary>
        [Parameter]
        [ValidateNotNull]
        [ConnectionTransformation]
        [ArgumentCompleter(typeof(Completion.ConnectionNameCompleter))]
        public new RedisConnection? Connection
        {
            get => base.Connection;
            set => base.Connection = value;
        }

        /// <summary>Replaces keys that exist (whole, in one RENAME or SET); without it they are left alone, each with an error.</summary>
        [Parameter]
        public SwitchParameter Replace { get; set; }

        /// <summary>Elements per write command for collections (default 500).</summary>
        [Parameter]
        [ValidateRange(1, 100000)]
        public int BatchSize { get; set; } = 500;

        /// <summary>Emits one summary object at the end.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            _clock.Start();
            _progress.Start();
        }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            _path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            FileStream file;
            try
            {
                file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, ErrorIds.FileError, e is FileNotFoundException || e is DirectoryNotFoundException ? ErrorCategory.ObjectNotFound : ErrorCategory.ReadError, _path));
                return;
            }
            WriteVerbose("Importing '" + _path + "' to " + connection.Url + (Replace ? ", replacing existing keys" : string.Empty) + ".");
            using (file)
            using (var text = new StreamReader(file, new UTF8Encoding(false, true), true, 64 * 1024))
            {
                var reader = new KeyLineReader(text);
                while (true)
                {
                    bool next;
                    try
                    {
                        next = reader.NextLine();
                    }
                    catch (DecoderFallbackException e)
                    {
                        ThrowTerminatingError(new ErrorRecord(new InvalidDataException("'" + _path + "' is not UTF-8 text (near line " + reader.Line.ToString(CultureInfo.InvariantCulture) + ").", e),
                            ErrorIds.MalformedLine, ErrorCategory.InvalidData, _path));
                        return;
                    }
                    if (!next) break;
                    long line = reader.Line;
                    _lines++;
                    var key = new PendingKey();
                    try
                    {
                        ReadLine(connection, reader, key);
                        Finish(connection, key);
                    }
                    catch (Exception e) when (e is KeyLineException || e is DecoderFallbackException)
                    {
                        _failed++;
                        if (key.Temp != null) Commands.Add(connection, c => c.DelOf(key.Temp), key.Display);
                        string message = e is KeyLineException ? e.Message : "Line " + line.ToString(CultureInfo.InvariantCulture) + ": not UTF-8 text.";
                        WriteError(new ErrorRecord(new InvalidDataException(message + " (in '" + _path + "'; the line is skipped)", e),
                            ErrorIds.MalformedLine, ErrorCategory.InvalidData, _path + ":" + line.ToString(CultureInfo.InvariantCulture)));
                        reader.SkipLine(line);
                    }
                    Progress(file);
                }
            }
        }

        /// <summary>What one line is writing: the key, and the temporary key holding its elements so far.</summary>
        private sealed class PendingKey
        {
            internal byte[]? Key;
            internal string? Type;
            internal long? Ttl;
            internal bool Approved;
            internal bool HasValue;
            internal byte[]? Value;
            internal byte[]? Temp;
            internal long Elements;
            internal string Display = string.Empty;
            /// <summary>Set when the server refused a write of the elements: the key, if moved, is incomplete.</summary>
            internal bool Refused;
        }

        private void ReadLine(RedisConnection connection, KeyLineReader reader, PendingKey key)
        {
            reader.Expect('{');
            if (reader.TryTake('}')) throw reader.Error("an empty object has no key.");
            do
            {
                string name = reader.ReadString();
                reader.Expect(':');
                switch (name)
                {
                    case "key":
                        key.Key = reader.ReadData();
                        key.Display = KeyFile.Display(key.Key);
                        break;
                    case "type":
                        key.Type = reader.ReadString();
                        break;
                    case "ttl":
                        key.Ttl = reader.ReadNullableInteger("ttl");
                        break;
                    case "value":
                        if (key.Key == null || key.Type == null) throw reader.Error("\"value\" must come after \"key\" and \"type\".");
                        ReadValue(connection, reader, key);
                        key.HasValue = true;
                        break;
                    default:
                        reader.SkipValue(); // a property a later version may add
                        break;
                }
            }
            while (reader.More('}'));
            reader.EndOfLine();
            if (key.Key == null) throw reader.Error("there is no \"key\".");
            if (!key.HasValue) throw reader.Error("the key '" + key.Display + "' has no \"value\".");
        }

        private void ReadValue(RedisConnection connection, KeyLineReader reader, PendingKey key)
        {
            string type = key.Type!;
            if (type != "string" && type != "list" && type != "set" && type != "zset" && type != "hash" && type != "stream")
            {
                throw reader.Error("unknown type '" + type + "' (string, list, set, zset, hash or stream).");
            }
            key.Approved = ShouldProcess("'" + key.Display + "' (" + type + ") on " + connection.Name, Replace ? "Import, replacing an existing key" : "Import");
            if (!key.Approved)
            {
                reader.SkipValue();
                return;
            }
            if (type == "string")
            {
                key.Value = reader.ReadData();
                return;
            }
            byte[] k = key.Key!;
            key.Temp = Encoding.UTF8.GetBytes(ClusterSlot.TagFor(ClusterSlot.Of(k)) + TempPrefix + Guid.NewGuid().ToString("N"));
            byte[] temp = key.Temp;
            string display = key.Display;
            switch (type)
            {
                case "list":
                case "set":
                {
                    var chunk = new List<byte[]>(BatchSize);
                    bool set = type == "set";
                    void Send()
                    {
                        byte[][] items = chunk.ToArray();
                        chunk.Clear();
                        key.Elements += items.Length;
                        if (set) Commands.Add(connection, c => c.SAddOf(temp, items), display, null, (e, target) => Refused(key, e));
                        else Commands.Add(connection, c => c.RPushOf(temp, items), display, null, (e, target) => Refused(key, e));
                    }
                    if (!reader.Open('[', ']')) return;
                    do
                    {
                        chunk.Add(reader.ReadData());
                        if (chunk.Count >= BatchSize) Send();
                    }
                    while (reader.More(']'));
                    if (chunk.Count > 0) Send();
                    return;
                }
                case "zset":
                {
                    var chunk = new List<ScoredBytes>(BatchSize);
                    void Send()
                    {
                        ScoredBytes[] items = chunk.ToArray();
                        chunk.Clear();
                        key.Elements += items.Length;
                        Commands.Add(connection, c => c.ZAddOf(temp, items), display, null, (e, target) => Refused(key, e));
                    }
                    if (!reader.Open('[', ']')) return;
                    do
                    {
                        reader.Expect('[');
                        byte[] member = reader.ReadData();
                        reader.Expect(',');
                        double score = reader.ReadScore();
                        reader.Expect(']');
                        chunk.Add(new ScoredBytes(member, score));
                        if (chunk.Count >= BatchSize) Send();
                    }
                    while (reader.More(']'));
                    if (chunk.Count > 0) Send();
                    return;
                }
                case "hash":
                {
                    var chunk = new List<KeyValuePair<byte[], byte[]>>(BatchSize);
                    void Send()
                    {
                        KeyValuePair<byte[], byte[]>[] items = chunk.ToArray();
                        chunk.Clear();
                        key.Elements += items.Length;
                        Commands.Add(connection, c => c.HSetOf(temp, items), display, null, (e, target) => Refused(key, e));
                    }
                    ReadFields(reader, chunk, () => { if (chunk.Count >= BatchSize) Send(); });
                    if (chunk.Count > 0) Send();
                    return;
                }
                case "stream":
                {
                    if (!reader.Open('[', ']')) return;
                    do
                    {
                        reader.Expect('{');
                        string? id = null;
                        List<KeyValuePair<byte[], byte[]>>? fields = null;
                        do
                        {
                            string name = reader.ReadString();
                            reader.Expect(':');
                            if (name == "id") id = reader.ReadString();
                            else if (name == "fields")
                            {
                                fields = new List<KeyValuePair<byte[], byte[]>>();
                                ReadFields(reader, fields, null);
                            }
                            else reader.SkipValue();
                        }
                        while (reader.More('}'));
                        if (id == null || fields == null || fields.Count == 0) throw reader.Error("a stream entry needs an \"id\" and at least one of its \"fields\".");
                        KeyValuePair<byte[], byte[]>[] entry = fields.ToArray();
                        string entryId = id;
                        key.Elements++;
                        Commands.Add(connection, c => c.XAddOf(temp, entryId, entry), display, null, (e, target) => Refused(key, e));
                    }
                    while (reader.More(']'));
                    return;
                }
            }
        }

        /// <summary>Field/value pairs as an object {"field":value} or an array [[field, value], ...].</summary>
        private static void ReadFields(KeyLineReader reader, List<KeyValuePair<byte[], byte[]>> into, Action? added)
        {
            if (reader.PeekChar() == '{')
            {
                if (!reader.Open('{', '}')) return;
                do
                {
                    byte[] name = KeyFile.StrictUtf8.GetBytes(reader.ReadString());
                    reader.Expect(':');
                    into.Add(new KeyValuePair<byte[], byte[]>(name, reader.ReadData()));
                    added?.Invoke();
                }
                while (reader.More('}'));
                return;
            }
            if (!reader.Open('[', ']')) return;
            do
            {
                reader.Expect('[');
                byte[] name = reader.ReadData();
                reader.Expect(',');
                byte[] value = reader.ReadData();
                reader.Expect(']');
                into.Add(new KeyValuePair<byte[], byte[]>(name, value));
                added?.Invoke();
            }
            while (reader.More(']'));
        }

        /// <summary>The line was whole: the key is set (a string) or its temporary key is given its TTL and moved onto it.</summary>
        private void Finish(RedisConnection connection, PendingKey key)
        {
            if (!key.Approved)
            {
                _declined++;
                return;
            }
            byte[] k = key.Key!;
            string display = key.Display;
            // A TTL read at export time is what was left then; an expired one (0) still gets the shortest expiry, not none.
            long? ttl = key.Ttl.HasValue ? Math.Max(1, key.Ttl.Value) : (long?)null;
            if (key.Type == "string")
            {
                byte[] value = key.Value!;
                Commands.Add(connection, c => c.SetBytesOf(k, value, ttl, onlyIfNew: !Replace), display, (set, output) => Outcome(set, key, output));
                return;
            }
            byte[] temp = key.Temp!;
            if (key.Elements == 0)
            {
                // Redis has no empty list, set, hash or sorted set (the key was emptied after the export read its type),
                // and an empty stream cannot be written back with its entries' ids.
                if (key.Type == "stream") WriteWarning("The stream '" + display + "' has no entries in the file; it is not imported.");
                else WriteVerbose("'" + display + "' is an empty " + key.Type + " in the file (it was emptied while the export ran); nothing to import.");
                return;
            }
            if (ttl.HasValue) Commands.Add(connection, c => c.PExpireOf(temp, ttl.Value), display);
            Commands.Add(connection, c => c.RenameOf(temp, k, onlyIfNew: !Replace), display, (moved, output) => Outcome(moved, key, output));
            if (!Replace) Commands.Add(connection, c => c.DelOf(temp), display); // left over when the key existed
        }

        /// <summary>A refused element write: its own error, and the key is reported as incomplete once it is moved.</summary>
        private ErrorRecord Refused(PendingKey key, RedisException e)
        {
            key.Refused = true;
            return ToErrorRecord(e, key.Display);
        }

        private void Outcome(bool written, PendingKey key, Cmdlet output)
        {
            string display = key.Display;
            if (written && key.Refused)
            {
                _failed++;
                output.WriteError(new ErrorRecord(
                    new InvalidOperationException("The key '" + display + "' was written without some of its elements: the server refused a write of them (the error before says why)."),
                    ErrorIds.Error, ErrorCategory.WriteError, display));
                return;
            }
            if (written)
            {
                _imported++;
                return;
            }
            _existing++;
            output.WriteError(new ErrorRecord(
                new InvalidOperationException("The key '" + display + "' exists already and is left as it is. Use -Replace to overwrite it."),
                ErrorIds.KeyExists, ErrorCategory.ResourceExists, display));
        }

        private void Progress(FileStream file)
        {
            if (!_progress.Due()) return;
            ProgressRecord record = _progress.Record(_lines.ToString(CultureInfo.InvariantCulture) + " line(s) read, "
                + _imported.ToString(CultureInfo.InvariantCulture) + " key(s) written");
            long length = file.Length;
            if (length > 0) record.PercentComplete = (int)Math.Min(99, file.Position * 100 / length);
            WriteProgress(record);
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            _progress.Complete(this);
            WriteVerbose("Imported " + _imported.ToString(CultureInfo.InvariantCulture) + " of " + _lines.ToString(CultureInfo.InvariantCulture)
                + " key(s) from '" + _path + "' in " + _clock.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s.");
            if (PassThru) WriteObject(new RedisKeyImportResult(_path, _lines, _imported, _existing, _failed, _declined, _clock.Elapsed));
        }
    }
}
