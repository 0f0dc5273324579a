namespace NginxKit.Engine.Systemd;

/// <summary>What the unit cmdlets ask systemd to do; the names are systemctl's verbs.</summary>
public enum UnitAction
{
    Enable,
    Disable,
    Start,
    Stop,
    Restart,
}
