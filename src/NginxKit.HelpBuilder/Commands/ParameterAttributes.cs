namespace NginxKit.HelpBuilder.Commands;

/// <summary>The attributes of a MAML command:parameter element, as text.</summary>
/// <param name="Position">A number, or "named".</param>
/// <param name="PipelineInput">"False", or "True (ByValue, ByPropertyName)" naming the kinds.</param>
/// <param name="Aliases">Comma-separated, or "none".</param>
internal sealed record ParameterAttributes(bool Required, string Position, string PipelineInput, string Aliases);
