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

    /// <summary>The apply order of an object from the pipeline or a file, by its kind; an object that is no Kubernetes object goes with the Deployment.</summary>
    public static int ApplyOrderOf(object item) => ApplyOrder(item is IKubernetesObject k ? k.Kind : "");

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

    /// <summary>
    /// Applies every object or none: each is first sent as a server-side dry run, so the cluster's own
    /// validation (a NodePort outside its range, a field it refuses) stops the deploy before anything
    /// changes. The server cannot check an object in a namespace that does not exist yet, so a new
    /// Namespace is created first and the rest checked in it; when anything is refused, that Namespace
    /// is deleted again. A failure to reach the cluster at all throws.
    /// </summary>
    public async Task<DeployOutcome> DeployAsync(IReadOnlyList<object> items, CancellationToken cancellationToken)
    {
        var problems = new List<Problem>();
        var typed = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (var item in items.OrderBy(ApplyOrderOf))
        {
            if (item is IKubernetesObject<V1ObjectMeta> t && Kinds.Contains(t.Kind)) typed.Add(t);
            else problems.Add(Unsupported(item is IKubernetesObject k ? k.Kind : item.GetType().Name).Problem);
        }
        if (problems.Count > 0) return new DeployOutcome([], problems, []);

        var newNamespaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ns in typed.Where(t => t.Kind == "Namespace"))
            if (await ReadAsync("Namespace", ns.Metadata.Name, null, cancellationToken).ConfigureAwait(false) is null)
                newNamespaces.Add(ns.Metadata.Name);
        bool InNew(IKubernetesObject<V1ObjectMeta> t) => t.Metadata.NamespaceProperty is { } ns && newNamespaces.Contains(ns);

        await CheckAsync(typed.Where(t => !InNew(t)), problems, cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0) return new DeployOutcome([], problems, []);

        var applied = new List<ApplyResult>();
        var created = new List<string>();
        if (typed.Any(InNew))
        {
            foreach (var ns in typed.Where(t => t.Kind == "Namespace" && newNamespaces.Contains(t.Metadata.Name)))
            {
                applied.Add(await ApplyTypedAsync(ns, dryRun: false, cancellationToken).ConfigureAwait(false));
                created.Add(ns.Metadata.Name);
            }
            await CheckAsync(typed.Where(InNew), problems, cancellationToken).ConfigureAwait(false);
            if (problems.Count > 0)
            {
                foreach (var ns in created)
                    await connection.Client.CoreV1.DeleteNamespaceAsync(ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                return new DeployOutcome([], problems, created);
            }
        }

        foreach (var item in typed.Where(t => !(t.Kind == "Namespace" && created.Contains(t.Metadata.Name))))
        {
            try
            {
                applied.Add(await ApplyTypedAsync(item, dryRun: false, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (KubeErrors.IsApiFailure(ex) && !KubeErrors.IsFatal(ex))
            {
                // Refused now, after its dry run passed (the cluster changed meanwhile): say so and go on.
                problems.Add(Refusal(item, ex));
            }
        }
        return new DeployOutcome(applied.OrderBy(r => ApplyOrder(r.Kind)).ToList(), problems, []);
    }

    private async Task CheckAsync(IEnumerable<IKubernetesObject<V1ObjectMeta>> items, List<Problem> problems, CancellationToken cancellationToken)
    {
        foreach (var item in items)
        {
            try
            {
                await PatchAsync(item.Kind, ApplyBody(item), item.Metadata.Name, item.Metadata.NamespaceProperty, "All", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (KubeErrors.IsApiFailure(ex) && !KubeErrors.IsFatal(ex))
            {
                problems.Add(Refusal(item, ex));
            }
        }
    }

    // The cluster's refusal of one object; a NodePort outside the API server's range says which range, and what to change.
    private static Problem Refusal(IKubernetesObject<V1ObjectMeta> item, Exception ex)
    {
        var target = Describe(item);
        var problem = KubeErrors.ToProblem(ex, $"Applying {target}", target, ErrorCatalog.ManifestTargetNotFound);
        if (item is not V1Service || KubeErrors.StatusOf(ex) != 422) return problem;
        var range = System.Text.RegularExpressions.Regex.Match(problem.Message, @"The range of valid ports is (\d+)-(\d+)");
        var port = System.Text.RegularExpressions.Regex.Match(problem.Message, @"nodePort: Invalid value: (\d+)");
        if (range.Success)
            return ErrorCatalog.NodePortRefused.Problem(
                $"The cluster refuses {target}: NodePort {(port.Success ? port.Groups[1].Value : "?")} is outside its node port range, {range.Groups[1].Value}-{range.Groups[2].Value}. Nothing was applied.",
                target, "NodePortRange",
                $"Give New-NginxKitManifest -NodePort a port in {range.Groups[1].Value}-{range.Groups[2].Value}; a port outside it works only where the API server's --service-node-port-range holds it.");
        if (problem.Message.Contains("provided port is already allocated", StringComparison.Ordinal))
            return ErrorCatalog.NodePortRefused.Problem(
                $"The cluster refuses {target}: NodePort {(port.Success ? port.Groups[1].Value : "?")} is taken by another Service. Nothing was applied.",
                target, "NodePortAllocated", "Give New-NginxKitManifest -NodePort a free port in the cluster's node port range.");
        return problem;
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
        var after = await PatchAsync(item.Kind, ApplyBody(item), name, ns, dryRun ? "All" : null, cancellationToken).ConfigureAwait(false);

        var oldText = before is null ? null : Comparable(before);
        var newText = Comparable(after);
        var changed = before is null || (dryRun ? oldText != newText : before.Metadata.ResourceVersion != after.Metadata.ResourceVersion);
        var label = $"{item.Kind}/{(ns is null ? "" : ns + "/")}{name}";
        var diff = changed ? UnifiedDiff.Create(oldText, newText, before is null ? "/dev/null" : $"live {label}", $"applied {label}") : null;
        return new ApplyResult(item.Kind, ns, name, changed, before is null, dryRun, after.Metadata.ResourceVersion, diff);
    }

    // JSON is YAML, and V1Patch writes a string body as raw JSON: an apply body must be JSON.
    private static V1Patch ApplyBody(IKubernetesObject<V1ObjectMeta> item) => new(KubernetesJson.Serialize(item), V1Patch.PatchType.ApplyPatch);

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

    private Task<IKubernetesObject<V1ObjectMeta>?> ReadAsync(string kind, string name, string? ns, CancellationToken ct) =>
        ReadAsync(connection, kind, name, ns, ct);

    /// <summary>The live object of one of <see cref="Kinds"/>, or null when the API server answers 404.</summary>
    internal static async Task<IKubernetesObject<V1ObjectMeta>?> ReadAsync(KubeConnection connection, string kind, string name, string? ns, CancellationToken ct)
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
