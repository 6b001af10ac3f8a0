using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using PSRedis.Protocol;

namespace PSRedis.TestServers
{
    /// <summary>Why a test server could not be had: no program for the engine, or it did not start or answer.</summary>
    internal sealed class TestServerException : Exception
    {
        internal TestServerException(string message, bool engineMissing) : base(message)
        {
            EngineMissing = engineMissing;
        }

        internal bool EngineMissing { get; }
    }

    /// <summary>What Start-RedisTestServer asked for.</summary>
    internal sealed class TestServerRequest
    {
        internal TestServerEngine Engine { get; set; }

        /// <summary>0: a free loopback port.</summary>
        internal int Port { get; set; }

        internal string? Password { get; set; }

        internal IReadOnlyList<string> ArgumentList { get; set; } = Array.Empty<string>();

        internal TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Where a tool manifest is looked for (PowerShell's current location, not the process's).</summary>
        internal string CurrentDirectory { get; set; } = Environment.CurrentDirectory;

        internal string DockerImage { get; set; } = "redis";

        /// <summary>Ctrl+C: the waits end within 50 ms, and what was started is stopped.</summary>
        internal CancellationToken Stopping { get; set; }
    }

    /// <summary>
    /// Starts a throwaway server: finds the engine, writes its settings to a private temporary folder (the password goes
    /// in a file there, never on a command line other users can list), starts it on a loopback port and waits until
    /// it answers PING. Whatever fails on the way is stopped and removed before the error is thrown.
    /// </summary>
    internal static class TestServerLauncher
    {
        private const int PortAttempts = 3;

        internal static RedisTestServer Start(TestServerRequest request, Action<string> verbose)
        {
            EngineProgram program = Find(request, verbose);
            if (request.Port != 0 && !IsFree(request.Port))
            {
                // Checked first: a PING would reach the server already there, and pass for ours.
                throw new TestServerException("Port " + request.Port.ToString(CultureInfo.InvariantCulture) + " on 127.0.0.1 is in use by another program.", engineMissing: false);
            }
            for (int attempt = 1; ; attempt++)
            {
                int port = request.Port != 0 ? request.Port : FreeLoopbackPort();
                try
                {
                    return StartOn(program, port, request, verbose);
                }
                catch (PortTakenException) when (request.Port == 0 && attempt < PortAttempts)
                {
                    // Another program took the free port between our look and the server's bind: try another.
                    verbose("Port " + port.ToString(CultureInfo.InvariantCulture) + " was taken meanwhile; trying another.");
                }
                catch (PortTakenException e)
                {
                    throw new TestServerException(e.Message, engineMissing: false);
                }
            }
        }

        private static EngineProgram Find(TestServerRequest request, Action<string> verbose)
        {
            var reasons = new List<string>();
            foreach (TestServerEngine engine in request.Engine == TestServerEngine.Auto
                ? new[] { TestServerEngine.Redis, TestServerEngine.Garnet, TestServerEngine.Docker }
                : new[] { request.Engine })
            {
                string whyNot;
                EngineProgram? program = engine == TestServerEngine.Redis ? EngineLocator.FindRedis(out whyNot)
                    : engine == TestServerEngine.Garnet ? EngineLocator.FindGarnet(request.CurrentDirectory, out whyNot)
                    : EngineLocator.FindDocker(out whyNot);
                if (program != null)
                {
                    verbose("Using " + program.FoundAs + ".");
                    return program;
                }
                verbose(engine + ": " + whyNot + ".");
                reasons.Add(whyNot);
            }
            string what = request.Engine == TestServerEngine.Auto ? "No server to start was found" : "Cannot start a " + request.Engine + " server";
            throw new TestServerException(what + ": " + string.Join("; ", reasons) + ". " + EngineLocator.InstallHint(request.Engine), engineMissing: true);
        }

        private static RedisTestServer StartOn(EngineProgram program, int port, TestServerRequest request, Action<string> verbose)
        {
            string directory = RedisTestServer.NewDirectoryName(program.Engine);
            CreatePrivateFolder(directory);
            TestServerProcess? running = null;
            var server = new RedisTestServer(program.Engine, port, directory, request.Password != null) { Program = program.FoundAs };
            try
            {
                running = Launch(program, port, directory, request);
                server.Running = running;
                server.ProcessId = running.ProcessId;
                server.ContainerId = running.ContainerId;
                verbose("Started " + program.Engine + " on 127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture)
                    + (running.ProcessId.HasValue ? " (process " + running.ProcessId.Value.ToString(CultureInfo.InvariantCulture) + ")" : " (container " + running.ContainerId + ")")
                    + "; waiting for PING.");
                RedisInfo info = WaitUntilAnswering(program, port, request, running);
                ServerIdentity identity = ServerIdentity.FromInfo(info, "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
                server.ServerName = identity.Name;
                server.Version = identity.Version;
                return server;
            }
            catch
            {
                if (running != null) running.Stop();
                else if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
                throw;
            }
        }

        private static TestServerProcess Launch(EngineProgram program, int port, string directory, TestServerRequest request)
        {
            string portText = port.ToString(CultureInfo.InvariantCulture);
            var arguments = new List<string>(program.LeadingArguments);
            switch (program.Engine)
            {
                case TestServerEngine.Redis:
                    string config = Path.Combine(directory, "redis.conf");
                    File.WriteAllText(config, RedisConfig(portText, directory, request.Password), new UTF8Encoding(false));
                    arguments.Add(config);
                    break;
                case TestServerEngine.Garnet:
                    // ACL mode as Redis has it (ACL SETUSER works; the default user needs no password unless -Password
                    // gives one); the password in a settings file in the private folder, not on the command line.
                    string garnetConfig = Path.Combine(directory, "garnet.conf");
                    File.WriteAllText(garnetConfig, "{\"AuthenticationMode\":\"ACL\"" + (request.Password != null ? ",\"Password\":\"" + JsonEscape(request.Password) + "\"" : string.Empty) + "}",
                        new UTF8Encoding(false));
                    arguments.AddRange(new[] { "--config-import-path", garnetConfig, "--port", portText, "--bind", "127.0.0.1", "--lua" });
                    // Saves (BGSAVE) go to the server's folder, through .NET's own file API: Garnet's default device
                    // needs libaio, which many Linux machines lack. -ArgumentList may name others.
                    if (!Names(request.ArgumentList, "--checkpointdir", "-c")) arguments.AddRange(new[] { "--checkpointdir", Path.Combine(directory, "checkpoints") });
                    if (!Names(request.ArgumentList, "--device-type")) arguments.AddRange(new[] { "--device-type", "RandomAccess" });
                    break;
                default:
                    string name = "psredis-test-" + Path.GetFileName(directory);
                    arguments.AddRange(new[] { "run", "--detach", "--name", name, "--publish", "127.0.0.1:" + portText + ":6379", request.DockerImage,
                        "redis-server", "--save", string.Empty, "--appendonly", "no" });
                    arguments.AddRange(request.ArgumentList);
                    // docker run pulls the image first when it is missing, which can take longer than the server's start.
                    using (ProgramRun run = ProgramRun.Run(program.FileName, arguments, request.Timeout + TimeSpan.FromMinutes(2), request.Stopping))
                    {
                        if (run.ExitCode != 0)
                        {
                            // A container that was created but did not start is still removed.
                            using (ProgramRun.Run(program.FileName, new[] { "rm", "--force", name }, TimeSpan.FromSeconds(30))) { }
                            throw new TestServerException("docker run failed (exit " + run.ExitCode.ToString(CultureInfo.InvariantCulture) + "): " + run.OutputTail(10), engineMissing: false);
                        }
                        string id = run.Output.Trim().Split('\n').Last().Trim();
                        return new TestServerProcess(program, null, id, directory);
                    }
            }
            arguments.AddRange(request.ArgumentList);
            ProgramRun started;
            try
            {
                started = ProgramRun.Start(program.FileName, arguments, directory);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new TestServerException("Cannot run " + program.FoundAs + ": " + e.Message, engineMissing: false);
            }
            return new TestServerProcess(program, started, null, directory);
        }

        /// <summary>
        /// PINGs until the server answers, it exits, or the timeout passes; then INFO server. On Docker, a password is
        /// set now (CONFIG SET), since the container has no private folder for a settings file.
        /// </summary>
        private static RedisInfo WaitUntilAnswering(EngineProgram program, int port, TestServerRequest request, TestServerProcess running)
        {
            bool docker = program.Engine == TestServerEngine.Docker;
            var options = new ConnectionOptions
            {
                Host = "127.0.0.1",
                Port = port,
                ConnectTimeout = TimeSpan.FromSeconds(1),
                SocketTimeout = TimeSpan.FromSeconds(5),
                SendLibraryInfo = false,
                Retry = new RetryPolicy(0, TimeSpan.Zero),
                Password = docker ? null : request.Password,
            };
            DateTime deadline = DateTime.UtcNow + request.Timeout;
            Exception? last = null;
            while (true)
            {
                request.Stopping.ThrowIfCancellationRequested();
                if (running.HasEnded)
                {
                    string output = running.OutputTail(30);
                    if (output.IndexOf("in use", StringComparison.OrdinalIgnoreCase) >= 0) throw new PortTakenException(program.Engine + " could not listen on port " + port.ToString(CultureInfo.InvariantCulture) + ": " + output);
                    throw new TestServerException(program.Engine + " (" + program.FoundAs + ") exited before it answered. Its output:" + Environment.NewLine + output, engineMissing: false);
                }
                try
                {
                    using (var client = new RedisClient(options))
                    {
                        client.Ping();
                        RedisInfo info = client.Info("server");
                        // A port taken meanwhile answers too, from another server: Redis says whose process it is.
                        if (running.ProcessId.HasValue && Text(info, "process_id") is string pid && pid != running.ProcessId.Value.ToString(CultureInfo.InvariantCulture))
                        {
                            throw new PortTakenException("Port " + port.ToString(CultureInfo.InvariantCulture) + " is served by another process (" + pid + ").");
                        }
                        if (docker && request.Password != null) client.ConfigSet("requirepass", request.Password);
                        return info;
                    }
                }
                catch (RedisException e) when (!(e is RedisAuthenticationException))
                {
                    last = e;
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TestServerException(program.Engine + " did not answer PING on 127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + " within "
                        + request.Timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s (last: " + last?.Message + "). Its output:"
                        + Environment.NewLine + running.OutputTail(30), engineMissing: false);
                }
                Thread.Sleep(50);
            }
        }

        /// <summary>redis.conf for a throwaway server: loopback only, nothing saved, working in its own folder.</summary>
        internal static string RedisConfig(string port, string directory, string? password)
        {
            var config = new StringBuilder();
            config.Append("port ").Append(port).Append('\n');
            config.Append("bind 127.0.0.1\n");
            config.Append("save \"\"\n");
            config.Append("appendonly no\n");
            config.Append("daemonize no\n");
            config.Append("logfile \"\"\n");
            config.Append("dir ").Append(ConfigQuote(directory)).Append('\n');
            if (password != null) config.Append("requirepass ").Append(ConfigQuote(password)).Append('\n');
            return config.ToString();
        }

        /// <summary>A redis.conf value in double quotes: backslashes and quotes escaped, control characters as \xHH.</summary>
        internal static string ConfigQuote(string value)
        {
            var quoted = new StringBuilder("\"");
            foreach (char c in value)
            {
                if (c == '\\' || c == '"') quoted.Append('\\').Append(c);
                else if (c < 0x20 || c == 0x7f) quoted.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                else quoted.Append(c);
            }
            return quoted.Append('"').ToString();
        }

        /// <summary>Whether the user's arguments already give one of these options.</summary>
        private static bool Names(IReadOnlyList<string> arguments, params string[] options) =>
            arguments.Any(a => options.Any(o => string.Equals(a, o, StringComparison.OrdinalIgnoreCase) || a.StartsWith(o + "=", StringComparison.OrdinalIgnoreCase)));

        private static string JsonEscape(string value)
        {
            var escaped = new StringBuilder();
            foreach (char c in value)
            {
                if (c == '\\' || c == '"') escaped.Append('\\').Append(c);
                else if (c < 0x20) escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else escaped.Append(c);
            }
            return escaped.ToString();
        }

        private static string? Text(RedisInfo info, string field) =>
            info.TryGetValue(field, out object value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

        private static bool IsFree(int port)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
            finally
            {
                listener.Stop();
            }
        }

        private static int FreeLoopbackPort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
            finally { listener.Stop(); }
        }

        /// <summary>The folder, readable by its owner only on Unix (it may hold the password); %TEMP% is per-user on Windows.</summary>
        private static void CreatePrivateFolder(string directory)
        {
            Directory.CreateDirectory(directory);
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
            if (chmod(directory, 0x1C0 /* 0700 */) != 0)
            {
                int error = Marshal.GetLastWin32Error();
                Directory.Delete(directory);
                throw new TestServerException("Cannot make " + directory + " private (chmod 700 failed with errno " + error.ToString(CultureInfo.InvariantCulture) + ").", engineMissing: false);
            }
        }

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int chmod(string path, uint mode);

        private sealed class PortTakenException : Exception
        {
            internal PortTakenException(string message) : base(message) { }
        }
    }
}
