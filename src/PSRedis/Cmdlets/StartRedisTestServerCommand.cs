using System;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Security;
using PSRedis.Protocol;
using PSRedis.TestServers;

namespace PSRedis.Cmdlets
{
    /// <summary>
    /// Start-RedisTestServer: a throwaway server on a free loopback port, nothing persisted, for tests and demos.
    /// Returns once it answers PING; it is stopped by Stop-RedisTestServer, or when the runspace closes, the module is
    /// removed or the process exits.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "RedisTestServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(RedisTestServer))]
    public sealed class StartRedisTestServerCommand : PSCmdlet
    {
        private readonly System.Threading.CancellationTokenSource _stop = new System.Threading.CancellationTokenSource();

        /// <summary>Auto (default): redis-server from PATH, else Garnet (a dotnet tool), else Docker's redis image.</summary>
        [Parameter(Position = 0)]
        public TestServerEngine Engine { get; set; } = TestServerEngine.Auto;

        /// <summary>The loopback port; default a free one.</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int Port { get; set; }

        /// <summary>A password the server requires (a SecureString, or a plain string in test scripts).</summary>
        [Parameter]
        [SecureStringTransformation]
        [ValidateNotNull]
        public SecureString? Password { get; set; }

        /// <summary>More arguments for the server program, as it takes them (redis-server: --maxmemory 10mb; Garnet: --memory 1g).</summary>
        [Parameter]
        [ValidateNotNull]
        [AllowEmptyString]
        public string[] ArgumentList { get; set; } = Array.Empty<string>();

        /// <summary>How long to wait for the server to answer PING: seconds or a TimeSpan; default 30.</summary>
        [Parameter]
        [SecondsTransformation]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Also connects to it (as Connect-Redis does), making it the session's default connection.</summary>
        [Parameter]
        public SwitchParameter Connect { get; set; }

        protected override void EndProcessing()
        {
            if (Timeout <= TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Timeout), "The timeout must be positive."),
                    ErrorIds.InvalidTimeout, ErrorCategory.InvalidArgument, Timeout));
            }
            Runspace runspace = Runspace.DefaultRunspace
                ?? throw new InvalidOperationException("Start-RedisTestServer must run in a PowerShell runspace.");
            string where = (Port != 0 ? "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) : "a free loopback port");
            if (!ShouldProcess(where, "Start a throwaway " + (Engine == TestServerEngine.Auto ? "Redis-compatible" : Engine.ToString()) + " server")) return;

            string? password = Password == null ? null : new NetworkCredential(string.Empty, Password).Password;
            var request = new TestServerRequest
            {
                Engine = Engine,
                Port = Port,
                Password = password,
                ArgumentList = ArgumentList,
                Timeout = Timeout,
                CurrentDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath,
                Stopping = _stop.Token,
            };
            RedisTestServer server;
            try
            {
                server = TestServerLauncher.Start(request, WriteVerbose);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException(); // Ctrl+C: the launcher has stopped what it started
            }
            catch (TestServerException e)
            {
                var record = new ErrorRecord(e, e.EngineMissing ? ErrorIds.TestServerEngineNotFound : ErrorIds.TestServerStartFailed,
                    e.EngineMissing ? ErrorCategory.NotInstalled : ErrorCategory.OpenError, Engine);
                if (e.EngineMissing) record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = EngineLocator.InstallHint(Engine) };
                ThrowTerminatingError(record);
                return;
            }
            TestServerRegistry.Add(server, runspace);
            TestServerRegistry.HookModuleRemoval(MyInvocation.MyCommand.Module);
            WriteVerbose("Started " + server.ServerName + " " + server.Version + " (" + server.Program + ") at " + server.Url + ".");
            if (Connect) ConnectTo(server, password);
            WriteObject(server);
        }

        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>A connection to the new server, registered and made the default as Connect-Redis would.</summary>
        private void ConnectTo(RedisTestServer server, string? password)
        {
            SessionConnections session = ConnectionRegistry.Current
                ?? throw new InvalidOperationException("Start-RedisTestServer must run in a PowerShell runspace.");
            var options = new ConnectionOptions { Host = server.Host, Port = server.Port, Password = password };
            var client = new RedisClient(options);
            try
            {
                client.Ping();
            }
            catch (RedisException e)
            {
                client.Dispose();
                Stop(server);
                ThrowTerminatingError(RedisCmdlet.ToErrorRecord(e, server.Url));
            }
            var connection = new RedisConnection(RedisConnection.DefaultName(options), client);
            session.Add(connection);
            server.ConnectionName = connection.Name;
            server.Connection = connection;
            WriteVerbose("Connected to " + server.Url + " as '" + connection.Name + "'; it is now the default connection.");
        }

        private static void Stop(RedisTestServer server)
        {
            TestServerRegistry.Remove(server);
            server.Running?.Stop();
        }
    }
}
