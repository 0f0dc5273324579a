using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Server-side apply with field manager "nginxkit": re-applying is the normal path and creates
/// what is missing. Changed is read from the server: a no-op apply keeps the resourceVersion. A
/// dry run is compared field by field with the live object instead, and carries a diff.
/// </summary>
public sealed class ManifestApplier(KubeConnection connection)
{
    public const string FieldManager = "nginxkit";

    public static readonly IReadOnlyList<string> Kinds = ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service"];

    /// <summary>The place of a kind in <see cref="Kinds"/>, the order of applying; any other kind goes with the Deployment.</summary>
    public static int ApplyOrder(string kind)
    {
        for (int i = 0; i < Kinds.Count; i++)
            if (Kinds[i] == kind) return i;
        return ApplyOrder("Deployment");
    }

    /// <summary>
    /// Objects from the pipeline arrive untyped; only Kubernetes objects of the kinds above are applied.
    /// In a dry run, an object in a namespace the same dry run would create cannot be sent (the server
    /// answers 404 for the namespace): it is reported as a create, with its whole content as the diff.
    /// </summary>
    public Task<ApplyResult> ApplyAsync(object item, bool dryRun, ISet<string> namespacesToCreate, CancellationToken cancellationToken)
    {
        if (item is not IKubernetesObject<V1ObjectMeta> typed || !Kinds.Contains(typed.Kind))
            throw Unsupported(item is IKubernetesObject k ? k.Kind : item.GetType().Name);
        if (dryRun && typed.Metadata.NamespaceProperty is { } ns && namespacesToCreate.Contains(ns))
        {
            var label = $"{typed.Kind}/{ns}/{typed.Metadata.Name}";
            return Task.FromResult(new ApplyResult(typed.Kind, ns, typed.Metadata.Name, true, true, true, null,
                UnifiedDiff.Create(null, Comparable(typed), "/dev/null", $"applied {label} (in namespace {ns}, which this run creates)")));
        }
        return ApplyTypedAsync(typed, dryRun, cancellationToken);
    }

    /// <summary>Kind, namespace and name of a manifest object, for messages and ShouldProcess.</summary>
    public static string Describe(object item) =>
        item is IKubernetesObject<V1ObjectMeta> k ? $"{k.Kind}/{(k.Metadata?.NamespaceProperty is { } ns ? ns + "/" : "")}{k.Metadata?.Name}" : item.GetType().Name;

    /// <summary>The Deployment's namespace and name, when the object is one.</summary>
    public static (string Namespace, string Name)? DeploymentOf(object item) =>
        item is V1Deployment d ? (d.Metadata.NamespaceProperty ?? "default", d.Metadata.Name) : null;

    private async Task<ApplyResult> ApplyTypedAsync(IKubernetesObject<V1ObjectMeta> item, bool dryRun, CancellationToken cancellationToken)
    {
        var name = item.Metadata.Name;
        var ns = item.Metadata.NamespaceProperty;
        var before = await ReadAsync(item.Kind, name, ns, cancellationToken).ConfigureAwait(false);
        // JSON is YAML, and V1Patch writes a string body as raw JSON: an apply body must be JSON.
        var patch = new V1Patch(KubernetesJson.Serialize(item), V1Patch.PatchType.ApplyPatch);
        var after = await PatchAsync(item.Kind, patch, name, ns, dryRun ? "All" : null, cancellationToken).ConfigureAwait(false);

        var oldText = before is null ? null : Comparable(before);
        var newText = Comparable(after);
        var changed = before is null || (dryRun ? oldText != newText : before.Metadata.ResourceVersion != after.Metadata.ResourceVersion);
        var label = $"{item.Kind}/{(ns is null ? "" : ns + "/")}{name}";
        var diff = changed ? UnifiedDiff.Create(oldText, newText, before is null ? "/dev/null" : $"live {label}", $"applied {label}") : null;
        return new ApplyResult(item.Kind, ns, name, changed, before is null, dryRun, after.Metadata.ResourceVersion, diff);
    }

    /// <summary>Polls a Deployment until every replica is updated and available, or the timeout passes.</summary>
    public async Task<RolloutStatus> WaitForRolloutAsync(string name, string ns, TimeSpan timeout, IProgress<RolloutStatus> progress, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        RolloutStatus status = new(name, 0, 0, 0, false, "waiting");
        try
        {
            while (true)
            {
                var d = await connection.Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: limit.Token).ConfigureAwait(false);
                var desired = d.Spec?.Replicas ?? 1;
                var updated = d.Status?.UpdatedReplicas ?? 0;
                var available = d.Status?.AvailableReplicas ?? 0;
                var observed = (d.Status?.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0);
                var complete = observed && updated >= desired && available >= desired && (d.Status?.Replicas ?? 0) <= desired;
                status = new RolloutStatus(name, desired, updated, available, complete,
                    complete ? $"deployment \"{name}\" successfully rolled out" : $"{updated} of {desired} updated replicas, {available} available");
                progress.Report(status);
                if (complete) return status;
                await Task.Delay(TimeSpan.FromSeconds(1), limit.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw ErrorCatalog.RolloutTimeout.Exception($"Deployment {ns}/{name} did not finish rolling out within {timeout.TotalSeconds:0} s: {status.Message}. Check its pods with kubectl describe.", name);
        }
    }

    // The object without the fields the server owns, so live and applied compare on content.
    private static string Comparable(IKubernetesObject<V1ObjectMeta> item)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(item))!.AsObject();
        node.Remove("status");
        if (node["metadata"] is System.Text.Json.Nodes.JsonObject meta)
            foreach (var key in new[] { "resourceVersion", "uid", "generation", "creationTimestamp", "managedFields", "selfLink" })
                meta.Remove(key);
        return node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private async Task<IKubernetesObject<V1ObjectMeta>?> ReadAsync(string kind, string name, string? ns, CancellationToken ct)
    {
        try
        {
            return kind switch
            {
                "Namespace" => await connection.Client.CoreV1.ReadNamespaceAsync(name, cancellationToken: ct).ConfigureAwait(false),
                "ServiceAccount" => await connection.Client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                "Service" => await connection.Client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                "Deployment" => await connection.Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                "ClusterRole" => await connection.Client.RbacAuthorizationV1.ReadClusterRoleAsync(name, cancellationToken: ct).ConfigureAwait(false),
                "ClusterRoleBinding" => await connection.Client.RbacAuthorizationV1.ReadClusterRoleBindingAsync(name, cancellationToken: ct).ConfigureAwait(false),
                "Role" => await connection.Client.RbacAuthorizationV1.ReadNamespacedRoleAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                "RoleBinding" => await connection.Client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                _ => throw Unsupported(kind),
            };
        }
        catch (Exception ex) when (KubeErrors.StatusOf(ex) == 404)
        {
            return null;
        }
    }

    private async Task<IKubernetesObject<V1ObjectMeta>> PatchAsync(string kind, V1Patch patch, string name, string? ns, string? dryRun, CancellationToken ct) => kind switch
    {
        "Namespace" => await connection.Client.CoreV1.PatchNamespaceAsync(patch, name, dryRun: dryRun, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
        "ServiceAccount" => await connection.Client.CoreV1.PatchNamespacedServiceAccountAsync(patch, name, ns, dryRun: dryRun, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
        "Service" => await connection.Client.CoreV1.PatchNamespacedServiceAsync(patch, name, ns, dryRun: dryRun, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
        "Deployment" => await connection.Client.AppsV1.PatchNamespacedDeploymentAsync(patch, name, ns, dryRun: dryRun, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
        "ClusterRole" => await connection.Client.RbacAuthorizationV1.PatchClusterRoleAsync(patch, name, dryRun: dryRun, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
        "ClusterRoleBinding" => await connection.Client.RbacAuthorizationV1.PatchClusterRoleBindingAsync(patch, name, dryRun: dryRun, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
        "Role" => await connection.Client.RbacAuthorizationV1.PatchNamespacedRoleAsync(patch, name, ns, dryRun: dryRun, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
        "RoleBinding" => await connection.Client.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(patch, name, ns, dryRun: dryRun, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false),
        _ => throw Unsupported(kind),
    };

    private static NginxKitException Unsupported(string kind) =>
        new(ErrorCatalog.UnsupportedKind.Problem($"Deploy-NginxKit applies {string.Join(", ", Kinds)}; not {kind}.", kind));
}
