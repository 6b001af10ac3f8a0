using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace PSRedis.Bench;

/// <summary>Higher is better (ops/s, messages/s) or lower is better (seconds, bytes).</summary>
public enum Better
{
    Higher,
    Lower,
}

/// <summary>One contender of a scenario: a name and one measurement (one round). Extra carries a side figure (peak memory).</summary>
public sealed class Contender
{
    public Contender(string name, Func<Sample> measure, bool isReference = false)
    {
        Name = name;
        Measure = measure;
        IsReference = isReference;
    }

    public string Name { get; }
    public Func<Sample> Measure { get; }
    public bool IsReference { get; }
    public List<Sample> Samples { get; } = new();
}

/// <summary>One measurement: the value in the scenario's unit, and optionally the process's peak memory in bytes.</summary>
public readonly record struct Sample(double Value, long PeakBytes = -1, string? Note = null);

public sealed class Scenario
{
    public Scenario(string name, string unit, Better better, int rounds, params Contender[] contenders)
    {
        Name = name;
        Unit = unit;
        Better = better;
        Rounds = rounds;
        Contenders = contenders.ToList();
    }

    public string Name { get; }
    public string Unit { get; }
    public Better Better { get; }
    public int Rounds { get; }
    public List<Contender> Contenders { get; }
    /// <summary>Runs before every measurement (repopulating a keyspace); not timed.</summary>
    public Action? BeforeEach { get; init; }
    /// <summary>One un-timed call per contender before the rounds (JIT, connections, caches).</summary>
    public bool WarmUp { get; init; } = true;

    /// <summary>Rounds alternate the contenders: round r starts with contender r (mod n), so none always goes first.</summary>
    public void Run(TextWriter log)
    {
        if (WarmUp)
        {
            foreach (Contender c in Contenders)
            {
                BeforeEach?.Invoke();
                Safe(c, log, warmUp: true);
            }
        }
        int n = Contenders.Count;
        for (int r = 0; r < Rounds; r++)
        {
            for (int i = 0; i < n; i++)
            {
                Contender c = Contenders[(r + i) % n];
                BeforeEach?.Invoke();
                Sample? s = Safe(c, log, warmUp: false);
                if (s.HasValue)
                {
                    c.Samples.Add(s.Value);
                    log.WriteLine($"  [{Name}] round {r + 1}/{Rounds} {c.Name}: {Format(s.Value.Value, Unit)} {Unit}"
                        + (s.Value.PeakBytes > 0 ? $", peak {s.Value.PeakBytes / 1048576.0:0} MB" : string.Empty));
                }
            }
        }
    }

    private Sample? Safe(Contender c, TextWriter log, bool warmUp)
    {
        try
        {
            return c.Measure();
        }
        catch (Exception e)
        {
            log.WriteLine($"  [{Name}] {c.Name} failed{(warmUp ? " (warm-up)" : string.Empty)}: {e.GetType().Name}: {e.Message}");
            return null;
        }
    }

    public static string Format(double value, string unit)
    {
        if (double.IsNaN(value)) return "n/a";
        if (unit == "s") return value.ToString("0.00", CultureInfo.InvariantCulture);
        if (unit == "B/op") return value.ToString("0", CultureInfo.InvariantCulture);
        if (value >= 100) return value.ToString("#,0", CultureInfo.InvariantCulture);
        return value.ToString("0.0", CultureInfo.InvariantCulture);
    }
}

/// <summary>A target checked against the medians: which scenario and contender, compared with what.</summary>
public sealed record Target(string Scenario, string Contender, string Text, Func<Func<string, string, double>, bool?> Check);

public static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        double[] v = values.Where(x => !double.IsNaN(x)).OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    public static double MedianOf(Contender c) => Median(c.Samples.Select(s => s.Value));

    public static long MaxPeak(Contender c) => c.Samples.Count == 0 ? -1 : c.Samples.Max(s => s.PeakBytes);

    /// <summary>Runs <paramref name="op"/> for about <paramref name="seconds"/> and returns operations per second.</summary>
    public static double OpsPerSecond(double seconds, Action op)
    {
        long stop = (long)(seconds * Stopwatch.Frequency);
        long n = 0;
        long start = Stopwatch.GetTimestamp();
        long now;
        do
        {
            for (int i = 0; i < 32; i++) op();
            n += 32;
            now = Stopwatch.GetTimestamp();
        }
        while (now - start < stop);
        return n * (double)Stopwatch.Frequency / (now - start);
    }

    public static double OpsPerSecondAsync(double seconds, Func<System.Threading.Tasks.Task> op)
    {
        return Run().GetAwaiter().GetResult();

        async System.Threading.Tasks.Task<double> Run()
        {
            long stop = (long)(seconds * Stopwatch.Frequency);
            long n = 0;
            long start = Stopwatch.GetTimestamp();
            long now;
            do
            {
                for (int i = 0; i < 32; i++) await op().ConfigureAwait(false);
                n += 32;
                now = Stopwatch.GetTimestamp();
            }
            while (now - start < stop);
            return n * (double)Stopwatch.Frequency / (now - start);
        }
    }
}

public static class Table
{
    /// <summary>The one markdown table: scenario, contender, median, ratio to the scenario's reference row, peak memory, target.</summary>
    public static string Render(IReadOnlyList<Scenario> scenarios, IReadOnlyList<Target> targets, IReadOnlyList<string> todoRows)
    {
        double Lookup(string scenario, string contender)
        {
            Scenario? s = scenarios.FirstOrDefault(x => x.Name == scenario);
            Contender? c = s?.Contenders.FirstOrDefault(x => x.Name == contender);
            return c == null ? double.NaN : Stats.MedianOf(c);
        }

        var sb = new StringBuilder();
        sb.AppendLine("| Scenario | Contender | Median | Unit | Ratio to reference | Peak memory | Target |");
        sb.AppendLine("| --- | --- | ---: | --- | ---: | ---: | --- |");
        foreach (Scenario s in scenarios)
        {
            Contender? reference = s.Contenders.FirstOrDefault(c => c.IsReference);
            double refValue = reference == null ? double.NaN : Stats.MedianOf(reference);
            foreach (Contender c in s.Contenders)
            {
                double median = Stats.MedianOf(c);
                string ratio = c.IsReference ? "1.00 (reference)"
                    : double.IsNaN(median) || double.IsNaN(refValue) || refValue == 0 ? "n/a"
                    : (median / refValue).ToString("0.00", CultureInfo.InvariantCulture);
                long peak = Stats.MaxPeak(c);
                string peakText = peak > 0 ? (peak / 1048576.0).ToString("0", CultureInfo.InvariantCulture) + " MB" : string.Empty;
                string targetText = string.Join("; ", targets.Where(t => t.Scenario == s.Name && t.Contender == c.Name).Select(t =>
                {
                    bool? ok = t.Check(Lookup);
                    return (ok == null ? "n/a" : ok.Value ? "MET" : "MISSED") + ": " + t.Text;
                }));
                string note = string.Join(" ", c.Samples.Select(x => x.Note).Where(x => !string.IsNullOrEmpty(x)).Distinct());
                sb.Append("| ").Append(Cell(s.Name)).Append(" | ").Append(Cell(c.Name + (note.Length > 0 ? " (" + note + ")" : string.Empty)))
                  .Append(" | ").Append(Scenario.Format(median, s.Unit)).Append(" | ").Append(s.Unit + (s.Better == Better.Higher ? " (higher is better)" : " (lower is better)"))
                  .Append(" | ").Append(ratio).Append(" | ").Append(peakText).Append(" | ").Append(Cell(targetText)).AppendLine(" |");
            }
        }
        foreach (string todo in todoRows) sb.AppendLine(todo);
        return sb.ToString();
    }

    /// <summary>A pipe inside a cell would end it: markdown wants it escaped.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
