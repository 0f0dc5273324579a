using System.Text.RegularExpressions;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using NginxKit.HelpBuilder.Markdown;

namespace NginxKit.HelpBuilder.Pages;

/// <summary>
/// Reads a cmdlet page in platyPS 0.14's layout: front matter, '# Verb-Noun', then '##' sections.
/// A section the reader does not know, text outside any section, or an example without code is an
/// error naming the line, because Get-Help would otherwise lose it without a word.
/// </summary>
internal static partial class CommandPageReader
{
    /// <summary>The sections a cmdlet page may have, as platyPS writes them.</summary>
    public static readonly IReadOnlyList<string> KnownSections =
        ["SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"];

    /// <summary>Whether a file is a cmdlet page (Verb-Noun.md), rather than about_*.md, README.md or design notes.</summary>
    public static bool IsCommandPage(string path) => CommandPageName().IsMatch(System.IO.Path.GetFileName(path));

    /// <summary>Reads a page file; a format error names the file and line.</summary>
    public static CommandHelpPage Read(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path), path);
        }
        catch (HelpFormatException e) when (e.File is null)
        {
            throw e.InFile(path);
        }
    }

    /// <summary>Reads page text; <paramref name="path"/> names the cmdlet (its file name) and is kept on the page.</summary>
    public static CommandHelpPage Parse(string text, string path)
    {
        var document = HelpMarkdown.Parse(text);
        var frontMatter = HelpMarkdown.FrontMatter(document);
        var title = HelpMarkdown.SingleTitle(document);
        var sections = HelpMarkdown.Split(title.Blocks, 2, out var untitled);
        HelpMarkdown.RequireEmpty(untitled, "text between the title and the first '##' section belongs to no section");
        CheckSectionNames(sections);

        MarkdownSection? Section(string name) =>
            sections.FirstOrDefault(s => string.Equals(s.Title, name, StringComparison.OrdinalIgnoreCase));

        var links = new List<HelpLink>();
        if (frontMatter.TryGetValue("online version", out var online) && online.Length > 0)
        {
            links.Add(new HelpLink("Online Version:", online));
        }
        links.AddRange(Links(Section("RELATED LINKS")));

        return new CommandHelpPage(
            Command: System.IO.Path.GetFileNameWithoutExtension(path),
            Path: path,
            Title: title.Title,
            Sections: sections.Select(s => s.Title).ToList(),
            Synopsis: string.Join(' ', PlainText.Paragraphs(Section("SYNOPSIS")?.Blocks ?? [])),
            Description: PlainText.Paragraphs(Section("DESCRIPTION")?.Blocks ?? []),
            Examples: Examples(Section("EXAMPLES")),
            Parameters: Parameters(Section("PARAMETERS")),
            Inputs: Types(Section("INPUTS")),
            Outputs: Types(Section("OUTPUTS")),
            Notes: PlainText.Paragraphs(Section("NOTES")?.Blocks ?? []),
            Links: links);
    }

    private static void CheckSectionNames(IReadOnlyList<MarkdownSection> sections)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in sections)
        {
            if (!KnownSections.Contains(section.Title, StringComparer.OrdinalIgnoreCase))
            {
                throw new HelpFormatException(section.Line, $"'## {section.Title}' is not a section of a cmdlet page; they are {string.Join(", ", KnownSections)}");
            }
            if (!seen.Add(section.Title))
            {
                throw new HelpFormatException(section.Line, $"a second '## {section.Title}' section");
            }
        }
    }

    private static List<HelpExample> Examples(MarkdownSection? section)
    {
        var examples = new List<HelpExample>();
        foreach (var example in Subsections(section))
        {
            // The code is the first run of code blocks; everything else, later output blocks included, is remarks.
            var code = new List<string>();
            var remarks = new List<Block>();
            var codeDone = false;
            foreach (var block in example.Blocks)
            {
                if (block is CodeBlock codeBlock && !codeDone)
                {
                    code.Add(string.Join('\n', PlainText.Lines(codeBlock)).TrimEnd());
                    continue;
                }
                codeDone = code.Count > 0;
                remarks.Add(block);
            }
            if (code.Count == 0)
            {
                throw new HelpFormatException(example.Line, $"the example '{example.Title}' has no code block");
            }
            examples.Add(new HelpExample(example.Title, string.Join("\n\n", code), PlainText.Paragraphs(remarks)));
        }
        return examples;
    }

    private static List<ParameterHelp> Parameters(MarkdownSection? section)
    {
        var parameters = new List<ParameterHelp>();
        foreach (var parameter in Subsections(section))
        {
            if (string.Equals(parameter.Title, "CommonParameters", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var name = ParameterTitle().Match(parameter.Title);
            if (!name.Success)
            {
                throw new HelpFormatException(parameter.Line, $"a parameter's section is titled '### -Name' (or '### CommonParameters'), not '### {parameter.Title}'");
            }
            if (parameters.Any(p => string.Equals(p.Name, name.Groups[1].Value, StringComparison.OrdinalIgnoreCase)))
            {
                throw new HelpFormatException(parameter.Line, $"a second '### {parameter.Title}' section");
            }

            // platyPS's yaml block repeats what the cmdlet says, except the default value, which only prose knows.
            string? defaultValue = null;
            var description = new List<Block>();
            foreach (var block in parameter.Blocks)
            {
                if (block is FencedCodeBlock fence && string.Equals(fence.Info, "yaml", StringComparison.OrdinalIgnoreCase))
                {
                    defaultValue ??= PlainText.Lines(fence)
                        .Select(l => DefaultValueLine().Match(l))
                        .FirstOrDefault(m => m.Success)?.Groups[1].Value.Trim();
                    continue;
                }
                description.Add(block);
            }
            parameters.Add(new ParameterHelp(name.Groups[1].Value, PlainText.Paragraphs(description), defaultValue));
        }
        return parameters;
    }

    private static List<TypeHelp> Types(MarkdownSection? section) =>
        Subsections(section).Select(t => new TypeHelp(t.Title, PlainText.Paragraphs(t.Blocks))).ToList();

    /// <summary>Links one a line, as paragraphs or a list: [text](url), a bare URL, or plain text.</summary>
    private static List<HelpLink> Links(MarkdownSection? section)
    {
        var links = new List<HelpLink>();
        foreach (var block in section?.Blocks ?? [])
        {
            var paragraphs = block switch
            {
                ParagraphBlock paragraph => [paragraph],
                ListBlock list => list.OfType<ListItemBlock>().SelectMany(i => i.OfType<ParagraphBlock>()).ToList(),
                _ => throw new HelpFormatException(block.Line + 1, "RELATED LINKS holds links, one a line, as text or a list"),
            };
            foreach (var paragraph in paragraphs)
            {
                links.AddRange(InlineLines(paragraph.Inline).Select(Link).OfType<HelpLink>());
            }
        }
        return links;
    }

    private static HelpLink? Link(IReadOnlyList<Inline> line)
    {
        var parts = line.Where(i => i is not LiteralInline literal || !literal.Content.IsEmptyOrWhitespace()).ToList();
        if (parts is [LinkInline { IsImage: false } link])
        {
            var url = link.Url ?? "";
            // A relative link points at another page of the module; Get-Help shows its name alone.
            return new HelpLink(PlainText.Of(link), PlainText.IsAbsoluteUrl(url) ? url : "");
        }
        if (parts is [AutolinkInline autolink])
        {
            return new HelpLink(autolink.Url, autolink.Url);
        }
        var text = PlainText.Of(line).Trim();
        if (text.Length == 0)
        {
            return null;
        }
        return PlainText.IsAbsoluteUrl(text) && !text.Any(char.IsWhiteSpace) ? new HelpLink(text, text) : new HelpLink(text, "");
    }

    /// <summary>A paragraph's inlines, cut at its line breaks.</summary>
    private static IEnumerable<IReadOnlyList<Inline>> InlineLines(ContainerInline? paragraph)
    {
        var line = new List<Inline>();
        for (var inline = paragraph?.FirstChild; inline is not null; inline = inline.NextSibling)
        {
            if (inline is LineBreakInline)
            {
                yield return line;
                line = [];
                continue;
            }
            line.Add(inline);
        }
        yield return line;
    }

    /// <summary>The '###' parts of a section, which must hold nothing before its first part.</summary>
    private static IReadOnlyList<MarkdownSection> Subsections(MarkdownSection? section)
    {
        if (section is null)
        {
            return [];
        }
        var parts = HelpMarkdown.Split(section.Blocks, 3, out var leading);
        HelpMarkdown.RequireEmpty(leading, $"'## {section.Title}' holds its entries under '###' headings, one for each; this text is under none");
        return parts;
    }

    [GeneratedRegex(@"^[A-Za-z]+-[A-Za-z0-9]+\.md$")]
    private static partial Regex CommandPageName();

    [GeneratedRegex(@"^-(\S+)$")]
    private static partial Regex ParameterTitle();

    [GeneratedRegex(@"^\s*Default value\s*:(.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex DefaultValueLine();
}
