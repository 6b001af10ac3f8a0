using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Stream family: XADD, XRANGE/XREVRANGE, XREAD/XREADGROUP, XLEN, XDEL, XTRIM, XACK, XCLAIM, XGROUP *, XPENDING, XINFO *.
    public abstract partial class RedisCommands
    {
        /// <summary>
        /// XADD: appends an entry with <paramref name="fields"/> and returns its id (null when <paramref name="noMkStream"/>
        /// is set and the stream does not exist). <paramref name="maxLen"/> or <paramref name="minId"/> trim the stream in
        /// the same call, approximately ("~", cheaper) unless <paramref name="approximate"/> is false; <paramref name="limit"/>
        /// caps how many entries an approximate trim evicts.
        /// </summary>
        public string? XAdd(string key, IDictionary<string, object> fields, string id = "*", long? maxLen = null, bool approximate = true,
            bool noMkStream = false, string? minId = null, long? limit = null)
        {
            if (fields == null || fields.Count == 0) throw new RedisDataException("XADD needs at least one field.");
            if (string.IsNullOrEmpty(id)) throw new RedisDataException("XADD: id must be \"*\" or an explicit id.");
            var args = new List<object?>(8 + fields.Count * 2) { "XADD", key };
            if (noMkStream) args.Add("NOMKSTREAM");
            StreamArgs.AddTrim(args, "XADD", maxLen, minId, approximate, limit, required: false);
            args.Add(id);
            foreach (KeyValuePair<string, object> field in fields)
            {
                if (field.Value == null) throw new RedisDataException("XADD: field '" + field.Key + "' has a null value.");
                args.Add(field.Key);
                args.Add(field.Value);
            }
            return Run(args, Reply.String);
        }

        /// <summary>XLEN: the number of entries (0 for a missing key).</summary>
        public long XLen(string key) => Run(new object?[] { "XLEN", key }, Reply.Integer);

        /// <summary>XRANGE: entries with ids from <paramref name="min"/> to <paramref name="max"/> ("-"/"+": the ends; "(id": exclusive), oldest first.</summary>
        public IList<StreamEntry> XRange(string key, string min = "-", string max = "+", long? count = null) =>
            Run(StreamArgs.Range("XRANGE", key, min, max, count), StreamReplies.Entries);

        /// <summary>XREVRANGE: entries from <paramref name="max"/> down to <paramref name="min"/>, newest first.</summary>
        public IList<StreamEntry> XRevRange(string key, string max = "+", string min = "-", long? count = null) =>
            Run(StreamArgs.Range("XREVRANGE", key, max, min, count), StreamReplies.Entries);

        /// <summary>
        /// XREAD: entries after the given id of each stream (<paramref name="streams"/>: stream name -> last id seen; "$" means
        /// only new ones). With <paramref name="block"/>, waits that long for data (<see cref="TimeSpan.Zero"/> or
        /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: forever). Returns stream name -> its new entries;
        /// empty when nothing came (including a block that timed out).
        /// </summary>
        public IDictionary<string, IList<StreamEntry>> XRead(IDictionary<string, string> streams, long? count = null, TimeSpan? block = null)
        {
            var args = new List<object?>(8) { "XREAD" };
            TimeSpan? blockFor = StreamArgs.AddCountBlock(args, "XREAD", count, block);
            StreamArgs.AddStreams(args, "XREAD", streams);
            return Run(args, StreamReplies.ReadResult, blockFor);
        }

        /// <summary>
        /// XREADGROUP: reads as <paramref name="consumerName"/> of <paramref name="groupName"/>. In <paramref name="streams"/>
        /// the id ">" asks for never-delivered entries, any other id re-reads this consumer's pending ones. <paramref name="noAck"/>
        /// skips the pending list. Blocking and result as for <see cref="XRead"/>.
        /// </summary>
        public IDictionary<string, IList<StreamEntry>> XReadGroup(string groupName, string consumerName, IDictionary<string, string> streams,
            long? count = null, TimeSpan? block = null, bool noAck = false)
        {
            var args = new List<object?>(12) { "XREADGROUP", "GROUP", groupName, consumerName };
            TimeSpan? blockFor = StreamArgs.AddCountBlock(args, "XREADGROUP", count, block);
            if (noAck) args.Add("NOACK");
            StreamArgs.AddStreams(args, "XREADGROUP", streams);
            return Run(args, StreamReplies.ReadResult, blockFor);
        }

        /// <summary>XDEL: removes entries by id; returns how many existed.</summary>
        public long XDel(string key, params string[] ids) =>
            Run(StreamArgs.WithIds(new object?[] { "XDEL", key }, ids, "XDEL"), Reply.Integer);

        /// <summary>
        /// XTRIM: trims to <paramref name="maxLen"/> entries, or drops ids below <paramref name="minId"/> (Redis 6.2);
        /// approximately unless <paramref name="approximate"/> is false. Returns how many entries were removed.
        /// </summary>
        public long XTrim(string key, long? maxLen = null, bool approximate = true, string? minId = null, long? limit = null)
        {
            var args = new List<object?>(7) { "XTRIM", key };
            StreamArgs.AddTrim(args, "XTRIM", maxLen, minId, approximate, limit, required: true);
            return Run(args, Reply.Integer);
        }

        /// <summary>XACK: marks messages of a group as processed; returns how many were pending.</summary>
        public long XAck(string key, string groupName, params string[] ids) =>
            Run(StreamArgs.WithIds(new object?[] { "XACK", key, groupName }, ids, "XACK"), Reply.Integer);

        /// <summary>
        /// XGROUP CREATE: a consumer group that starts after <paramref name="id"/> ("$": only new entries; "0": everything).
        /// <paramref name="mkStream"/> creates an empty stream when the key is missing. <paramref name="entriesRead"/> (Redis 7) sets the read counter.
        /// </summary>
        public bool XGroupCreate(string key, string groupName, string id = "$", bool mkStream = false, long? entriesRead = null)
        {
            var args = new List<object?>(8) { "XGROUP", "CREATE", key, groupName, id };
            if (mkStream) args.Add("MKSTREAM");
            if (entriesRead.HasValue) { args.Add("ENTRIESREAD"); args.Add(entriesRead.Value); }
            return Run(args, Reply.Ok);
        }

        /// <summary>XGROUP DELCONSUMER: removes a consumer; returns how many messages it still had pending (they are dropped).</summary>
        public long XGroupDelConsumer(string key, string groupName, string consumerName) =>
            Run(new object?[] { "XGROUP", "DELCONSUMER", key, groupName, consumerName }, Reply.Integer);

        /// <summary>XGROUP DESTROY: deletes a consumer group; false when there was no such group.</summary>
        public bool XGroupDestroy(string key, string groupName) =>
            Run(new object?[] { "XGROUP", "DESTROY", key, groupName }, Reply.IsOne);

        /// <summary>XGROUP SETID: moves the group's last-delivered id (e.g. "0" to re-deliver everything, "$" to skip to the end).</summary>
        public bool XGroupSetId(string key, string groupName, string id, long? entriesRead = null)
        {
            var args = new List<object?>(7) { "XGROUP", "SETID", key, groupName, id };
            if (entriesRead.HasValue) { args.Add("ENTRIESREAD"); args.Add(entriesRead.Value); }
            return Run(args, Reply.Ok);
        }

        /// <summary>XPENDING summary: the group's pending count, id range and per-consumer counts.</summary>
        public StreamPendingSummary XPending(string key, string groupName) =>
            Run(new object?[] { "XPENDING", key, groupName }, StreamReplies.PendingSummary);

        /// <summary>
        /// XPENDING with a range: up to <paramref name="count"/> pending messages with ids from <paramref name="min"/> to
        /// <paramref name="max"/>, optionally only <paramref name="consumerName"/>'s, optionally only those idle at least
        /// <paramref name="idle"/> (Redis 6.2).
        /// </summary>
        public IList<StreamPendingMessage> XPendingRange(string key, string groupName, string min, string max, long count,
            string? consumerName = null, TimeSpan? idle = null)
        {
            if (count < 0) throw new RedisDataException("XPENDING: count must be 0 or more.");
            var args = new List<object?>(9) { "XPENDING", key, groupName };
            if (idle.HasValue)
            {
                if (idle.Value < TimeSpan.Zero) throw new RedisDataException("XPENDING: idle must not be negative.");
                args.Add("IDLE");
                args.Add(idle.Value.Ticks / TimeSpan.TicksPerMillisecond);
            }
            args.Add(min);
            args.Add(max);
            args.Add(count);
            if (consumerName != null) args.Add(consumerName);
            return Run(args, StreamReplies.PendingMessages);
        }

        /// <summary>
        /// XCLAIM: gives <paramref name="consumerName"/> the listed pending messages that have been idle at least
        /// <paramref name="minIdleTime"/>, and returns the claimed entries. <paramref name="idle"/> or <paramref name="time"/>
        /// set the new idle time, <paramref name="retryCount"/> the delivery counter; <paramref name="force"/> claims ids
        /// that are not pending at all. For ids only, use <see cref="XClaimJustId"/>.
        /// </summary>
        public IList<StreamEntry> XClaim(string key, string groupName, string consumerName, TimeSpan minIdleTime, IEnumerable<string> messageIds,
            TimeSpan? idle = null, DateTimeOffset? time = null, long? retryCount = null, bool force = false) =>
            Run(StreamArgs.Claim(key, groupName, consumerName, minIdleTime, messageIds, idle, time, retryCount, force, justId: false),
                StreamReplies.Entries);

        /// <summary>XCLAIM ... JUSTID: claims like <see cref="XClaim"/> but returns only the ids (and does not count a delivery).</summary>
        public IList<string> XClaimJustId(string key, string groupName, string consumerName, TimeSpan minIdleTime, IEnumerable<string> messageIds,
            TimeSpan? idle = null, DateTimeOffset? time = null, long? retryCount = null, bool force = false) =>
            Run(StreamArgs.Claim(key, groupName, consumerName, minIdleTime, messageIds, idle, time, retryCount, force, justId: true),
                r => Reply.ToList(r, StreamReplies.Id));

        /// <summary>XINFO STREAM: length, ids, group count, first and last entries.</summary>
        public StreamInfo XInfoStream(string key) => Run(new object?[] { "XINFO", "STREAM", key }, StreamReplies.Info);

        /// <summary>XINFO GROUPS: the stream's consumer groups.</summary>
        public IList<StreamGroupInfo> XInfoGroups(string key) =>
            Run(new object?[] { "XINFO", "GROUPS", key }, r => Reply.ToList(r, StreamReplies.GroupInfo));

        /// <summary>XINFO CONSUMERS: the consumers of one group.</summary>
        public IList<StreamConsumerInfo> XInfoConsumers(string key, string groupName) =>
            Run(new object?[] { "XINFO", "CONSUMERS", key, groupName }, r => Reply.ToList(r, StreamReplies.ConsumerInfo));
    }

    /// <summary>Argument builders for the stream commands.</summary>
    internal static class StreamArgs
    {
        public static List<object?> Range(string command, string key, string from, string to, long? count)
        {
            if (string.IsNullOrEmpty(from) || string.IsNullOrEmpty(to)) throw new RedisDataException(command + ": give both ends of the range.");
            var args = new List<object?>(6) { command, key, from, to };
            if (count.HasValue)
            {
                if (count.Value <= 0) throw new RedisDataException(command + ": count must be positive.");
                args.Add("COUNT");
                args.Add(count.Value);
            }
            return args;
        }

        public static void AddTrim(List<object?> args, string command, long? maxLen, string? minId, bool approximate, long? limit, bool required)
        {
            if (maxLen.HasValue && minId != null) throw new RedisDataException(command + ": give maxLen or minId, not both.");
            if (required && !maxLen.HasValue && minId == null) throw new RedisDataException(command + ": give maxLen or minId.");
            if (limit.HasValue && !approximate) throw new RedisDataException(command + ": limit works only with an approximate trim.");
            if (!maxLen.HasValue && minId == null)
            {
                if (limit.HasValue) throw new RedisDataException(command + ": limit needs maxLen or minId.");
                return;
            }
            if (maxLen.HasValue)
            {
                if (maxLen.Value < 0) throw new RedisDataException(command + ": maxLen must be 0 or more.");
                args.Add("MAXLEN");
            }
            else
            {
                args.Add("MINID");
            }
            if (approximate) args.Add("~");
            args.Add(maxLen.HasValue ? (object)maxLen.Value : minId);
            if (limit.HasValue)
            {
                if (limit.Value < 0) throw new RedisDataException(command + ": limit must be 0 or more.");
                args.Add("LIMIT");
                args.Add(limit.Value);
            }
        }

        /// <summary>COUNT and BLOCK; returns the blockFor the client needs (null when not blocking).</summary>
        public static TimeSpan? AddCountBlock(List<object?> args, string command, long? count, TimeSpan? block)
        {
            if (count.HasValue)
            {
                if (count.Value <= 0) throw new RedisDataException(command + ": count must be positive.");
                args.Add("COUNT");
                args.Add(count.Value);
            }
            if (!block.HasValue) return null;
            TimeSpan value = block.Value;
            args.Add("BLOCK");
            // BLOCK 0 is "forever" to Redis, as redis-py's block=0 is.
            if (value == System.Threading.Timeout.InfiniteTimeSpan || value == TimeSpan.Zero)
            {
                args.Add(0);
                return System.Threading.Timeout.InfiniteTimeSpan;
            }
            if (value < TimeSpan.Zero) throw new RedisDataException(command + ": block must not be negative.");
            long ms = Math.Max(1, value.Ticks / TimeSpan.TicksPerMillisecond);
            args.Add(ms);
            return TimeSpan.FromMilliseconds(ms);
        }

        public static void AddStreams(List<object?> args, string command, IDictionary<string, string> streams)
        {
            if (streams == null || streams.Count == 0) throw new RedisDataException(command + ": streams must name at least one stream and its last id.");
            args.Add("STREAMS");
            var ids = new List<object?>(streams.Count);
            foreach (KeyValuePair<string, string> stream in streams)
            {
                if (string.IsNullOrEmpty(stream.Value)) throw new RedisDataException(command + ": stream '" + stream.Key + "' needs an id.");
                args.Add(stream.Key);
                ids.Add(stream.Value);
            }
            args.AddRange(ids);
        }

        public static object?[] WithIds(object?[] head, string[] ids, string command)
        {
            if (ids == null || ids.Length == 0) throw new RedisDataException(command + " needs at least one id.");
            var args = new object?[head.Length + ids.Length];
            head.CopyTo(args, 0);
            for (int i = 0; i < ids.Length; i++) args[head.Length + i] = ids[i];
            return args;
        }

        public static List<object?> Claim(string key, string groupName, string consumerName, TimeSpan minIdleTime, IEnumerable<string> messageIds,
            TimeSpan? idle, DateTimeOffset? time, long? retryCount, bool force, bool justId)
        {
            if (minIdleTime < TimeSpan.Zero) throw new RedisDataException("XCLAIM: minIdleTime must not be negative.");
            if (idle.HasValue && time.HasValue) throw new RedisDataException("XCLAIM: give idle or time, not both.");
            var args = new List<object?>(16) { "XCLAIM", key, groupName, consumerName, minIdleTime.Ticks / TimeSpan.TicksPerMillisecond };
            if (messageIds == null) throw new RedisDataException("XCLAIM needs at least one message id.");
            int before = args.Count;
            foreach (string id in messageIds) args.Add(id);
            if (args.Count == before) throw new RedisDataException("XCLAIM needs at least one message id.");
            if (idle.HasValue)
            {
                if (idle.Value < TimeSpan.Zero) throw new RedisDataException("XCLAIM: idle must not be negative.");
                args.Add("IDLE");
                args.Add(idle.Value.Ticks / TimeSpan.TicksPerMillisecond);
            }
            if (time.HasValue) { args.Add("TIME"); args.Add(time.Value.ToUnixTimeMilliseconds()); }
            if (retryCount.HasValue)
            {
                if (retryCount.Value < 0) throw new RedisDataException("XCLAIM: retryCount must be 0 or more.");
                args.Add("RETRYCOUNT");
                args.Add(retryCount.Value);
            }
            if (force) args.Add("FORCE");
            if (justId) args.Add("JUSTID");
            return args;
        }
    }

    /// <summary>Reply parsers for the stream commands; each accepts the RESP2 and the RESP3 shape.</summary>
    internal static class StreamReplies
    {
        public static readonly Func<RespValue, string> Id = r => r.AsString() ?? string.Empty;

        public static readonly Func<RespValue, IList<StreamEntry>> Entries = r =>
        {
            var list = new List<StreamEntry>(r.Items.Count);
            foreach (RespValue item in r.Items)
            {
                // Redis before 7 answers XCLAIM with a null for an id that was deleted meanwhile: redis-py drops it too.
                if (item.IsNull) continue;
                list.Add(Entry(item));
            }
            return list;
        };

        public static StreamEntry Entry(RespValue reply)
        {
            IReadOnlyList<RespValue> parts = reply.Items;
            if (parts.Count != 2) throw new RedisInvalidResponseException("A stream entry should be [id, fields], got " + reply.Describe());
            return new StreamEntry(Id(parts[0]), Fields(parts[1]));
        }

        private static IReadOnlyDictionary<string, string?> Fields(RespValue reply)
        {
            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
            IReadOnlyList<RespValue> items = reply.Items; // flat in both protocols; null (deleted entry) gives none
            for (int i = 0; i + 1 < items.Count; i += 2) fields[items[i].AsString() ?? string.Empty] = items[i + 1].AsString();
            return fields;
        }

        /// <summary>XREAD/XREADGROUP: RESP2 [[name, entries], ...], RESP3 a map name -> entries; null when nothing came.</summary>
        public static readonly Func<RespValue, IDictionary<string, IList<StreamEntry>>> ReadResult = r =>
        {
            var result = new Dictionary<string, IList<StreamEntry>>(StringComparer.Ordinal);
            if (r.IsNull) return result;
            IReadOnlyList<RespValue> items = r.Items;
            if (r.Type == RespType.Map)
            {
                for (int i = 0; i + 1 < items.Count; i += 2) result[Id(items[i])] = Entries(items[i + 1]);
                return result;
            }
            foreach (RespValue stream in items)
            {
                if (stream.Items.Count != 2) throw new RedisInvalidResponseException("An XREAD stream should be [name, entries], got " + stream.Describe());
                result[Id(stream.Items[0])] = Entries(stream.Items[1]);
            }
            return result;
        };

        public static readonly Func<RespValue, StreamPendingSummary> PendingSummary = r =>
        {
            IReadOnlyList<RespValue> items = r.Items;
            if (items.Count != 4) throw new RedisInvalidResponseException("XPENDING summary should have 4 items, got " + r.Describe());
            var consumers = new List<StreamConsumerPending>();
            foreach (RespValue consumer in items[3].Items)
            {
                consumers.Add(new StreamConsumerPending { Name = Id(consumer.Items[0]), Pending = consumer.Items[1].Integer64 });
            }
            return new StreamPendingSummary { Pending = items[0].Integer64, Min = items[1].AsString(), Max = items[2].AsString(), Consumers = consumers };
        };

        public static readonly Func<RespValue, IList<StreamPendingMessage>> PendingMessages = r => Reply.ToList(r, m =>
        {
            IReadOnlyList<RespValue> f = m.Items;
            if (f.Count != 4) throw new RedisInvalidResponseException("An XPENDING message should have 4 items, got " + m.Describe());
            return new StreamPendingMessage
            {
                MessageId = Id(f[0]),
                Consumer = Id(f[1]),
                TimeSinceDelivered = TimeSpan.FromMilliseconds(f[2].Integer64),
                TimesDelivered = f[3].Integer64,
            };
        });

        /// <summary>A map reply as name -> value: RESP3 sends a Map, RESP2 a flat array of pairs.</summary>
        public static Dictionary<string, RespValue> ToMap(RespValue reply)
        {
            var map = new Dictionary<string, RespValue>(StringComparer.Ordinal);
            IReadOnlyList<RespValue> items = reply.Items;
            if (items.Count % 2 != 0) throw new RedisInvalidResponseException("Expected name/value pairs, got " + reply.Describe());
            for (int i = 0; i < items.Count; i += 2) map[items[i].AsString() ?? string.Empty] = items[i + 1];
            return map;
        }

        private static long Long(Dictionary<string, RespValue> map, string name) =>
            map.TryGetValue(name, out RespValue? v) && !v.IsNull ? v.Integer64 : 0;

        private static long? NullableLong(Dictionary<string, RespValue> map, string name) =>
            map.TryGetValue(name, out RespValue? v) && !v.IsNull ? v.Integer64 : (long?)null;

        private static string? Text(Dictionary<string, RespValue> map, string name) =>
            map.TryGetValue(name, out RespValue? v) ? v.AsString() : null;

        public static readonly Func<RespValue, StreamInfo> Info = r =>
        {
            Dictionary<string, RespValue> map = ToMap(r);
            var raw = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, RespValue> pair in map) raw[pair.Key] = pair.Value.ToObject();
            return new StreamInfo
            {
                Length = Long(map, "length"),
                RadixTreeKeys = Long(map, "radix-tree-keys"),
                RadixTreeNodes = Long(map, "radix-tree-nodes"),
                Groups = Long(map, "groups"),
                LastGeneratedId = Text(map, "last-generated-id"),
                MaxDeletedEntryId = Text(map, "max-deleted-entry-id"),
                EntriesAdded = NullableLong(map, "entries-added"),
                RecordedFirstEntryId = Text(map, "recorded-first-entry-id"),
                FirstEntry = map.TryGetValue("first-entry", out RespValue? first) && !first.IsNull ? Entry(first) : null,
                LastEntry = map.TryGetValue("last-entry", out RespValue? last) && !last.IsNull ? Entry(last) : null,
                Raw = raw,
            };
        };

        public static readonly Func<RespValue, StreamGroupInfo> GroupInfo = r =>
        {
            Dictionary<string, RespValue> map = ToMap(r);
            return new StreamGroupInfo
            {
                Name = Text(map, "name") ?? string.Empty,
                Consumers = Long(map, "consumers"),
                Pending = Long(map, "pending"),
                LastDeliveredId = Text(map, "last-delivered-id"),
                EntriesRead = NullableLong(map, "entries-read"),
                Lag = NullableLong(map, "lag"),
            };
        };

        public static readonly Func<RespValue, StreamConsumerInfo> ConsumerInfo = r =>
        {
            Dictionary<string, RespValue> map = ToMap(r);
            long? inactive = NullableLong(map, "inactive");
            return new StreamConsumerInfo
            {
                Name = Text(map, "name") ?? string.Empty,
                Pending = Long(map, "pending"),
                Idle = TimeSpan.FromMilliseconds(Long(map, "idle")),
                Inactive = inactive.HasValue && inactive.Value >= 0 ? TimeSpan.FromMilliseconds(inactive.Value) : (TimeSpan?)null,
            };
        };
    }
}
