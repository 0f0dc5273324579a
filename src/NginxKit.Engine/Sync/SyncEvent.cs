namespace NginxKit.Engine.Sync;

/// <summary>
/// One sync: what changed, the config's hash and how long it took. Sync-NginxConf writes one per
/// sync; as JSON it is the sidecar's log line.
/// </summary>
public sealed record SyncEvent(
    DateTimeOffset Time,
    string Trigger,
    bool Changed,
    bool Written,
    bool Reloaded,
    bool Validated,
    string Hash,
    int Routes,
    int Refused,
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Removed,
    double DurationMs,
    string? Error)
{
    public override string ToString() =>
        $"time={Time:O} trigger={Trigger} changed={Changed.ToString().ToLowerInvariant()} reloaded={Reloaded.ToString().ToLowerInvariant()} routes={Routes} refused={Refused} hash={Hash} ms={DurationMs:0.0}"
        + (Added.Count > 0 ? $" added={string.Join(',', Added)}" : "") + (Removed.Count > 0 ? $" removed={string.Join(',', Removed)}" : "")
        + (Error is null ? "" : $" error=\"{Error.Replace("\"", "'")}\"");
}
