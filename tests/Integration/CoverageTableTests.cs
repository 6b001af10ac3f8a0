using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using PSRedis.Protocol;
using Xunit;

namespace PSRedis.Tests.Integration
{
    /// <summary>
    /// docs/redis-py-coverage.md is a promise: every redis-py method, class and exception has a row naming the
    /// .NET member that implements it and the test that covers it. These tests keep the promise checkable.
    /// </summary>
    public sealed class CoverageTableTests
    {
        private static readonly Regex Row = new Regex(@"^\|\s*`(?<name>[A-Za-z_]+)`\s*\|\s*(?<member>[^|]+?)\s*\|\s*(?<test>[^|]+?)\s*\|\s*$");

        private sealed record CoverageRow(string Name, string Member, string Test, int Line);

        private static string RepoRoot()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir != null && !File.Exists(Path.Combine(dir, "PSRedis.slnx"))) dir = Path.GetDirectoryName(dir);
            return dir ?? throw new InvalidOperationException("PSRedis.slnx not found above " + AppContext.BaseDirectory);
        }

        private static List<CoverageRow> Rows()
        {
            string[] lines = File.ReadAllLines(Path.Combine(RepoRoot(), "docs", "redis-py-coverage.md"));
            var rows = new List<CoverageRow>();
            for (int i = 0; i < lines.Length; i++)
            {
                Match m = Row.Match(lines[i]);
                if (m.Success) rows.Add(new CoverageRow(m.Groups["name"].Value, m.Groups["member"].Value.Trim(), m.Groups["test"].Value.Trim(), i + 1));
            }
            return rows;
        }

        private static List<string> ApiNames() =>
            File.ReadAllLines(Path.Combine(RepoRoot(), "docs", "redis-py-api-names.txt"))
                .Where(l => l.Length > 0 && !l.StartsWith("#", StringComparison.Ordinal)).ToList();

        [Fact]
        public void EveryRedisPyNameHasExactlyOneRow()
        {
            List<CoverageRow> rows = Rows();
            var missing = ApiNames().Where(n => rows.Count(r => r.Name == n) != 1).ToList();
            Assert.True(missing.Count == 0, "Names without exactly one row: " + string.Join(", ", missing));
            var unknown = rows.Select(r => r.Name).Except(ApiNames()).ToList();
            Assert.True(unknown.Count == 0, "Rows for names not in the API reference: " + string.Join(", ", unknown));
        }

        [Fact]
        public void NameListMatchesTheSeedWhenItIsBesideTheRepository()
        {
            string seedDir = Path.Combine(Path.GetDirectoryName(RepoRoot().TrimEnd(Path.DirectorySeparatorChar))!, "shared", "seed");
            string? seed = Directory.Exists(seedDir) ? Directory.GetFiles(seedDir, "*.txt").FirstOrDefault() : null;
            if (seed == null) return; // a clone without shared/ beside it: docs/redis-py-api-names.txt stands alone
            string text = File.ReadAllText(seed);
            var names = Regex.Matches(text, @"^([a-z_]+)\(", RegexOptions.Multiline).Select(m => m.Groups[1].Value)
                .Concat(Regex.Matches(text, @"^class redis\.([A-Za-z]+)\(", RegexOptions.Multiline).Select(m => m.Groups[1].Value))
                .Concat(Regex.Matches(text, @"^exception redis\.([A-Za-z]+)\[", RegexOptions.Multiline).Select(m => m.Groups[1].Value))
                .Distinct().ToList();
            var notListed = names.Except(ApiNames()).ToList();
            Assert.True(notListed.Count == 0, "In the seed but not in docs/redis-py-api-names.txt: " + string.Join(", ", notListed));
        }

        [Fact]
        public void EveryRowIsFilledIn()
        {
            var open = Rows().Where(r => r.Member.Contains("TODO") || r.Test.Contains("TODO") || r.Test.Length == 0).ToList();
            Assert.True(open.Count == 0, "Rows still open: " + string.Join(", ", open.Select(r => r.Name + " (line " + r.Line + ")")));
        }

        [Fact]
        public void EveryNamedMemberExists()
        {
            Assembly client = typeof(RedisClient).Assembly;
            var types = client.GetExportedTypes().GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.First());
            var problems = new List<string>();
            foreach (CoverageRow row in Rows().Where(r => r.Member != "n/a" && !r.Member.Contains("TODO")))
            {
                foreach (string reference in References(row.Member))
                {
                    string[] parts = reference.Split('.');
                    if (!types.TryGetValue(parts[0], out Type? type))
                    {
                        problems.Add(row.Name + ": no public type " + parts[0]);
                        continue;
                    }
                    if (parts.Length > 1 && !HasMember(type, parts[1])) problems.Add(row.Name + ": " + parts[0] + " has no public member " + parts[1]);
                }
            }
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }

        [Fact]
        public void EveryNamedTestExists()
        {
            string testsRoot = Path.Combine(RepoRoot(), "tests");
            var sources = Directory.GetFiles(testsRoot, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar))
                .Select(File.ReadAllText).ToList();
            var problems = new List<string>();
            foreach (CoverageRow row in Rows().Where(r => r.Member != "n/a" && !r.Test.Contains("TODO")))
            {
                foreach (string reference in References(row.Test))
                {
                    string[] parts = reference.Split('.');
                    if (parts.Length != 2)
                    {
                        problems.Add(row.Name + ": test must be Class.Method, got " + reference);
                        continue;
                    }
                    var method = new Regex(@"public\s+(async\s+)?(void|Task)\s+" + Regex.Escape(parts[1]) + @"\s*\(");
                    bool found = sources.Any(s => Regex.IsMatch(s, @"\bclass\s+" + Regex.Escape(parts[0]) + @"\b")
                        && (s.Contains("[Fact") || s.Contains("[Theory")) && method.IsMatch(s));
                    if (!found) problems.Add(row.Name + ": no test " + reference);
                }
            }
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }

        [Fact]
        public void EveryCommandBeyondTheReferenceNamesAVersionAMemberAndATestThatExist()
        {
            string[] lines = File.ReadAllLines(Path.Combine(RepoRoot(), "docs", "redis-py-coverage.md"));
            int start = Array.FindIndex(lines, l => l.StartsWith("## Commands beyond the reference", StringComparison.Ordinal));
            Assert.True(start >= 0, "docs/redis-py-coverage.md has no section 'Commands beyond the reference'.");
            var beyondRow = new Regex(@"^\|\s*(?<command>[A-Z][^|`]*?)\s*\|\s*(?<member>[^|]+?)\s*\|\s*(?<version>[^|]+?)\s*\|\s*(?<test>[^|]+?)\s*\|\s*$");
            Assembly client = typeof(RedisClient).Assembly;
            var types = client.GetExportedTypes().GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.First());
            List<string> sources = TestSources();
            var problems = new List<string>();
            int rows = 0;
            for (int i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
            {
                Match m = beyondRow.Match(lines[i]);
                if (!m.Success) continue;
                rows++;
                string command = m.Groups["command"].Value;
                if (!Regex.IsMatch(m.Groups["version"].Value, @"^\d+\.\d+(\.\d+)?$")) problems.Add(command + ": version '" + m.Groups["version"].Value + "' is not like 6.2");
                foreach (string reference in References(m.Groups["member"].Value))
                {
                    string[] parts = reference.Split('.');
                    if (!types.TryGetValue(parts[0], out Type? type)) problems.Add(command + ": no public type " + parts[0]);
                    else if (parts.Length > 1 && !HasMember(type, parts[1])) problems.Add(command + ": " + parts[0] + " has no public member " + parts[1]);
                }
                foreach (string reference in References(m.Groups["test"].Value))
                {
                    if (!TestExists(sources, reference)) problems.Add(command + ": no test " + reference);
                }
            }
            Assert.True(rows > 0, "The section 'Commands beyond the reference' has no rows.");
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }

        private static List<string> TestSources()
        {
            string testsRoot = Path.Combine(RepoRoot(), "tests");
            return Directory.GetFiles(testsRoot, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar))
                .Select(File.ReadAllText).ToList();
        }

        private static bool TestExists(List<string> sources, string reference)
        {
            string[] parts = reference.Split('.');
            if (parts.Length != 2) return false;
            var method = new Regex(@"public\s+(async\s+)?(void|Task)\s+" + Regex.Escape(parts[1]) + @"\s*\(");
            return sources.Any(s => Regex.IsMatch(s, @"\bclass\s+" + Regex.Escape(parts[0]) + @"\b")
                && (s.Contains("[Fact") || s.Contains("[Theory")) && method.IsMatch(s));
        }

        /// <summary>The names in a cell: `quoted` ones, or else the plain words (Type.Member), separated by commas or spaces.</summary>
        private static IEnumerable<string> References(string cell)
        {
            var quoted = Regex.Matches(cell, "`([^`]+)`").Select(m => m.Groups[1].Value).ToList();
            if (quoted.Count > 0) return quoted;
            return cell.Split(new[] { ',', ' ', ';' }, StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim()).Where(w => w.Length > 0 && w != "and");
        }

        private static bool HasMember(Type type, string name)
        {
            for (Type? t = type; t != null; t = t.BaseType)
            {
                if (t.GetMember(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly).Length > 0) return true;
            }
            return false;
        }
    }
}
