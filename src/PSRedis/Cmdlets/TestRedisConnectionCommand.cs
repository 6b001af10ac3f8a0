using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using PSRedis.Protocol;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Test-RedisConnection: PINGs a connection (or a URL) and reports Success and the round-trip time.
    /// A server that cannot be reached, a closed connection or no connection at all is a result (Success = $false,
    /// Error = why), not an exception, so it can sit in an if condition before anything is connected.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "RedisConnection", DefaultParameterSetName = ConnectionSet)]
    [OutputType(typeof(RedisConnectionTestResult), ParameterSetName = new[] { ConnectionSet, UrlSet })]
    [OutputType(typeof(bool), ParameterSetName = new[] { ConnectionSet, UrlSet })]
    public sealed class TestRedisConnectionCommand : RedisCmdlet
    {
        private const string ConnectionSet = "Connection";
        private const string UrlSet = "Url";
        private static readonly TimeSpan DefaultUrlTimeout = TimeSpan.FromSeconds(5);

        /// <summary>Tests a URL without connecting the session to it.</summary>
        [Parameter(Mandatory = true, ParameterSetName = UrlSet)]
        [ValidateNotNullOrEmpty]
        public string? Url { get; set; }

        /// <summary>
        /// Connect and reply timeout (seconds or a TimeSpan). With -Url: default 5 seconds. For a connection: when given,
        /// the PING goes over a new connection with these settings and this timeout; otherwise the connection's own.
        /// </summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan Timeout { get; set; } = DefaultUrlTimeout;

        /// <summary>Emits only $true or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            SecretArguments.RedactUrl(MyInvocation, nameof(Url), Url);
            if (Timeout <= TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Timeout), "The timeout must be positive."),
                    ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, Timeout));
            }
            if (ParameterSetName == UrlSet)
            {
                TestUrl(Url!);
                return;
            }
            RedisConnection? connection = Connection ?? ConnectionRegistry.Current?.Default;
            if (connection == null)
            {
                Emit(false, null, string.Empty, null, NoConnectionMessage, null);
                return;
            }
            if (connection.IsClosed)
            {
                Emit(false, connection.Name, connection.Url, null, "The connection was closed by Disconnect-Redis.", connection);
                return;
            }
            ThrowIfBatching(connection, "it measures a PING's round trip, which a batch cannot give.");
            TestConnection(connection);
        }

        private void TestConnection(RedisConnection connection)
        {
            connection.MarkUsed();
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)))
            {
                WriteVerbose("PING " + connection.Url);
                Emit(Ping(connection.Client, out TimeSpan? roundTrip, out string? error), connection.Name, connection.Url, roundTrip, error, connection);
                return;
            }
            // A pooled connection's socket timeout cannot be changed for one call: test over a connection of its own.
            ConnectionOptions options = connection.Client.Options.Clone();
            PingOnce(options, connection.Name, connection);
        }

        private void TestUrl(string url)
        {
            if (SentinelUrl.IsSentinelUrl(url))
            {
                TestSentinelUrl(url);
                return;
            }
            ConnectionOptions options;
            IReadOnlyList<(string Host, int Port)> seeds;
            try
            {
                options = RedisUrl.Parse(ClusterUrl.SplitHosts(url, out seeds), null, null);
            }
            catch (Exception e) when (e is RedisException || e is ArgumentException || e is FormatException)
            {
                ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidUrl, ErrorCategory.InvalidArgument, null));
                throw; // not reached
            }
            // Several seed nodes (a cluster): reachable when any of them answers.
            string first = options.ToString();
            bool success = PingWith(options, out TimeSpan? roundTrip, out string? error);
            foreach ((string host, int port) in seeds)
            {
                if (success) break;
                options.Host = host;
                options.Port = port;
                success = PingWith(options, out roundTrip, out string? next);
                error += " " + next;
            }
            // Success names the node that answered; failure the URL as given, with every node's error.
            Emit(success, null, success ? options.ToString() : first, roundTrip, success ? null : error, null);
        }

        /// <summary>A redis+sentinel:// URL: the sentinels name the primary, which must answer PING.</summary>
        private void TestSentinelUrl(string url)
        {
            SentinelUrl target;
            try
            {
                target = SentinelUrl.Parse(url);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidUrl, ErrorCategory.InvalidArgument, null));
                throw; // not reached
            }
            WriteVerbose("PING the primary of " + target.ServiceName + " that " + target + " names");
            bool success;
            TimeSpan? roundTrip;
            string? error;
            try
            {
                using RedisSentinel sentinel = target.CreateSentinel();
                using RedisClient client = sentinel.MasterFor(target.ServiceName, o =>
                {
                    o.ConnectTimeout = Timeout;
                    o.SocketTimeout = Timeout;
                });
                success = Ping(client, out roundTrip, out error);
            }
            catch (RedisException e)
            {
                (success, roundTrip, error) = (false, null, e.Message);
            }
            Emit(success, null, target.ToString(), roundTrip, error, null);
        }

        private void PingOnce(ConnectionOptions options, string? name, RedisConnection? connection)
        {
            bool success = PingWith(options, out TimeSpan? roundTrip, out string? error);
            Emit(success, name, options.ToString(), roundTrip, error, connection);
        }

        /// <summary>PING over a connection of its own, made with <paramref name="options"/> and this call's timeout.</summary>
        private bool PingWith(ConnectionOptions options, out TimeSpan? roundTrip, out string? error)
        {
            options.ConnectTimeout = Timeout;
            options.SocketTimeout = Timeout;
            options.MaxConnections = 1;
            WriteVerbose("PING " + options + " (timeout " + Timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s)");
            using (var client = new RedisClient(options))
            {
                return Ping(client, out roundTrip, out error);
            }
        }

        private static bool Ping(RedisClientBase client, out TimeSpan? roundTrip, out string? error)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                bool pong = client.Ping();
                watch.Stop();
                roundTrip = watch.Elapsed;
                error = pong ? null : "The server did not answer PONG.";
                return pong;
            }
            catch (Exception e) when (e is RedisException || e is ObjectDisposedException)
            {
                // The failure is the answer this cmdlet exists to give: report it in the result.
                roundTrip = null;
                error = e is ObjectDisposedException ? "The connection has been closed." : e.Message;
                return false;
            }
        }

        private void Emit(bool success, string? name, string url, TimeSpan? roundTrip, string? error, RedisConnection? connection)
        {
            if (!success) WriteVerbose("Failed: " + error);
            if (Quiet) WriteObject(success);
            else WriteObject(new RedisConnectionTestResult(name, url, success, roundTrip, error, connection));
        }
    }
}
