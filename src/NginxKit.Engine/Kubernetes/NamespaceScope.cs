using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// The namespaces a command reads Services from. Each name is checked before any request: it becomes
/// part of a request path, so a request outside the scope must not be made by a name like "a/../b".
/// </summary>
public static class NamespaceScope
{
    /// <summary>The names, distinct and in ordinal order; empty (or null) means every namespace.</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string>? names, string parameter = "-Namespace")
    {
        if (names is null) return [];
        var list = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (RouteRules.CheckDnsLabel(name) is { } rule)
                throw ErrorCatalog.InvalidNamespace.Exception(
                    $"{parameter} '{Printable.Escape(name)}' is not a namespace name ({rule}): use 1-63 lowercase letters, digits and -.", name, rule);
            list.Add(name);
        }
        return list.ToList();
    }

    /// <summary>"every namespace", or the names.</summary>
    public static string Describe(IReadOnlyList<string> namespaces) =>
        namespaces.Count == 0 ? "all namespaces" : namespaces.Count == 1 ? $"namespace '{namespaces[0]}'" : $"namespaces {string.Join(", ", namespaces.Select(n => $"'{n}'"))}";
}
