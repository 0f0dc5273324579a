namespace NginxKit.Engine.Systemd;

/// <summary>What a state change did: Changed is false when the unit was already there (start on a running unit).</summary>
/// <param name="Unit">The unit.</param>
/// <param name="Action">enable, disable, start, stop or restart.</param>
/// <param name="Changed">The unit changed.</param>
/// <param name="State">The unit's state afterwards.</param>
/// <param name="DaemonReloaded">systemctl daemon-reload ran first, because the unit's files had changed on disk (NeedDaemonReload).</param>
public sealed record UnitChangeResult(string Unit, string Action, bool Changed, SystemdUnit State, bool DaemonReloaded = false);
