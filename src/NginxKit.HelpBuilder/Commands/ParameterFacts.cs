namespace NginxKit.HelpBuilder.Commands;

/// <summary>A documented parameter of a cmdlet, as the loaded cmdlet declares it.</summary>
/// <param name="TypeName">Short, as Microsoft's help writes it: String[], Int32, Dictionary[String, Int32].</param>
/// <param name="ValueSet">ValidateSet values or enum names, shown as {A | B}.</param>
/// <param name="Sets">Every parameter set the parameter is in; "__AllParameterSets" stands for all of them.</param>
internal sealed record ParameterFacts(
    string Name,
    string TypeName,
    bool IsSwitch,
    IReadOnlyList<string> Aliases,
    bool Globbing,
    IReadOnlyList<string> ValueSet,
    IReadOnlyList<SetMembership> Sets)
{
    public const string AllSets = "__AllParameterSets";

    /// <summary>The parameter as help shows it within one set (in syntax), or over all its sets (under PARAMETERS).</summary>
    public ParameterAttributes Attributes(string? setName = null)
    {
        IReadOnlyList<SetMembership> sets = setName is null ? Sets : InSet(setName) is { } one ? [one] : [];
        var positions = sets.Where(s => s.Position >= 0).Select(s => s.Position).Order().ToList();
        return new ParameterAttributes(
            // Mandatory in only some of its sets counts as not required.
            Required: sets.Count > 0 && sets.All(s => s.IsMandatory),
            Position: positions.Count > 0 ? positions[0].ToString(System.Globalization.CultureInfo.InvariantCulture) : "named",
            PipelineInput: PipelineInput(sets.Any(s => s.ValueFromPipeline), sets.Any(s => s.ValueFromPipelineByPropertyName)),
            Aliases: Aliases.Count > 0 ? string.Join(", ", Aliases) : "none");
    }

    /// <summary>How the parameter takes part in a set: by that set's name, or as a member of all sets.</summary>
    public SetMembership? InSet(string setName) =>
        Sets.FirstOrDefault(s => string.Equals(s.Name, setName, StringComparison.OrdinalIgnoreCase))
        ?? Sets.FirstOrDefault(s => s.Name == AllSets);

    private static string PipelineInput(bool byValue, bool byPropertyName)
    {
        var kinds = new List<string>();
        if (byValue)
        {
            kinds.Add("ByValue");
        }
        if (byPropertyName)
        {
            kinds.Add("ByPropertyName");
        }
        return kinds.Count > 0 ? $"True ({string.Join(", ", kinds)})" : "False";
    }
}
