using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace PSRedis.TestServers
{
    /// <summary>
    /// What runs a test server: a process (redis-server, Garnet) or a Docker container, and the temporary folder it works
    /// in. <see cref="Stop"/> ends both and is safe to call again, from any thread.
    /// </summary>
    internal sealed class TestServerProcess
    {
        private readonly ProgramRun? _run;
        private readonly EngineProgram _program;
        private readonly string _directory;
        private int _stopped;

        internal TestServerProcess(EngineProgram program, ProgramRun? run, string? containerId, string directory)
        {
            _program = program;
            _run = run;
            ContainerId = containerId;
            _directory = directory;
        }

        internal string? ContainerId { get; }

        internal int? ProcessId => _run?.Process.Id;

        /// <summary>The server's process ended (stopped, or exited on its own); a container only counts as ended once stopped.</summary>
        internal bool HasEnded => Volatile.Read(ref _stopped) != 0 || (_run != null && _run.HasExited);

        /// <summary>The server's last output lines (for a container: its docker logs), for error messages.</summary>
        internal string OutputTail(int lines)
        {
            if (_run != null)
            {
                // An exited process's last lines may still be on their way to the readers; waiting (without a timeout:
                // it has exited, so this is only the pipes' end) delivers them.
                if (_run.HasExited) _run.Process.WaitForExit();
                return string.Join(Environment.NewLine, _run.TailLines(lines));
            }
            if (ContainerId == null) return string.Empty;
            ProgramRun logs = ProgramRun.Run(_program.FileName, new[] { "logs", "--tail", lines.ToString(System.Globalization.CultureInfo.InvariantCulture), ContainerId }, TimeSpan.FromSeconds(10));
            using (logs) return logs.Output.Trim();
        }

        /// <summary>
        /// Kills the process (or removes the container) and removes the folder. Returns what could not be done; the first
        /// call does the work, later calls return nothing.
        /// </summary>
        internal IReadOnlyList<string> Stop()
        {
            var problems = new List<string>();
            if (Interlocked.Exchange(ref _stopped, 1) != 0) return problems;
            if (_run != null)
            {
                int id = _run.Process.Id;
                if (!_run.Kill()) problems.Add(_program.Engine + " (process " + id + ") did not exit within 10 s of being killed.");
                _run.Dispose();
            }
            if (ContainerId != null)
            {
                using (ProgramRun removed = ProgramRun.Run(_program.FileName, new[] { "rm", "--force", ContainerId }, TimeSpan.FromSeconds(30)))
                {
                    if (removed.ExitCode != 0) problems.Add("docker rm --force " + ContainerId + " failed: " + removed.OutputTail(3));
                }
            }
            string? folderProblem = RemoveFolder(_directory);
            if (folderProblem != null) problems.Add(folderProblem);
            return problems;
        }

        /// <summary>Removes the folder; a few tries, since a just-killed process may still hold a file on Windows.</summary>
        private static string? RemoveFolder(string directory)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
                    return null;
                }
                catch (Exception e) when ((e is IOException || e is UnauthorizedAccessException) && attempt < 5)
                {
                    Thread.Sleep(100 * attempt);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    return "Could not remove " + directory + ": " + e.Message;
                }
            }
        }
    }
}
