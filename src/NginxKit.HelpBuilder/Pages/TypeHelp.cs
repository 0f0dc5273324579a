namespace NginxKit.HelpBuilder.Pages;

/// <summary>An entry of INPUTS or OUTPUTS: a type name and what the cmdlet takes or writes of it.</summary>
internal sealed record TypeHelp(string TypeName, IReadOnlyList<string> Description);
