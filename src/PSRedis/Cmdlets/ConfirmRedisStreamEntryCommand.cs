using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Confirm-RedisStreamEntry: XACK, marking entries of a consumer group as processed. Entries from
    /// Read-RedisStream -Group bind by property name (Key, Group, Id, Connection); ids are gathered into one XACK per
    /// stream and group per batch of up to 500. -PassThru emits, once at the end, how many entries were pending.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Confirm, "RedisStreamEntry", SupportsShouldProcess = true)]
    [OutputType(typeof(long))]
    public sealed class ConfirmRedisStreamEntryCommand : RedisCmdlet
    {
        internal const int BatchSize = 500;

        private readonly List<Tuple<string, string, string>> _batch = new List<Tuple<string, string, string>>(BatchSize);
        private RedisConnection? _batchConnection;
        private long _confirmed;

        /// <summary>The stream. Binds by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PSRedis.Completion.KeyCompleter))]
        public string? Key { get; set; }

        /// <summary>The consumer group. Binds by property name.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Group { get; set; }

        /// <summary>Entry ids to confirm. By value or by property name.</summary>
        [Parameter(Mandatory = true, Position = 2, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        /// <summary>Emit, at the end, how many of the entries were pending (and are confirmed now).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            RedisConnection connection = ResolveConnection();
            if (_batchConnection != null && !ReferenceEquals(_batchConnection, connection)) Flush();
            _batchConnection = connection;
            foreach (string id in Id!)
            {
                if (!ShouldProcess(Key + " (group " + Group + ") on " + connection.Name, "Acknowledge entry " + id)) continue;
                _batch.Add(Tuple.Create(Key!, Group!, id));
                if (_batch.Count >= BatchSize) Flush();
            }
        }

        protected override void EndProcessing()
        {
            Flush();
            RedisConnection? connection = _batchConnection;
            if (PassThru)
            {
                if (connection != null) Commands.Then(connection, output => output.WriteObject(_confirmed));
                else WriteObject(_confirmed);
            }
            base.EndProcessing();
        }

        private void Flush()
        {
            if (_batch.Count == 0 || _batchConnection == null) return;
            RedisConnection connection = _batchConnection;
            var targets = new List<Tuple<string, string>>();
            var ids = new Dictionary<Tuple<string, string>, List<string>>();
            foreach (Tuple<string, string, string> item in _batch)
            {
                var target = Tuple.Create(item.Item1, item.Item2);
                if (!ids.TryGetValue(target, out List<string>? list))
                {
                    ids[target] = list = new List<string>();
                    targets.Add(target);
                }
                list.Add(item.Item3);
            }
            int total = _batch.Count;
            _batch.Clear();
            WriteVerbose("XACK of " + total.ToString(CultureInfo.InvariantCulture) + " id(s) in " + targets.Count.ToString(CultureInfo.InvariantCulture)
                + " stream/group pair(s) on " + connection.Url);
            foreach (Tuple<string, string> target in targets)
            {
                string[] confirm = ids[target].ToArray();
                Commands.Add(connection, c => c.XAck(target.Item1, target.Item2, confirm), target.Item1, (count, output) => _confirmed += count);
            }
        }
    }
}
