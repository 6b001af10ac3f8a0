using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis
{
    /// <summary>
    /// Base of the cmdlets that send many elements to one key (Push-RedisList, Add-RedisSetMember,
    /// Remove-RedisSetMember): elements from the pipeline are gathered into one command per
    /// <see cref="BatchSize"/> elements, sent through the command queue; a change of key or connection ends the run. The
    /// replies of one run of a key are summed, and emitted once per run with -PassThru (after its last reply).
    /// </summary>
    public abstract class ElementBatchCmdlet : RedisCmdlet
    {
        internal const int BatchSize = 500;

        private readonly List<object> _batch = new List<object>(BatchSize);
        private RedisConnection? _connection;
        private string? _key;
        private Run? _run;

        /// <summary>What the replies of one run of a key add up to, filled in as they arrive.</summary>
        private sealed class Run
        {
            public long Total;
            public bool Answered;
        }

        /// <summary>What one element is called in messages ("List value", "Set member").</summary>
        private protected abstract string ElementName { get; }

        /// <summary>Emit the run's result once per key (and connection).</summary>
        private protected abstract bool PassThruRequested { get; }

        /// <summary>Sends one batch; returns the command's integer reply.</summary>
        private protected abstract long Send(RedisCommands commands, string key, object[] elements);

        /// <summary>ShouldProcess for one batch, when the command changes data in a way -WhatIf should guard.</summary>
        private protected virtual bool Approve(string key, RedisConnection connection, object[] elements) => true;

        /// <summary>Combines the replies of a run: a sum by default (Push-RedisList keeps the last length).</summary>
        private protected virtual long Combine(long total, long reply) => total + reply;

        /// <summary>
        /// Adds the elements of one pipeline record for <paramref name="key"/>. PowerShell binds a pipeline object by
        /// value before by property name, so an object such as [pscustomobject]@{ Key = 'k'; Member = 'm' } lands
        /// whole in the element parameter: its <paramref name="property"/> property is the element meant.
        /// </summary>
        private protected void Gather(string key, object?[] elements, string property)
        {
            if (elements.Length == 1 && elements[0] is PSObject record && record.BaseObject is PSCustomObject
                && record.Properties[property] is PSPropertyInfo named)
            {
                object? inner = named.Value is PSObject p ? p.BaseObject : named.Value;
                elements = inner is object?[] many ? many : new[] { inner };
            }
            RedisConnection connection = ResolveConnection();
            if (_key != null && (!string.Equals(_key, key, StringComparison.Ordinal) || !ReferenceEquals(_connection, connection)))
            {
                Flush();
                EndRun();
            }
            _key = key;
            _connection = connection;
            foreach (object? element in elements)
            {
                object? value = RedisValues.ToValue(element, ElementName, out string? problem);
                if (value == null)
                {
                    WriteError(new ErrorRecord(new ArgumentException(problem), ErrorIds.UnsupportedValue, ErrorCategory.InvalidArgument, key));
                    continue;
                }
                _batch.Add(value);
                if (_batch.Count >= BatchSize) Flush();
            }
        }

        protected override void EndProcessing()
        {
            Flush();
            EndRun();
            base.EndProcessing();
        }

        private void Flush()
        {
            if (_batch.Count == 0 || _connection == null || _key == null) return;
            object[] elements = _batch.ToArray();
            _batch.Clear();
            if (!Approve(_key, _connection, elements)) return;
            Run run = _run ??= new Run();
            string key = _key;
            Commands.Add(_connection, c => Send(c, key, elements), key, (reply, output) =>
            {
                run.Total = Combine(run.Total, reply);
                run.Answered = true;
            });
        }

        private void EndRun()
        {
            Run? run = _run;
            _run = null;
            if (run == null || !PassThruRequested || _connection == null) return;
            Commands.Then(_connection, output =>
            {
                if (run.Answered) output.WriteObject(run.Total);
            });
        }

        private protected static string Describe(object[] elements) =>
            elements.Length.ToString(CultureInfo.InvariantCulture) + (elements.Length == 1 ? " element" : " elements");
    }
}
