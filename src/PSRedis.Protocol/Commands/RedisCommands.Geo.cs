using System;
using System.Collections.Generic;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    // Geo family: GEOADD, GEODIST, GEOHASH, GEOPOS, GEORADIUS, GEORADIUSBYMEMBER. A geo index is a sorted set,
    // so ZREM/ZRANGE work on it too. The STORE/STOREDIST forms of GEORADIUS reply with a count instead of
    // matches, so they are separate methods (GeoRadiusStore, GeoRadiusByMemberStore) rather than options.
    public abstract partial class RedisCommands
    {
        /// <summary>GEOADD: adds or moves the places; returns how many were new.</summary>
        public long GeoAdd(string key, params GeoEntry[] values) => GeoAdd(key, (IEnumerable<GeoEntry>)values);

        /// <summary>
        /// GEOADD with Redis 6.2's options: <paramref name="nx"/> only adds new members, <paramref name="xx"/> only
        /// moves existing ones, <paramref name="ch"/> counts moved members too.
        /// </summary>
        public long GeoAdd(string key, IEnumerable<GeoEntry> values, bool nx = false, bool xx = false, bool ch = false)
        {
            if (values == null) throw new ArgumentNullException(nameof(values));
            if (nx && xx) throw new RedisDataException("GEOADD: nx and xx are mutually exclusive.");
            var args = new List<object?> { "GEOADD", key };
            if (nx) args.Add("NX");
            if (xx) args.Add("XX");
            if (ch) args.Add("CH");
            int options = args.Count;
            foreach (GeoEntry entry in values)
            {
                if (entry == null) throw new RedisDataException("GEOADD: an entry is null.");
                args.Add(entry.Longitude);
                args.Add(entry.Latitude);
                args.Add(entry.Member);
            }
            if (args.Count == options) throw new RedisDataException("GEOADD needs at least one longitude/latitude/member entry.");
            return Run(args, Reply.Integer);
        }

        /// <summary>GEODIST: the distance between two members in <paramref name="unit"/>, or null when either is missing.</summary>
        public double? GeoDist(string key, object place1, object place2, GeoUnit unit = GeoUnit.Meters) =>
            Run(new object?[] { "GEODIST", key, place1, place2, GeoReplies.UnitWord(unit) }, Reply.NullableDouble);

        /// <summary>GEOHASH: the 11-character geohash of each member, null for a missing one.</summary>
        public IList<string?> GeoHash(string key, params object[] members) => Run(GeoReplies.MemberArgs("GEOHASH", key, members), Reply.StringList);

        /// <summary>GEOPOS: the position of each member, null for a missing one.</summary>
        public IList<GeoPosition?> GeoPos(string key, params object[] members) =>
            Run(GeoReplies.MemberArgs("GEOPOS", key, members), r => Reply.ToList(r, GeoReplies.NullablePosition));

        /// <summary>
        /// GEORADIUS: the members within <paramref name="radius"/> of a point. <paramref name="withDist"/>,
        /// <paramref name="withCoord"/> and <paramref name="withHash"/> fill the matching parts of each result;
        /// <paramref name="count"/> caps the matches (with <paramref name="any"/>, Redis 6.2+: stop at the first
        /// <paramref name="count"/> found rather than the nearest); <paramref name="sort"/> orders by distance.
        /// </summary>
        public IList<GeoRadiusResult> GeoRadius(string key, double longitude, double latitude, double radius, GeoUnit unit = GeoUnit.Meters,
            bool withDist = false, bool withCoord = false, bool withHash = false, int? count = null, GeoSort? sort = null, bool any = false)
        {
            var args = new List<object?> { "GEORADIUS", key, longitude, latitude };
            GeoReplies.AddQuery(args, radius, unit, withDist, withCoord, withHash, count, sort, any);
            return Run(args, GeoReplies.Results);
        }

        /// <summary>
        /// GEORADIUS ... STORE (redis-py's store/store_dist): writes the matches to the sorted set
        /// <paramref name="destination"/>, scored by geohash, or by distance with <paramref name="storeDist"/>;
        /// returns how many were stored.
        /// </summary>
        public long GeoRadiusStore(string key, double longitude, double latitude, double radius, string destination, bool storeDist = false,
            GeoUnit unit = GeoUnit.Meters, int? count = null, GeoSort? sort = null, bool any = false)
        {
            var args = new List<object?> { "GEORADIUS", key, longitude, latitude };
            GeoReplies.AddQuery(args, radius, unit, false, false, false, count, sort, any);
            GeoReplies.AddStore(args, destination, storeDist);
            return Run(args, Reply.Integer);
        }

        /// <summary>GEORADIUSBYMEMBER: as <see cref="GeoRadius"/>, centred on an existing <paramref name="member"/> (an error if it is missing).</summary>
        public IList<GeoRadiusResult> GeoRadiusByMember(string key, object member, double radius, GeoUnit unit = GeoUnit.Meters,
            bool withDist = false, bool withCoord = false, bool withHash = false, int? count = null, GeoSort? sort = null, bool any = false)
        {
            var args = new List<object?> { "GEORADIUSBYMEMBER", key, member };
            GeoReplies.AddQuery(args, radius, unit, withDist, withCoord, withHash, count, sort, any);
            return Run(args, GeoReplies.Results);
        }

        /// <summary>GEORADIUSBYMEMBER ... STORE/STOREDIST: as <see cref="GeoRadiusStore"/>, centred on <paramref name="member"/>.</summary>
        public long GeoRadiusByMemberStore(string key, object member, double radius, string destination, bool storeDist = false,
            GeoUnit unit = GeoUnit.Meters, int? count = null, GeoSort? sort = null, bool any = false)
        {
            var args = new List<object?> { "GEORADIUSBYMEMBER", key, member };
            GeoReplies.AddQuery(args, radius, unit, false, false, false, count, sort, any);
            GeoReplies.AddStore(args, destination, storeDist);
            return Run(args, Reply.Integer);
        }
    }

    /// <summary>Argument helpers and reply parsers of the geo commands.</summary>
    internal static class GeoReplies
    {
        /// <summary>GEORADIUS matches: bare member names, or [member, dist?, hash?, [lon, lat]?] arrays when extras were asked for.</summary>
        public static readonly Func<RespValue, IList<GeoRadiusResult>> Results = r => Reply.ToList(r, ToResult);

        public static string UnitWord(GeoUnit unit)
        {
            switch (unit)
            {
                case GeoUnit.Meters: return "m";
                case GeoUnit.Kilometers: return "km";
                case GeoUnit.Miles: return "mi";
                case GeoUnit.Feet: return "ft";
                default: throw new RedisDataException("Unknown geo unit " + unit + ".");
            }
        }

        public static object?[] MemberArgs(string command, string key, object[] members)
        {
            if (members == null || members.Length == 0) throw new RedisDataException(command + " needs at least one member.");
            var args = new object?[members.Length + 2];
            args[0] = command;
            args[1] = key;
            Array.Copy(members, 0, args, 2, members.Length);
            return args;
        }

        public static void AddQuery(List<object?> args, double radius, GeoUnit unit, bool withDist, bool withCoord, bool withHash,
            int? count, GeoSort? sort, bool any)
        {
            if (double.IsNaN(radius) || radius < 0) throw new RedisDataException("The radius must be zero or more.");
            if (count.HasValue && count.Value <= 0) throw new RedisDataException("count must be positive.");
            if (any && !count.HasValue) throw new RedisDataException("any needs a count.");
            args.Add(radius);
            args.Add(UnitWord(unit));
            if (withDist) args.Add("WITHDIST");
            if (withCoord) args.Add("WITHCOORD");
            if (withHash) args.Add("WITHHASH");
            if (count.HasValue)
            {
                args.Add("COUNT");
                args.Add(count.Value);
                if (any) args.Add("ANY");
            }
            if (sort.HasValue) args.Add(sort.Value == GeoSort.Descending ? "DESC" : "ASC");
        }

        public static void AddStore(List<object?> args, string destination, bool storeDist)
        {
            if (string.IsNullOrEmpty(destination)) throw new RedisDataException("A destination key is needed to store the matches.");
            args.Add(storeDist ? "STOREDIST" : "STORE");
            args.Add(destination);
        }

        public static GeoPosition? NullablePosition(RespValue reply)
        {
            if (reply.IsNull) return null;
            IReadOnlyList<RespValue> items = reply.Items;
            if (items.Count != 2) throw new RedisInvalidResponseException("A position should have 2 items, got " + reply.Describe());
            return new GeoPosition(items[0].DoubleValue, items[1].DoubleValue);
        }

        // Redis always sends the extras in the order distance, hash, coordinates, each with its own reply type
        // (text, integer, array), so the shape alone says which is which: the parser needs no knowledge of the options.
        private static GeoRadiusResult ToResult(RespValue item)
        {
            if (!item.IsAggregate) return new GeoRadiusResult(SortedSetReplies.Text(item));
            IReadOnlyList<RespValue> parts = item.Items;
            if (parts.Count == 0) throw new RedisInvalidResponseException("An empty GEORADIUS match.");
            double? distance = null;
            long? hash = null;
            GeoPosition? position = null;
            for (int i = 1; i < parts.Count; i++)
            {
                RespValue part = parts[i];
                if (part.IsAggregate) position = NullablePosition(part);
                else if (part.Type == RespType.Integer) hash = part.Integer64;
                else distance = part.DoubleValue;
            }
            return new GeoRadiusResult(SortedSetReplies.Text(parts[0]), distance, hash, position);
        }
    }
}
