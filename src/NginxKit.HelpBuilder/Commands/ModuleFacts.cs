using System.Text.Json;

namespace NginxKit.HelpBuilder.Commands;

/// <summary>
/// The cmdlets of a module, in the order help lists them. PowerShell writes this file from the
/// loaded module (src/Help/CommandHelpData.psm1), since only PowerShell knows a cmdlet's sets and bindings.
/// </summary>
internal sealed record ModuleFacts(string Module, IReadOnlyList<CommandFacts> Commands)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static ModuleFacts Read(string path)
    {
        var facts = JsonSerializer.Deserialize<ModuleFacts>(File.ReadAllText(path), Json);
        if (facts is null || string.IsNullOrEmpty(facts.Module) || facts.Commands is null)
        {
            throw new InvalidDataException($"{path} does not describe a module's cmdlets (Module and Commands are missing).");
        }
        return facts;
    }
}
