using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;

namespace PSRedis.TestServers
{
    /// <summary>
    /// A started program whose output (stdout and stderr, interleaved as it comes) is read all the time, so a chatty
    /// server never blocks on a full pipe, and whose last lines are kept for error messages.
    /// </summary>
    internal sealed class ProgramRun : IDisposable
    {
        private const int KeptLines = 60;
        private readonly Queue<string> _tail = new Queue<string>();
        private readonly StringBuilder _all = new StringBuilder();
        private readonly bool _keepAll;

        private ProgramRun(Process process, bool keepAll)
        {
            Process = process;
            _keepAll = keepAll;
        }

        internal Process Process { get; }

        /// <summary>Starts <paramref name="fileName"/>; a program that cannot start (not executable, missing) throws a Win32Exception.</summary>
        internal static ProgramRun Start(string fileName, IEnumerable<string> arguments, string? workingDirectory, bool keepAllOutput = false)
        {
            var start = new ProcessStartInfo(fileName, JoinArguments(arguments))
            {
                UseShellExecute = false,
                CreateNoWindow = true,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (workingDirectory != null) start.WorkingDirectory = workingDirectory;
            // Garnet's console logger colours its lines; the escapes would only clutter an error message.
            start.EnvironmentVariables["NO_COLOR"] = "1";
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            var run = new ProgramRun(process, keepAllOutput);
            process.OutputDataReceived += (_, e) => run.Add(e.Data);
            process.ErrorDataReceived += (_, e) => run.Add(e.Data);
            process.Start();
            // Nothing is ever typed to a server; a closed stdin keeps one that reads it from waiting.
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return run;
        }

        /// <summary>
        /// Runs a short command to its end (killed after <paramref name="timeout"/>); ExitCode -1 when it could not run or
        /// timed out. Cancelling kills it and throws OperationCanceledException.
        /// </summary>
        internal static ProgramRun Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancel = default)
        {
            ProgramRun run;
            try
            {
                run = Start(fileName, arguments, null, keepAllOutput: true);
            }
            catch (Win32Exception e)
            {
                var failed = new ProgramRun(new Process(), keepAll: true) { ExitCode = -1 };
                failed.Add(e.Message);
                return failed;
            }
            if (!WaitForExit(run, timeout, cancel))
            {
                run.Kill();
                run.Add("(no answer within " + timeout.TotalSeconds + " s)");
                run.ExitCode = -1;
                return run;
            }
            run.Process.WaitForExit(); // the parameterless wait also waits for the output readers to finish
            run.ExitCode = run.Process.ExitCode;
            return run;
        }

        private static bool WaitForExit(ProgramRun run, TimeSpan timeout, CancellationToken cancel)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            while (!run.Process.WaitForExit(50))
            {
                if (cancel.IsCancellationRequested)
                {
                    run.Kill();
                    run.Dispose();
                    cancel.ThrowIfCancellationRequested();
                }
                if (DateTime.UtcNow > deadline) return false;
            }
            return true;
        }

        internal int ExitCode { get; private set; }

        /// <summary>All output of a <see cref="Run"/>.</summary>
        internal string Output
        {
            get { lock (_tail) return _all.ToString(); }
        }

        /// <summary>The last <paramref name="lines"/> lines of output, joined with " / " for one-line messages.</summary>
        internal string OutputTail(int lines) => string.Join(" / ", TailLines(lines));

        internal IReadOnlyList<string> TailLines(int lines)
        {
            lock (_tail) return _tail.Skip(Math.Max(0, _tail.Count - lines)).ToArray();
        }

        internal bool HasExited
        {
            get
            {
                try { return Process.HasExited; }
                catch (InvalidOperationException) { return true; } // never started
            }
        }

        /// <summary>Kills the program and waits (up to 10 s) until it is gone; true when it is.</summary>
        internal bool Kill()
        {
            if (HasExited) return true;
            try
            {
                Process.Kill();
            }
            catch (InvalidOperationException)
            {
                return true; // exited meanwhile
            }
            catch (Win32Exception)
            {
                // Exiting at this moment (access denied to a dying process on Windows): the wait below tells.
            }
            return Process.WaitForExit(10000);
        }

        public void Dispose() => Process.Dispose();

        private void Add(string? line)
        {
            if (line == null) return;
            string clean = StripEscapes(line);
            lock (_tail)
            {
                if (_keepAll) _all.AppendLine(clean);
                _tail.Enqueue(clean);
                while (_tail.Count > KeptLines) _tail.Dequeue();
            }
        }

        private static string StripEscapes(string line) =>
            System.Text.RegularExpressions.Regex.Replace(line, "\u001b\\[[0-9;]*[A-Za-z]", string.Empty).TrimEnd();

        /// <summary>
        /// One command line for ProcessStartInfo (netstandard2.0 has no ArgumentList): each argument quoted the way
        /// CommandLineToArgvW and the .NET runtime split it again, so spaces, quotes and empty strings arrive intact.
        /// </summary>
        internal static string JoinArguments(IEnumerable<string> arguments) => string.Join(" ", arguments.Select(Quote));

        private static string Quote(string argument)
        {
            if (argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0) return argument;
            var quoted = new StringBuilder("\"");
            int backslashes = 0;
            foreach (char c in argument)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }
                // Backslashes before a quote are doubled (and the quote escaped); elsewhere they are literal.
                quoted.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes);
                backslashes = 0;
                quoted.Append(c);
            }
            quoted.Append('\\', backslashes * 2);
            quoted.Append('"');
            return quoted.ToString();
        }
    }
}
