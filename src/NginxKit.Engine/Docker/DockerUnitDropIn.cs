using System.Text;
using System.Text.RegularExpressions;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>
/// Decides the drop-in that makes docker.service read the EnvironmentFile and pass $DOCKER_OPTS.
/// The ExecStart to keep comes from the unit actually installed (and its other drop-ins), never
/// from a hard-coded line: Docker's docker-ce unit reads no environment file, Debian's docker.io
/// already does both. Nothing is doubled, and no drop-in is written where none is needed.
/// </summary>
public static partial class DockerUnitDropIn
{
    public const string DefaultName = "nginxkit-environment.conf";

    /// <summary>The drop-in text, or null when the installed unit already reads the file and passes the options.</summary>
    public static string? Plan(IReadOnlyList<UnitFile.Directive> otherDirectives, string environmentFile, string unitName = "docker.service")
    {
        var execStart = UnitFile.Effective(otherDirectives, "Service", "ExecStart");
        var environmentFiles = UnitFile.Effective(otherDirectives, "Service", "EnvironmentFile");
        if (execStart.Count == 0)
            throw ErrorCatalog.UnsupportedExecStart.Exception($"{unitName} has no ExecStart to extend. Is Docker installed?", unitName);
        if (execStart.Count > 1)
            throw ErrorCatalog.UnsupportedExecStart.Exception($"{unitName} has {execStart.Count} ExecStart lines; NginxKit extends a unit with exactly one.", unitName);

        var readsFile = environmentFiles.Any(f => f.TrimStart('-') == environmentFile);
        var passesOptions = DockerOptsReference().IsMatch(execStart[0]);
        if (readsFile && passesOptions) return null;

        var sb = new StringBuilder();
        sb.Append("# Written by NginxKit: dockerd reads ").Append(environmentFile).Append(" and receives $DOCKER_OPTS.\n");
        sb.Append("# The packaged unit stays untouched, so package upgrades keep this.\n");
        sb.Append("[Service]\n");
        if (!readsFile) sb.Append("EnvironmentFile=-").Append(environmentFile).Append('\n');
        if (!passesOptions)
        {
            // A second ExecStart is only allowed for Type=oneshot: clear the packaged one first.
            sb.Append("ExecStart=\n");
            sb.Append("ExecStart=").Append(execStart[0]).Append(" $DOCKER_OPTS\n");
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"\$(\{DOCKER_OPTS\}|DOCKER_OPTS\b)")]
    private static partial Regex DockerOptsReference();

    /// <summary>Reads the unit and its drop-ins under a root, leaving out our own drop-in.</summary>
    public static (string Fragment, IReadOnlyList<UnitFile.Directive> Directives) ReadInstalled(string root, string unit, string ownDropIn)
    {
        var (fragment, dropIns) = UnitFile.Locate(root, unit);
        if (fragment is null)
            throw ErrorCatalog.DockerUnitNotFound.Exception($"No {unit} unit file was found under {root}. Install Docker first (Install-DockerEngine).", unit);
        var directives = new List<UnitFile.Directive>(UnitFile.Parse(File.ReadAllText(fragment), fragment));
        foreach (var file in dropIns.Where(f => Path.GetFileName(f) != ownDropIn))
            directives.AddRange(UnitFile.Parse(File.ReadAllText(file), file));
        return (fragment, directives);
    }
}
