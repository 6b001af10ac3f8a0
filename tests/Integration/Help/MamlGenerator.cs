using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Xml;

namespace PSRedis.Tests.Integration.Help;

/// <summary>
/// Writes the module's MAML help (docs/help/en-US/PSRedis.dll-Help.xml) from the markdown sources for the
/// text and from the engine's own command metadata for syntax, types, positions and pipeline input, so the
/// help can describe the parameters only as they really are. Output is deterministic (LF, fixed order).
/// </summary>
public static class MamlGenerator
{
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    /// <summary>Parameters every cmdlet has; Get-Help adds its own line about them.</summary>
    private static readonly HashSet<string> s_common = new(
        PSCmdlet.CommonParameters.Concat(new[] { "ProgressAction" }), StringComparer.OrdinalIgnoreCase);

    public static string Generate(IEnumerable<(CmdletMarkdown Doc, CmdletInfo Cmdlet)> cmdlets)
    {
        var settings = new XmlWriterSettings
        {
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
            Encoding = new UTF8Encoding(false),
        };
        var sb = new StringBuilder();
        using (var sw = new StringWriter(sb, CultureInfo.InvariantCulture))
        using (XmlWriter w = XmlWriter.Create(sw, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("helpItems", "http://msh");
            w.WriteAttributeString("schema", "maml");
            foreach ((CmdletMarkdown doc, CmdletInfo cmdlet) in cmdlets.OrderBy(c => c.Cmdlet.Name, StringComparer.Ordinal))
            {
                WriteCommand(w, doc, cmdlet);
            }
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return sb.ToString().Replace("utf-16", "utf-8", StringComparison.Ordinal) + "\n";
    }

    /// <summary>Parameter names of <paramref name="cmdlet"/> that need documenting (common parameters aside).</summary>
    public static IReadOnlyList<string> DocumentedParameterNames(CmdletInfo cmdlet) =>
        cmdlet.Parameters.Keys.Where(n => !s_common.Contains(n)).ToList();

    private static void WriteCommand(XmlWriter w, CmdletMarkdown doc, CmdletInfo cmdlet)
    {
        if (!string.Equals(doc.Name, cmdlet.Name, StringComparison.Ordinal))
            throw new InvalidOperationException($"The page titled '{doc.Name}' is for '{cmdlet.Name}'.");
        var names = DocumentedParameterNames(cmdlet);
        string[] undocumented = names.Where(n => !doc.Parameters.ContainsKey(n)).ToArray();
        string[] stale = doc.Parameters.Keys.Where(n => !names.Contains(n, StringComparer.OrdinalIgnoreCase)).ToArray();
        if (undocumented.Length > 0 || stale.Length > 0)
        {
            throw new InvalidOperationException($"{cmdlet.Name}: parameters without help: [{string.Join(", ", undocumented)}]; " +
                $"help for parameters that do not exist: [{string.Join(", ", stale)}].");
        }
        if (doc.Synopsis.Length == 0 || doc.Description.Count == 0 || doc.Examples.Count == 0)
            throw new InvalidOperationException(cmdlet.Name + ": the page needs a SYNOPSIS, a DESCRIPTION and at least one example.");

        w.WriteStartElement("command", "command", Command);
        w.WriteAttributeString("xmlns", "maml", null, Maml);
        w.WriteAttributeString("xmlns", "command", null, Command);
        w.WriteAttributeString("xmlns", "dev", null, Dev);

        w.WriteStartElement("command", "details", Command);
        w.WriteElementString("command", "name", Command, cmdlet.Name);
        w.WriteElementString("command", "verb", Command, cmdlet.Verb);
        w.WriteElementString("command", "noun", Command, cmdlet.Noun);
        Description(w, new[] { doc.Synopsis });
        w.WriteEndElement();

        Description(w, doc.Description);

        // Syntax: one item per parameter set, parameters as the engine declares them.
        w.WriteStartElement("command", "syntax", Command);
        foreach (CommandParameterSetInfo set in cmdlet.ParameterSets.OrderBy(s => s.IsDefault ? 0 : 1).ThenBy(s => s.Name, StringComparer.Ordinal))
        {
            w.WriteStartElement("command", "syntaxItem", Command);
            w.WriteElementString("maml", "name", Maml, cmdlet.Name);
            IEnumerable<CommandParameterInfo> ps = set.Parameters.Where(p => !s_common.Contains(p.Name))
                .OrderBy(p => p.Position < 0 ? int.MaxValue : p.Position).ThenBy(p => p.IsMandatory ? 0 : 1);
            foreach (CommandParameterInfo p in ps)
            {
                Parameter(w, p.Name, p.ParameterType, p.IsMandatory, p.Position, p.ValueFromPipeline, p.ValueFromPipelineByPropertyName,
                    p.Aliases, IsWildcard(p.Attributes), doc.Parameters[p.Name]);
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();

        // Parameters: in the order the page lists them.
        w.WriteStartElement("command", "parameters", Command);
        foreach ((string name, IReadOnlyList<string> text) in doc.Parameters)
        {
            CommandParameterInfo[] inSets = cmdlet.ParameterSets.SelectMany(s => s.Parameters)
                .Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).ToArray();
            CommandParameterInfo first = inSets[0];
            int position = inSets.Select(p => p.Position).Max();
            Parameter(w, first.Name, first.ParameterType, inSets.All(p => p.IsMandatory), position,
                inSets.Any(p => p.ValueFromPipeline), inSets.Any(p => p.ValueFromPipelineByPropertyName), first.Aliases,
                IsWildcard(first.Attributes), text);
        }
        w.WriteEndElement();

        TypeList(w, "inputTypes", "inputType", doc.Inputs);
        TypeList(w, "returnValues", "returnValue", doc.Outputs);

        w.WriteStartElement("maml", "alertSet", Maml);
        w.WriteStartElement("maml", "alert", Maml);
        Paragraphs(w, doc.Notes);
        w.WriteEndElement();
        w.WriteEndElement();

        w.WriteStartElement("command", "examples", Command);
        foreach (HelpExample example in doc.Examples)
        {
            w.WriteStartElement("command", "example", Command);
            w.WriteElementString("maml", "title", Maml, "-------------------------- " + example.Title + " --------------------------");
            w.WriteElementString("dev", "code", Dev, example.Code);
            w.WriteStartElement("dev", "remarks", Dev);
            Paragraphs(w, example.Remarks);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteStartElement("command", "relatedLinks", Command);
        foreach (string link in doc.RelatedLinks)
        {
            w.WriteStartElement("maml", "navigationLink", Maml);
            w.WriteElementString("maml", "linkText", Maml, link);
            w.WriteElementString("maml", "uri", Maml, string.Empty);
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteEndElement();
    }

    private static void Parameter(XmlWriter w, string name, Type type, bool required, int position, bool byValue, bool byName,
        IEnumerable<string> aliases, bool globbing, IReadOnlyList<string> text)
    {
        Type shown = Nullable.GetUnderlyingType(type) ?? type;
        bool isSwitch = shown == typeof(SwitchParameter);
        string pipeline = byValue && byName ? "True (ByValue, ByPropertyName)" : byValue ? "True (ByValue)" : byName ? "True (ByPropertyName)" : "False";
        string aliasText = aliases.Any() ? string.Join(", ", aliases) : "none";

        w.WriteStartElement("command", "parameter", Command);
        w.WriteAttributeString("required", required ? "true" : "false");
        w.WriteAttributeString("variableLength", "true");
        w.WriteAttributeString("globbing", globbing ? "true" : "false");
        w.WriteAttributeString("pipelineInput", pipeline);
        w.WriteAttributeString("position", position >= 0 ? position.ToString(CultureInfo.InvariantCulture) : "named");
        w.WriteAttributeString("aliases", aliasText);
        w.WriteElementString("maml", "name", Maml, name);
        Description(w, text);
        if (!isSwitch)
        {
            w.WriteStartElement("command", "parameterValue", Command);
            w.WriteAttributeString("required", "true");
            w.WriteAttributeString("variableLength", shown.IsArray ? "true" : "false");
            w.WriteString(shown.Name);
            w.WriteEndElement();
        }
        w.WriteStartElement("dev", "type", Dev);
        w.WriteElementString("maml", "name", Maml, shown.FullName ?? shown.Name);
        w.WriteElementString("maml", "uri", Maml, string.Empty);
        w.WriteEndElement();
        w.WriteElementString("dev", "defaultValue", Dev, isSwitch ? "False" : "None");
        w.WriteEndElement();
    }

    private static void TypeList(XmlWriter w, string listName, string itemName, IReadOnlyList<HelpTypeEntry> entries)
    {
        w.WriteStartElement("command", listName, Command);
        foreach (HelpTypeEntry entry in entries)
        {
            w.WriteStartElement("command", itemName, Command);
            w.WriteStartElement("dev", "type", Dev);
            w.WriteElementString("maml", "name", Maml, entry.TypeName);
            w.WriteEndElement();
            Description(w, entry.Description);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void Description(XmlWriter w, IEnumerable<string> paragraphs)
    {
        w.WriteStartElement("maml", "description", Maml);
        Paragraphs(w, paragraphs);
        w.WriteEndElement();
    }

    private static void Paragraphs(XmlWriter w, IEnumerable<string> paragraphs)
    {
        foreach (string p in paragraphs) w.WriteElementString("maml", "para", Maml, p);
    }

    private static bool IsWildcard(IEnumerable<Attribute> attributes) => attributes.OfType<SupportsWildcardsAttribute>().Any();
}
