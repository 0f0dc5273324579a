namespace NginxKit.HelpBuilder.Commands;

/// <summary>A parameter set of a cmdlet and its documented parameters, in the cmdlet's order.</summary>
internal sealed record ParameterSetFacts(string Name, bool IsDefault, IReadOnlyList<string> Parameters);
