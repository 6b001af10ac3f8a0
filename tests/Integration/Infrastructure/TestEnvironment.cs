using System;
using System.IO;

namespace PSRedis.Tests.Integration.Infrastructure;

/// <summary>
/// Points the XDG base directories of this test process at a private temp folder, so a hosted PowerShell
/// (module analysis cache, PSReadLine history, config) writes nothing into the user's home folder.
/// Idempotent; the folder is deleted when the process exits.
/// </summary>
public static class TestEnvironment
{
    private static readonly object s_lock = new();
    private static string? s_root;

    /// <summary>The private folder holding cache/, data/ and config/ (isolates on first use).</summary>
    public static string Root
    {
        get
        {
            Isolate();
            return s_root!;
        }
    }

    public static void Isolate()
    {
        lock (s_lock)
        {
            if (s_root is not null)
            {
                return;
            }

            string root = Path.Combine(Path.GetTempPath(), "psredis-env-" + Guid.NewGuid().ToString("N")[..12]);
            Set("XDG_CACHE_HOME", Directory.CreateDirectory(Path.Combine(root, "cache")).FullName);
            Set("XDG_DATA_HOME", Directory.CreateDirectory(Path.Combine(root, "data")).FullName);
            Set("XDG_CONFIG_HOME", Directory.CreateDirectory(Path.Combine(root, "config")).FullName);
            // No network calls or notices from a hosted PowerShell either.
            Set("POWERSHELL_TELEMETRY_OPTOUT", "1");
            Set("POWERSHELL_UPDATECHECK", "Off");
            s_root = root;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteRoot(root);
        }
    }

    private static void Set(string name, string value) => Environment.SetEnvironmentVariable(name, value);

    private static void DeleteRoot(string root)
    {
        try
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"PSRedis tests: could not delete {root}: {ex.Message}");
        }
    }
}
