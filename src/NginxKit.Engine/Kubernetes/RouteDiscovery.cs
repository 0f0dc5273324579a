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
            var ns = service.Metadata?.NamespaceProperty ?? "default";
            if (namespaces.Count > 0 && !namespaces.Contains(ns)) continue;
            if (selector is not null && !selector.Matches(service.Metadata?.Labels)) continue;

            var result = ServiceRoutes.FromService(service, exposeAll);
            if (result.Skipped is not null)
            {
                var text = $"Skipped Service {Printable.Escape(result.Namespace)}/{Printable.Escape(result.Name)}: {result.Skipped}.";
                yield return result.OptedIn ? new DiscoveredRoute(null, text, null) : new DiscoveredRoute(null, null, null) { Skipped = text };
                continue;
            }
            if (result.Problem is not null)
            {
                yield return new DiscoveredRoute(null, null, result.Problem);
                continue;
            }
            // Checked here with the same rules as New-NginxConf; the default server name does not matter for validity.
            var accepted = RouteRules.Accept(result.Route!, RouteSet.DefaultServerName, out var invalid);
            yield return accepted is null
                ? new DiscoveredRoute(null, null, invalid)
                : new DiscoveredRoute(accepted.Route, null, null) { Accepted = accepted };
        }
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
