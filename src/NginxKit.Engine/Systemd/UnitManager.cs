namespace NginxKit.Engine.Systemd;

/// <summary>
/// Enable, disable, start, stop and restart with Ansible's systemd_service semantics: each
/// reports whether it changed anything, starting a running unit changes nothing, restart always acts.
/// A start or restart of a unit whose files changed on disk (NeedDaemonReload) runs daemon-reload
/// first, or systemd would run the unit as it was.
/// </summary>
public sealed class UnitManager(Systemctl systemctl)
{
    /// <summary>Whether the action would change the unit in this state.</summary>
    public static bool WouldChange(UnitAction action, SystemdUnit state) => action switch
    {
        UnitAction.Start => !state.IsActive,
        UnitAction.Stop => state.IsActive,
        UnitAction.Restart => true,
        UnitAction.Enable => state.UnitFileState is not ("enabled" or "enabled-runtime" or "static" or "alias"),
        UnitAction.Disable => state.UnitFileState is "enabled" or "enabled-runtime",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    /// <summary>systemctl's verb for an action.</summary>
    public static string Verb(UnitAction action) => action.ToString().ToLowerInvariant();

    /// <summary>True when the action runs daemon-reload first.</summary>
    public static bool ReloadsFirst(UnitAction action, SystemdUnit state) =>
        state.NeedDaemonReload && action is UnitAction.Start or UnitAction.Restart;

    public Task<SystemdUnit> ShowAsync(string unit, CancellationToken cancellationToken) => systemctl.ShowAsync(unit, cancellationToken);

    public async Task<UnitChangeResult> ApplyAsync(string unit, UnitAction action, SystemdUnit before, CancellationToken cancellationToken)
    {
        if (!WouldChange(action, before))
            return new UnitChangeResult(unit, Verb(action), false, before);
        var reload = ReloadsFirst(action, before);
        if (reload) await systemctl.DaemonReloadAsync(cancellationToken).ConfigureAwait(false);
        await systemctl.ActAsync(Verb(action), unit, cancellationToken).ConfigureAwait(false);
        return new UnitChangeResult(unit, Verb(action), true, await systemctl.ShowAsync(unit, cancellationToken).ConfigureAwait(false), reload);
    }
}
