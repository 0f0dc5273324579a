using k8s.Models;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// The RBAC objects that can grant a ServiceAccount something, as read from the cluster or from
/// manifest files, and the rules the API server's authorizer applies to them: a permission is
/// granted when a ClusterRoleBinding, or a RoleBinding in its namespace, binds the ServiceAccount
/// to a role with a rule for the core group, the resource and the verb, not limited to names.
/// Pure.
/// </summary>
public sealed record RbacSnapshot(
    IReadOnlyList<V1ClusterRole> ClusterRoles,
    IReadOnlyList<V1ClusterRoleBinding> ClusterRoleBindings,
    IReadOnlyList<V1Role> Roles,
    IReadOnlyList<V1RoleBinding> RoleBindings)
{
    /// <summary>The permissions not granted to ServiceAccount <paramref name="ns"/>/<paramref name="name"/>, in the order asked.</summary>
    public IReadOnlyList<RbacPermission> Missing(string ns, string name, IEnumerable<RbacPermission> needed) =>
        needed.Where(p => Granting(ns, name, p) is null).ToList();

    /// <summary>The binding that grants the permission ("ClusterRoleBinding x", "RoleBinding ns/x"), or null.</summary>
    public string? Granting(string ns, string name, RbacPermission permission)
    {
        foreach (var b in ClusterRoleBindings)
            if (Binds(b.Subjects, ns, name, null) && b.RoleRef?.Kind == "ClusterRole" && Grants(ClusterRole(b.RoleRef.Name)?.Rules, permission))
                return $"ClusterRoleBinding {b.Metadata?.Name}";
        if (permission.Namespace is null) return null;
        foreach (var b in RoleBindings.Where(b => b.Metadata?.NamespaceProperty == permission.Namespace))
        {
            if (!Binds(b.Subjects, ns, name, permission.Namespace)) continue;
            var rules = b.RoleRef?.Kind switch
            {
                "Role" => Roles.FirstOrDefault(r => r.Metadata?.NamespaceProperty == permission.Namespace && r.Metadata?.Name == b.RoleRef.Name)?.Rules,
                "ClusterRole" => ClusterRole(b.RoleRef.Name)?.Rules,
                _ => null,
            };
            if (Grants(rules, permission)) return $"RoleBinding {permission.Namespace}/{b.Metadata?.Name}";
        }
        return null;
    }

    private V1ClusterRole? ClusterRole(string? name) => ClusterRoles.FirstOrDefault(r => r.Metadata?.Name == name);

    private static bool Binds(IList<Rbacv1Subject>? subjects, string ns, string name, string? bindingNamespace) =>
        subjects?.Any(s => s.Kind == "ServiceAccount" && s.Name == name && (s.NamespaceProperty is { Length: > 0 } given ? given : bindingNamespace) == ns
            || s.Kind == "Group" && (s.Name == "system:serviceaccounts" || s.Name == $"system:serviceaccounts:{ns}")) ?? false;

    private static bool Grants(IList<V1PolicyRule>? rules, RbacPermission p) =>
        rules?.Any(r => Has(r.ApiGroups, "") && Has(r.Resources, p.Resource) && Has(r.Verbs, p.Verb) && r.ResourceNames is not { Count: > 0 }) ?? false;

    private static bool Has(IList<string>? list, string value) => list?.Any(v => v == value || v == "*") ?? false;
}
