namespace NginxKit.HelpBuilder.Commands;

/// <summary>How a parameter takes part in one parameter set, as PowerShell's ParameterSetMetadata says.</summary>
/// <param name="Position">Negative when the parameter is named only.</param>
internal sealed record SetMembership(
    string Name,
    bool IsMandatory,
    int Position,
    bool ValueFromPipeline,
    bool ValueFromPipelineByPropertyName);
