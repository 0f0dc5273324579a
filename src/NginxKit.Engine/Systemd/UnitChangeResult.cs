namespace NginxKit.Engine.Systemd;

/// <summary>What a state change did: Changed is false when the unit was already there (start on a running unit).</summary>
public sealed record UnitChangeResult(string Unit, string Action, bool Changed, SystemdUnit State);
