using System;

namespace PSRedis
{
    /// <summary>
    /// One key from Get-RedisKey. Binds by property name (Key, and the hidden Connection the types file adds) to the
    /// key-taking cmdlets; serializes as Key, Database, Type, TimeToLive.
    /// </summary>
    public sealed class RedisKeyInfo
    {
        internal RedisKeyInfo(string key, int database, RedisConnection connection, string? type = null, TimeSpan? timeToLive = null)
        {
            Key = key;
            Database = database;
            Connection = connection;
            Type = type;
            TimeToLive = timeToLive.HasValue ? Math.Round(timeToLive.Value.TotalSeconds, 3) : (double?)null;
        }

        public string Key { get; }
        public int Database { get; }
        /// <summary>The value's type (string, list, set, zset, hash, stream, ...); only with -Detailed.</summary>
        public string? Type { get; }
        /// <summary>Remaining time to live in seconds (millisecond precision); null when the key has no expiry (or without -Detailed).</summary>
        public double? TimeToLive { get; }
        /// <summary>The connection the key was read from, so the next cmdlet in the pipeline uses the same one.</summary>
        internal RedisConnection Connection { get; }

        public override string ToString() => Key;
    }

    /// <summary>The summary Remove-RedisKey -PassThru emits once, at the end.</summary>
    public sealed class RedisKeyRemovalResult
    {
        internal RedisKeyRemovalResult(long requested, long removed, int batches, TimeSpan elapsed, RedisConnection? connection)
        {
            Requested = requested;
            Removed = removed;
            Batches = batches;
            Elapsed = elapsed;
            Connection = connection;
        }

        /// <summary>Keys given to the cmdlet (after -WhatIf/-Confirm declined none); a key given twice counts twice.</summary>
        public long Requested { get; }
        /// <summary>Keys that existed and were removed (UNLINK's count).</summary>
        public long Removed { get; }
        /// <summary>UNLINK commands sent.</summary>
        public int Batches { get; }
        public TimeSpan Elapsed { get; }
        /// <summary>The connection of the last batch.</summary>
        internal RedisConnection? Connection { get; }

        public override string ToString() => Removed.ToString(System.Globalization.CultureInfo.InvariantCulture) + " of " + Requested.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The summary Copy-RedisKey -PassThru emits once, at the end.</summary>
    public sealed class RedisKeyCopyResult
    {
        internal RedisKeyCopyResult(long requested, long copied, long failed, string method, TimeSpan elapsed, string? destination)
        {
            Requested = requested;
            Copied = copied;
            Failed = failed;
            Method = method;
            Elapsed = elapsed;
            Destination = destination;
        }

        /// <summary>Keys given to the cmdlet (after -WhatIf/-Confirm declined none).</summary>
        public long Requested { get; }
        /// <summary>Keys copied.</summary>
        public long Copied { get; }
        /// <summary>Keys not copied: the source was missing, the destination existed without -Replace, or the server refused.</summary>
        public long Failed { get; }
        /// <summary>How the keys went: COPY, DUMP/RESTORE, or both (for example on a cluster, by slot).</summary>
        public string Method { get; }
        public TimeSpan Elapsed { get; }
        /// <summary>The name of the destination connection (of the last key).</summary>
        public string? Destination { get; }

        public override string ToString() => Copied.ToString(System.Globalization.CultureInfo.InvariantCulture) + " of " + Requested.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>One key's outcome from Set-RedisKeyExpiry -PassThru.</summary>
    public sealed class RedisKeyExpiryResult
    {
        internal RedisKeyExpiryResult(string key, bool applied, TimeSpan? timeToLive, DateTimeOffset? expiresAt, bool persist, RedisConnection connection)
        {
            Key = key;
            Applied = applied;
            TimeToLive = timeToLive;
            ExpiresAt = expiresAt;
            Persist = persist;
            Connection = connection;
        }

        public string Key { get; }
        /// <summary>True when the expiry was set (or, with -Persist, removed); false for a missing key (or no expiry to remove).</summary>
        public bool Applied { get; }
        /// <summary>The -TimeToLive requested, if any.</summary>
        public TimeSpan? TimeToLive { get; }
        /// <summary>The -At requested, if any.</summary>
        public DateTimeOffset? ExpiresAt { get; }
        /// <summary>True for -Persist.</summary>
        public bool Persist { get; }
        internal RedisConnection Connection { get; }

        public override string ToString() => Key;
    }

    /// <summary>A key and its string value, from Get-RedisValue -IncludeKey (for Export-Csv, ConvertTo-Json, Format-Table).</summary>
    public sealed class RedisKeyValue
    {
        internal RedisKeyValue(string key, object? value, RedisConnection connection)
        {
            Key = key;
            Value = value;
            Connection = connection;
        }

        public string Key { get; }
        /// <summary>The value: a UTF-8 string, a byte[] with -AsByteArray, or null when the key does not exist.</summary>
        public object? Value { get; }
        internal RedisConnection Connection { get; }

        public override string ToString() => Key + " = " + (Value is byte[] bytes ? "byte[" + bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]" : Value?.ToString());
    }
}

namespace PSRedis
{
    /// <summary>The summary Export-RedisKey -PassThru emits once, at the end.</summary>
    public sealed class RedisKeyExportResult
    {
        internal RedisKeyExportResult(string path, long keys, long skipped, bool resumed, System.TimeSpan elapsed)
        {
            Path = path;
            Keys = keys;
            Skipped = skipped;
            Resumed = resumed;
            Elapsed = elapsed;
        }

        /// <summary>The file written.</summary>
        public string Path { get; }
        /// <summary>Keys written by this run (a resumed run counts only its own).</summary>
        public long Keys { get; }
        /// <summary>Keys seen but not written: gone before they were read, or of a module type.</summary>
        public long Skipped { get; }
        /// <summary>True when this run continued an interrupted export (-Resume).</summary>
        public bool Resumed { get; }
        public System.TimeSpan Elapsed { get; }

        public override string ToString() => Keys.ToString(System.Globalization.CultureInfo.InvariantCulture) + " key(s) to " + Path;
    }

    /// <summary>The summary Import-RedisKey -PassThru emits once, at the end.</summary>
    public sealed class RedisKeyImportResult
    {
        internal RedisKeyImportResult(string path, long lines, long imported, long existing, long failed, long declined, System.TimeSpan elapsed)
        {
            Path = path;
            Lines = lines;
            Imported = imported;
            Existing = existing;
            Failed = failed;
            Declined = declined;
            Elapsed = elapsed;
        }

        /// <summary>The file read.</summary>
        public string Path { get; }
        /// <summary>Key lines read (blank lines not counted).</summary>
        public long Lines { get; }
        /// <summary>Keys written.</summary>
        public long Imported { get; }
        /// <summary>Keys left alone because they existed (without -Replace).</summary>
        public long Existing { get; }
        /// <summary>Malformed lines and keys the server refused.</summary>
        public long Failed { get; }
        /// <summary>Keys -WhatIf or -Confirm declined.</summary>
        public long Declined { get; }
        public System.TimeSpan Elapsed { get; }

        public override string ToString() => Imported.ToString(System.Globalization.CultureInfo.InvariantCulture) + " of " + Lines.ToString(System.Globalization.CultureInfo.InvariantCulture) + " key(s) from " + Path;
    }
}
