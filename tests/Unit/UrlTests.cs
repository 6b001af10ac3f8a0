using System;
using System.Globalization;
using System.Reflection;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Unit
{
    /// <summary>RedisUrl.Parse / ConnectionOptions.FromUrl against the rules of redis-py's ConnectionPool.from_url.</summary>
    public class UrlTests
    {
        private const string Secret = "Sup3rS3cret";

        // ----- what a URL is parsed into ------------------------------------------------------------------

        [Theory]
        // schemes, default port, host kept as written
        [InlineData("redis://localhost", "localhost", 6379, null, 0, false, null, null)]
        [InlineData("redis://localhost:6380/2", "localhost", 6380, null, 2, false, null, null)]
        [InlineData("rediss://cache.example.com/1", "cache.example.com", 6379, null, 1, true, null, null)]
        [InlineData("rediss://cache.example.com:6390", "cache.example.com", 6390, null, 0, true, null, null)]
        [InlineData("REDIS://Host.Example.COM", "Host.Example.COM", 6379, null, 0, false, null, null)]
        [InlineData("  redis://host/1  ", "host", 6379, null, 1, false, null, null)]
        [InlineData("redis://host:", "host", 6379, null, 0, false, null, null)]
        [InlineData("redis://host/", "host", 6379, null, 0, false, null, null)]
        [InlineData("redis://my%2Dhost", "my-host", 6379, null, 0, false, null, null)]
        [InlineData("redis://h%C3%A9/0", "h\u00e9", 6379, null, 0, false, null, null)]
        // unix sockets
        [InlineData("unix:///tmp/redis.sock", "localhost", 6379, "/tmp/redis.sock", 0, false, null, null)]
        [InlineData("unix:///tmp/redis.sock?db=4", "localhost", 6379, "/tmp/redis.sock", 4, false, null, null)]
        [InlineData("unix://user:pw@/var/run/redis.sock", "localhost", 6379, "/var/run/redis.sock", 0, false, "user", "pw")]
        [InlineData("unix://:pw@/var/run/redis.sock", "localhost", 6379, "/var/run/redis.sock", 0, false, null, "pw")]
        [InlineData("unix:///tmp/my%20dir/redis.sock", "localhost", 6379, "/tmp/my dir/redis.sock", 0, false, null, null)]
        // IPv6
        [InlineData("redis://[::1]:6380/0", "::1", 6380, null, 0, false, null, null)]
        [InlineData("redis://[::1]", "::1", 6379, null, 0, false, null, null)]
        [InlineData("redis://[::1]:", "::1", 6379, null, 0, false, null, null)]
        [InlineData("rediss://u:p@[2001:db8::7]:7000/5", "2001:db8::7", 7000, null, 5, true, "u", "p")]
        [InlineData("redis://[fe80::1%25eth0]:7000", "fe80::1%eth0", 7000, null, 0, false, null, null)]
        [InlineData("redis://[fe80::1%25nosuchif9]", "fe80::1%nosuchif9", 6379, null, 0, false, null, null)]
        // credentials
        [InlineData("redis://user:secret@host", "host", 6379, null, 0, false, "user", "secret")]
        [InlineData("redis://:secret@host", "host", 6379, null, 0, false, null, "secret")]
        [InlineData("redis://user@host", "host", 6379, null, 0, false, "user", null)]
        [InlineData("redis://user:@host", "host", 6379, null, 0, false, "user", null)]
        [InlineData("redis://:@host", "host", 6379, null, 0, false, null, null)]
        [InlineData("redis://u%40x:p%40ss%3A%2F%25%23%3F@host", "host", 6379, null, 0, false, "u@x", "p@ss:/%#?")]
        [InlineData("redis://user:p@ss@host:6380", "host", 6380, null, 0, false, "user", "p@ss")]
        [InlineData("redis://user:pa:ss@host", "host", 6379, null, 0, false, "user", "pa:ss")]
        [InlineData("redis://:p%C3%A4ss@host", "host", 6379, null, 0, false, null, "p\u00e4ss")]
        [InlineData("redis://host?username=bob&password=pw", "host", 6379, null, 0, false, "bob", "pw")]
        [InlineData("redis://host?password=p%2Bq+r%26s", "host", 6379, null, 0, false, null, "p+q+r&s")]
        // userinfo beats username/password in the query string (redis-py applies the userinfo last)
        [InlineData("redis://alice:fromurl@host?username=bob&password=fromquery", "host", 6379, null, 0, false, "alice", "fromurl")]
        [InlineData("redis://alice@host?password=fromquery", "host", 6379, null, 0, false, "alice", "fromquery")]
        // db from path and query; duplicates: first non-empty value wins (parse_qs)
        [InlineData("redis://host/3", "host", 6379, null, 3, false, null, null)]
        [InlineData("redis://host?db=5", "host", 6379, null, 5, false, null, null)]
        [InlineData("redis://host/3?db=5", "host", 6379, null, 5, false, null, null)]
        [InlineData("redis://host?db=&db=7", "host", 6379, null, 7, false, null, null)]
        [InlineData("redis://host?db=2&db=7", "host", 6379, null, 2, false, null, null)]
        [InlineData("redis://host/%31%32", "host", 6379, null, 12, false, null, null)]
        public void Parse_ValidUrl_GivesEndpointDatabaseAndCredentials(
            string url, string host, int port, string? socketPath, int db, bool tls, string? user, string? password)
        {
            var o = RedisUrl.Parse(url);
            Assert.Equal(host, o.Host);
            Assert.Equal(port, o.Port);
            Assert.Equal(socketPath, o.UnixSocketPath);
            Assert.Equal(db, o.Database);
            Assert.Equal(tls, o.UseTls);
            Assert.Equal(user, o.Username);
            Assert.Equal(password, o.Password);
        }

        // ----- the three database sources, and configure -----------------------------------------------

        [Theory]
        [InlineData("redis://h", null, null, 0)]              // nothing given: 0
        [InlineData("redis://h", 4, null, 4)]                 // db argument
        [InlineData("redis://h/", 4, null, 4)]                // empty path: not given
        [InlineData("redis://h/2", 4, null, 2)]               // path beats argument
        [InlineData("redis://h/2?db=3", 4, null, 3)]          // query beats path and argument
        [InlineData("redis://h/3?db=2", null, null, 2)]       // query beats path, the other way round
        [InlineData("redis://h?db=3", 4, null, 3)]            // query beats argument
        [InlineData("rediss://h/6", 4, null, 6)]              // rediss path too
        [InlineData("unix:///s.sock", 4, null, 4)]            // unix: path is the socket, argument used
        [InlineData("unix:///s.sock?db=1", 4, null, 1)]       // unix: query beats argument
        [InlineData("redis://h", null, 9, 9)]                 // configure kept when nothing else names a db
        [InlineData("redis://h", 4, 9, 4)]                    // argument beats configure
        [InlineData("redis://h/2", null, 9, 2)]               // path beats configure
        [InlineData("redis://h?db=1", 4, 9, 1)]               // query beats everything
        public void Parse_Database_FirstOfQueryPathArgument(string url, int? dbArgument, int? configured, int expected)
        {
            var o = RedisUrl.Parse(url, configured.HasValue ? (Action<ConnectionOptions>)(c => c.Database = configured.Value) : null, dbArgument);
            Assert.Equal(expected, o.Database);
        }

        // ----- every query-string option and its value parsing ------------------------------------------

        [Theory]
        [InlineData("redis://h?socket_timeout=5", "SocketTimeout", "00:00:05")]
        [InlineData("redis://h?socket_timeout=0.25", "SocketTimeout", "00:00:00.2500000")]
        [InlineData("redis://h?socket_timeout=1e1", "SocketTimeout", "00:00:10")]
        [InlineData("redis://h?socket_connect_timeout=2.5", "ConnectTimeout", "00:00:02.5000000")]
        [InlineData("redis://h?socket_connect_timeout=120", "ConnectTimeout", "00:02:00")]
        [InlineData("redis://h?socket_keepalive=True", "SocketKeepAlive", "True")]
        [InlineData("redis://h?socket_keepalive=true", "SocketKeepAlive", "True")]
        [InlineData("redis://h?socket_keepalive=YES", "SocketKeepAlive", "True")]
        [InlineData("redis://h?socket_keepalive=1", "SocketKeepAlive", "True")]
        [InlineData("redis://h?socket_keepalive=False", "SocketKeepAlive", "False")]
        [InlineData("redis://h?socket_keepalive=no", "SocketKeepAlive", "False")]
        [InlineData("redis://h?socket_keepalive=0", "SocketKeepAlive", "False")]
        [InlineData("redis://h?retry_on_timeout=Yes", "RetryOnTimeout", "True")]
        [InlineData("redis://h?retry_on_timeout=TRUE", "RetryOnTimeout", "True")]
        [InlineData("redis://h?retry_on_timeout=1", "RetryOnTimeout", "True")]
        [InlineData("redis://h?retry_on_timeout=No", "RetryOnTimeout", "False")]
        [InlineData("redis://h?retry_on_timeout=false", "RetryOnTimeout", "False")]
        [InlineData("redis://h?retry_on_timeout=0", "RetryOnTimeout", "False")]
        [InlineData("redis://h?client_name=my%20app", "ClientName", "my app")]
        [InlineData("redis://h?client_name=a+b", "ClientName", "a+b")]
        [InlineData("redis://h?health_check_interval=15", "HealthCheckInterval", "00:00:15")]
        [InlineData("redis://h?health_check_interval=0.5", "HealthCheckInterval", "00:00:00.5000000")]
        [InlineData("redis://h?max_connections=10", "MaxConnections", "10")]
        [InlineData("redis://h?protocol=3", "Protocol", "3")]
        [InlineData("redis://h?protocol=2", "Protocol", "2")]
        [InlineData("redis://h?db=12", "Database", "12")]
        [InlineData("redis://h?username=bob", "Username", "bob")]
        [InlineData("redis://h?password=pw", "Password", "pw")]
        [InlineData("redis://h?timeout=1.5", "PoolTimeout", "00:00:01.5000000")]
        [InlineData("redis://h?timeout=0", "PoolTimeout", "00:00:00")]
        [InlineData("redis://h?timeout=None", "PoolTimeout", "-00:00:00.0010000")] // Timeout.InfiniteTimeSpan: wait forever
        [InlineData("redis://h?timeout=none", "PoolTimeout", "-00:00:00.0010000")]
        [InlineData("rediss://h?ssl_cert_reqs=none", "CertificateRequirement", "None")]
        [InlineData("rediss://h?ssl_cert_reqs=optional", "CertificateRequirement", "Optional")]
        [InlineData("rediss://h?ssl_cert_reqs=REQUIRED", "CertificateRequirement", "Required")]
        [InlineData("rediss://h?ssl_ca_certs=%2Fetc%2Fca.pem", "CaCertificatePath", "/etc/ca.pem")]
        [InlineData("rediss://h?ssl_certfile=/certs/client.pfx", "ClientCertificatePath", "/certs/client.pfx")]
        [InlineData("rediss://h?ssl_keyfile=C:%5Ckeys%5Cclient.key", "ClientKeyPath", "C:\\keys\\client.key")]
        [InlineData("rediss://h?ssl_check_hostname=False", "CheckHostname", "False")]
        [InlineData("rediss://h?ssl_check_hostname=no", "CheckHostname", "False")]
        [InlineData("rediss://h?ssl_check_hostname=Yes", "CheckHostname", "True")]
        [InlineData("unix:///s.sock?socket_timeout=3&client_name=u", "SocketTimeout", "00:00:03")]
        public void Parse_QueryOption_SetsProperty(string url, string property, string expected)
        {
            PropertyInfo prop = typeof(ConnectionOptions).GetProperty(property)!;
            // Booleans start from the opposite value, so each case proves the URL changed it.
            Action<ConnectionOptions>? configure = prop.PropertyType == typeof(bool)
                ? o => prop.SetValue(o, expected != "True")
                : (Action<ConnectionOptions>?)null;
            if (configure != null)
                Assert.NotEqual(expected, Format(prop.GetValue(RedisUrl.Parse("redis://h", configure))));

            var options = RedisUrl.Parse(url, configure);
            Assert.Equal(expected, Format(prop.GetValue(options)));
        }

        [Fact]
        public void Parse_QueryString_BeatsConfigure()
        {
            var o = RedisUrl.Parse(
                "rediss://urluser:urlpw@urlhost:7001/3?socket_timeout=1&socket_connect_timeout=2&socket_keepalive=yes&retry_on_timeout=yes" +
                "&client_name=url&health_check_interval=4&max_connections=5&protocol=3&timeout=6&ssl_cert_reqs=optional" +
                "&ssl_ca_certs=ca&ssl_certfile=cert&ssl_keyfile=key&ssl_check_hostname=no",
                AllSet, db: 11);
            Assert.Equal("urlhost", o.Host);
            Assert.Equal(7001, o.Port);
            Assert.Equal(3, o.Database);
            Assert.Equal("urluser", o.Username);
            Assert.Equal("urlpw", o.Password);
            Assert.True(o.UseTls);
            Assert.Equal(TimeSpan.FromSeconds(1), o.SocketTimeout);
            Assert.Equal(TimeSpan.FromSeconds(2), o.ConnectTimeout);
            Assert.True(o.SocketKeepAlive);
            Assert.True(o.RetryOnTimeout);
            Assert.Equal("url", o.ClientName);
            Assert.Equal(TimeSpan.FromSeconds(4), o.HealthCheckInterval);
            Assert.Equal(5, o.MaxConnections);
            Assert.Equal(3, o.Protocol);
            Assert.Equal(TimeSpan.FromSeconds(6), o.PoolTimeout);
            Assert.Equal(CertificateRequirement.Optional, o.CertificateRequirement);
            Assert.Equal("ca", o.CaCertificatePath);
            Assert.Equal("cert", o.ClientCertificatePath);
            Assert.Equal("key", o.ClientKeyPath);
            Assert.False(o.CheckHostname);
        }

        [Fact]
        public void Parse_ConfigureValues_KeptWhenUrlDoesNotMentionThem()
        {
            var o = RedisUrl.Parse("rediss://urlhost", AllSet);
            Assert.Equal("urlhost", o.Host);
            Assert.Equal(1234, o.Port);
            Assert.Equal(9, o.Database);
            Assert.Equal("cfguser", o.Username);
            Assert.Equal("cfgpw", o.Password);
            Assert.Equal(TimeSpan.FromSeconds(91), o.SocketTimeout);
            Assert.Equal(TimeSpan.FromSeconds(92), o.ConnectTimeout);
            Assert.False(o.SocketKeepAlive);
            Assert.False(o.RetryOnTimeout);
            Assert.Equal("cfg", o.ClientName);
            Assert.Equal(TimeSpan.FromSeconds(93), o.HealthCheckInterval);
            Assert.Equal(94, o.MaxConnections);
            Assert.Equal(2, o.Protocol);
            Assert.Equal(TimeSpan.FromSeconds(95), o.PoolTimeout);
            Assert.Equal(CertificateRequirement.None, o.CertificateRequirement);
            Assert.Equal("cfgca", o.CaCertificatePath);
            Assert.Equal("cfgcert", o.ClientCertificatePath);
            Assert.Equal("cfgkey", o.ClientKeyPath);
            Assert.True(o.CheckHostname);
            Assert.Equal("cfgname", o.TlsServerName);
        }

        [Fact]
        public void Parse_UserOnlyUrl_KeepsConfiguredPassword()
        {
            var o = RedisUrl.Parse("redis://alice@host", c => { c.Username = "bob"; c.Password = "pw"; });
            Assert.Equal("alice", o.Username);
            Assert.Equal("pw", o.Password);
        }

        [Theory]
        [InlineData("redis://h", false, null)]
        [InlineData("rediss://h", true, null)]
        [InlineData("unix:///run/r.sock", false, "/run/r.sock")]
        public void Parse_Scheme_DecidesTransportOverConfigure(string url, bool tls, string? socketPath)
        {
            var o = RedisUrl.Parse(url, c => { c.UseTls = !tls; c.UnixSocketPath = socketPath == null ? "/cfg.sock" : null; });
            Assert.Equal(tls, o.UseTls);
            Assert.Equal(socketPath, o.UnixSocketPath);
        }

        [Fact]
        public void Parse_EmptyQueryValues_AreIgnored()
        {
            var o = RedisUrl.Parse("redis://h/2?socket_timeout=&db=&client_name=&timeout=&&protocol", AllSet);
            Assert.Equal(TimeSpan.FromSeconds(91), o.SocketTimeout);
            Assert.Equal(2, o.Database);
            Assert.Equal("cfg", o.ClientName);
            Assert.Equal(TimeSpan.FromSeconds(95), o.PoolTimeout);
            Assert.Equal(2, o.Protocol);
        }

        [Fact]
        public void FromUrl_IsParse()
        {
            var o = ConnectionOptions.FromUrl("rediss://:pw@h:7000/1?client_name=x", c => c.Protocol = 3, db: 5);
            Assert.Equal("h", o.Host);
            Assert.Equal(7000, o.Port);
            Assert.Equal(1, o.Database);
            Assert.Equal("pw", o.Password);
            Assert.True(o.UseTls);
            Assert.Equal("x", o.ClientName);
            Assert.Equal(3, o.Protocol);
        }

        [Fact]
        public void RetryCountAndBackoffComeFromTheUrl()
        {
            ConnectionOptions o = RedisUrl.Parse("redis://h?retries=5&retry_backoff=0.2");
            Assert.Equal(5, o.Retry.Retries);
            Assert.Equal(TimeSpan.FromMilliseconds(200), o.Retry.BackoffBase);
            Assert.Equal(TimeSpan.FromSeconds(8), o.Retry.BackoffCap);
            Assert.Equal(0, RedisUrl.Parse("redis://h?retries=0").Retry.Retries);
            Assert.Equal(RetryPolicy.Default.Retries, RedisUrl.Parse("redis://h").Retry.Retries);
            Assert.Contains("retries", Assert.Throws<ArgumentException>(() => RedisUrl.Parse("redis://h?retries=-1")).Message);
            Assert.Contains("retry_backoff", Assert.Throws<ArgumentException>(() => RedisUrl.Parse("redis://h?retry_backoff=soon")).Message);
        }

        [Fact]
        public void OptionNames_AreRedisPyNames()
        {
            Assert.Equal(
                new[] { "db", "username", "password", "client_name", "socket_timeout", "socket_connect_timeout", "socket_keepalive",
                        "retries", "retry_backoff", "retry_on_timeout", "health_check_interval", "max_connections", "timeout", "protocol", "ssl_cert_reqs",
                        "ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_check_hostname" },
                RedisUrl.OptionNames);
        }

        // ----- errors ----------------------------------------------------------------------------------

        [Theory]
        [InlineData("http://host")]
        [InlineData("tcp://user:" + Secret + "@host")]
        [InlineData("localhost:6379")]
        [InlineData("user:" + Secret + "@localhost:6379")]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("redis:/host")]
        [InlineData("redis:host")]
        [InlineData("//host")]
        [InlineData("redis//host")]
        [InlineData("unix:/tmp/redis.sock")]
        public void Parse_UnknownOrMissingScheme_Throws(string url)
        {
            var e = Assert.Throws<ArgumentException>(() => RedisUrl.Parse(url));
            Assert.StartsWith("Redis URL must specify one of the following schemes (redis://, rediss://, unix://)", e.Message);
            Assert.Equal("url", e.ParamName);
            Assert.DoesNotContain(Secret, e.Message);
        }

        [Fact]
        public void Parse_UnknownScheme_NamesTheSchemeGiven()
        {
            var e = Assert.Throws<ArgumentException>(() => RedisUrl.Parse("http://host"));
            Assert.Contains("'http://'", e.Message);
        }

        [Theory]
        [InlineData("redis://")]
        [InlineData("redis:///0")]
        [InlineData("rediss://:" + Secret + "@")]
        [InlineData("redis://:" + Secret + "@:6379/0")]
        [InlineData("redis://host:abc")]
        [InlineData("redis://host:0")]
        [InlineData("redis://host:65536")]
        [InlineData("redis://host:-1")]
        [InlineData("redis://host: 80")]
        [InlineData("redis://host/abc")]
        [InlineData("redis://host/1/2")]
        [InlineData("redis://host/-1")]
        [InlineData("redis://host/1.5")]
        [InlineData("redis://[::1")]
        [InlineData("redis://[::1]x")]
        [InlineData("redis://[not-an-ip]:6379")]
        [InlineData("redis://[127.0.0.1]:6379")]
        [InlineData("redis://[::1%25]:6379")]
        [InlineData("redis://::1:6379")]
        [InlineData("redis://ho st")]
        [InlineData("redis://ho%20st")]
        [InlineData("redis://host#frag")]
        [InlineData("redis://host/%zz")]
        [InlineData("redis://host/%4")]
        [InlineData("redis://host?client_name=%")]
        [InlineData("redis://:%FF%FE@host")]
        [InlineData("unix://")]
        [InlineData("unix:///")]
        [InlineData("unix://host/tmp/redis.sock")]
        [InlineData("unix://tmp/redis.sock")]
        [InlineData("unix://localhost:6379/tmp/redis.sock")]
        [InlineData("redis://h?ssl_ca_certs=/ca.pem")]
        [InlineData("unix:///s.sock?ssl_check_hostname=no")]
        public void Parse_MalformedUrl_Throws(string url)
        {
            var e = Assert.Throws<ArgumentException>(() => RedisUrl.Parse(url));
            Assert.StartsWith("Invalid Redis URL: ", e.Message);
            Assert.Equal("url", e.ParamName);
        }

        [Theory]
        [InlineData("redis://h?sockettimeout=1", "sockettimeout")]
        [InlineData("redis://h?DB=1", "DB")]
        [InlineData("rediss://h?ssl=true", "ssl")]
        [InlineData("redis://h?decode_responses=True", "decode_responses")]
        [InlineData("redis://h?foo", "foo")]
        [InlineData("redis://h?db=1&no%5Fsuch=", "no_such")]
        public void Parse_UnknownOption_ThrowsNamingItAndTheKnownOnes(string url, string name)
        {
            var e = Assert.Throws<ArgumentException>(() => RedisUrl.Parse(url));
            Assert.StartsWith("Unknown option `" + name + "` in connection URL.", e.Message);
            foreach (string known in RedisUrl.OptionNames)
                Assert.Contains(known, e.Message);
        }

        [Theory]
        [InlineData("redis://h?socket_timeout=abc", "socket_timeout")]
        [InlineData("redis://h?socket_timeout=-1", "socket_timeout")]
        [InlineData("redis://h?socket_timeout=0", "socket_timeout")]
        [InlineData("redis://h?socket_timeout=NaN", "socket_timeout")]
        [InlineData("redis://h?socket_timeout=Infinity", "socket_timeout")]
        [InlineData("redis://h?socket_timeout=None", "socket_timeout")]
        [InlineData("redis://h?socket_timeout=%205", "socket_timeout")]
        [InlineData("redis://h?socket_connect_timeout=1,5", "socket_connect_timeout")]
        [InlineData("redis://h?socket_keepalive=maybe", "socket_keepalive")]
        [InlineData("redis://h?socket_keepalive=on", "socket_keepalive")]
        [InlineData("redis://h?retry_on_timeout=2", "retry_on_timeout")]
        [InlineData("redis://h?health_check_interval=-1", "health_check_interval")]
        [InlineData("redis://h?health_check_interval=soon", "health_check_interval")]
        [InlineData("redis://h?max_connections=0", "max_connections")]
        [InlineData("redis://h?max_connections=1.5", "max_connections")]
        [InlineData("redis://h?max_connections=99999999999", "max_connections")]
        [InlineData("redis://h?protocol=4", "protocol")]
        [InlineData("redis://h?protocol=two", "protocol")]
        [InlineData("redis://h?db=-1", "db")]
        [InlineData("redis://h?db=x", "db")]
        [InlineData("redis://h/1?db=x", "db")]
        [InlineData("redis://h?timeout=forever", "timeout")]
        [InlineData("redis://h?timeout=1e300", "timeout")]
        [InlineData("rediss://h?ssl_cert_reqs=sometimes", "ssl_cert_reqs")]
        [InlineData("rediss://h?ssl_check_hostname=yep", "ssl_check_hostname")]
        public void Parse_InvalidOptionValue_Throws(string url, string name)
        {
            var e = Assert.Throws<ArgumentException>(() => RedisUrl.Parse(url));
            Assert.StartsWith("Invalid value for `" + name + "` in connection URL", e.Message);
            Assert.Equal("url", e.ParamName);
        }

        [Fact]
        public void Parse_BadUrl_ThrowsBeforeConfigureRuns()
        {
            bool ran = false;
            Assert.Throws<ArgumentException>(() => RedisUrl.Parse("redis://h?socket_timeout=abc", _ => ran = true));
            Assert.Throws<ArgumentException>(() => RedisUrl.Parse("redis://h:x", _ => ran = true));
            Assert.False(ran);
        }

        [Fact]
        public void Parse_NullUrlOrNegativeDb_Throws()
        {
            Assert.Throws<ArgumentNullException>(() => RedisUrl.Parse(null!));
            Assert.Throws<ArgumentOutOfRangeException>(() => RedisUrl.Parse("redis://h", db: -1));
        }

        // ----- the password never shows -----------------------------------------------------------------

        [Theory]
        [InlineData("http://user:" + Secret + "@host")]
        [InlineData("user:" + Secret + "@host:6379")]
        [InlineData("redis://user:" + Secret + "@")]
        [InlineData("redis://user:" + Secret + "@host:port")]
        [InlineData("redis://user:" + Secret + "@host/db")]
        [InlineData("redis://user:" + Secret + "/0")]               // unencoded '/' in the password: host "user", port "Sup3r..."
        [InlineData("redis://user:" + Secret + "#x@host")]          // unencoded '#'
        [InlineData("redis://user:" + Secret + "?x@host")]          // unencoded '?': the rest looks like an unknown option
        [InlineData("redis://user:" + Secret + "%zz@host")]
        [InlineData("redis://user:" + Secret + "%FF@host")]
        [InlineData("redis://user:" + Secret + "@[::1")]
        [InlineData("redis://user:" + Secret + "@host?socket_timeout=abc")]
        [InlineData("redis://user:" + Secret + "@host?bogus=1")]
        [InlineData("redis://host?password=" + Secret + "&socket_timeout=x")]
        [InlineData("redis://host?password=" + Secret + "&ssl_certfile=x")]
        [InlineData("redis://host?password=" + Secret + "%zz")]
        [InlineData("unix://user:" + Secret + "@host/tmp/x.sock")]
        [InlineData("unix://user:" + Secret + "@")]
        [InlineData("redis://user:Sup3r%53%33cret@host:0")]
        public void Parse_Failure_NeverShowsThePassword(string url)
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => RedisUrl.Parse(url));
            for (Exception? x = e; x != null; x = x.InnerException)
            {
                Assert.DoesNotContain(Secret, x.Message);
                Assert.DoesNotContain("Sup3r%53", x.Message);
                Assert.DoesNotContain("Sup3r", x.ToString());
            }
        }

        [Theory]
        [InlineData("redis://user:" + Secret + "@host/1")]
        [InlineData("rediss://:" + Secret + "@[::1]:7000")]
        [InlineData("redis://host?password=" + Secret)]
        [InlineData("unix://user:" + Secret + "@/tmp/r.sock?db=2")]
        [InlineData("redis://user:Sup3r%53%33cret@host")]
        public void ToString_NeverShowsThePassword(string url)
        {
            var o = RedisUrl.Parse(url);
            Assert.Equal(Secret, o.Password);
            string s = o.ToString();
            Assert.DoesNotContain("Sup3r", s);
            Assert.Contains(":***@", s);
        }

        [Theory]
        [InlineData("http://user:" + Secret + "@host")]
        [InlineData("user:" + Secret + "@host:6379")]
        [InlineData("redis://user:" + Secret + "@")]
        [InlineData("redis://user:" + Secret + "#x@host")]
        [InlineData("redis://user:" + Secret + "?x@host")]
        [InlineData("redis://user:" + Secret + "%zz@host")]
        [InlineData("redis://user:" + Secret + "@[::1")]
        [InlineData("redis://:" + Secret + "@host?socket_timeout=abc")]
        [InlineData("redis://host?db=2&password=" + Secret + "&socket_timeout=x")]
        [InlineData("redis://host?PASSWORD=" + Secret)]
        [InlineData("unix://user:" + Secret + "@/tmp/r.sock?db=2")]
        [InlineData("rediss://user:" + Secret + "@host/1?password=" + Secret)]
        public void Redact_HidesEveryPasswordEvenInBadUrls(string url)
        {
            string redacted = RedisUrl.Redact(url);
            Assert.DoesNotContain("Sup3r", redacted);
            Assert.Contains("***", redacted);
        }

        [Fact]
        public void Redact_KeepsEverythingElse()
        {
            Assert.Equal("rediss://alice:***@cache:6380/2?ssl_ca_certs=/x.pem&password=***",
                RedisUrl.Redact("rediss://alice:p@ss@cache:6380/2?ssl_ca_certs=/x.pem&password=p@ss"));
            Assert.Equal("redis://cache:6379/0", RedisUrl.Redact("redis://cache:6379/0"));
            Assert.Equal("redis://alice@cache", RedisUrl.Redact("redis://alice@cache"));
        }

        // ----- helpers ---------------------------------------------------------------------------------

        /// <summary>Sets every option to a value different from both the defaults and the values the URLs above use.</summary>
        private static void AllSet(ConnectionOptions c)
        {
            c.Host = "cfghost";
            c.Port = 1234;
            c.Database = 9;
            c.Username = "cfguser";
            c.Password = "cfgpw";
            c.UseTls = false;
            c.TlsServerName = "cfgname";
            c.SocketTimeout = TimeSpan.FromSeconds(91);
            c.ConnectTimeout = TimeSpan.FromSeconds(92);
            c.SocketKeepAlive = false;
            c.RetryOnTimeout = false;
            c.ClientName = "cfg";
            c.HealthCheckInterval = TimeSpan.FromSeconds(93);
            c.MaxConnections = 94;
            c.Protocol = 2;
            c.PoolTimeout = TimeSpan.FromSeconds(95);
            c.CertificateRequirement = CertificateRequirement.None;
            c.CaCertificatePath = "cfgca";
            c.ClientCertificatePath = "cfgcert";
            c.ClientKeyPath = "cfgkey";
            c.CheckHostname = true;
        }

        private static string Format(object? value) => value switch
        {
            null => "null",
            TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "null",
        };
    }
}
