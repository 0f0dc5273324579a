using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// RBAC as the apiserver's authorizer applies it to a ServiceAccount: a request is allowed when a
/// ClusterRoleBinding, or a RoleBinding in the request's namespace, binds the ServiceAccount (by
/// name, or through one of its groups) to a role with a rule that matches the API group, the
/// resource (and subresource), the verb and, when the rule names any, the object's name. Discovery
/// and health paths are open to every authenticated user, as the system:discovery and
/// system:public-info-viewer roles make them. The cluster admin is not asked.
/// </summary>
public sealed class Authorizer(ObjectStore store)
{
    private static readonly ResourceType ClusterRoles = ResourceCatalog.Find("rbac.authorization.k8s.io", "v1", "clusterroles")!;
    private static readonly ResourceType ClusterRoleBindings = ResourceCatalog.Find("rbac.authorization.k8s.io", "v1", "clusterrolebindings")!;
    private static readonly ResourceType Roles = ResourceCatalog.Find("rbac.authorization.k8s.io", "v1", "roles")!;
    private static readonly ResourceType RoleBindings = ResourceCatalog.Find("rbac.authorization.k8s.io", "v1", "rolebindings")!;

    /// <summary>Throws the apiserver's 403 when <paramref name="who"/> may not make the request.</summary>
    public void Check(Identity who, ApiRoute? route, string verb)
    {
        if (who.Admin || route is null) return;
        if (Allowed(who, route, verb)) return;
        throw KubeStatus.Forbidden(route.Type, verb, route.Namespace, route.Name, who.Name ?? "system:anonymous", route.Subresource);
    }

    private bool Allowed(Identity who, ApiRoute route, string verb)
    {
        foreach (var binding in store.List(ClusterRoleBindings, null).Items)
        {
            if (!Binds(binding, who, null)) continue;
            if (Json.Str(binding["roleRef"]?["kind"]) == "ClusterRole" && Grants(store.Get(ClusterRoles, null, Json.Str(binding["roleRef"]?["name"]) ?? ""), route, verb))
                return true;
        }
        if (route.Namespace is null) return false;
        foreach (var binding in store.List(RoleBindings, route.Namespace).Items)
        {
            if (!Binds(binding, who, route.Namespace)) continue;
            var roleName = Json.Str(binding["roleRef"]?["name"]) ?? "";
            var role = Json.Str(binding["roleRef"]?["kind"]) switch
            {
                "Role" => store.Get(Roles, route.Namespace, roleName),
                "ClusterRole" => store.Get(ClusterRoles, null, roleName),
                _ => null,
            };
            if (Grants(role, route, verb)) return true;
        }
        return false;
    }

    private static bool Binds(JsonObject binding, Identity who, string? bindingNamespace)
    {
        foreach (var subject in (binding["subjects"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = Json.Str(subject["name"]);
            switch (Json.Str(subject["kind"]))
            {
                case "ServiceAccount":
                    var ns = Json.Str(subject["namespace"]) is { Length: > 0 } given ? given : bindingNamespace;
                    if ($"system:serviceaccount:{ns}:{name}" == who.Name) return true;
                    break;
                case "User" when name == who.Name:
                case "Group" when name is not null && who.Groups.Contains(name):
                    return true;
            }
        }
        return false;
    }

    private static bool Grants(JsonObject? role, ApiRoute route, string verb)
    {
        if (role is null) return false;
        var resource = route.Subresource is null ? route.Type.Plural : $"{route.Type.Plural}/{route.Subresource}";
        foreach (var rule in (role["rules"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (!Has(rule["apiGroups"], route.Type.Group)) continue;
            if (!Has(rule["resources"], resource) && !(route.Subresource is not null && Has(rule["resources"], $"*/{route.Subresource}"))) continue;
            if (!Has(rule["verbs"], verb)) continue;
            if (rule["resourceNames"] is JsonArray { Count: > 0 } names && (route.Name is null || !names.Any(n => Json.Str(n) == route.Name))) continue;
            return true;
        }
        return false;
    }

    private static bool Has(JsonNode? list, string value) =>
        list is JsonArray items && items.Any(i => Json.Str(i) is { } s && (s == value || s == "*"));
}
