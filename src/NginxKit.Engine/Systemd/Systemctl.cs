using System.Globalization;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Systemd;

/// <summary>Drives systemctl: the seam between the cmdlets and the system's systemd.</summary>
public sealed class Systemctl(IProcessRunner runner)
{
    public async Task<SystemdUnit> ShowAsync(string unit, CancellationToken cancellationToken)
    {
        var result = await RunAsync(["show", unit, "--no-pager", "-p", string.Join(',', SystemdUnit.Shown)], unit, "read the state of", cancellationToken).ConfigureAwait(false);
        return SystemdUnit.Parse(unit, result.StandardOutput);
    }

    /// <summary>When the unit's main process started (UTC), to the microsecond; null when it is not running.</summary>
    public async Task<DateTime?> MainStartTimeAsync(string unit, CancellationToken cancellationToken)
    {
        var result = await RunAsync(["show", unit, "--no-pager", "--timestamp=us+utc", "-p", "ExecMainStartTimestamp", "--value"], unit, "read the start time of", cancellationToken).ConfigureAwait(false);
        // "Thu 2024-01-04 10:11:12.123456 UTC"
        var text = result.StandardOutput.Trim();
        var space = text.IndexOf(' ');
        return space > 0 && DateTime.TryParseExact(text[(space + 1)..], "yyyy-MM-dd HH:mm:ss.ffffff 'UTC'", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }

    public Task DaemonReloadAsync(CancellationToken cancellationToken) => RunAsync(["daemon-reload"], null, "reload systemd for", cancellationToken);

    /// <summary>enable, disable, start, stop or restart.</summary>
    public Task ActAsync(string verb, string unit, CancellationToken cancellationToken) => RunAsync([verb, unit], unit, verb, cancellationToken);

    /// <summary>True when systemd runs this host (sd_booted: /run/systemd/system exists).</summary>
    public static bool IsSystemdRunning => Directory.Exists("/run/systemd/system");

    private async Task<ProcessResult> RunAsync(IReadOnlyList<string> args, string? unit, string what, CancellationToken cancellationToken)
    {
        var systemctl = NativeCommand.Find("systemctl") ?? throw ErrorCatalog.SystemctlNotFound.Exception(
            $"systemctl was not found, so NginxKit cannot {what} {unit ?? "the units"}: this host does not run systemd.", unit);
        var result = await runner.RunAsync(new ProcessSpec(systemctl, args), cancellationToken).ConfigureAwait(false);
        if (result.Succeeded) return result;
        var stderr = result.StandardError.Trim().TrimEnd('.');
        if (!IsSystemdRunning || stderr.Contains("has not been booted with systemd", StringComparison.Ordinal) || stderr.Contains("Failed to connect to bus", StringComparison.Ordinal))
            throw ErrorCatalog.SystemdNotRunning.Exception(
                $"Cannot {what} {unit ?? "the units"}: systemd is not running on this host (it is not PID 1 here, as in most containers), so there is no unit state to read or change.",
                unit, hint: "Run this on the host itself, or use -Root to change the files of a tree offline.");
        // A unit that failed to start has its reason in its log; other failures say theirs in stderr.
        var journal = args[0] is "start" or "restart" ? " Its log says why: Get-DockerJournal -Priority err -Last 20." : "";
        throw ErrorCatalog.SystemctlFailed.Exception($"systemctl {args[0]} {unit ?? ""} failed (exit {result.ExitCode}): {stderr}.{journal}".Replace("  ", " "), unit);
    }
}
