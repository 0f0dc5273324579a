namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// What a sidecar said it serves, read back from its last Synced event: when, the config's hash,
/// the route table's hash and count, and the table itself when it was small enough to record.
/// </summary>
public sealed record SyncRecord(string Pod, DateTimeOffset Time, string ConfigHash, string RoutesHash, int RouteCount, ServedRouteTable? Routes);
