using Markdig.Syntax;

namespace NginxKit.HelpBuilder.Markdown;

/// <summary>A heading and the top-level blocks under it, up to the next heading of its level or above.</summary>
/// <param name="Line">1-based line of the heading.</param>
internal sealed record MarkdownSection(string Title, int Line, IReadOnlyList<Block> Blocks);
