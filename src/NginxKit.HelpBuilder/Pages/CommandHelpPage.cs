namespace NginxKit.HelpBuilder.Pages;

/// <summary>
/// The prose of one cmdlet's page (docs/Verb-Noun.md, platyPS 0.14 layout). Syntax and parameter
/// attributes are not read from the page: they come from the cmdlet, so help cannot drift from code.
/// </summary>
/// <param name="Command">The cmdlet the file is named for.</param>
/// <param name="Title">The page's '#' title, which should be the cmdlet's name.</param>
/// <param name="Sections">The '##' section titles, in page order.</param>
internal sealed record CommandHelpPage(
    string Command,
    string Path,
    string Title,
    IReadOnlyList<string> Sections,
    string Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<HelpExample> Examples,
    IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<TypeHelp> Inputs,
    IReadOnlyList<TypeHelp> Outputs,
    IReadOnlyList<string> Notes,
    IReadOnlyList<HelpLink> Links)
{
    /// <summary>The prose of a parameter, matched as PowerShell matches names: ignoring case.</summary>
    public ParameterHelp? FindParameter(string name) =>
        Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
