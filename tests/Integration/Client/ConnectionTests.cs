using System;
using System.Collections.Generic;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Client
{
    /// <summary>The Connection class on its own: what redis-py's Connection methods do, against a real server.</summary>
    [Collection("redis")]
    public sealed class ConnectionTests
    {
        private readonly RedisFixture _fixture;

        public ConnectionTests(RedisFixture fixture) => _fixture = fixture;

        private Connection Open(Action<ConnectionOptions>? configure = null)
        {
            ConnectionOptions options = RedisUrl.Parse(_fixture.Url);
            configure?.Invoke(options); // after parsing: the URL's own database would otherwise win
            var connection = new Connection(options);
            connection.Connect();
            return connection;
        }

        [Fact]
        public void ConnectRunsTheHandshakeAndDisconnectCloses()
        {
            using Connection connection = Open(o => { o.ClientName = "psredis-conn"; o.Database = 4; });
            Assert.True(connection.IsConnected);
            Assert.Equal(4, connection.CurrentDatabase);
            connection.SendCommand(new object?[] { "CLIENT", "GETNAME" });
            Assert.Equal("psredis-conn", connection.ReadResponse().AsString());
            connection.Disconnect();
            Assert.False(connection.IsConnected);
            Assert.False(connection.IsBroken);
            connection.Connect(); // a disconnected connection reconnects, handshake included
            connection.SendCommand(new object?[] { "CLIENT", "GETNAME" });
            Assert.Equal("psredis-conn", connection.ReadResponse().AsString());
        }

        [Fact]
        public void SendCommandsPipelinesAndReadResponseReturnsRepliesInOrder()
        {
            using Connection connection = Open();
            string key = "it:conn:" + Guid.NewGuid().ToString("N");
            var commands = new List<IReadOnlyList<object?>>
            {
                new object?[] { "SET", key, "1" },
                new object?[] { "INCR", key },
                new object?[] { "LPUSH", key, "x" },
                new object?[] { "GET", key },
            };
            connection.SendCommands(commands);
            Assert.Equal("OK", connection.ReadResponse().AsString());
            Assert.Equal(2, connection.ReadResponse().Integer64);
            RespValue wrongType = connection.ReadResponse(errorsAsValues: true);
            Assert.True(wrongType.IsError);
            Assert.Equal("2", connection.ReadResponse().AsString());
            connection.SendCommand(new object?[] { "LPUSH", key, "x" });
            Assert.Throws<RedisResponseException>(() => connection.ReadResponse());
            Assert.False(connection.IsBroken); // an error reply is complete: the stream is still in step
            connection.SendCommand(new object?[] { "DEL", key });
            Assert.Equal(1, connection.ReadResponse().Integer64);
        }

        [Fact]
        public void TryReadResponseIsCanReadWithATimeout()
        {
            using Connection connection = Open();
            Assert.Null(connection.TryReadResponse(TimeSpan.FromMilliseconds(50)));
            connection.SendCommand(new object?[] { "PING" });
            RespValue? reply = connection.TryReadResponse(TimeSpan.FromSeconds(5));
            Assert.NotNull(reply);
            Assert.Equal("PONG", reply!.AsString());
        }

        [Fact]
        public void BlockingReadMayOutlastTheSocketTimeout()
        {
            using Connection connection = Open(o => o.SocketTimeout = TimeSpan.FromMilliseconds(300));
            string key = "it:conn:block:" + Guid.NewGuid().ToString("N");
            connection.SendCommand(new object?[] { "BLPOP", key, "0.8" });
            Assert.True(connection.ReadResponse(TimeSpan.FromSeconds(3)).IsNull);
            // The normal timeout is back in force afterwards.
            connection.SendCommand(new object?[] { "BLPOP", key, "1" });
            Assert.Throws<RedisTimeoutException>(() => connection.ReadResponse());
            Assert.True(connection.IsBroken);
        }

        [Fact]
        public void ResponseCallbacksConvertExecuteCommandReplies()
        {
            using RedisClient client = RedisClient.FromUrl(_fixture.Url);
            string key = "it:callback:" + Guid.NewGuid().ToString("N");
            client.Set(key, "41");
            client.SetResponseCallback("INCR", reply => "n=" + reply.Integer64);
            Assert.Equal("n=42", client.ExecuteCommand("incr", key));
            client.SetResponseCallback("INCR", null);
            Assert.Equal(43L, client.ExecuteCommand("INCR", key));
            client.Delete(key);
        }

        [Fact]
        public void DecodeResponsesFalseReturnsBytes()
        {
            using RedisClient client = RedisClient.FromUrl(_fixture.Url);
            string key = "it:bytes:" + Guid.NewGuid().ToString("N");
            client.Set(key, new byte[] { 0xff, 0x00, 0x41 });
            client.DecodeResponses = false;
            Assert.Equal(new byte[] { 0xff, 0x00, 0x41 }, client.ExecuteCommand("GET", key));
            client.Delete(key);
        }
    }
}
