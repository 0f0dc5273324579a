using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;

namespace NginxKit.HelpBuilder.Markdown;

/// <summary>
/// Markdig as help pages use it: CommonMark, a YAML front matter block and pipe tables. Pages are
/// cut into sections at ATX headings of the document's top level, so a '#' line inside a code
/// block or a list is never a section.
/// </summary>
internal static class HelpMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseYamlFrontMatter()
        .UsePipeTables()
        .Build();

    /// <summary>
    /// Parses a page. A code fence left open, or front matter never closed, is an error rather than
    /// a page silently swallowed or shown as text.
    /// </summary>
    public static MarkdownDocument Parse(string text)
    {
        var document = Markdig.Markdown.Parse(text, Pipeline);
        if (document.Count > 0 && document[0] is ThematicBreakBlock && IsFrontMatterFence(text))
        {
            throw new HelpFormatException(1, "the front matter opened here is never closed with a '---' line");
        }
        // In CommonMark a text line over "---" is a heading, which would silently open a section.
        var setext = document.Descendants<HeadingBlock>().FirstOrDefault(h => h.IsSetext);
        if (setext is not null)
        {
            throw new HelpFormatException(setext.Line + 1, "a heading underlined with '---' or '===' is ambiguous in help pages; write it with '#' marks, or leave a blank line above a rule");
        }
        var open = document.Descendants<FencedCodeBlock>().FirstOrDefault(f => f.ClosingFencedCharCount == 0);
        if (open is not null)
        {
            throw new HelpFormatException(open.Line + 1, $"the code block opened here with '{new string(open.FencedChar, open.OpeningFencedCharCount)}' is never closed");
        }
        return document;
    }

    /// <summary>The front matter's "key: value" lines; platyPS pages carry no nested YAML.</summary>
    public static IReadOnlyDictionary<string, string> FrontMatter(MarkdownDocument document)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (document.Count == 0 || document[0] is not YamlFrontMatterBlock block)
        {
            return values;
        }
        for (var i = 0; i < block.Lines.Count; i++)
        {
            var line = block.Lines.Lines[i].Slice.ToString();
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new HelpFormatException(block.Line + 2 + i, $"the front matter line '{line.Trim()}' is not 'key: value'");
            }
            values[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return values;
    }

    /// <summary>
    /// Cuts blocks at headings of exactly <paramref name="level"/>; headings deeper than that stay
    /// inside a section, and a shallower one is an error (the caller cuts at that level first).
    /// </summary>
    /// <param name="leading">The blocks before the first heading.</param>
    public static IReadOnlyList<MarkdownSection> Split(IEnumerable<Block> blocks, int level, out IReadOnlyList<Block> leading)
    {
        var sections = new List<MarkdownSection>();
        var before = new List<Block>();
        HeadingBlock? heading = null;
        var current = before;
        foreach (var block in blocks)
        {
            if (block is YamlFrontMatterBlock or LinkReferenceDefinitionGroup)
            {
                continue;
            }
            if (block is HeadingBlock h && h.Level <= level)
            {
                if (h.Level < level)
                {
                    throw new HelpFormatException(h.Line + 1, $"'{new string('#', h.Level)} {PlainText.Of(h.Inline)}' cannot stand inside a '{new string('#', level - 1)}' section");
                }
                if (heading is not null)
                {
                    sections.Add(new MarkdownSection(PlainText.Of(heading.Inline).Trim(), heading.Line + 1, current));
                }
                heading = h;
                current = [];
                continue;
            }
            current.Add(block);
        }
        if (heading is not null)
        {
            sections.Add(new MarkdownSection(PlainText.Of(heading.Inline).Trim(), heading.Line + 1, current));
        }
        leading = before;
        return sections;
    }

    /// <summary>The one '#' title of a page, with everything under it.</summary>
    public static MarkdownSection SingleTitle(MarkdownDocument document)
    {
        var titles = Split(document, 1, out var beforeTitle);
        if (titles.Count == 0)
        {
            throw new HelpFormatException(1, "the page has no '#' title");
        }
        RequireEmpty(beforeTitle, "text before the page's '#' title belongs to no section");
        if (titles.Count > 1)
        {
            throw new HelpFormatException(titles[1].Line, $"a second '#' title ('{titles[1].Title}'); a page has one title, and its parts are '##' sections");
        }
        return titles[0];
    }

    /// <summary>Text that belongs to no section is an error: Get-Help would drop it without a word.</summary>
    public static void RequireEmpty(IReadOnlyList<Block> blocks, string reason)
    {
        if (blocks.Count > 0)
        {
            throw new HelpFormatException(blocks[0].Line + 1, reason);
        }
    }

    private static bool IsFrontMatterFence(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return (end < 0 ? text : text[..end]).TrimEnd() == "---";
    }
}
