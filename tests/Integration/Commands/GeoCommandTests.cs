using System;
using System.Collections.Generic;
using System.Linq;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>The geo commands against a real server (Sicily, as in the Redis documentation), under RESP2 and RESP3.</summary>
    [Collection("redis")]
    public sealed class GeoCommandTests : IDisposable
    {
        private readonly string _url;
        private readonly RedisClient _client;
        private readonly string _p = "it:geo:" + Guid.NewGuid().ToString("N").Substring(0, 8) + ":";

        private static readonly GeoEntry Palermo = new GeoEntry(13.361389, 38.115556, "Palermo");
        private static readonly GeoEntry Catania = new GeoEntry(15.087269, 37.502669, "Catania");
        private static readonly GeoEntry Agrigento = new GeoEntry(13.583333, 37.316667, "Agrigento");

        public GeoCommandTests(RedisFixture fixture)
        {
            _url = fixture.Url;
            _client = RedisClient.FromUrl(fixture.Url);
        }

        public void Dispose()
        {
            string[] keys = _client.ScanIter(_p + "*", 1000).ToArray();
            if (keys.Length > 0) _client.Unlink(keys);
            _client.Dispose();
        }

        private RedisClient Client(int protocol) => RedisClient.FromUrl(_url, o => o.Protocol = protocol);

        private string Sicily(RedisClient client, string name)
        {
            string key = _p + name;
            Assert.Equal(3, client.GeoAdd(key, Palermo, Catania, Agrigento));
            return key;
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void AddDistHashAndPos(int protocol)
        {
            using RedisClient client = Client(protocol);
            string key = Sicily(client, "basic" + protocol);
            Assert.Equal(0, client.GeoAdd(key, Palermo)); // already there

            Assert.Equal(166274.1516, client.GeoDist(key, "Palermo", "Catania")!.Value, 3);
            Assert.Equal(166.2742, client.GeoDist(key, "Palermo", "Catania", GeoUnit.Kilometers)!.Value, 4);
            Assert.Equal(103.3182, client.GeoDist(key, "Palermo", "Catania", GeoUnit.Miles)!.Value, 4);
            Assert.Equal(545518.8700, client.GeoDist(key, "Palermo", "Catania", GeoUnit.Feet)!.Value, 3);
            Assert.Null(client.GeoDist(key, "Palermo", "Atlantis"));
            Assert.Null(client.GeoDist(_p + "missing", "Palermo", "Catania"));

            Assert.Equal(new[] { "sqc8b49rny0", "sqdtr74hyu0", null }, client.GeoHash(key, "Palermo", "Catania", "Atlantis"));

            IList<GeoPosition?> positions = client.GeoPos(key, "Palermo", "Atlantis", "Catania");
            Assert.Equal(3, positions.Count);
            Assert.Equal(13.361389, positions[0]!.Longitude, 5);
            Assert.Equal(38.115556, positions[0]!.Latitude, 5);
            Assert.Null(positions[1]);
            Assert.Equal(15.087269, positions[2]!.Longitude, 5);
            Assert.Equal(37.502669, positions[2]!.Latitude, 5);
            Assert.Equal(new GeoPosition?[] { null }, client.GeoPos(_p + "missing", "Palermo"));
        }

        [Fact]
        public void AddWithNxXxAndCh()
        {
            string key = Sicily(_client, "opts");
            var moved = new GeoEntry(13.5, 38.0, "Palermo");
            var fresh = new GeoEntry(14.0, 37.0, "Enna");
            Assert.Equal(1, _client.GeoAdd(key, new[] { moved, fresh }, nx: true)); // only Enna, Palermo stays
            Assert.Equal(13.361389, _client.GeoPos(key, "Palermo")[0]!.Longitude, 5);
            Assert.Equal(0, _client.GeoAdd(key, new[] { moved, new GeoEntry(14, 37, "Ragusa") }, xx: true)); // moves Palermo only
            Assert.Equal(13.5, _client.GeoPos(key, "Palermo")[0]!.Longitude, 5);
            Assert.Null(_client.GeoPos(key, "Ragusa")[0]);
            Assert.Equal(1, _client.GeoAdd(key, new[] { Palermo, Catania }, ch: true)); // Palermo moved back
            Assert.Throws<RedisDataException>(() => _client.GeoAdd(key, new[] { Palermo }, nx: true, xx: true));
            Assert.Throws<RedisDataException>(() => _client.GeoAdd(key));
            var invalid = Assert.Throws<RedisResponseException>(() => _client.GeoAdd(key, new GeoEntry(200, 100, "nowhere")));
            Assert.Equal("ERR", invalid.ErrorCode);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void RadiusWithEveryOption(int protocol)
        {
            using RedisClient client = Client(protocol);
            string key = Sicily(client, "radius" + protocol);

            IList<GeoRadiusResult> plain = client.GeoRadius(key, 15, 37, 200, GeoUnit.Kilometers, sort: GeoSort.Ascending);
            Assert.Equal(new[] { "Catania", "Agrigento", "Palermo" }, plain.Select(r => r.Member));
            Assert.All(plain, r => { Assert.Null(r.Distance); Assert.Null(r.Hash); Assert.Null(r.Position); });

            IList<GeoRadiusResult> full = client.GeoRadius(key, 15, 37, 200, GeoUnit.Kilometers,
                withDist: true, withCoord: true, withHash: true, sort: GeoSort.Descending);
            Assert.Equal(new[] { "Palermo", "Agrigento", "Catania" }, full.Select(r => r.Member));
            Assert.Equal(190.4424, full[0].Distance!.Value, 4);
            Assert.Equal(56.4413, full[2].Distance!.Value, 4);
            Assert.Equal(3479099956230698L, full[0].Hash);
            Assert.Equal(13.361389, full[0].Position!.Longitude, 5);
            Assert.Equal(38.115556, full[0].Position!.Latitude, 5);
            Assert.Equal((long)client.ZScore(key, "Catania")!.Value, full[2].Hash); // the hash is the member's score

            GeoRadiusResult onlyDist = client.GeoRadius(key, 15, 37, 100, GeoUnit.Kilometers, withDist: true).Single();
            Assert.Equal("Catania", onlyDist.Member);
            Assert.Equal(56.4413, onlyDist.Distance!.Value, 4);
            Assert.Null(onlyDist.Hash);
            Assert.Null(onlyDist.Position);

            GeoRadiusResult onlyCoord = client.GeoRadius(key, 15, 37, 100, GeoUnit.Kilometers, withCoord: true).Single();
            Assert.Null(onlyCoord.Distance);
            Assert.Equal(15.087269, onlyCoord.Position!.Longitude, 5);

            GeoRadiusResult onlyHash = client.GeoRadius(key, 15, 37, 100, GeoUnit.Kilometers, withHash: true).Single();
            Assert.Equal(3479447370796909L, onlyHash.Hash);
            Assert.Null(onlyHash.Position);

            Assert.Equal(new[] { "Catania" }, client.GeoRadius(key, 15, 37, 200, GeoUnit.Kilometers, count: 1, sort: GeoSort.Ascending).Select(r => r.Member));
            Assert.Equal(new[] { "Palermo", "Agrigento" },
                client.GeoRadius(key, 15, 37, 200, GeoUnit.Kilometers, count: 2, sort: GeoSort.Descending).Select(r => r.Member));
            Assert.Single(client.GeoRadius(key, 15, 37, 200, GeoUnit.Kilometers, count: 1, any: true));
            Assert.Empty(client.GeoRadius(key, 15, 37, 10, GeoUnit.Meters));
            Assert.Equal(new[] { "Catania" }, client.GeoRadius(key, 15, 37, 328084, GeoUnit.Feet).Select(r => r.Member)); // ~100 km
            Assert.Empty(client.GeoRadius(_p + "missing", 15, 37, 200, GeoUnit.Kilometers));

            IList<GeoRadiusResult> byMember = client.GeoRadiusByMember(key, "Agrigento", 100, GeoUnit.Miles, withDist: true, sort: GeoSort.Ascending);
            Assert.Equal(new[] { "Agrigento", "Palermo", "Catania" }, byMember.Select(r => r.Member));
            Assert.Equal(0, byMember[0].Distance);
            Assert.Equal(new[] { "Agrigento" }, client.GeoRadiusByMember(key, "Agrigento", 10, GeoUnit.Kilometers).Select(r => r.Member));
        }

        [Fact]
        public void RadiusStoreAndStoreDist()
        {
            string key = Sicily(_client, "{g}src");
            string dest = _p + "{g}dest";
            Assert.Equal(2, _client.GeoRadiusStore(key, 15, 37, 200, dest, unit: GeoUnit.Kilometers, count: 2, sort: GeoSort.Ascending));
            Assert.Equal(new[] { "Agrigento", "Catania" }, _client.ZRange(dest, 0, -1).OrderBy(m => m, StringComparer.Ordinal)); // the 2 nearest
            Assert.Equal(_client.ZScore(key, "Catania"), _client.ZScore(dest, "Catania")); // STORE keeps the geohash scores

            Assert.Equal(3, _client.GeoRadiusStore(key, 15, 37, 200, dest, storeDist: true, unit: GeoUnit.Kilometers));
            Assert.Equal(56.4413, _client.ZScore(dest, "Catania")!.Value, 3); // STOREDIST scores by distance in the unit
            Assert.Equal(new[] { "Catania", "Agrigento", "Palermo" }, _client.ZRange(dest, 0, -1));

            Assert.Equal(2, _client.GeoRadiusByMemberStore(key, "Palermo", 100, dest, storeDist: true, unit: GeoUnit.Kilometers));
            Assert.Equal(0, _client.ZScore(dest, "Palermo"));
            Assert.Equal(_client.GeoDist(key, "Palermo", "Agrigento", GeoUnit.Kilometers)!.Value, _client.ZScore(dest, "Agrigento")!.Value, 3);
            Assert.Null(_client.ZScore(dest, "Catania"));

            Assert.Equal(1, _client.GeoRadiusByMemberStore(key, "Catania", 10, dest));
            Assert.Equal(new[] { "Catania" }, _client.ZRange(dest, 0, -1));
            Assert.Single(_client.GeoRadius(dest, 15, 37.5, 10, GeoUnit.Kilometers)); // a STORE result is still a geo index
        }

        [Fact]
        public void BadArgumentsAndWrongTypes()
        {
            string key = Sicily(_client, "bad");
            Assert.Throws<RedisDataException>(() => _client.GeoRadius(key, 15, 37, -1));
            Assert.Throws<RedisDataException>(() => _client.GeoRadius(key, 15, 37, 1, any: true));
            Assert.Throws<RedisDataException>(() => _client.GeoRadius(key, 15, 37, 1, count: 0));
            Assert.Throws<RedisDataException>(() => _client.GeoRadiusStore(key, 15, 37, 1, ""));
            Assert.Throws<RedisDataException>(() => _client.GeoHash(key));
            Assert.Throws<RedisDataException>(() => _client.GeoPos(key));

            var missingMember = Assert.Throws<RedisResponseException>(() => _client.GeoRadiusByMember(key, "Atlantis", 10));
            Assert.Equal("ERR", missingMember.ErrorCode);

            string text = _p + "text";
            _client.Set(text, "x");
            var errors = new[]
            {
                Assert.Throws<RedisResponseException>(() => _client.GeoAdd(text, Palermo)),
                Assert.Throws<RedisResponseException>(() => _client.GeoDist(text, "a", "b")),
                Assert.Throws<RedisResponseException>(() => _client.GeoPos(text, "a")),
                Assert.Throws<RedisResponseException>(() => _client.GeoRadius(text, 15, 37, 10)),
            };
            Assert.All(errors, e => Assert.Equal("WRONGTYPE", e.ErrorCode));
        }
    }
}
