using System.Globalization;
using k8s.Models;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// The Event a sidecar records on its own pod after a sync, so that what the pod serves can be
/// read without exec: a core/v1 Event of type Normal and reason Synced, whose annotations carry
/// the config's hash, the route table's hash and count, and the table itself when it is at most
/// <see cref="ServedRouteTable.MaxRecordedBytes"/>. Creating Events is all the sidecar's Role
/// allows beyond reading Services; the API server expires them (an hour by default), so the
/// sidecar records one again at least every <c>SyncedInterval</c>.
/// </summary>
public static class SyncedEvent
{
    public const string Reason = "Synced";
    public const string ConfigHashAnnotation = "nginxkit.io/config-hash";
    public const string RoutesHashAnnotation = "nginxkit.io/routes-hash";
    public const string RouteCountAnnotation = "nginxkit.io/route-count";
    public const string RoutesAnnotation = "nginxkit.io/routes";

    /// <summary>The event; pure.</summary>
    public static Corev1Event Build(PodIdentity pod, string configHash, ServedRouteTable routes, DateTimeOffset now)
    {
        var annotations = new Dictionary<string, string>
        {
            [ConfigHashAnnotation] = configHash,
            [RoutesHashAnnotation] = routes.Hash,
            [RouteCountAnnotation] = routes.Count.ToString(CultureInfo.InvariantCulture),
        };
        var recorded = routes.Text.Length <= ServedRouteTable.MaxRecordedBytes;
        if (recorded) annotations[RoutesAnnotation] = routes.Text;
        var time = now.UtcDateTime;
        return new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta
            {
                Name = $"{pod.Name}.{(now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100:x}",
                NamespaceProperty = pod.Namespace,
                Annotations = annotations,
            },
            InvolvedObject = new V1ObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Name, NamespaceProperty = pod.Namespace, Uid = pod.Uid },
            Reason = Reason,
            Message = $"Serving {routes.Count} route{(routes.Count == 1 ? "" : "s")}, config {configHash}, route table {routes.Hash}"
                + (recorded ? "." : " (the table is too large to record route by route)."),
            Type = "Normal",
            Source = new V1EventSource { Component = PathConflictEvent.Component },
            ReportingComponent = PathConflictEvent.ReportingController,
            ReportingInstance = pod.Name.Length > 128 ? pod.Name[..128] : pod.Name,
            FirstTimestamp = time,
            LastTimestamp = time,
            Count = 1,
        };
    }

    /// <summary>
    /// Reads a Synced event back; null when it is not one the sidecar wrote in the expected form.
    /// The event comes from the cluster: every value must pass its allow-list.
    /// </summary>
    public static SyncRecord? Read(Corev1Event e)
    {
        if (e.Reason != Reason || e.InvolvedObject?.Kind != "Pod" || e.InvolvedObject.Name is not { Length: > 0 } pod) return null;
        if (e.ReportingComponent != PathConflictEvent.ReportingController && e.Source?.Component != PathConflictEvent.Component) return null;
        var a = e.Metadata?.Annotations;
        if (a is null || !a.TryGetValue(ConfigHashAnnotation, out var config) || !a.TryGetValue(RoutesHashAnnotation, out var table)
            || !a.TryGetValue(RouteCountAnnotation, out var countText)) return null;
        if (!IsHash(config) || !IsHash(table) || !int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var count)) return null;
        var time = e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp;
        if (time is null) return null;
        var routes = a.TryGetValue(RoutesAnnotation, out var text) ? ServedRouteTable.Parse(text) : null;
        // A table that does not hash to what the event says is not the table it served.
        if (routes is not null && routes.Hash != table) routes = null;
        return new SyncRecord(pod, new DateTimeOffset(DateTime.SpecifyKind(time.Value, DateTimeKind.Utc)), config, table, count, routes);
    }

    private static bool IsHash(string s) => s.Length == ContentHash.Length && s.StartsWith(ContentHash.Prefix, StringComparison.Ordinal)
        && s[ContentHash.Prefix.Length..].All(char.IsAsciiHexDigitLower);
}
