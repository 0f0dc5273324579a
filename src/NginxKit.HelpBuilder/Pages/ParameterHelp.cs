namespace NginxKit.HelpBuilder.Pages;

/// <summary>A parameter's prose: its description, and the default value its yaml block gives, if any.</summary>
internal sealed record ParameterHelp(string Name, IReadOnlyList<string> Description, string? DefaultValue);
