using System;
using System.Globalization;
using PSRedis.Protocol.Resp;

namespace PSRedis.Protocol
{
    /// <summary>A place to GEOADD: longitude, latitude (in that order, as Redis takes them) and member name.</summary>
    public sealed class GeoEntry
    {
        /// <summary>A member at <paramref name="longitude"/>, <paramref name="latitude"/> (degrees).</summary>
        public GeoEntry(double longitude, double latitude, string member)
        {
            Longitude = longitude;
            Latitude = latitude;
            Member = member ?? throw new ArgumentNullException(nameof(member));
        }

        /// <summary>Longitude in degrees (-180..180).</summary>
        public double Longitude { get; }

        /// <summary>Latitude in degrees (about -85.05..85.05, the range Redis can index).</summary>
        public double Latitude { get; }

        /// <summary>The member name.</summary>
        public string Member { get; }

        /// <summary>"member (longitude, latitude)".</summary>
        public override string ToString() => Member + " (" + RespDouble.Format(Longitude) + ", " + RespDouble.Format(Latitude) + ")";
    }

    /// <summary>A stored position as GEOPOS and WITHCOORD return it (the geohash cell's centre, so slightly off the input).</summary>
    public sealed class GeoPosition
    {
        /// <summary>A position in degrees.</summary>
        public GeoPosition(double longitude, double latitude)
        {
            Longitude = longitude;
            Latitude = latitude;
        }

        /// <summary>Longitude in degrees.</summary>
        public double Longitude { get; }

        /// <summary>Latitude in degrees.</summary>
        public double Latitude { get; }

        /// <summary>"longitude, latitude".</summary>
        public override string ToString() =>
            Longitude.ToString("R", CultureInfo.InvariantCulture) + ", " + Latitude.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>One GEORADIUS/GEORADIUSBYMEMBER match; the optional parts are filled when asked for (withDist, withHash, withCoord).</summary>
    public sealed class GeoRadiusResult
    {
        /// <summary>A match with whichever extras were requested.</summary>
        public GeoRadiusResult(string member, double? distance = null, long? hash = null, GeoPosition? position = null)
        {
            Member = member;
            Distance = distance;
            Hash = hash;
            Position = position;
        }

        /// <summary>The member name.</summary>
        public string Member { get; }

        /// <summary>Distance from the centre in the query's unit (withDist), else null.</summary>
        public double? Distance { get; }

        /// <summary>The 52-bit geohash integer (the member's score; withHash), else null.</summary>
        public long? Hash { get; }

        /// <summary>The member's position (withCoord), else null.</summary>
        public GeoPosition? Position { get; }

        /// <summary>The member name, with its distance when known.</summary>
        public override string ToString() => Distance.HasValue ? Member + " (" + RespDouble.Format(Distance.Value) + ")" : Member;
    }

    /// <summary>Distance units of the geo commands.</summary>
    public enum GeoUnit
    {
        /// <summary>m (Redis' default).</summary>
        Meters,
        /// <summary>km.</summary>
        Kilometers,
        /// <summary>mi.</summary>
        Miles,
        /// <summary>ft.</summary>
        Feet,
    }

    /// <summary>GEORADIUS result order by distance from the centre.</summary>
    public enum GeoSort
    {
        /// <summary>ASC: nearest first.</summary>
        Ascending,
        /// <summary>DESC: farthest first.</summary>
        Descending,
    }
}
