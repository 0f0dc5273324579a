using k8s.Models;
using NginxKit.Engine.Kubernetes;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Sync;

/// <summary>
/// What a watch keeps of one Service: the route it yields (already through the allow-lists) or the
/// message it gives, and the identity a PathConflict Event names. Not the Service itself: a
/// KubernetesClient object holds every field and annotation, and 10,000 of them were most of the
/// sidecar's memory. A Service whose uid and resourceVersion did not change is not checked again.
/// </summary>
internal sealed record ServiceFinding(string Namespace, string Name, string? Uid, string? ResourceVersion, AcceptedRoute? Accepted, SyncMessage? Message)
{
    /// <summary>The message as its once-only report compares it, made once per finding, not per sync.</summary>
    public string? MessageKey { get; } = Message?.ToString();

    /// <summary>Checks one Service; null when it is outside the watched namespaces.</summary>
    public static ServiceFinding? Of(V1Service service, IReadOnlyCollection<string> namespaces, bool exposeAll, string defaultServerName)
    {
        if (RouteDiscovery.FromService(service, namespaces, exposeAll, defaultServerName) is not { } found) return null;
        SyncMessage? message = found.Accepted is not null ? null
            : found.Warning is not null ? new SyncMessage.Warning(found.Warning)
            : found.Skipped is not null ? new SyncMessage.Skipped(found.Skipped)
            : found.Problem is not null ? new SyncMessage.Refused(found.Problem)
            : null;
        var meta = service.Metadata;
        return new ServiceFinding(meta?.NamespaceProperty ?? "default", meta?.Name ?? string.Empty, meta?.Uid, meta?.ResourceVersion, found.Accepted, message);
    }

    /// <summary>The same object as the one this was read from: its finding still holds.</summary>
    public bool Describes(V1Service service) =>
        Uid is not null && ResourceVersion is not null && Uid == service.Metadata?.Uid && ResourceVersion == service.Metadata?.ResourceVersion;

    /// <summary>The Service as far as a PathConflict Event names it.</summary>
    public V1Service Reference() => new()
    {
        Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = Namespace, Uid = Uid, ResourceVersion = ResourceVersion },
    };
}
