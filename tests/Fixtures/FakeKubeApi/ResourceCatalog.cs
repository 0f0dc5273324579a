namespace FakeKubeApi;

/// <summary>One served resource type, with what discovery says about it.</summary>
public sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    string[] ShortNames,
    string[] Categories,
    // Has a /status subresource: writes to the main resource keep the stored status.
    bool HasStatus,
    // The apiserver answers DELETE with the deleted object instead of a Status.
    bool ReturnsDeletedObject,
    // metadata.generation is set on create and bumped when spec changes.
    bool TracksGeneration)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>The "group resource" used in Status messages: <c>nodes</c>, <c>deployments.apps</c>.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The path prefix of the group version: <c>/api/v1</c> or <c>/apis/apps/v1</c>.</summary>
    public string GroupVersionPath => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";

    public override string ToString() => QualifiedPlural;
}

/// <summary>Every resource the fake serves.</summary>
public static class ResourceCatalog
{
    private const string Rbac = "rbac.authorization.k8s.io";

    public static IReadOnlyList<ResourceType> All { get; } =
    [
        new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"], [], HasStatus: true, ReturnsDeletedObject: true, TracksGeneration: false),
        new("", "v1", "nodes", "node", "Node", false, ["no"], [], HasStatus: true, ReturnsDeletedObject: false, TracksGeneration: false),
        new("", "v1", "services", "service", "Service", true, ["svc"], ["all"], HasStatus: true, ReturnsDeletedObject: true, TracksGeneration: false),
        new("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"], [], HasStatus: false, ReturnsDeletedObject: true, TracksGeneration: false),
        new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"], [], HasStatus: false, ReturnsDeletedObject: false, TracksGeneration: false),
        new("", "v1", "pods", "pod", "Pod", true, ["po"], ["all"], HasStatus: true, ReturnsDeletedObject: true, TracksGeneration: false),
        new("", "v1", "events", "event", "Event", true, ["ev"], [], HasStatus: false, ReturnsDeletedObject: false, TracksGeneration: false),
        new("apps", "v1", "deployments", "deployment", "Deployment", true, ["deploy"], ["all"], HasStatus: true, ReturnsDeletedObject: false, TracksGeneration: true),
        new(Rbac, "v1", "clusterroles", "clusterrole", "ClusterRole", false, [], [], HasStatus: false, ReturnsDeletedObject: false, TracksGeneration: false),
        new(Rbac, "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, [], [], HasStatus: false, ReturnsDeletedObject: false, TracksGeneration: false),
        new(Rbac, "v1", "roles", "role", "Role", true, [], [], HasStatus: false, ReturnsDeletedObject: false, TracksGeneration: false),
        new(Rbac, "v1", "rolebindings", "rolebinding", "RoleBinding", true, [], [], HasStatus: false, ReturnsDeletedObject: false, TracksGeneration: false),
    ];

    public static ResourceType Namespaces { get; } = All[0];

    /// <summary>Groups in the order /apis lists them, each with its versions.</summary>
    public static IEnumerable<IGrouping<string, ResourceType>> Groups =>
        All.Where(r => r.Group.Length > 0).GroupBy(r => r.Group);

    public static IEnumerable<ResourceType> InGroupVersion(string group, string version) =>
        All.Where(r => r.Group == group && r.Version == version);

    public static bool HasGroupVersion(string group, string version) => InGroupVersion(group, version).Any();

    public static ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    public static ResourceType? FindByKind(string apiVersion, string kind) =>
        All.FirstOrDefault(r => r.ApiVersion == apiVersion && r.Kind == kind);

    /// <summary>Finds a type by plural, singular, kind or short name, case-insensitive (for the in-process API).</summary>
    public static ResourceType? Resolve(string nameOrKind)
    {
        var (group, name) = nameOrKind.Contains('.') && !nameOrKind.StartsWith('.')
            ? (nameOrKind[(nameOrKind.IndexOf('.') + 1)..], nameOrKind[..nameOrKind.IndexOf('.')])
            : ((string?)null, nameOrKind);
        return All.FirstOrDefault(r => (group is null || r.Group == group) &&
            (r.Plural.Equals(name, StringComparison.OrdinalIgnoreCase) ||
             r.Singular.Equals(name, StringComparison.OrdinalIgnoreCase) ||
             r.Kind.Equals(name, StringComparison.OrdinalIgnoreCase) ||
             r.ShortNames.Contains(name, StringComparer.OrdinalIgnoreCase)));
    }

    /// <summary>The verbs every served resource supports.</summary>
    public static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static readonly string[] StatusVerbs = ["get", "patch", "update"];
}
