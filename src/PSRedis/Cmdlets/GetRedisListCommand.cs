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
            long start = Start, end = End;
            int chunk = ChunkSize;
            WriteVerbose("LRANGE " + key + " " + start.ToString(CultureInfo.InvariantCulture) + " " + end.ToString(CultureInfo.InvariantCulture)
                + " in chunks of " + chunk.ToString(CultureInfo.InvariantCulture));
            if (AsByteArray)
            {
                Commands.Read(connection, client => client.LRangeBytesIter(key, start, end, chunk), c => c.LRangeBytes(key, start, end),
                    all => all, key, s_write);
            }
            else
            {
                Commands.Read(connection, client => client.LRangeIter(key, start, end, chunk), c => c.LRange(key, start, end),
                    all => all, key, s_write);
            }
        }

        private static readonly Action<object, Cmdlet> s_write = (element, output) => output.WriteObject(element);
    }
}
