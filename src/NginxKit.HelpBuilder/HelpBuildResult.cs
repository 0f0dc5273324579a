using NginxKit.HelpBuilder.Markdown;

namespace NginxKit.HelpBuilder;

/// <summary>What a help build wrote, what it warned about, and the page errors that stopped it.</summary>
internal sealed record HelpBuildResult(
    IReadOnlyList<string> Written,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<HelpFormatException> Errors);
