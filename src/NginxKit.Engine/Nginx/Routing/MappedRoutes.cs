using System.Text;
using NginxKit.Engine.Diagnostics;
using System.Text.RegularExpressions;
using NginxKit.Engine.Text;
using Statement = NginxKit.Engine.Nginx.Routing.ServedConfReader.Statement;

namespace NginxKit.Engine.Nginx.Routing;

/// <summary>
/// The routes of a config in the maps layout (<see cref="RouteMaps"/>), read as the prefix
/// locations they stand for. The renderer's lookup was checked against those locations with a real
/// nginx, so a server's dispatch location answers as they would. Only that lookup is followed: the
/// maps must be exactly the ones the renderer writes, entry for entry in its form, and the dispatch
/// location exactly its own; anything else is refused with UnsupportedConfConstruct.
/// </summary>
internal sealed partial class MappedRoutes
{
    private readonly Dictionary<string, List<ServedLocation>> byServer;

    private MappedRoutes(Dictionary<string, List<ServedLocation>> byServer) => this.byServer = byServer;

    /// <summary>The maps layout of the config's http-level statements; null when it has none.</summary>
    public static MappedRoutes? Read(List<Statement> top, string? source)
    {
        var maps = new Dictionary<string, Statement>(StringComparer.Ordinal);
        foreach (var s in top)
        {
            if (s.Name != "map" || s.Block is null || s.Args.Count != 2) continue;
            var variable = s.Args[1];
            if (!variable.StartsWith("$nginxkit_", StringComparison.Ordinal) || variable == RenderParts.ConnectionVariable) continue;
            if (!maps.TryAdd(variable, s))
                throw ServedConfReader.Refuse(source, s, "MapForm", $"{Printable.Escape(variable)} is set by two maps.");
        }
        if (maps.Count == 0) return null;

        var depths = new List<int>();
        foreach (var variable in maps.Keys)
            if (EntryDepth(variable) is { } d) depths.Add(d);
        var skeleton = ServedConfReader.Parse(RouteMaps.Skeleton(depths), null);
        var expected = skeleton.Select(m => m.Args[1]).ToHashSet(StringComparer.Ordinal);
        foreach (var (variable, map) in maps)
            if (!expected.Contains(variable))
                throw ServedConfReader.Refuse(source, map, "MapForm", $"the map that sets {Printable.Escape(variable)} is not part of the routes' lookup NginxKit renders.");

        var byServer = new Dictionary<string, List<ServedLocation>>(StringComparer.Ordinal);
        foreach (var want in skeleton)
        {
            var variable = want.Args[1];
            if (!maps.TryGetValue(variable, out var map))
                throw ServedConfReader.Refuse(source, want, "MapForm", $"the routes' lookup needs the map that sets {Printable.Escape(variable)}, and the config has none.");
            if (!Same(map.Args, want.Args))
                throw ServedConfReader.Refuse(source, map, "MapForm", $"the map that sets {Printable.Escape(variable)} reads another value than the one NginxKit renders.");
            if (EntryDepth(variable) is { } depth)
                ReadEntries(map, depth, byServer, source);
            else if (!SameBlock(map.Block!, want.Block!))
                throw ServedConfReader.Refuse(source, map, "MapForm", $"the map that sets {Printable.Escape(variable)} is not the one NginxKit renders.");
        }
        return new MappedRoutes(byServer);
    }

    /// <summary>
    /// The locations a server's dispatch location stands for: one per route mapped to the server's
    /// first name (its $server_name), beside the server's own <paramref name="real"/> locations.
    /// </summary>
    public IEnumerable<ServedLocation> Locations(Statement dispatch, string serverName, IReadOnlyList<ServedLocation> real, string? source)
    {
        var lookup = ServedConfReader.Parse(Encoding.ASCII.GetString(RouteMaps.Lookup), null);
        var ifs = dispatch.Block!.Where(d => d.Name == "if").ToList();
        if (!SameBlock(ifs, lookup))
            throw ServedConfReader.Refuse(source, dispatch, "DispatchForm", "location / holds 'if' blocks other than the routes' lookup NginxKit renders.");
        string? forwarded = null;
        bool computed = false;
        foreach (var d in dispatch.Block!)
        {
            if (d.Name == "if") continue;
            if (d.Name == "proxy_set_header" && d.Args.Count == 2 && d.Args[0].Equals("X-Forwarded-Prefix", StringComparison.OrdinalIgnoreCase))
            {
                computed = d.Args[1] == RouteMaps.ForwardedPrefixVariable;
                forwarded = computed ? null : d.Args[1];
                continue;
            }
            if (ServedConfReader.IsNeutral(d.Name) && d.Block is null) continue; // headers and tuning, as in a location of its own
            throw ServedConfReader.Refuse(source, d, "DispatchForm", $"the directive '{Printable.Escape(d.Name)}' in the routes' location / is not one NginxKit renders there.");
        }

        if (!byServer.TryGetValue(serverName, out var mapped)) yield break;
        foreach (var location in mapped)
        {
            // The renderer gives every route at or below a location of its own a location too: nginx would never look such a route up.
            var hidden = real.FirstOrDefault(r => !r.Exact && !r.Internal && location.Path.StartsWith(r.Path, StringComparison.Ordinal));
            if (hidden is not null)
                throw ServedConfReader.Refuse(source, dispatch, "MappedRouteHidden",
                    $"the mapped route {Printable.Escape(location.Path)} of server '{Printable.Escape(serverName)}' lies under location {Printable.Escape(hidden.Path)}, which nginx chooses first.");
            var prefix = computed ? (location.Proxy!.Uri is not null && location.Path.Length > 1 ? location.Path[..^1] : null) : forwarded;
            yield return location with { ForwardedPrefix = prefix };
        }
    }

    // $nginxkit_route0 holds "/" routes, $nginxkit_claimN the routes N segments deep.
    private static int? EntryDepth(string variable)
    {
        if (variable == RouteMaps.EntryVariable(0)) return 0;
        var m = ClaimVariable().Match(variable);
        return m.Success && int.TryParse(m.Groups[1].ValueSpan, out var d) && d is > 0 and <= 2048 && RouteMaps.EntryVariable(d) == variable ? d : null;
    }

    // "server/a/b/" "server/a/b/=s10.0.0.1:80"; # namespace/service   ("P" before the value at depth 0)
    private static void ReadEntries(Statement map, int depth, Dictionary<string, List<ServedLocation>> byServer, string? source)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool seenDefault = false;
        foreach (var e in map.Block!)
        {
            if (e.Block is not null || e.Args.Count != 1)
                throw ServedConfReader.Refuse(source, e, "MapForm", $"an entry of the map that sets {Printable.Escape(map.Args[1])} is not a key and a value.");
            if (e.Name == "default")
            {
                if (e.Args[0].Length != 0 || seenDefault)
                    throw ServedConfReader.Refuse(source, e, "MapForm", $"the map that sets {Printable.Escape(map.Args[1])} has a default other than \"\".");
                seenDefault = true;
                continue;
            }
            var key = e.Name;
            var value = e.Args[0];
            if (depth == 0)
            {
                if (!value.StartsWith('P')) throw Entry(source, e, map, "its value does not start with P");
                value = value[1..];
            }
            var m = EntryValue().Match(value);
            if (!m.Success) throw Entry(source, e, map, "its value is not server/path/=s or =p and an IP address with a port");
            var claim = m.Groups["claim"].Value;
            var server = m.Groups["server"].Value;
            var path = m.Groups["path"].Value;
            if (!claim.Equals(key, StringComparison.OrdinalIgnoreCase)) throw Entry(source, e, map, "its key and its value name different paths");
            if (path.Count(c => c == '/') - 1 != depth) throw Entry(source, e, map, $"its path is not {depth} segments deep");
            if (!keys.Add(key)) throw Entry(source, e, map, "its key is there twice (keys compare without case)");
            var strip = m.Groups["mode"].Value == "s";
            var backend = m.Groups["backend"].Value;
            var proxy = new ServedProxy("http://" + backend + (strip ? "/" : ""), "http", backend, strip ? "/" : null);
            var owner = e.Trailing;
            var location = new ServedLocation(path, Exact: false)
            {
                Proxy = proxy,
                Service = ServedConfReader.ServiceOf(owner),
                Namespace = ServedConfReader.NamespaceOf(owner),
            };
            if (!byServer.TryGetValue(server, out var list)) byServer[server] = list = [];
            list.Add(location);
        }
        if (!seenDefault) throw ServedConfReader.Refuse(source, map, "MapForm", $"the map that sets {Printable.Escape(map.Args[1])} has no default \"\".");
    }

    private static NginxKitException Entry(string? source, Statement e, Statement map, string why) =>
        ServedConfReader.Refuse(source, e, "MapEntry", $"the entry '{Printable.Escape(e.Name)}' of the map that sets {Printable.Escape(map.Args[1])} is not one NginxKit renders: {why}.");

    private static bool Same(List<string> a, List<string> b) => a.Count == b.Count && a.Zip(b).All(p => p.First == p.Second);

    private static bool SameBlock(List<Statement> a, List<Statement> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && Same(p.First.Args, p.Second.Args)
            && (p.First.Block is null ? p.Second.Block is null : p.Second.Block is not null && SameBlock(p.First.Block, p.Second.Block)));

    [GeneratedRegex(@"^\$nginxkit_claim([1-9][0-9]*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex ClaimVariable();

    // The server name as the renderer writes it (lowercase, no / = |), a path of route characters, and an IP backend.
    [GeneratedRegex(@"^(?<claim>(?<server>[a-z0-9._*-]*)(?<path>/(?:[A-Za-z0-9._~-]+/)*))=(?<mode>[sp])(?<backend>(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5})\z", RegexOptions.CultureInvariant)]
    private static partial Regex EntryValue();
}
