using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>
    /// Readers of LPOP/RPOP with a count. Redis always answers an array (or a null array for a missing list); Microsoft
    /// Garnet (2.2) answers a bare bulk string when the count pops exactly one element, so a one-element pop would
    /// otherwise fail as an unexpected reply there. A bulk string is read as that one element; anything else is read
    /// exactly as <see cref="CollectionReplies.Strings"/> and <see cref="CollectionBytes.NonNullBytesList"/> do.
    /// </summary>
    internal static class CountPopReplies
    {
        public static readonly Func<RespValue, IList<string>> Strings = r =>
            IsSingle(r) ? new List<string> { CollectionReplies.NonNullString(r) } : CollectionReplies.Strings(r);

        public static readonly Func<RespValue, IList<byte[]>> Bytes = r =>
            IsSingle(r) ? new List<byte[]> { r.Bytes! } : CollectionBytes.NonNullBytesList(r);

        private static bool IsSingle(RespValue r) =>
            (r.Type == RespType.BulkString || r.Type == RespType.VerbatimString) && r.Bytes != null;
    }
}
