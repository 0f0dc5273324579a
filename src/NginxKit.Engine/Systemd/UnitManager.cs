namespace NginxKit.Engine.Systemd;

/// <summary>
/// Enable, disable, start, stop and restart with Ansible's systemd_service semantics: each
/// reports whether it changed anything, starting a running unit changes nothing, restart always acts.
/// </summary>
public sealed class UnitManager(Systemctl systemctl)
{
    public static readonly string[] Actions = ["enable", "disable", "start", "stop", "restart"];

    /// <summary>Whether the action would change the unit in this state.</summary>
    public static bool WouldChange(string action, SystemdUnit state) => action switch
    {
        "start" => !state.IsActive,
        "stop" => state.IsActive,
        "restart" => true,
        "enable" => state.UnitFileState is not ("enabled" or "enabled-runtime" or "static" or "alias"),
        "disable" => state.UnitFileState is "enabled" or "enabled-runtime",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public Task<SystemdUnit> ShowAsync(string unit, CancellationToken cancellationToken) => systemctl.ShowAsync(unit, cancellationToken);

    public async Task<UnitChangeResult> ApplyAsync(string unit, string action, SystemdUnit before, CancellationToken cancellationToken)
    {
        if (!WouldChange(action, before))
            return new UnitChangeResult(unit, action, false, before);
        await systemctl.ActAsync(action, unit, cancellationToken).ConfigureAwait(false);
        return new UnitChangeResult(unit, action, true, await systemctl.ShowAsync(unit, cancellationToken).ConfigureAwait(false));
    }
}
