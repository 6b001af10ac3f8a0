using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using PSRedis.Protocol;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Commands
{
    /// <summary>ACL commands. Users are created only on redis-servers these tests start (ACL changes are global).</summary>
    [Collection("redis")]
    public sealed class AclCommandTests
    {
        private readonly RedisFixture _fixture;

        public AclCommandTests(RedisFixture fixture)
        {
            _fixture = fixture;
        }

        private static string Sha256Hex(string text)
        {
            using var sha = SHA256.Create();
            return string.Concat(sha.ComputeHash(Encoding.UTF8.GetBytes(text)).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void SetUserGetUserWithEveryOption(int protocol)
        {
            using RedisServerProcess server = RedisServerProcess.Start();
            using RedisClient c = RedisClient.FromUrl(server.Url, o => o.Protocol = protocol);

            Assert.True(c.AclSetUser("bob", enabled: true, passwords: new[] { "+pw1", "+pw2" }, hashedPasswords: new[] { "+" + Sha256Hex("pw3") },
                categories: new[] { "+read", "+@connection" }, commands: new[] { "+set", "-get" }, keys: new[] { "cache:*", "tmp:*" },
                channels: new[] { "news.*" }, selectors: new[] { "+hget ~hashes:*", "(+lpush ~lists:*)" }));
            AclUser? bob = c.AclGetUser("bob");
            Assert.NotNull(bob);
            Assert.True(bob!.Enabled);
            Assert.Contains("on", bob.Flags);
            Assert.Equal(new[] { Sha256Hex("pw1"), Sha256Hex("pw2"), Sha256Hex("pw3") }.OrderBy(x => x), bob.Passwords.OrderBy(x => x));
            // Redis 7 rewrites the rules into its own order, starting from "-@all".
            Assert.Equal(new[] { "+@connection", "+@read", "-@all" }, bob.Categories.OrderBy(x => x, StringComparer.Ordinal));
            Assert.Equal(new[] { "+set", "-get" }, bob.Commands.OrderBy(x => x, StringComparer.Ordinal));
            Assert.Equal(new[] { "~cache:*", "~tmp:*" }, bob.Keys);
            Assert.Equal(new[] { "&news.*" }, bob.Channels);
            Assert.Equal(2, bob.Selectors.Count);
            Assert.Equal("~hashes:*", bob.Selectors[0]["keys"]);
            Assert.Contains("+hget", bob.Selectors[0]["commands"]);
            Assert.Equal("~lists:*", bob.Selectors[1]["keys"]);

            // Applied on top: remove a password, clear keys and channels, add others.
            Assert.True(c.AclSetUser("bob", enabled: true, passwords: new[] { "-pw2" }, hashedPasswords: new[] { "-" + Sha256Hex("pw3") },
                keys: new[] { "new:*" }, resetKeys: true, resetChannels: true));
            bob = c.AclGetUser("bob")!;
            Assert.Equal(new[] { Sha256Hex("pw1") }, bob.Passwords);
            Assert.Equal(new[] { "~new:*" }, bob.Keys);
            Assert.Empty(bob.Channels);
            Assert.Equal(new[] { "+set", "-get" }, bob.Commands.OrderBy(x => x, StringComparer.Ordinal));

            Assert.True(c.AclSetUser("bob", reset: true, categories: new[] { "+all", "-dangerous" }));
            Assert.Equal(new[] { "+@all", "-@dangerous" }, c.AclGetUser("bob")!.Categories);

            Assert.True(c.AclSetUser("bob", nopass: true, resetPasswords: true));
            bob = c.AclGetUser("bob")!;
            Assert.False(bob.Enabled);
            Assert.Contains("off", bob.Flags);
            Assert.Contains("nopass", bob.Flags);
            Assert.Empty(bob.Passwords);

            Assert.True(c.AclSetUser("bob", reset: true));
            bob = c.AclGetUser("bob")!;
            Assert.Empty(bob.Keys);
            Assert.Empty(bob.Selectors);
            Assert.Equal(new[] { "-@all" }, bob.Categories);

            Assert.Null(c.AclGetUser("nobody"));
        }

        [Fact]
        public void SetUserRejectsBadInputBeforeSending()
        {
            using RedisClient c = RedisClient.FromUrl(_fixture.Url);
            Assert.Throws<RedisDataException>(() => c.AclSetUser("x", passwords: new[] { "nopfx" }));
            Assert.Throws<RedisDataException>(() => c.AclSetUser("x", hashedPasswords: new[] { Sha256Hex("a") }));
            Assert.Throws<RedisDataException>(() => c.AclSetUser("x", nopass: true, passwords: new[] { "+a" }));
            Assert.Throws<RedisDataException>(() => c.AclSetUser("x", categories: new[] { "read" }));
            Assert.Throws<RedisDataException>(() => c.AclSetUser("x", commands: new[] { "get" }));
            Assert.Throws<RedisDataException>(() => c.AclSetUser(""));
            Assert.Throws<RedisDataException>(() => c.AclDelUser());
            Assert.Throws<RedisDataException>(() => c.AclGenPass(0));
            Assert.Null(c.AclGetUser("psredis-no-such-user-" + Guid.NewGuid().ToString("N")));
        }

        [Fact]
        public void NewUserCanLogInWithinItsPermissions()
        {
            using RedisServerProcess server = RedisServerProcess.Start();
            using RedisClient admin = RedisClient.FromUrl(server.Url);
            Assert.True(admin.AclSetUser("reader", enabled: true, passwords: new[] { "+s3cret" }, categories: new[] { "+@read", "+@connection" },
                commands: new[] { "+acl|whoami" }, keys: new[] { "pub:*" }));
            admin.Set("pub:a", "1");
            admin.Set("priv:a", "2");

            using RedisClient reader = RedisClient.FromUrl(server.Url, o => { o.Username = "reader"; o.Password = "s3cret"; });
            Assert.Equal("reader", reader.AclWhoAmI());
            Assert.Equal("1", reader.Get("pub:a"));
            Assert.Throws<RedisNoPermissionException>(() => reader.Get("priv:a"));
            Assert.Throws<RedisNoPermissionException>(() => reader.Set("pub:a", "x"));

            using RedisClient wrong = RedisClient.FromUrl(server.Url, o => { o.Username = "reader"; o.Password = "nope"; });
            Assert.Throws<RedisAuthenticationException>(() => wrong.Ping());
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void CatGenPassUsersListWhoAmIDelUser(int protocol)
        {
            using RedisServerProcess server = RedisServerProcess.Start();
            using RedisClient c = RedisClient.FromUrl(server.Url, o => o.Protocol = protocol);
            IList<string> categories = c.AclCat();
            Assert.Contains("read", categories);
            Assert.Contains("dangerous", categories);
            Assert.Contains("get", c.AclCat("read"));
            Assert.DoesNotContain("set", c.AclCat("read"));
            Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => c.AclCat("no-such-category")).ErrorCode);

            string pass = c.AclGenPass();
            Assert.Matches("^[0-9a-f]{64}$", pass);
            Assert.NotEqual(pass, c.AclGenPass());
            Assert.Matches("^[0-9a-f]{8}$", c.AclGenPass(32));
            Assert.Matches("^[0-9a-f]{2}$", c.AclGenPass(5)); // rounded up to whole hex digits

            Assert.Equal("default", c.AclWhoAmI());
            Assert.Equal(new[] { "default" }, c.AclUsers());
            c.AclSetUser("u1", enabled: true, nopass: true);
            c.AclSetUser("u2");
            Assert.Equal(new[] { "default", "u1", "u2" }, c.AclUsers().OrderBy(x => x, StringComparer.Ordinal));
            IList<string> list = c.AclList();
            Assert.Contains(list, l => l.StartsWith("user u1 on nopass", StringComparison.Ordinal));
            Assert.Contains(list, l => l.StartsWith("user u2 off", StringComparison.Ordinal));
            Assert.Equal(2, c.AclDelUser("u1", "u2", "u3"));
            Assert.Equal(0, c.AclDelUser("u1"));
            Assert.Equal(new[] { "default" }, c.AclUsers());
        }

        [Fact]
        public void SaveAndLoadUseTheAclFile()
        {
            string dir = Path.Combine(Path.GetTempPath(), "psredis-acl-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(dir);
            string aclFile = Path.Combine(dir, "users.acl");
            File.WriteAllText(aclFile, "");
            try
            {
                using RedisServerProcess server = RedisServerProcess.Start(new RedisServerOptions { ExtraArgs = new[] { "--aclfile", aclFile } });
                using RedisClient c = RedisClient.FromUrl(server.Url);
                Assert.True(c.AclSetUser("saved", enabled: true, passwords: new[] { "+pw" }, keys: new[] { "s:*" }, commands: new[] { "+get" }));
                Assert.True(c.AclSave());
                Assert.Contains("user saved on", File.ReadAllText(aclFile));

                Assert.Equal(1, c.AclDelUser("saved"));
                Assert.Null(c.AclGetUser("saved"));
                Assert.True(c.AclLoad());
                AclUser saved = c.AclGetUser("saved")!;
                Assert.Equal(new[] { "~s:*" }, saved.Keys);
                Assert.Equal(new[] { "+get" }, saved.Commands);

                File.WriteAllText(aclFile, "this is not an acl rule\n");
                Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => c.AclLoad()).ErrorCode);
                Assert.NotNull(c.AclGetUser("saved")); // a failed load keeps the users
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }

            // Without an aclfile both are errors.
            using RedisServerProcess plain = RedisServerProcess.Start();
            using RedisClient p = RedisClient.FromUrl(plain.Url);
            Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => p.AclSave()).ErrorCode);
            Assert.Equal("ERR", Assert.Throws<RedisResponseException>(() => p.AclLoad()).ErrorCode);
        }
    }
}
