namespace NginxKit.Engine.Docker;

/// <summary>
/// Whether dockerd runs with its files as they are. It does not when this run changed them, when
/// systemd has not loaded the unit's files yet (NeedDaemonReload), or when the running daemon
/// started before the files' last change (an earlier run, or a hand edit, left them unapplied).
/// </summary>
public static class DockerRestart
{
    public const string Changed = nameof(Changed);
    public const string NeedDaemonReload = nameof(NeedDaemonReload);
    public const string FilesNewerThanDaemon = nameof(FilesNewerThanDaemon);

    /// <summary>The reason to restart, or null.</summary>
    public static string? Reason(bool changed, bool needDaemonReload, bool active, DateTime? mainStartUtc, DateTime? filesChangedUtc)
    {
        if (changed) return Changed;
        if (needDaemonReload) return NeedDaemonReload;
        if (active && mainStartUtc is { } started && filesChangedUtc is { } modified && started < modified) return FilesNewerThanDaemon;
        return null;
    }

    /// <summary>The newest change time of the files (through links); null when none exists.</summary>
    public static DateTime? LastChange(IEnumerable<string> paths)
    {
        DateTime? newest = null;
        foreach (var path in paths)
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null) info = (FileInfo?)info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            if (!info.Exists) continue;
            var time = info.LastWriteTimeUtc;
            if (newest is null || time > newest) newest = time;
        }
        return newest;
    }

    public const string FinishByHand = "systemctl daemon-reload && systemctl restart docker.service";
}
