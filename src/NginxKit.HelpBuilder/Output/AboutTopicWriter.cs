using System.Text.RegularExpressions;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using NginxKit.HelpBuilder.Markdown;

namespace NginxKit.HelpBuilder.Output;

/// <summary>
/// Renders an about_ page in the conventional about_*.help.txt layout: upper-case '##' headings at
/// column 0, deeper headings at 2, text wrapped at 80 columns and indented 4, code indented 8.
/// </summary>
internal static partial class AboutTopicWriter
{
    public const int Width = 80;

    /// <summary>Renders page text; a format error carries its line, and the caller adds the file.</summary>
    public static string Render(string markdown)
    {
        var title = HelpMarkdown.SingleTitle(HelpMarkdown.Parse(markdown));
        var output = new List<string> { "TOPIC", $"    {title.Title}", "" };
        foreach (var block in title.Blocks)
        {
            AddBlock(output, block);
        }
        while (output.Count > 0 && output[^1].Length == 0)
        {
            output.RemoveAt(output.Count - 1);
        }
        return string.Join('\n', output) + "\n";
    }

    /// <summary>Word-wraps text at <see cref="Width"/>; explicit newlines (hard breaks) stay.</summary>
    /// <param name="hangingIndent">Indentation of every line after the first, such as the text column of a list item.</param>
    public static IReadOnlyList<string> Wrap(string text, int indent, int hangingIndent)
    {
        var lines = new List<string>();
        var first = true;
        foreach (var sourceLine in text.Split('\n'))
        {
            var prefix = new string(' ', first ? indent : hangingIndent);
            var current = "";
            foreach (var word in Whitespace().Split(sourceLine).Where(w => w.Length > 0))
            {
                if (current.Length > 0 && prefix.Length + current.Length + 1 + word.Length > Width)
                {
                    lines.Add(prefix + current);
                    prefix = new string(' ', hangingIndent);
                    current = word;
                }
                else
                {
                    current = current.Length > 0 ? $"{current} {word}" : word;
                }
            }
            lines.Add(prefix + current);
            first = false;
        }
        return lines;
    }

    private static void AddBlock(List<string> output, Block block)
    {
        switch (block)
        {
            case HeadingBlock heading:
                if (output[^1].Length > 0)
                {
                    output.Add("");
                }
                var text = PlainText.Of(heading.Inline);
                output.Add(heading.Level <= 2 ? text.ToUpperInvariant() : new string(' ', 2 * (heading.Level - 2)) + text);
                break;
            case ParagraphBlock or HtmlBlock:
                foreach (var paragraph in PlainText.Paragraphs([block]))
                {
                    output.AddRange(Wrap(paragraph, 4, 4));
                    output.Add("");
                }
                break;
            case ListBlock list:
                var lines = PlainText.ListLines(list);
                foreach (var line in lines)
                {
                    var indent = 4 + PlainText.ListIndent(line, lines);
                    output.AddRange(Wrap(line.Marker + line.Text, indent, indent + line.Marker.Length));
                }
                output.Add("");
                break;
            case Table table:
                output.AddRange(PlainText.TableLines(table).Select(l => "    " + l));
                output.Add("");
                break;
            case CodeBlock code:
                output.AddRange(PlainText.Lines(code).Select(l => ("        " + l).TrimEnd()));
                output.Add("");
                break;
            case QuoteBlock quote:
                foreach (var inner in quote)
                {
                    AddBlock(output, inner);
                }
                break;
            case ThematicBreakBlock or LinkReferenceDefinitionGroup or BlankLineBlock:
                break;
            default:
                throw new HelpFormatException(block.Line + 1, $"a {block.GetType().Name} cannot be shown in an about topic");
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
