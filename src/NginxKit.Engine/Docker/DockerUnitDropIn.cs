using System.Text;
using System.Text.RegularExpressions;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>
/// Decides the drop-in that makes docker.service read the EnvironmentFile and pass $DOCKER_OPTS.
/// The ExecStart to keep comes from the unit actually installed and the drop-ins that apply before
/// ours, never from a hard-coded line: Docker's docker-ce unit reads no environment file, Debian's
/// docker.io already does both. Drop-ins apply in file-name order across all their directories, so
/// a later <c>ExecStart=</c> resets ours: the default name sorts after the usual ones
/// (override.conf, http-proxy.conf), and a drop-in that still sorts later is found and named.
/// </summary>
public static partial class DockerUnitDropIn
{
    public const string DefaultName = "zz-nginxkit-environment.conf";

    /// <summary>The first line of every drop-in NginxKit writes; how an older one of ours (another name) is recognised.</summary>
    public const string Header = "# Written by NginxKit: dockerd reads ";

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
        var passesOptions = PassesDockerOpts(execStart[0]);
        if (readsFile && passesOptions) return null;

        var sb = new StringBuilder();
        sb.Append(Header).Append(environmentFile).Append(" and receives $DOCKER_OPTS.\n");
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

    /// <summary>True when an ExecStart line passes $DOCKER_OPTS (or ${DOCKER_OPTS}) to the program.</summary>
    public static bool PassesDockerOpts(string execStart) => DockerOptsReference().IsMatch(execStart);

    [GeneratedRegex(@"\$(\{DOCKER_OPTS\}|DOCKER_OPTS\b)")]
    private static partial Regex DockerOptsReference();

    /// <summary>
    /// The unit as it will be with our drop-in: the directives of the unit file and every drop-in in
    /// systemd's order, ours at its place; older NginxKit drop-ins under another name are to be removed.
    /// </summary>
    public static DropInLayout Layout(string root, string unit, string ownName, string environmentFile)
    {
        var (fragment, dropIns) = UnitFile.LocateDropIns(root, unit);
        if (fragment is null)
            throw ErrorCatalog.DockerUnitNotFound.Exception($"No {unit} unit file was found under {root}. Install Docker first (Install-DockerEngine).", unit);
        var own = dropIns.FirstOrDefault(d => d.Name == ownName && !d.Masked && d.UnitPath.StartsWith("/etc/systemd/system/", StringComparison.Ordinal));
        var stale = dropIns.Where(d => d.Name != ownName && !d.Masked && IsOurs(d.Path)).ToList();
        var others = dropIns.Where(d => d.Name != ownName && !stale.Contains(d)).ToList();
        if (dropIns.FirstOrDefault(d => d.Name == ownName) is { } shadow && shadow != own)
            throw ErrorCatalog.DropInOverridden.Exception(
                $"{shadow.UnitPath} {(shadow.Masked ? "masks" : "takes the place of")} the drop-in name {ownName}, so NginxKit's drop-in would never apply. Choose another -DropInName.",
                shadow.UnitPath, "DropInNameTaken");

        var before = new List<UnitFile.Directive>(Read(fragment, "/" + Path.GetRelativePath(root, fragment)));
        foreach (var d in others.Where(d => Compare(d.Name, ownName) < 0 && !d.Masked)) before.AddRange(Read(d.Path, d.UnitPath));
        var after = new List<UnitFile.Directive>();
        foreach (var d in others.Where(d => Compare(d.Name, ownName) > 0 && !d.Masked)) after.AddRange(Read(d.Path, d.UnitPath));
        var text = Plan(before, environmentFile, unit);
        var ownUnitPath = "/etc/systemd/system/" + unit + ".d/" + ownName;
        var ours = text is null ? [] : UnitFile.Parse(text, ownUnitPath);
        return new DropInLayout(fragment, before, text, ours, after, stale.Select(d => d.Path).ToList(),
            others.Where(d => !d.Masked).Select(d => d.Path).Prepend(fragment).ToList());
    }

    private static int Compare(string a, string b) => Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    private static IReadOnlyList<UnitFile.Directive> Read(string path, string unitPath) => UnitFile.Parse(File.ReadAllText(path), unitPath);

    private static bool IsOurs(string path)
    {
        try { return File.ReadLines(path).FirstOrDefault()?.StartsWith(Header, StringComparison.Ordinal) == true; }
        catch (IOException) { return false; }
    }

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
