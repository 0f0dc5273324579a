using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Systemd;

/// <summary>Drives systemctl: the seam between the cmdlets and the system's systemd.</summary>
public sealed class Systemctl(IProcessRunner runner)
{

    public async Task<SystemdUnit> ShowAsync(string unit, CancellationToken cancellationToken)
    {
        var result = await RunAsync(["show", unit, "--no-pager", "-p", string.Join(',', SystemdUnit.Shown)], cancellationToken).ConfigureAwait(false);
        return SystemdUnit.Parse(unit, result.StandardOutput);
    }

    public Task DaemonReloadAsync(CancellationToken cancellationToken) => RunAsync(["daemon-reload"], cancellationToken);

    /// <summary>enable, disable, start, stop or restart.</summary>
    public Task ActAsync(string verb, string unit, CancellationToken cancellationToken) => RunAsync([verb, unit], cancellationToken);

    private async Task<ProcessResult> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var systemctl = NativeCommand.Find("systemctl") ?? throw ErrorCatalog.SystemctlNotFound.Exception("systemctl was not found: this host does not run systemd.", null);
        var result = await runner.RunAsync(new ProcessSpec(systemctl, args), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
            throw ErrorCatalog.SystemctlFailed.Exception($"'systemctl {string.Join(' ', args)}' failed (exit {result.ExitCode}): {result.StandardError.Trim().TrimEnd('.')}. See the unit's log with Get-DockerJournal.",
                args.Count > 1 ? args[^1] : null);
        return result;
    }
}
