namespace NginxKit.Cmdlets.Tests;

/// <summary>
/// A --root tree holding a variant's fixture units (tests/Fixtures/Systemd/units, copied beside the tests),
/// docker-ce by default, laid out as Debian 12 does: usr/lib/systemd/system with lib, bin and sbin linking
/// into usr, an empty etc/systemd/system and etc/default, as DockerSystemd.Tests.ps1's New-OfflineTree does. That
/// tree also gets placeholder Exec programs, which only systemd-analyze verify needs; the cmdlets never look.
/// </summary>
public static class UnitTree
{
    private static readonly string Units = Path.Combine(AppContext.BaseDirectory, "Systemd", "units");

    /// <summary>Lays the tree out at <paramref name="path"/> (which must not exist yet) and returns it.</summary>
    public static string Create(string path, string variant = "docker-ce")
    {
        var system = Path.Combine(path, "usr/lib/systemd/system");
        foreach (var dir in new[] { system, Path.Combine(path, "usr/bin"), Path.Combine(path, "usr/sbin"), Path.Combine(path, "etc/systemd/system"), Path.Combine(path, "etc/default") })
            Directory.CreateDirectory(dir);
        foreach (var link in new[] { "lib", "bin", "sbin" })
            File.CreateSymbolicLink(Path.Combine(path, link), "usr/" + link);
        // Every base unit; of the variant, its units alone (debian-docker-io also holds its /etc/default file).
        var units = Directory.EnumerateFiles(Path.Combine(Units, "base")).Concat(
            Directory.EnumerateFiles(Path.Combine(Units, variant)).Where(f => f.EndsWith(".service", StringComparison.Ordinal) || f.EndsWith(".socket", StringComparison.Ordinal)));
        foreach (var unit in units)
            File.Copy(unit, Path.Combine(system, Path.GetFileName(unit)));
        return path;
    }
}
