using System;
using System.Diagnostics;
using System.Text.RegularExpressions;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>
/// A [Fact] for a command newer than the default test server (redis-server 7.0): skipped, with the reason, when the
/// server the tests will use is older than <see cref="MinimumVersion"/>; run when REDIS_TEST_URL points to a newer one.
/// </summary>
public sealed class RedisVersionFactAttribute : FactAttribute
{
    public RedisVersionFactAttribute(string minimumVersion) => MinimumVersion = minimumVersion;

    /// <summary>The first Redis version that has what the test uses, such as "7.4".</summary>
    public string MinimumVersion { get; }

    public override string Skip
    {
        get => base.Skip ?? TestServerVersion.SkipUnlessAtLeast(MinimumVersion)!;
        set => base.Skip = value;
    }
}

/// <summary>The version of the default test server, read once (xunit asks for it while discovering the tests).</summary>
public static class TestServerVersion
{
    private static readonly Lazy<Version?> s_version = new(Read);

    /// <summary>
    /// With REDIS_TEST_URL: its redis_version from INFO (null when it cannot be read: the test then runs and reports
    /// the connection problem). Otherwise the fixture uses a redis:7.0 container or redis-server from PATH: the lower
    /// of 7.0 and the PATH one's version, so a test never runs against a server too old for it.
    /// </summary>
    public static Version? Current => s_version.Value;

    /// <summary>The skip reason when the server is older than <paramref name="minimum"/>; null to run.</summary>
    public static string? SkipUnlessAtLeast(string minimum)
    {
        Version? current = Current;
        if (current == null || current >= Version.Parse(minimum)) return null;
        return $"needs Redis {minimum}+, the test server is {current}; set REDIS_TEST_URL to a newer server to run it";
    }

    /// <summary>"7.0.15" and the like as a Version (a suffix such as "-rc1" dropped).</summary>
    public static Version? Parse(string? text)
    {
        Match m = Regex.Match(text ?? string.Empty, @"(\d+)\.(\d+)(?:\.(\d+))?");
        return m.Success ? Version.Parse(m.Groups[3].Success ? m.Value : m.Value + ".0") : null;
    }

    private static Version? Read()
    {
        string? url = Environment.GetEnvironmentVariable(RedisFixture.UrlEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(url))
        {
            try
            {
                using var client = new RedisClient(ConnectionOptions.FromUrl(url.Trim(), o =>
                {
                    o.ConnectTimeout = TimeSpan.FromSeconds(5);
                    o.SocketTimeout = TimeSpan.FromSeconds(5);
                }));
                return Parse(Convert.ToString(client.Info("server")["redis_version"], System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (RedisException)
            {
                return null;
            }
        }
        Version container = Version.Parse(RedisFixture.TestcontainersImage.Substring("redis:".Length) + ".0");
        string? executable = RedisServerProcess.FindExecutable();
        if (executable == null) return container;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(executable, "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5000);
            Version? local = Parse(Regex.Match(output, @"v=(\S+)").Groups[1].Value);
            // The PATH one's full version when it is no newer than the image's major.minor (7.0.15 rather than 7.0.0).
            return local != null && new Version(local.Major, local.Minor) <= container ? local : container;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception || ex is InvalidOperationException)
        {
            return container;
        }
    }
}
