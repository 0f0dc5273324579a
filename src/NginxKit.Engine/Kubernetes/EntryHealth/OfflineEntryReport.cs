using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>What the offline entry check found: the manifests it could not read, then one result per check.</summary>
public sealed record OfflineEntryReport(IReadOnlyList<Problem> UnreadableManifests, IReadOnlyList<EntryCheckResult> Checks);
