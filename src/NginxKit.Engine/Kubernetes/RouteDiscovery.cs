using NginxKit.Engine.Text;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Finds routes in Services, from the cluster or from manifest files. Each route passes the same
/// <see cref="RouteRules"/> New-NginxConf applies, so a hostile annotation is refused here too, and
/// claims on one path are settled as <see cref="RouteSet"/> settles them: the oldest Service keeps it.
/// </summary>
public static class RouteDiscovery
{
    /// <summary>Reads manifest files, or every .yaml/.yml/.json below a directory, in a stable order; conflicts settled.</summary>
    public static IReadOnlyList<DiscoveredRoute> FromManifests(IEnumerable<string> paths, DiscoveryOptions options)
    {
        var match = options.Selector is null ? null : LabelSelector.Parse(options.Selector);
        var found = new List<DiscoveredRoute>();
        foreach (var file in ManifestFiles.Find(paths))
        {
            var services = ServiceManifestReader.Read(file, out var problem);
            if (problem is not null) found.Add(new DiscoveredRoute(null, null, problem));
            else found.AddRange(FromServices(services, options.Namespaces, match, options.ExposeAll));
        }
        return Settled(found);
    }

    /// <summary>One finding per Service in scope, in the order given; conflicts between them are not settled yet.</summary>
    public static IEnumerable<DiscoveredRoute> FromServices(IEnumerable<V1Service> services, IReadOnlyCollection<string> namespaces, LabelSelector? selector, bool exposeAll)
    {
        foreach (var service in services)
        {
            if (selector is not null && !selector.Matches(service.Metadata?.Labels)) continue;
            if (FromService(service, namespaces, exposeAll, RouteSet.DefaultServerName) is { } found) yield return found;
        }
    }

    /// <summary>
    /// What one Service yields, or null when it is outside the namespaces given. It depends on that
    /// Service alone, so a watch keeps it per Service and checks a changed Service only.
    /// Routes without a server name of their own are placed on <paramref name="defaultServerName"/>.
    /// </summary>
    public static DiscoveredRoute? FromService(V1Service service, IReadOnlyCollection<string> namespaces, bool exposeAll, string defaultServerName)
    {
        var ns = service.Metadata?.NamespaceProperty ?? "default";
        if (namespaces.Count > 0 && !namespaces.Contains(ns)) return null;

        var result = ServiceRoutes.FromService(service, exposeAll);
        if (result.Skipped is not null)
        {
            var text = $"Skipped Service {Printable.Escape(result.Namespace)}/{Printable.Escape(result.Name)}: {result.Skipped}.";
            return result.OptedIn ? new DiscoveredRoute(null, text, null) : new DiscoveredRoute(null, null, null) { Skipped = text };
        }
        if (result.Problem is not null)
            return new DiscoveredRoute(null, null, result.Problem);
        // Checked here with the same rules as New-NginxConf; the default server name does not matter for validity.
        var accepted = RouteRules.Accept(result.Route!, defaultServerName, out var invalid);
        return accepted is null
            ? new DiscoveredRoute(null, null, invalid)
            : new DiscoveredRoute(accepted.Route, null, null) { Accepted = accepted };
    }

    /// <summary>
    /// The findings with conflicts settled: a route that loses its path to an older claim becomes
    /// the DuplicateRoutePath problem naming the holder, in its place; the order stays as given.
    /// </summary>
    public static IReadOnlyList<DiscoveredRoute> Settled(IReadOnlyList<DiscoveredRoute> found)
    {
        var accepted = found.Where(f => f.Accepted is not null).Select(f => f.Accepted!).ToList();
        var set = RouteSet.Settle(accepted, [], RouteSet.DefaultServerName);
        if (set.Conflicts.Count == 0) return found;
        var lost = new Dictionary<AcceptedRoute, Problem>(ReferenceEqualityComparer.Instance);
        foreach (var conflict in set.Conflicts) lost[conflict.Loser] = conflict.Problem;
        return found.Select(f => f.Accepted is { } a && lost.TryGetValue(a, out var problem) ? new DiscoveredRoute(null, null, problem) : f).ToList();
    }
}
