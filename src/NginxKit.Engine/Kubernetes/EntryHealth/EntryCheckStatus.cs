namespace NginxKit.Engine.Kubernetes;

/// <summary>The verdict of one entry check.</summary>
public enum EntryCheckStatus
{
    Pass,
    Warn,
    Fail,
}
