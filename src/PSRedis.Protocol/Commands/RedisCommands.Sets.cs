using System.Collections.Generic;

namespace PSRedis.Protocol
{
    // Set family: SADD, SCARD, SDIFF, SDIFFSTORE, SINTER, SINTERSTORE, SISMEMBER, SMEMBERS, SMOVE, SPOP,
    // SRANDMEMBER, SREM, SUNION, SUNIONSTORE.
    public abstract partial class RedisCommands
    {
        /// <summary>SADD: adds the members to the set; returns how many were not already there.</summary>
        public long SAdd(string key, params object[] members) => Run(CollectionReplies.KeyAndValues("SADD", key, members), Reply.Integer);

        /// <summary>SCARD: the number of members (0 when the set does not exist).</summary>
        public long SCard(string key) => Run(new object?[] { "SCARD", key }, Reply.Integer);

        /// <summary>SDIFF: the members of the first set that are in none of the others.</summary>
        public ISet<string> SDiff(params string[] keys) => Run(Args.Prepend("SDIFF", keys), CollectionReplies.StringSet);

        /// <summary>SDIFFSTORE: stores SDIFF of <paramref name="keys"/> in <paramref name="destination"/> (replacing it); returns its size.</summary>
        public long SDiffStore(string destination, params string[] keys) =>
            Run(CollectionReplies.DestinationAndKeys("SDIFFSTORE", destination, keys), Reply.Integer);

        /// <summary>SINTER: the members present in every one of the sets (a missing key is an empty set).</summary>
        public ISet<string> SInter(params string[] keys) => Run(Args.Prepend("SINTER", keys), CollectionReplies.StringSet);

        /// <summary>SINTERSTORE: stores SINTER of <paramref name="keys"/> in <paramref name="destination"/> (replacing it); returns its size.</summary>
        public long SInterStore(string destination, params string[] keys) =>
            Run(CollectionReplies.DestinationAndKeys("SINTERSTORE", destination, keys), Reply.Integer);

        /// <summary>SISMEMBER: whether <paramref name="member"/> is in the set.</summary>
        public bool SIsMember(string key, object member) => Run(new object?[] { "SISMEMBER", key, member }, Reply.IsOne);

        /// <summary>SMEMBERS: all members of the set (empty when it does not exist).</summary>
        public ISet<string> SMembers(string key) => Run(new object?[] { "SMEMBERS", key }, CollectionReplies.StringSet);

        /// <summary>SMOVE: moves <paramref name="member"/> from <paramref name="source"/> to <paramref name="destination"/>; false when it was not in the source.</summary>
        public bool SMove(string source, string destination, object member) =>
            Run(new object?[] { "SMOVE", source, destination, member }, Reply.IsOne);

        /// <summary>SPOP: removes and returns a random member; null when the set does not exist.</summary>
        public string? SPop(string key) => Run(new object?[] { "SPOP", key }, Reply.String);

        /// <summary>SPOP with a count: removes and returns up to <paramref name="count"/> distinct random members (empty when the set does not exist).</summary>
        public IList<string> SPop(string key, long count)
        {
            CollectionReplies.CheckCount("SPOP", count);
            return Run(new object?[] { "SPOP", key, count }, CollectionReplies.Strings);
        }

        /// <summary>SRANDMEMBER: a random member, left in the set; null when the set does not exist.</summary>
        public string? SRandMember(string key) => Run(new object?[] { "SRANDMEMBER", key }, Reply.String);

        /// <summary>
        /// SRANDMEMBER with a count: up to <paramref name="number"/> distinct random members when positive, or exactly
        /// -<paramref name="number"/> members that may repeat when negative. Nothing is removed.
        /// </summary>
        public IList<string> SRandMember(string key, long number) =>
            Run(new object?[] { "SRANDMEMBER", key, number }, CollectionReplies.Strings);

        /// <summary>SREM: removes the members; returns how many were there.</summary>
        public long SRem(string key, params object[] members) => Run(CollectionReplies.KeyAndValues("SREM", key, members), Reply.Integer);

        /// <summary>SUNION: the members of all the sets together.</summary>
        public ISet<string> SUnion(params string[] keys) => Run(Args.Prepend("SUNION", keys), CollectionReplies.StringSet);

        /// <summary>SUNIONSTORE: stores SUNION of <paramref name="keys"/> in <paramref name="destination"/> (replacing it); returns its size.</summary>
        public long SUnionStore(string destination, params string[] keys) =>
            Run(CollectionReplies.DestinationAndKeys("SUNIONSTORE", destination, keys), Reply.Integer);
    }
}
