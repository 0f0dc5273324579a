namespace NginxKit.HelpBuilder.Pages;

/// <summary>An example: its title, the code (the first run of code blocks under it) and the remarks (everything else, in order).</summary>
internal sealed record HelpExample(string Title, string Code, IReadOnlyList<string> Remarks);
