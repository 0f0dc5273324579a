using System.Text;
using k8s.Models;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Nginx.Routing;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// The routes a config serves, keyed by place, with a content hash over a canonical text (one
/// line per route, sorted: place, Service and backend separated by tabs). The sidecar records the
/// text (when small enough) and the hash on its pod; the entry check builds the same table from
/// the Services now, or reads it back from a config NginxKit wrote, and compares. Pure.
/// </summary>
public sealed class ServedRouteTable
{
    /// <summary>The largest text recorded whole: well inside the API server's 256 KiB for all annotations.</summary>
    public const int MaxRecordedBytes = 64 * 1024;

    /// <summary>How many routes a difference names in each list; the rest are counted.</summary>
    public const int MaxNamed = 10;

    private ServedRouteTable(IReadOnlyDictionary<string, ServedRoute> routes)
    {
        Routes = routes;
        Text = Canonical(routes.Values);
        Hash = ContentHash.Of(Text);
    }

    public IReadOnlyDictionary<string, ServedRoute> Routes { get; }

    public int Count => Routes.Count;

    /// <summary>The canonical text: sorted lines of place, Service, backend.</summary>
    public string Text { get; }

    public string Hash { get; }

    public static ServedRouteTable Empty { get; } = new(new Dictionary<string, ServedRoute>(StringComparer.Ordinal));

    /// <summary>The table of routes accepted for rendering, as the config places them.</summary>
    public static ServedRouteTable From(IEnumerable<AcceptedRoute> accepted)
    {
        var routes = new Dictionary<string, ServedRoute>(StringComparer.Ordinal);
        foreach (var a in accepted)
        {
            var place = a.ServerName + a.Location;
            routes[place] = new ServedRoute(place, Owner(a.Route.Namespace, a.Route.Service), a.ProxyPass);
        }
        return new ServedRouteTable(routes);
    }

    /// <summary>The table the sidecar would serve from these Services, with its discovery settings.</summary>
    public static ServedRouteTable FromServices(IEnumerable<V1Service> services, IReadOnlyList<string> namespaces, bool exposeAll, string? serverName)
    {
        var routes = RouteDiscovery.FromServices(ClusterRoutes.Sorted(services), namespaces, null, exposeAll)
            .Where(f => f.Route is not null).Select(f => f.Route!).ToList();
        return From(RouteSet.Build(routes, serverName).Accepted);
    }

    /// <summary>The table of routes discovered elsewhere (manifest files), settled as the sidecar settles them.</summary>
    public static ServedRouteTable FromRoutes(IEnumerable<Route> routes, string? serverName) => From(RouteSet.Build(routes, serverName).Accepted);

    private static string Owner(string? ns, string? service) => service is null ? "-" : ns is null ? service : $"{ns}/{service}";

    private static string Canonical(IEnumerable<ServedRoute> routes)
    {
        var sb = new StringBuilder();
        foreach (var r in routes.OrderBy(r => r.Place, StringComparer.Ordinal))
            sb.Append(r.Place).Append('\t').Append(r.Service).Append('\t').Append(r.Backend).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// Reads a recorded text back. It comes from the cluster, so each field must be what a rendered
    /// route holds (printable ASCII, no space); null when any line is not.
    /// </summary>
    public static ServedRouteTable? Parse(string? text)
    {
        if (text is null || text.Length > MaxRecordedBytes) return null;
        var routes = new Dictionary<string, ServedRoute>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length != 3 || !fields.All(IsField) || !routes.TryAdd(fields[0], new ServedRoute(fields[0], fields[1], fields[2])))
                return null;
        }
        return new ServedRouteTable(routes);
    }

    private static bool IsField(string field) => field.Length is > 0 and <= 512 && field.All(c => c is > ' ' and <= '~');

    /// <summary>
    /// The routes a config serves, read by the model Resolve-NginxRoute uses: each server's name,
    /// and in it each location a client can reach that proxies, owned by the Service the renderer
    /// names above it. Locations that do not proxy (/healthz, the redirect) are not routes.
    /// </summary>
    public static ServedRouteTable FromConfig(ServedConf conf)
    {
        var routes = new Dictionary<string, ServedRoute>(StringComparer.Ordinal);
        foreach (var server in conf.Servers)
        {
            var name = NameOf(server);
            foreach (var location in server.Locations)
            {
                if (location.Proxy is null || location.Internal) continue;
                var place = name + location;
                routes[place] = new ServedRoute(place, Owner(location.Namespace, location.Service), location.Proxy.Written);
            }
        }
        return new ServedRouteTable(routes);
    }

    /// <summary>The name of a config's default server: the first that routes and whose listen says default_server, else the first that routes.</summary>
    public static string DefaultServerOf(ServedConf conf)
    {
        var routing = conf.Servers.Where(s => s.Locations.Any(l => l.Proxy is not null && !l.Internal)).ToList();
        var server = routing.FirstOrDefault(s => s.Listens.Any(l => l.DefaultServer)) ?? routing.FirstOrDefault();
        return server is null ? RouteSet.DefaultServerName : NameOf(server);
    }

    private static string NameOf(ServedServer server) => server.Name.Length > 0 ? server.Name : RouteSet.DefaultServerName;

    /// <summary>How <paramref name="served"/> (recorded, or only its hash and count) differs from <paramref name="wanted"/>.</summary>
    public static RouteTableDifference Compare(ServedRouteTable? served, string servedHash, int servedCount, ServedRouteTable wanted)
    {
        if (served is null)
        {
            var same = servedHash == wanted.Hash;
            return new RouteTableDifference(servedCount, wanted.Count, same, 0, 0, 0, [], [], []);
        }
        var missing = wanted.Routes.Keys.Where(k => !served.Routes.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var extra = served.Routes.Keys.Where(k => !wanted.Routes.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var changed = wanted.Routes.Where(w => served.Routes.TryGetValue(w.Key, out var s) && s != w.Value).Select(w => w.Key).Order(StringComparer.Ordinal).ToList();
        static IReadOnlyList<string> Cut(List<string> names, IReadOnlyDictionary<string, ServedRoute> from) =>
            names.Take(MaxNamed).Select(n => $"{n} ({from[n].Service})").ToList();
        return new RouteTableDifference(served.Count, wanted.Count, true, missing.Count, extra.Count, changed.Count,
            Cut(missing, wanted.Routes), Cut(extra, served.Routes), Cut(changed, wanted.Routes));
    }
}
