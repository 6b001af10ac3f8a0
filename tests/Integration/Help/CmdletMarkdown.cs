using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace PSRedis.Tests.Integration.Help;

/// <summary>One example of a cmdlet page: title, code, and the remarks after it.</summary>
public sealed record HelpExample(string Title, string Code, IReadOnlyList<string> Remarks);

/// <summary>A titled entry of INPUTS or OUTPUTS: the type name and what it means.</summary>
public sealed record HelpTypeEntry(string TypeName, IReadOnlyList<string> Description);

/// <summary>
/// A cmdlet's help source, docs/cmdlets/&lt;Cmdlet&gt;.md: "# Name", then "## SYNOPSIS", "## DESCRIPTION",
/// "## EXAMPLES" ("### title", a ```powershell fence, remarks), "## PARAMETERS" ("### -Name", text),
/// "## INPUTS"/"## OUTPUTS" ("### Type", text), "## NOTES", "## RELATED LINKS" ("- Name" lines).
/// Paragraphs are separated by blank lines; the lines of a paragraph are joined with spaces.
/// </summary>
public sealed class CmdletMarkdown
{
    public required string Name { get; init; }
    public required string Synopsis { get; init; }
    public required IReadOnlyList<string> Description { get; init; }
    public required IReadOnlyList<HelpExample> Examples { get; init; }
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters { get; init; }
    public required IReadOnlyList<HelpTypeEntry> Inputs { get; init; }
    public required IReadOnlyList<HelpTypeEntry> Outputs { get; init; }
    public required IReadOnlyList<string> Notes { get; init; }
    public required IReadOnlyList<string> RelatedLinks { get; init; }

    public static CmdletMarkdown Load(string path) => Parse(File.ReadAllText(path), path);

    public static CmdletMarkdown Parse(string text, string source)
    {
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        string? name = null;
        var sections = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        List<string>? current = null;
        bool inFence = false;
        foreach (string line in lines)
        {
            if (line.StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (!inFence && line.StartsWith("# ", StringComparison.Ordinal))
            {
                name = line[2..].Trim();
                continue;
            }
            if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
            {
                current = new List<string>();
                sections[line[3..].Trim()] = current;
                continue;
            }
            current?.Add(line);
        }
        if (name is null) throw new FormatException(source + ": no '# Cmdlet-Name' title.");
        if (inFence) throw new FormatException(source + ": a ``` fence is not closed.");

        List<string> Section(string title) => sections.TryGetValue(title, out List<string>? s) ? s : new List<string>();

        var parameters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach ((string title, List<string> body) in Subsections(Section("PARAMETERS")))
        {
            if (!title.StartsWith('-')) throw new FormatException($"{source}: parameter heading '### {title}' must start with '-'.");
            parameters.Add(title[1..], Paragraphs(body));
        }

        var examples = new List<HelpExample>();
        foreach ((string title, List<string> body) in Subsections(Section("EXAMPLES")))
        {
            int open = body.FindIndex(l => l.StartsWith("```", StringComparison.Ordinal));
            int close = open < 0 ? -1 : body.FindIndex(open + 1, l => l.StartsWith("```", StringComparison.Ordinal));
            if (open < 0 || close < 0) throw new FormatException($"{source}: example '{title}' has no ``` code block.");
            string code = string.Join("\n", body.Skip(open + 1).Take(close - open - 1));
            examples.Add(new HelpExample(title, code, Paragraphs(body.Skip(close + 1))));
        }

        return new CmdletMarkdown
        {
            Name = name,
            Synopsis = string.Join(" ", Paragraphs(Section("SYNOPSIS"))),
            Description = Paragraphs(Section("DESCRIPTION")),
            Examples = examples,
            Parameters = parameters,
            Inputs = Subsections(Section("INPUTS")).Select(s => new HelpTypeEntry(s.Title, Paragraphs(s.Body))).ToList(),
            Outputs = Subsections(Section("OUTPUTS")).Select(s => new HelpTypeEntry(s.Title, Paragraphs(s.Body))).ToList(),
            Notes = Paragraphs(Section("NOTES")),
            RelatedLinks = Section("RELATED LINKS").Where(l => l.TrimStart().StartsWith("- ", StringComparison.Ordinal))
                .Select(l => l.TrimStart()[2..].Trim()).ToList(),
        };
    }

    private static List<(string Title, List<string> Body)> Subsections(IEnumerable<string> lines)
    {
        var result = new List<(string, List<string>)>();
        List<string>? body = null;
        bool inFence = false;
        foreach (string line in lines)
        {
            if (line.StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (!inFence && line.StartsWith("### ", StringComparison.Ordinal))
            {
                body = new List<string>();
                result.Add((line[4..].Trim(), body));
                continue;
            }
            body?.Add(line);
        }
        return result;
    }

    /// <summary>Blank-line separated paragraphs; "- " list items are paragraphs of their own.</summary>
    private static List<string> Paragraphs(IEnumerable<string> lines)
    {
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        void End()
        {
            if (current.Length > 0) paragraphs.Add(current.ToString());
            current.Clear();
        }
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            if (line.Length == 0) { End(); continue; }
            if (line.StartsWith("- ", StringComparison.Ordinal)) End();
            if (current.Length > 0) current.Append(' ');
            current.Append(line);
        }
        End();
        return paragraphs;
    }
}
