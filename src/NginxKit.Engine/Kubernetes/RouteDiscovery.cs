using NginxKit.Engine.Text;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Finds routes in Services, from the cluster or from manifest files. Each route passes the same
/// <see cref="RouteRules"/> New-NginxConf applies, so a hostile annotation is refused here too.
/// </summary>
public static class RouteDiscovery
{
    /// <summary>Reads manifest files, or every .yaml/.yml/.json below a directory, in a stable order.</summary>
    public static IEnumerable<DiscoveredRoute> FromManifests(IEnumerable<string> paths, string? @namespace, string? selector)
    {
        var match = selector is null ? null : LabelSelector.Parse(selector);
        foreach (var file in ManifestFiles.Find(paths))
        {
            var services = ServiceManifestReader.Read(file, out var problem);
            if (problem is not null)
            {
                yield return new DiscoveredRoute(null, null, problem);
                continue;
            }
            foreach (var found in FromServices(services, @namespace, match))
                yield return found;
        }
    }

    public static IEnumerable<DiscoveredRoute> FromServices(IEnumerable<V1Service> services, string? @namespace, LabelSelector? selector)
    {
        foreach (var service in services)
        {
            var ns = service.Metadata?.NamespaceProperty ?? "default";
            if (@namespace is not null && ns != @namespace) continue;
            if (selector is not null && !selector.Matches(service.Metadata?.Labels)) continue;

            var result = ServiceRoutes.FromService(service);
            if (result.Skipped is not null)
            {
                yield return new DiscoveredRoute(null, $"Skipped Service {Printable.Escape(result.Namespace)}/{Printable.Escape(result.Name)}: {result.Skipped}.", null);
                continue;
            }
            if (result.Problem is not null)
            {
                yield return new DiscoveredRoute(null, null, result.Problem);
                continue;
            }
            // Checked here with the same rules as New-NginxConf; the default server name does not matter for validity.
            if (RouteRules.Accept(result.Route!, RouteSet.DefaultServerName, out var invalid) is null)
                yield return new DiscoveredRoute(null, null, invalid);
            else
                yield return new DiscoveredRoute(result.Route, null, null);
        }
    }
}
