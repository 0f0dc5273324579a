using System.Runtime.InteropServices;

namespace NginxKit.Engine.Diagnostics;

/// <summary>
/// Decides whether a command that needs Linux (systemd, journald, Docker's Linux packages) may run
/// here. The platform is a parameter, so the decision is tested for every system on any of them.
/// </summary>
public static class PlatformGuard
{
    public const string Linux = "Linux";

    /// <summary>The system this process runs on, as its users name it: Linux, Windows, macOS, FreeBSD, or the OS description.</summary>
    public static string Current =>
        OperatingSystem.IsLinux() ? Linux
        : OperatingSystem.IsWindows() ? "Windows"
        : OperatingSystem.IsMacOS() ? "macOS"
        : OperatingSystem.IsFreeBSD() ? "FreeBSD"
        : RuntimeInformation.OSDescription;

    /// <summary>Null when <paramref name="command"/> may run on this system; otherwise its PlatformNotSupported problem.</summary>
    public static Problem? RequireLinux(string command, string needs) => RequireLinux(command, needs, Current);

    /// <summary>Null on Linux; on <paramref name="platform"/> anything else, PlatformNotSupported naming it, with the platform as target.</summary>
    public static Problem? RequireLinux(string command, string needs, string platform) =>
        platform == Linux
            ? null
            : ErrorCatalog.PlatformNotSupported.Problem(
                $"{command} needs {needs}, which this system ({platform}) does not have: it runs on Linux only. Nothing was read or changed.",
                platform, "RequiresLinux",
                "Run it on the Linux host it manages (for example over ssh or Enter-PSSession). New-NginxConf, Test-NginxConf and the Kubernetes cmdlets work here.");
}
