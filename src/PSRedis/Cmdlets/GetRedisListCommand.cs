using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Get-RedisList: the elements from -Start to -End (inclusive; negative counts from the tail; default all), read
    /// with LRANGE in chunks of -ChunkSize and emitted as they come, so a huge list is never held whole. Chunks
    /// are separate reads: elements pushed or popped meanwhile can shift what later chunks see.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisList")]
    [OutputType(typeof(string), typeof(byte[]))]
    public sealed class GetRedisListCommand : RedisCmdlet
    {
        internal const int DefaultChunkSize = 1000;

        /// <summary>The list key: a string, or an object with a Key property, from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>Index of the first element (0 is the head; negative counts from the tail).</summary>
        [Parameter(Position = 1)]
        public long Start { get; set; }

        /// <summary>Index of the last element, inclusive (-1 is the tail, the default).</summary>
        [Parameter(Position = 2)]
        public long End { get; set; } = -1;

        /// <summary>Elements per LRANGE (default 1000).</summary>
        [Parameter]
        [ValidateRange(1, 1000000)]
        public int ChunkSize { get; set; } = DefaultChunkSize;

        /// <summary>Elements as byte[] (exactly the stored bytes) instead of UTF-8 strings.</summary>
        [Parameter]
        public SwitchParameter AsByteArray { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            string key = Key!;
            RedisCommands commands = CommandsFor(connection);
            try
            {
                if (IsBatching(connection))
                {
                    if (AsByteArray) commands.LRangeBytes(key, Start, End);
                    else commands.LRange(key, Start, End);
                    return;
                }
                long start = Start, end = End;
                if (start < 0 || end < 0)
                {
                    long length = commands.LLen(key);
                    if (start < 0) start = Math.Max(0, length + start);
                    if (end < 0) end = length + end;
                }
                WriteVerbose("LRANGE " + key + " " + start.ToString(CultureInfo.InvariantCulture) + " " + end.ToString(CultureInfo.InvariantCulture)
                    + " in chunks of " + ChunkSize.ToString(CultureInfo.InvariantCulture));
                while (start <= end)
                {
                    long last = Math.Min(end, start + ChunkSize - 1);
                    IList chunk = AsByteArray ? (IList)commands.LRangeBytes(key, start, last) : (IList)commands.LRange(key, start, last);
                    foreach (object element in chunk) WriteObject(element);
                    if (chunk.Count < last - start + 1) break; // the list ends here (or shrank meanwhile)
                    start = last + 1;
                }
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                WriteRedisError(e, connection, key);
            }
        }
    }
}
