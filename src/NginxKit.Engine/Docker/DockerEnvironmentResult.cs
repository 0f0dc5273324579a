namespace NginxKit.Engine.Docker;

/// <summary>What Set-DockerEnvironmentFile did.</summary>
public sealed record DockerEnvironmentResult(
    bool Changed,
    IReadOnlyList<string> FilesTouched,
    bool DaemonReloaded,
    bool Restarted,
    bool RestartPending,
    IReadOnlyList<string> FixedExportKeys,
    string? Diff)
{
    /// <summary>Why docker.service was (or should be) restarted: Changed, NeedDaemonReload or FilesNewerThanDaemon; null when it runs with the files as they are.</summary>
    public string? RestartReason { get; init; }

    /// <summary>Per requested value, whether dockerd receives it: read back from systemctl show after daemon-reload, or from the unit files under -Root.</summary>
    public IReadOnlyList<DockerDelivery> Delivery { get; init; } = [];

    /// <summary>What failed after the files were written (daemon-reload or the restart); null when nothing did.</summary>
    public string? Failed { get; init; }

    /// <summary>The command that finishes the change by hand after a failure.</summary>
    public string? FinishCommand { get; init; }
}
