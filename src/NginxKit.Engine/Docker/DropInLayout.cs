using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>docker.service as it will be: what applies before NginxKit's drop-in, the drop-in, and what applies after it.</summary>
/// <param name="Fragment">The unit file.</param>
/// <param name="Before">Directives of the unit file and the drop-ins that sort before ours.</param>
/// <param name="Text">Our drop-in's text; null when none is needed.</param>
/// <param name="Ours">Our drop-in's directives.</param>
/// <param name="After">Directives of the drop-ins that sort after ours: these win.</param>
/// <param name="StaleDropIns">Earlier NginxKit drop-ins under another name, removed by the change.</param>
/// <param name="Files">The unit file and every other drop-in that applies (for their change times).</param>
public sealed record DropInLayout(
    string Fragment,
    IReadOnlyList<UnitFile.Directive> Before,
    string? Text,
    IReadOnlyList<UnitFile.Directive> Ours,
    IReadOnlyList<UnitFile.Directive> After,
    IReadOnlyList<string> StaleDropIns,
    IReadOnlyList<string> Files)
{
    public IEnumerable<UnitFile.Directive> All => Before.Concat(Ours).Concat(After);
}
