using k8s;
using k8s.Models;

namespace NginxKit.Engine.Kubernetes;

/// <summary>Route discovery against a live cluster; the same rules as for manifest files.</summary>
public static class ClusterRoutes
{
    /// <summary>Lists Services (in the namespaces given, or in all) and turns them into routes, conflicts settled.</summary>
    public static async Task<IReadOnlyList<DiscoveredRoute>> DiscoverAsync(KubeConnection connection, DiscoveryOptions options, CancellationToken cancellationToken)
    {
        var services = new List<V1Service>();
        foreach (var scope in Scopes(options.Namespaces))
            services.AddRange((await ListServicesAsync(connection, scope, options.Selector, cancellationToken).ConfigureAwait(false)).Items);
        return RouteDiscovery.Settled(RouteDiscovery.FromServices(Sorted(services), options.Namespaces, null, options.ExposeAll).ToList());
    }

    /// <summary>What to list: each namespace given, or (null) every namespace at once.</summary>
    internal static IReadOnlyList<string?> Scopes(IReadOnlyList<string> namespaces) => namespaces.Count == 0 ? [null] : [.. namespaces];

    /// <summary>Lists Services. A bad selector is refused here, before any request, for every caller (a watch would retry a 400 forever).</summary>
    /// <remarks>With a <paramref name="limit"/>, one page: the list's metadata names the next with its continue token.</remarks>
    internal static Task<V1ServiceList> ListServicesAsync(KubeConnection connection, string? @namespace, string? selector, CancellationToken cancellationToken,
        int? limit = null, string? continueToken = null)
    {
        if (selector is not null) LabelSelector.Parse(selector);
        return @namespace is null
            ? connection.Client.CoreV1.ListServiceForAllNamespacesAsync(continueParameter: continueToken, labelSelector: selector, limit: limit, cancellationToken: cancellationToken)
            : connection.Client.CoreV1.ListNamespacedServiceAsync(@namespace, continueParameter: continueToken, labelSelector: selector, limit: limit, cancellationToken: cancellationToken);
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
