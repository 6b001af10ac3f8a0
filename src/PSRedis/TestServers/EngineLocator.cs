using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Xml;

namespace PSRedis.TestServers
{
    /// <summary>A server program found on this machine: what to run to start it, and how it was found.</summary>
    internal sealed class EngineProgram
    {
        internal EngineProgram(TestServerEngine engine, string fileName, IReadOnlyList<string> leadingArguments, string foundAs)
        {
            Engine = engine;
            FileName = fileName;
            LeadingArguments = leadingArguments;
            FoundAs = foundAs;
        }

        internal TestServerEngine Engine { get; }

        internal string FileName { get; }

        /// <summary>Arguments before the server's own (for Garnet from a tool manifest: exec and the tool's DLL).</summary>
        internal IReadOnlyList<string> LeadingArguments { get; }

        /// <summary>For -Verbose and errors: "redis-server at /usr/bin/redis-server".</summary>
        internal string FoundAs { get; }
    }

    /// <summary>
    /// Finds redis-server, garnet-server and docker. PATH is read on every call (a test that empties PATH sees
    /// the install hint). Nothing here starts a server.
    /// </summary>
    internal static class EngineLocator
    {
        internal const string GarnetTool = "garnet-server";

        private static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        private static bool IsMacOS => RuntimeInformation.IsOSPlatform(OSPlatform.OSX);

        /// <summary>The full path of <paramref name="name"/> in a PATH folder (with .exe on Windows), or null.</summary>
        internal static string? FindOnPath(string name)
        {
            string? path = Environment.GetEnvironmentVariable("PATH");
            if (string.IsNullOrEmpty(path)) return null;
            string[] names = IsWindows ? new[] { name + ".exe", name + ".cmd", name } : new[] { name };
            foreach (string folder in path!.Split(Path.PathSeparator))
            {
                if (folder.Trim().Length == 0) continue;
                foreach (string candidate in names)
                {
                    string full;
                    try { full = Path.Combine(folder.Trim().Trim('"'), candidate); }
                    catch (ArgumentException) { continue; } // a PATH entry with characters no path may hold
                    if (File.Exists(full)) return full;
                }
            }
            return null;
        }

        internal static EngineProgram? FindRedis(out string whyNot)
        {
            string? path = FindOnPath("redis-server");
            whyNot = path == null ? "redis-server is not on PATH" : string.Empty;
            return path == null ? null : new EngineProgram(TestServerEngine.Redis, path, Array.Empty<string>(), "redis-server at " + path);
        }

        /// <summary>
        /// garnet-server installed as a global dotnet tool (on PATH, or in ~/.dotnet/tools), else from the first tool
        /// manifest above <paramref name="currentDirectory"/>. A manifest's tool runs as "dotnet exec &lt;dll&gt;", one
        /// process: "dotnet garnet-server" would start a second process that a kill by process id leaves running.
        /// </summary>
        internal static EngineProgram? FindGarnet(string currentDirectory, out string whyNot)
        {
            string? global = FindOnPath(GarnetTool);
            if (global == null)
            {
                string toolsFolder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");
                string candidate = Path.Combine(toolsFolder, IsWindows ? GarnetTool + ".exe" : GarnetTool);
                if (File.Exists(candidate)) global = candidate;
            }
            if (global != null)
            {
                whyNot = string.Empty;
                return new EngineProgram(TestServerEngine.Garnet, global, Array.Empty<string>(), "garnet-server at " + global);
            }

            string? manifest = FindToolManifest(currentDirectory, out string? version);
            if (manifest == null || version == null)
            {
                whyNot = "garnet-server is neither a global dotnet tool nor in a tool manifest (dotnet-tools.json) in or above " + currentDirectory;
                return null;
            }
            string? dll = FindToolEntryPoint(version, out string packageFolder);
            if (dll == null)
            {
                whyNot = "garnet-server " + version + " is in the tool manifest " + manifest + " but not restored (no " + packageFolder
                    + "): run 'dotnet tool restore' in " + Path.GetDirectoryName(Path.GetDirectoryName(manifest)!);
                return null;
            }
            string? dotnet = FindDotnetHost();
            if (dotnet == null)
            {
                whyNot = "garnet-server " + version + " is restored, but the dotnet program that runs it is not on PATH";
                return null;
            }
            whyNot = string.Empty;
            return new EngineProgram(TestServerEngine.Garnet, dotnet, new[] { "exec", dll },
                "garnet-server " + version + " from the tool manifest " + manifest);
        }

        /// <summary>docker on PATH whose engine answers (docker version asks the daemon), or null with the reason.</summary>
        internal static EngineProgram? FindDocker(out string whyNot)
        {
            string? docker = FindOnPath("docker");
            if (docker == null)
            {
                whyNot = "docker is not on PATH";
                return null;
            }
            ProgramRun run = ProgramRun.Run(docker, new[] { "version", "--format", "{{.Server.Version}}" }, TimeSpan.FromSeconds(10));
            if (run.ExitCode != 0)
            {
                whyNot = "docker is on PATH but its engine does not answer (" + run.OutputTail(3) + ")";
                return null;
            }
            whyNot = string.Empty;
            return new EngineProgram(TestServerEngine.Docker, docker, Array.Empty<string>(), "docker at " + docker + " (engine " + run.Output.Trim() + ")");
        }

        /// <summary>What to install for <paramref name="engine"/> (Auto: any of the three) on this platform.</summary>
        internal static string InstallHint(TestServerEngine engine)
        {
            string redis = IsWindows ? "Redis has no Windows build: use Garnet or Docker, or Redis inside WSL"
                : IsMacOS ? "Redis: brew install redis"
                : "Redis: apt-get install redis-server (Debian, Ubuntu), dnf install redis (Fedora, RHEL), apk add redis (Alpine)";
            const string garnet = "Garnet (needs the .NET 8 SDK or later): dotnet tool install --global garnet-server "
                + "(or 'dotnet tool install garnet-server' into a tool manifest, then 'dotnet tool restore')";
            string docker = IsWindows || IsMacOS ? "Docker: install Docker Desktop and start it" : "Docker: install Docker Engine and start it";
            switch (engine)
            {
                case TestServerEngine.Redis: return "Install " + redis + ".";
                case TestServerEngine.Garnet: return "Install " + garnet + ".";
                case TestServerEngine.Docker: return "Install " + docker + ".";
                default: return "Install one of them. " + redis + ". " + garnet + ". " + docker + ".";
            }
        }

        /// <summary>
        /// The manifest dotnet itself would use from <paramref name="directory"/>: dotnet-tools.json or .config/dotnet-tools.json
        /// in the folder or a parent, up to one marked isRoot. Returns its path when it lists garnet-server.
        /// </summary>
        private static string? FindToolManifest(string directory, out string? version)
        {
            version = null;
            for (DirectoryInfo? folder = SafeDirectory(directory); folder != null; folder = folder.Parent)
            {
                foreach (string candidate in new[] { Path.Combine(folder.FullName, "dotnet-tools.json"), Path.Combine(folder.FullName, ".config", "dotnet-tools.json") })
                {
                    if (!File.Exists(candidate)) continue;
                    string text;
                    try { text = File.ReadAllText(candidate); }
                    catch (IOException) { continue; }
                    catch (UnauthorizedAccessException) { continue; }
                    // No JSON library: the module ships without dependencies, and these two fields are all that is needed.
                    Match tool = Regex.Match(text, "\"" + Regex.Escape(GarnetTool) + "\"\\s*:\\s*\\{[^}]*?\"version\"\\s*:\\s*\"([^\"]+)\"", RegexOptions.IgnoreCase);
                    if (tool.Success)
                    {
                        version = tool.Groups[1].Value;
                        return candidate;
                    }
                    if (Regex.IsMatch(text, "\"isRoot\"\\s*:\\s*true", RegexOptions.IgnoreCase)) return null;
                }
            }
            return null;
        }

        private static DirectoryInfo? SafeDirectory(string path)
        {
            try { return new DirectoryInfo(path); }
            catch (ArgumentException) { return null; }
        }

        /// <summary>The tool's DLL in the NuGet package folder (tools/&lt;newest framework&gt;/any), as its DotnetToolSettings.xml names it.</summary>
        private static string? FindToolEntryPoint(string version, out string packageFolder)
        {
            string? packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(packages))
            {
                packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            }
            packageFolder = Path.Combine(packages!, GarnetTool, version.ToLowerInvariant());
            string tools = Path.Combine(packageFolder, "tools");
            if (!Directory.Exists(tools)) return null;
            IEnumerable<string> frameworks = Directory.GetDirectories(tools).OrderByDescending(FrameworkVersion);
            foreach (string framework in frameworks)
            {
                string settings = Path.Combine(framework, "any", "DotnetToolSettings.xml");
                if (!File.Exists(settings)) continue;
                var document = new XmlDocument { XmlResolver = null };
                using (XmlReader reader = XmlReader.Create(settings, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
                {
                    document.Load(reader);
                }
                string? entryPoint = (document.SelectSingleNode("//Command") as XmlElement)?.GetAttribute("EntryPoint");
                if (string.IsNullOrEmpty(entryPoint)) continue;
                string dll = Path.Combine(framework, "any", entryPoint);
                if (File.Exists(dll)) return dll;
            }
            return null;
        }

        /// <summary>net10.0 sorts after net8.0 (an ordinal sort would put it first).</summary>
        private static Version FrameworkVersion(string folder)
        {
            string name = Path.GetFileName(folder);
            Match match = Regex.Match(name, @"(\d+)\.(\d+)");
            return match.Success
                ? new Version(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
                : new Version(0, 0);
        }

        /// <summary>
        /// The dotnet host: DOTNET_HOST_PATH (set for tools dotnet runs, such as 'dotnet pwsh'), else dotnet on PATH, else
        /// in DOTNET_ROOT.
        /// </summary>
        private static string? FindDotnetHost()
        {
            string? hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath)) return hostPath;
            string? onPath = FindOnPath("dotnet");
            if (onPath != null) return onPath;
            string host = IsWindows ? "dotnet.exe" : "dotnet";
            // PowerShell itself may run on the dotnet host ('dotnet pwsh' with PATH changed since): its runtime folder is
            // <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
            string runtimeRoot = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
            var roots = new List<string?> { Environment.GetEnvironmentVariable("DOTNET_ROOT"), runtimeRoot };
            roots.AddRange(IsWindows
                ? new[] { Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), "dotnet") }
                : new[] { "/usr/share/dotnet", "/usr/lib/dotnet", "/usr/local/share/dotnet", "/opt/homebrew/share/dotnet" });
            roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet"));
            foreach (string? root in roots)
            {
                if (string.IsNullOrEmpty(root)) continue;
                string candidate = Path.Combine(root!, host);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }
    }
}
