using System.Text;
using k8s.Models;
using NginxKit.Engine.Nginx;
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
    /// Reads the routes from a config NginxKit rendered (its default layout): each server block's
    /// server_name, and in it each location with a proxy_pass, owned by the "# namespace/service"
    /// line above it. Locations without proxy_pass (/healthz, the redirect) are not routes.
    /// </summary>
    public static ServedRouteTable FromConfig(string text)
    {
        var routes = new Dictionary<string, ServedRoute>(StringComparer.Ordinal);
        string server = RouteSet.DefaultServerName, owner = "-";
        string? location = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line == "server {") { server = RouteSet.DefaultServerName; owner = "-"; location = null; }
            else if (line.StartsWith("server_name ", StringComparison.Ordinal)) server = line["server_name ".Length..].TrimEnd(';').Trim();
            else if (line.StartsWith("# ", StringComparison.Ordinal) && location is null) owner = line[2..].Trim();
            else if (line.StartsWith("location ", StringComparison.Ordinal) && line.EndsWith('{')) location = line["location ".Length..^1].Trim();
            else if (line.StartsWith("proxy_pass ", StringComparison.Ordinal) && location is not null)
            {
                var place = server + location;
                routes[place] = new ServedRoute(place, owner, line["proxy_pass ".Length..].TrimEnd(';').Trim());
            }
            else if (line == "}" && location is not null) { location = null; owner = "-"; }
        }
        return new ServedRouteTable(routes);
    }

    /// <summary>The server_name of the default server in a config NginxKit rendered: the one whose listen says default_server and that routes.</summary>
    public static string DefaultServerOf(string text)
    {
        string? name = null, first = null;
        var isDefault = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line == "server {") { name = null; isDefault = false; }
            else if (line.StartsWith("listen ", StringComparison.Ordinal) && line.Contains(" default_server", StringComparison.Ordinal)) isDefault = true;
            else if (line.StartsWith("server_name ", StringComparison.Ordinal)) name = line["server_name ".Length..].TrimEnd(';').Trim();
            else if (line.StartsWith("proxy_pass ", StringComparison.Ordinal) && name is not null)
            {
                if (isDefault) return name;
                first ??= name;
            }
        }
        return first ?? RouteSet.DefaultServerName;
    }

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
