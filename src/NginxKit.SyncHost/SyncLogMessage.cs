namespace NginxKit.SyncHost;

/// <summary>A warning or a refused Service, as one log line: what Sync-NginxConf writes as a warning or an error record.</summary>
public sealed record SyncLogMessage(DateTimeOffset Time, string Level, string? ErrorId, string? Category, string Message, string? Target, string? Rule);
