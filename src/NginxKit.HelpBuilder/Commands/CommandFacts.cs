namespace NginxKit.HelpBuilder.Commands;

/// <summary>
/// A cmdlet as the loaded module reports it: the part of help that code, not prose, decides.
/// Parameters are those that need documenting (not common, not DontShow), in declaration order.
/// </summary>
/// <param name="HelpFile">The file Get-Help looks for beside the cmdlet's assembly, such as NginxKit.dll-Help.xml.</param>
internal sealed record CommandFacts(
    string Name,
    string Verb,
    string Noun,
    string HelpFile,
    IReadOnlyList<ParameterFacts> Parameters,
    IReadOnlyList<ParameterSetFacts> ParameterSets)
{
    public ParameterFacts? FindParameter(string name) =>
        Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The sets as syntax lists them: the default set first, as Get-Command -Syntax shows them.</summary>
    public IEnumerable<ParameterSetFacts> SyntaxSets() => ParameterSets.OrderBy(s => s.IsDefault ? 0 : 1);

    /// <summary>A set's parameters in syntax order: positional by position, then mandatory named ones, then the rest.</summary>
    public IEnumerable<ParameterFacts> SyntaxParameters(ParameterSetFacts set)
    {
        var members = set.Parameters
            .Select(FindParameter)
            .OfType<ParameterFacts>()
            .Select(p => (Parameter: p, Membership: p.InSet(set.Name)))
            .Where(m => m.Membership is not null)
            .Select(m => (m.Parameter, Membership: m.Membership!))
            .ToList();
        return members.Where(m => m.Membership.Position >= 0).OrderBy(m => m.Membership.Position)
            .Concat(members.Where(m => m.Membership.Position < 0 && m.Membership.IsMandatory))
            .Concat(members.Where(m => m.Membership.Position < 0 && !m.Membership.IsMandatory))
            .Select(m => m.Parameter);
    }
}
