using System.Text;
using System.Text.RegularExpressions;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace NginxKit.HelpBuilder.Markdown;

/// <summary>
/// Markdown reduced to the plain text that Get-Help prints: markup goes, code keeps its lines,
/// lists and tables keep one line per item or row.
/// </summary>
internal static partial class PlainText
{
    /// <summary>Deepest indentation kept for nested list items.</summary>
    public const int MaxListIndent = 8;

    /// <summary>
    /// The text of a paragraph's, heading's or link's inlines: code spans as their code, emphasis as
    /// its text, links as their text followed by an absolute URL.
    /// </summary>
    public static string Of(ContainerInline? inline)
    {
        var text = new StringBuilder();
        if (inline is not null)
        {
            AppendChildren(text, inline);
        }
        return text.ToString();
    }

    /// <summary>Inline text of a run of inlines, such as one line of a paragraph.</summary>
    public static string Of(IEnumerable<Inline> inlines)
    {
        var text = new StringBuilder();
        foreach (var inline in inlines)
        {
            Append(text, inline);
        }
        return text.ToString();
    }

    /// <summary>
    /// One plain paragraph per block, as MAML's maml:para holds them. Empty paragraphs and platyPS's
    /// "{{ Fill ... }}" placeholders are left out.
    /// </summary>
    public static IReadOnlyList<string> Paragraphs(IEnumerable<Block> blocks) =>
        blocks.SelectMany(Paragraphs)
            .Where(p => !string.IsNullOrWhiteSpace(p) && !Placeholder().IsMatch(p))
            .ToList();

    /// <summary>A leaf block's lines as written, without a code fence or the fence's indentation.</summary>
    public static IReadOnlyList<string> Lines(LeafBlock code)
    {
        var lines = new List<string>(code.Lines.Count);
        for (var i = 0; i < code.Lines.Count; i++)
        {
            lines.Add(code.Lines.Lines[i].Slice.ToString());
        }
        return lines;
    }

    /// <summary>A list flattened to one line per item, nested items after their parent.</summary>
    public static IReadOnlyList<ListLine> ListLines(ListBlock list)
    {
        var lines = new List<ListLine>();
        AddListLines(lines, list);
        return lines;
    }

    /// <summary>Indentation of a list line relative to the list's outermost items, capped.</summary>
    public static int ListIndent(ListLine line, IReadOnlyList<ListLine> list) =>
        Math.Min(line.Column - list.Min(l => l.Column), MaxListIndent);

    /// <summary>A table as space-aligned columns, with a dashed rule under the header row.</summary>
    public static IReadOnlyList<string> TableLines(Table table)
    {
        var rows = table.OfType<TableRow>()
            .Select(row => (row.IsHeader, Cells: row.OfType<TableCell>().Select(CellText).ToList()))
            .ToList();
        var columns = rows.Max(r => r.Cells.Count);
        var widths = Enumerable.Range(0, columns)
            .Select(c => rows.Max(r => c < r.Cells.Count ? r.Cells[c].Length : 0))
            .ToList();
        string Row(IReadOnlyList<string> cells) => string.Join("  ",
            Enumerable.Range(0, columns).Select(c => (c < cells.Count ? cells[c] : "").PadRight(widths[c]))).TrimEnd();

        var lines = new List<string>();
        for (var r = 0; r < rows.Count; r++)
        {
            lines.Add(Row(rows[r].Cells));
            if (rows[r].IsHeader && (r + 1 == rows.Count || !rows[r + 1].IsHeader))
            {
                lines.Add(Row(widths.Select(w => new string('-', w)).ToList()));
            }
        }
        return lines;
    }

    /// <summary>Whether a URL is absolute, and so worth printing next to its link text.</summary>
    public static bool IsAbsoluteUrl(string url) => AbsoluteUrl().IsMatch(url);

    private static IEnumerable<string> Paragraphs(Block block)
    {
        switch (block)
        {
            case ParagraphBlock paragraph:
                yield return Of(paragraph.Inline);
                break;
            case HeadingBlock heading:
                yield return Of(heading.Inline);
                break;
            case CodeBlock code:
                yield return string.Join('\n', Lines(code).Select(l => l.TrimEnd()));
                break;
            case Table table:
                yield return string.Join('\n', TableLines(table));
                break;
            case ListBlock list:
                var lines = ListLines(list);
                yield return string.Join('\n', lines.Select(l => new string(' ', ListIndent(l, lines)) + l.Marker + l.Text));
                break;
            case QuoteBlock quote:
                foreach (var inner in quote.SelectMany(Paragraphs))
                {
                    yield return inner;
                }
                break;
            case HtmlBlock html:
                yield return string.Join(' ', Lines(html).Select(l => l.Trim()));
                break;
            case ThematicBreakBlock or LinkReferenceDefinitionGroup or BlankLineBlock:
                break;
            default:
                throw new HelpFormatException(block.Line + 1, $"a {block.GetType().Name} cannot be shown in help");
        }
    }

    private static void AddListLines(List<ListLine> lines, ListBlock list)
    {
        foreach (var item in list.OfType<ListItemBlock>())
        {
            var marker = list.IsOrdered ? $"{item.Order}{list.OrderedDelimiter} " : "- ";
            var text = string.Join(' ', item.OfType<ParagraphBlock>().Select(p => Of(p.Inline)));
            lines.Add(new ListLine(item.Column, marker, text));
            foreach (var child in item)
            {
                switch (child)
                {
                    case ParagraphBlock:
                        break;
                    case ListBlock nested:
                        AddListLines(lines, nested);
                        break;
                    default:
                        // Help text has one line per list item; a code block or table there has no place.
                        throw new HelpFormatException(child.Line + 1, "only text and nested lists can stand inside a list item; end the list before this block");
                }
            }
        }
    }

    private static string CellText(TableCell cell) =>
        string.Join(' ', cell.OfType<ParagraphBlock>().Select(p => Of(p.Inline))).Trim();

    private static void Append(StringBuilder text, Inline? inline)
    {
        switch (inline)
        {
            case null:
                break;
            case LiteralInline literal:
                text.Append(literal.Content.AsSpan());
                break;
            case CodeInline code:
                text.Append(code.Content.Trim());
                break;
            case LineBreakInline lineBreak:
                if (lineBreak.IsHard)
                {
                    // The spaces or backslash that made the break are markup, not text.
                    TrimEnd(text);
                    text.Append('\n');
                }
                else
                {
                    text.Append(' ');
                }
                break;
            case LinkInline link:
                var start = text.Length;
                AppendChildren(text, link);
                var linkText = text.ToString(start, text.Length - start);
                var url = link.Url ?? "";
                if (!link.IsImage && IsAbsoluteUrl(url) && url != linkText)
                {
                    text.Append(" (").Append(url).Append(')');
                }
                break;
            case AutolinkInline autolink:
                text.Append(autolink.Url);
                break;
            case HtmlInline html:
                // "<role>" or "<file>.bak" in prose is text to the reader, not markup.
                text.Append(html.Tag);
                break;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.AsSpan());
                break;
            case DelimiterInline delimiter:
                // A bracket or emphasis mark that closed nothing, as in "[text][undefined]", is text.
                text.Append(delimiter.ToLiteral());
                AppendChildren(text, delimiter);
                break;
            case ContainerInline container:
                AppendChildren(text, container);
                break;
            default:
                text.Append(inline.ToString());
                break;
        }
    }

    private static void AppendChildren(StringBuilder text, ContainerInline container)
    {
        for (var child = container.FirstChild; child is not null; child = child.NextSibling)
        {
            Append(text, child);
        }
    }

    private static void TrimEnd(StringBuilder text)
    {
        while (text.Length > 0 && text[^1] is ' ' or '\t')
        {
            text.Length--;
        }
    }

    [GeneratedRegex(@"^\s*\{\{.*\}\}\s*$")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*://", RegexOptions.IgnoreCase)]
    private static partial Regex AbsoluteUrl();
}
