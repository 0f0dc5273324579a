using k8s;
using k8s.Models;

namespace NginxKit.Engine.Kubernetes;

/// <summary>Route discovery against a live cluster; the same rules as for manifest files.</summary>
public static class ClusterRoutes
{
    /// <summary>Lists Services (one namespace, or all) and turns them into routes.</summary>
    public static async Task<IReadOnlyList<DiscoveredRoute>> DiscoverAsync(KubeConnection connection, string? @namespace, string? selector, CancellationToken cancellationToken)
    {
        var list = await ListServicesAsync(connection, @namespace, selector, cancellationToken).ConfigureAwait(false);
        return RouteDiscovery.FromServices(Sorted(list.Items), null, null).ToList();
    }

    /// <summary>Lists Services. A bad selector is refused here, before any request, for every caller (a watch would retry a 400 forever).</summary>
    internal static Task<V1ServiceList> ListServicesAsync(KubeConnection connection, string? @namespace, string? selector, CancellationToken cancellationToken)
    {
        if (selector is not null) LabelSelector.Parse(selector);
        return @namespace is null
            ? connection.Client.CoreV1.ListServiceForAllNamespacesAsync(labelSelector: selector, cancellationToken: cancellationToken)
            : connection.Client.CoreV1.ListNamespacedServiceAsync(@namespace, labelSelector: selector, cancellationToken: cancellationToken);
    }

    internal static IEnumerable<V1Service> Sorted(IEnumerable<V1Service> services) =>
        services.OrderBy(s => s.Metadata?.NamespaceProperty, StringComparer.Ordinal).ThenBy(s => s.Metadata?.Name, StringComparer.Ordinal);

    /// <summary>Namespace names, for tab completion.</summary>
    public static async Task<IReadOnlyList<string>> NamespaceNamesAsync(KubeConnection connection, CancellationToken cancellationToken)
    {
        var list = await connection.Client.CoreV1.ListNamespaceAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Items.Select(n => n.Metadata.Name).Order(StringComparer.Ordinal).ToList();
    }
}
