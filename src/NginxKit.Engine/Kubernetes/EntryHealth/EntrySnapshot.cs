using k8s.Models;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Everything Test-NginxKitEntry reads from a cluster, read once: the checks are evaluated from
/// it alone (<see cref="EntryChecks"/>). A part that could not be read holds its error instead
/// (a 403 for one kind of object fails that check, not the others).
/// </summary>
public sealed record EntrySnapshot(string Namespace, string Name, DateTimeOffset Now)
{
    public V1Deployment? Deployment { get; init; }
    public string? DeploymentError { get; init; }

    public V1Service? EntryService { get; init; }
    public string? EntryServiceError { get; init; }

    /// <summary>The nodes carrying the role label.</summary>
    public IReadOnlyList<EntryNode> Nodes { get; init; } = [];
    public string? NodesError { get; init; }

    public IReadOnlyList<V1Pod> Pods { get; init; } = [];
    public string? PodsError { get; init; }

    public bool ServiceAccountFound { get; init; }
    public RbacSnapshot? Rbac { get; init; }
    public string? RbacError { get; init; }

    /// <summary>The Services in the sidecar's scope now.</summary>
    public IReadOnlyList<V1Service> Services { get; init; } = [];
    public string? ServicesError { get; init; }

    /// <summary>Synced events in the entry's namespace.</summary>
    public IReadOnlyList<Corev1Event> SyncedEvents { get; init; } = [];
    public string? EventsError { get; init; }

    /// <summary>The NodePort requests, one per Ready entry node; null without -Probe.</summary>
    public IReadOnlyList<ProbeResult>? Probes { get; init; }

    public EntrySpec Spec => Deployment is null ? EntrySpec.Default(Name) : EntrySpec.From(Deployment, Name);
}
