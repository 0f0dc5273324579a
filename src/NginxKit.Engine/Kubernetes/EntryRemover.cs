using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Deletes what Deploy-NginxKit applied, the reverse of its order: the Service first, the Namespace
/// last. An object is deleted only when it carries the name the manifest gives it and NginxKit's
/// managed-by label, so a same-named object someone else made is left alone; the namespaces every
/// cluster has are never deleted.
/// </summary>
public sealed class EntryRemover(KubeConnection connection)
{
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "nginxkit";

    private static readonly HashSet<string> ClusterNamespaces = new(StringComparer.Ordinal) { "default", "kube-system", "kube-public", "kube-node-lease" };

    /// <summary>The objects of a manifest, in the order they are removed: the reverse of applying.</summary>
    public static IReadOnlyList<(string Kind, string? Namespace, string Name)> Targets(IEnumerable<object> items, bool keepNamespace) =>
        items.OfType<IKubernetesObject<V1ObjectMeta>>()
            .Where(o => ManifestApplier.Kinds.Contains(o.Kind) && !(keepNamespace && o.Kind == "Namespace"))
            .OrderByDescending(o => ManifestApplier.ApplyOrder(o.Kind))
            .Select(o => (o.Kind, (string?)o.Metadata.NamespaceProperty, o.Metadata.Name))
            .Distinct()
            .ToList();

    /// <summary>Removes one object (a server-side dry run with <paramref name="dryRun"/>). Throws ObjectNotManaged for one NginxKit did not make.</summary>
    public async Task<RemoveResult> RemoveAsync(string kind, string? ns, string name, bool dryRun, CancellationToken cancellationToken)
    {
        var label = $"{kind}/{(ns is null ? "" : ns + "/")}{name}";
        if (kind == "Namespace" && ClusterNamespaces.Contains(name))
            throw ErrorCatalog.ObjectNotManaged.Exception($"{label} is one of the namespaces every cluster has; Remove-NginxKit never deletes it.", label, "ClusterNamespace",
                "Remove-NginxKit -KeepNamespace removes the entry's objects and leaves the namespace.");
        var live = await ManifestApplier.ReadAsync(connection, kind, name, ns, cancellationToken).ConfigureAwait(false);
        if (live is null) return new RemoveResult(kind, ns, name, Removed: false, Found: false, dryRun);
        if (live.Metadata?.Labels is not { } labels || !labels.TryGetValue(ManagedByLabel, out var managedBy) || managedBy != ManagedByValue)
            throw ErrorCatalog.ObjectNotManaged.Exception($"{label} exists but was not made by NginxKit (it lacks the label {ManagedByLabel}={ManagedByValue}); it is left alone.",
                label, "ManagedByLabel", "Delete it with kubectl if it is indeed the entry's.");
        try
        {
            await DeleteAsync(kind, ns, name, dryRun ? "All" : null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (KubeErrors.StatusOf(ex) == 404)
        {
            return new RemoveResult(kind, ns, name, Removed: false, Found: false, dryRun); // gone meanwhile (its namespace went first)
        }
        return new RemoveResult(kind, ns, name, Removed: true, Found: true, dryRun);
    }

    // Background propagation: the Deployment's ReplicaSets and pods go after it, as kubectl delete does.
    private Task DeleteAsync(string kind, string? ns, string name, string? dryRun, CancellationToken ct) => kind switch
    {
        "Namespace" => connection.Client.CoreV1.DeleteNamespaceAsync(name, dryRun: dryRun, propagationPolicy: "Background", cancellationToken: ct),
        "ServiceAccount" => connection.Client.CoreV1.DeleteNamespacedServiceAccountAsync(name, ns, dryRun: dryRun, propagationPolicy: "Background", cancellationToken: ct),
        "Service" => connection.Client.CoreV1.DeleteNamespacedServiceAsync(name, ns, dryRun: dryRun, propagationPolicy: "Background", cancellationToken: ct),
        "Deployment" => connection.Client.AppsV1.DeleteNamespacedDeploymentAsync(name, ns, dryRun: dryRun, propagationPolicy: "Background", cancellationToken: ct),
        "ClusterRole" => connection.Client.RbacAuthorizationV1.DeleteClusterRoleAsync(name, dryRun: dryRun, propagationPolicy: "Background", cancellationToken: ct),
        "ClusterRoleBinding" => connection.Client.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(name, dryRun: dryRun, propagationPolicy: "Background", cancellationToken: ct),
        "Role" => connection.Client.RbacAuthorizationV1.DeleteNamespacedRoleAsync(name, ns, dryRun: dryRun, propagationPolicy: "Background", cancellationToken: ct),
        "RoleBinding" => connection.Client.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(name, ns, dryRun: dryRun, propagationPolicy: "Background", cancellationToken: ct),
        _ => throw ErrorCatalog.UnsupportedKind.Exception($"Remove-NginxKit removes {string.Join(", ", ManifestApplier.Kinds)}; not {kind}.", kind),
    };
}
