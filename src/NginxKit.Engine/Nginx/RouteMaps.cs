using System.Runtime.CompilerServices;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// The scale layout of the default render: routes are entries in nginx <c>map</c>s, looked up by
/// one <c>location /</c> per server, instead of a location block each. nginx builds a location
/// block with every module's settings, which made 10,000 routes a 1 s, 125 MB parse on every
/// test and reload; a map entry is a hash-table key and a string.
///
/// The lookup keeps what the location blocks did, byte for byte (checked against them with a
/// real nginx and an echo backend):
/// <list type="bullet">
/// <item>Longest prefix wins: one map per path depth, keyed by the server and the request's first
/// N segments; each depth falls back to the one above it, down to a server's "/" route.</item>
/// <item>Case: maps compare without case, so each hit is confirmed against the route's own spelling
/// by a regex (a back-reference), as locations compare.</item>
/// <item>/prefix without its slash gets a 301 to /prefix/ (with the query string), as nginx's own.</item>
/// <item>Strip: a request whose path had %-escapes is rewritten and re-escaped by nginx, as
/// <c>proxy_pass http://b/</c> does; one without goes as it came, so raw bytes stay raw.
/// No strip: the original request line, as <c>proxy_pass http://b</c> sends it.</item>
/// <item>Nothing matched: no handler, so nginx answers as with no location at all.</item>
/// </list>
/// A route keeps a location of its own when the map cannot carry it: a backend named by DNS (a
/// variable upstream would need a resolver), and every route on its server below such a location,
/// since nginx's own longest-prefix match would otherwise hide them behind it.
/// </summary>
internal static class RouteMaps
{
    // The request's first N segments, "/" appended; empty when the path has fewer.
    private const string PrefixVariable = "$nginxkit_prefix";
    // The route that claims that prefix on this server, found without regard to case.
    private const string ClaimVariable = "$nginxkit_claim";
    // The deepest route up to depth N that matches with its case; "R..." asks for the redirect.
    private const string RouteVariable = "$nginxkit_route";

    /// <summary>Which routes keep a location block of their own. Routes arrive sorted by server, then location.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool[] OwnLocations(IReadOnlyList<AcceptedRoute> routes, RenderParts parts, out int mapped)
    {
        var own = new bool[routes.Count];
        mapped = 0;
        string? server = null, below = null;
        for (int i = 0; i < routes.Count; i++)
        {
            var route = routes[i];
            if (!ReferenceEquals(route.ServerName, server) && route.ServerName != server)
            {
                server = route.ServerName;
                below = null;
            }
            // Sorted, so every location below one is in one run right after it.
            if (below is not null && !route.Location.StartsWith(below, StringComparison.Ordinal)) below = null;
            if (below is not null || NeedsOwnLocation(route, parts))
            {
                own[i] = true;
                below ??= route.Location;
            }
            else
            {
                mapped++;
            }
        }
        return own;
    }

    /// <summary>
    /// True for a route the maps cannot carry: a backend named by DNS; TLS to the backend; its own
    /// size, timeouts, websocket or redirect setting (directives that take no variables); and
    /// rewriting the backend's redirects under a stripped prefix.
    /// </summary>
    public static bool NeedsOwnLocation(AcceptedRoute route, RenderParts parts) =>
        !IsIpLiteral(route.BackendAddress) || route.Https || route.Settings is not null
        || (parts.ProxyRedirect && route.ForwardedPrefix is not null);

    // A variable upstream that is not an address needs a resolver at request time.
    private static bool IsIpLiteral(string address)
    {
        if (address.Length > 0 && address[0] == '[') return true;
        foreach (var c in address)
            if (!(char.IsAsciiDigit(c) || c == '.')) return false;
        return true;
    }

    private static int Depth(string location)
    {
        int slashes = 0;
        foreach (var c in location) if (c == '/') slashes++;
        return slashes - 1;
    }

    /// <summary>
    /// Writes the http-level part: the hash sizes (first of all, since nginx fixes them at the
    /// first map of the http block, the websocket map included), then the maps and the variables
    /// the dispatch location reads. Nothing when no route is mapped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AppendMaps(ConfBuffer w, IReadOnlyList<AcceptedRoute> routes, bool[] own, ReadOnlySpan<byte> before)
    {
        // Counting sort by depth, keeping the sorted order within each depth.
        var depth = new int[routes.Count];
        int maxDepth = -1;
        var count = new int[RouteRules.MaxPathLength / 2 + 2];
        for (int i = 0; i < routes.Count; i++)
        {
            if (own[i]) continue;
            int d = depth[i] = Depth(routes[i].Location);
            count[d]++;
            if (d > maxDepth) maxDepth = d;
        }
        if (maxDepth < 0)
        {
            w.Append(before);
            return;
        }
        var start = new int[maxDepth + 2];
        for (int d = 0; d <= maxDepth; d++) start[d + 1] = start[d] + count[d];
        var order = new int[start[maxDepth + 1]];
        var fill = (int[])start.Clone();
        for (int i = 0; i < routes.Count; i++)
            if (!own[i]) order[fill[depth[i]]++] = i;

        var servers = LowerServerNames(routes);
        var (bucketSize, maxSize) = HashSizes(routes, servers, order, start, maxDepth);

        w.Append("\nmap_hash_bucket_size "u8).Append(bucketSize).Append(";\nmap_hash_max_size "u8).Append(maxSize).Append(";\n"u8);
        w.Append(before);
        w.Append("\n# Routes without a location of their own: the longest prefix of the request's path that a route\n"u8)
         .Append("# claims, one map per depth, each hit checked for case; location / in each server passes it on.\n"u8);

        AppendRootHead(w);
        for (int k = start[0]; k < start[1]; k++) AppendEntry(w, routes[order[k]], servers[order[k]], root: true);
        w.Append("}\n"u8);

        int previous = 0;
        for (int d = 1; d <= maxDepth; d++)
        {
            if (start[d] == start[d + 1]) continue;
            AppendDepthHead(w, d);
            for (int k = start[d]; k < start[d + 1]; k++) AppendEntry(w, routes[order[k]], servers[order[k]], root: false);
            w.Append("}\n"u8);
            AppendCheck(w, d, previous);
            previous = d;
        }
        AppendTail(w, previous);
    }

    /// <summary>
    /// The maps of <see cref="AppendMaps"/> for routes at the given depths, without their entries:
    /// what a reader compares a config's maps with, so that it follows only the lookup rendered here.
    /// </summary>
    public static string Skeleton(IEnumerable<int> depths)
    {
        var w = new ConfBuffer();
        AppendRootHead(w);
        w.Append("}\n"u8);
        int previous = 0;
        foreach (var d in depths.Where(d => d > 0).Order())
        {
            AppendDepthHead(w, d);
            w.Append("}\n"u8);
            AppendCheck(w, d, previous);
            previous = d;
        }
        AppendTail(w, previous);
        return w.ToText();
    }

    /// <summary>The variable whose map holds the routes of a depth: "/" routes at 0, "/a/" at 1, and so on.</summary>
    public static string EntryVariable(int depth) => depth == 0 ? RouteVariable + "0" : ClaimVariable + depth.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void AppendRootHead(ConfBuffer w) =>
        w.Append("\nmap \"$server_name/\" "u8).Append(RouteVariable).Append("0 {\n    default \"\";\n"u8);

    // The request's first d segments, and the map from "server + those segments/" to the route that claims them.
    private static void AppendDepthHead(ConfBuffer w, int d)
    {
        w.Append("\nmap $uri "u8).Append(PrefixVariable).Append(d).Append(" {\n    default \"\";\n    \"~^((?:/[^/]+){"u8).Append(d)
         .Append("})(?:/|\\z)\" $1/;\n}\n"u8);
        w.Append("\nmap \"$server_name"u8).Append(PrefixVariable).Append(d).Append("\" "u8).Append(ClaimVariable).Append(d).Append(" {\n    default \"\";\n"u8);
    }

    // "claim|server uri/": the claim's own spelling must begin the request's path exactly;
    // when it is all of it, the request was the prefix without its slash.
    private static void AppendCheck(ConfBuffer w, int d, int previous) =>
        w.Append("\nmap \""u8).Append(ClaimVariable).Append(d).Append("|$server_name$uri/\" "u8).Append(RouteVariable).Append(d)
         .Append(" {\n    default "u8).Append(RouteVariable).Append(previous)
         .Append(";\n    \"~^([^=|]+)(=[^|]*)\\|\\1\\z\" R$1$2;\n    \"~^([^=|]+)(=[^|]*)\\|\\1\" P$1$2;\n}\n"u8);

    private static void AppendTail(ConfBuffer w, int previous)
    {
        var route = RouteVariable + previous.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // R: redirect. S: strip a path that had %-escapes (rewritten, so nginx escapes it again, as
        // proxy_pass with a URI does). A: strip one without (sent as it came). P: the path unchanged.
        w.Append("\nmap \""u8).Append(route).Append("|$request_uri\" $nginxkit_mode {\n    default \"\";\n    ~^R R;\n"u8)
         .Append("    \"~^P[^=]*=s[^|]*\\|[^?#]*%\" S;\n    ~^P[^=]*=s A;\n    ~^P[^=]*=p P;\n}\n"u8);
        w.Append("\nmap "u8).Append(route).Append(" $nginxkit_backend {\n    default \"\";\n    \"~=[sp]([^=]*)\\z\" $1;\n}\n"u8);
        w.Append("\nmap \""u8).Append(route).Append("|$server_name$uri\" $nginxkit_rest {\n    default \"\";\n    \"~^P([^=]*)=[^|]*\\|\\1([\\s\\S]*)\\z\" /$2;\n}\n"u8);
        // What a stripped route's location would have stripped, less its slash: /volume for /volume/, nothing for /.
        w.Append("\nmap "u8).Append(route).Append(" $nginxkit_forwarded_prefix {\n    default \"\";\n    \"~^P[^/]*(/[^=]+)/=s\" $1;\n}\n"u8);
    }

    // "server+location" "server+location=s10.0.0.1:80"; # namespace/service
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AppendEntry(ConfBuffer w, AcceptedRoute route, string server, bool root)
    {
        var r = route.Route;
        int size = 4 + 2 * (server.Length + route.Location.Length) + 6 + 1 + route.BackendAddress.Length + 6 + 2
            + (r.Service is null ? 1 : 4 + r.Service.Length + (r.Namespace?.Length + 1 ?? 0));
        var to = w.Reserve(size);
        int at = 0;
        ConfBuffer.Put(to, ref at, "    \""u8);
        ConfBuffer.PutAscii(to, ref at, server);
        ConfBuffer.PutAscii(to, ref at, route.Location);
        ConfBuffer.Put(to, ref at, root ? "\" \"P"u8 : "\" \""u8);
        ConfBuffer.PutAscii(to, ref at, server);
        ConfBuffer.PutAscii(to, ref at, route.Location);
        ConfBuffer.Put(to, ref at, r.StripPrefix ? "=s"u8 : "=p"u8);
        ConfBuffer.PutAscii(to, ref at, route.BackendAddress);
        ConfBuffer.Put(to, ref at, ":"u8);
        ConfBuffer.PutNumber(to, ref at, r.Port);
        ConfBuffer.Put(to, ref at, "\";"u8);
        if (r.Service is not null)
        {
            ConfBuffer.Put(to, ref at, " # "u8);
            NginxConfRenderer.PutOwner(to, ref at, r);
        }
        ConfBuffer.Put(to, ref at, "\n"u8);
        w.Advance(at);
    }

    // nginx lowercases server names, and so $server_name, which the case check compares with.
    private static string[] LowerServerNames(IReadOnlyList<AcceptedRoute> routes)
    {
        var names = new string[routes.Count];
        string? last = null, lower = null;
        for (int i = 0; i < routes.Count; i++)
        {
            var name = routes[i].ServerName;
            if (!ReferenceEquals(name, last))
            {
                last = name;
                lower = name.ToLowerInvariant();
            }
            names[i] = lower!;
        }
        return names;
    }

    /// <summary>
    /// map_hash_bucket_size and map_hash_max_size with which nginx builds every map without a
    /// warning ("could not build optimal map_hash"), which a strict test would count. nginx tries
    /// table sizes up to the maximum; the sizes chosen are checked by building each map's table
    /// the way nginx does, at the maximum size, and doubled until it fits.
    /// </summary>
    internal static (int BucketSize, int MaxSize) HashSizes(IReadOnlyList<AcceptedRoute> routes, string[] servers, int[] order, int[] start, int maxDepth)
    {
        int longest = 0, largest = 0;
        for (int d = 0; d <= maxDepth; d++)
        {
            largest = Math.Max(largest, start[d + 1] - start[d]);
            for (int k = start[d]; k < start[d + 1]; k++)
                longest = Math.Max(longest, servers[order[k]].Length + routes[order[k]].Location.Length);
        }
        // Room for several of the longest keys in a bucket; a bucket's memory is what its keys take, not this.
        int bucketSize = Align(Math.Max(512, 4 * ElementSize(longest) + 8), 64);
        int maxSize = Math.Max(2048, largest);
        var hashes = new ulong[order.Length];
        var lengths = new int[order.Length];
        for (int k = 0; k < order.Length; k++)
        {
            hashes[k] = KeyHash(servers[order[k]], routes[order[k]].Location);
            lengths[k] = ElementSize(servers[order[k]].Length + routes[order[k]].Location.Length);
        }
        while (!Fits(hashes, lengths, start, maxDepth, bucketSize, maxSize)) maxSize *= 2;
        return (bucketSize, maxSize);
    }

    private static bool Fits(ulong[] hashes, int[] lengths, int[] start, int maxDepth, int bucketSize, int size)
    {
        var fill = new int[size];
        for (int d = 0; d <= maxDepth; d++)
        {
            if (start[d] == start[d + 1]) continue;
            Array.Clear(fill);
            for (int k = start[d]; k < start[d + 1]; k++)
            {
                var bucket = (int)(hashes[k] % (ulong)size);
                fill[bucket] += lengths[k];
                if (fill[bucket] > bucketSize - 8) return false;
            }
        }
        return true;
    }

    // ngx_hash_key over the lowercased key: key * 31 + c, in a 64-bit word.
    private static ulong KeyHash(string server, string location)
    {
        ulong h = 0;
        foreach (var c in server) h = h * 31 + char.ToLowerInvariant(c);
        foreach (var c in location) h = h * 31 + char.ToLowerInvariant(c);
        return h;
    }

    // NGX_HASH_ELT_SIZE: the value pointer, a 2-byte length and the name, aligned to a pointer.
    private static int ElementSize(int keyLength) => 8 + Align(keyLength + 2, 8);

    private static int Align(int value, int to) => (value + to - 1) / to * to;

    /// <summary>The lines of the dispatch location that act on the mapped route.</summary>
    public static ReadOnlySpan<byte> Lookup =>
        "        if ($nginxkit_mode = R) { return 301 $uri/$is_args$args; }\n"u8
        + "        if ($nginxkit_mode = S) { rewrite ^ $nginxkit_rest break; proxy_pass http://$nginxkit_backend; }\n"u8
        + "        if ($nginxkit_mode = A) { proxy_pass http://$nginxkit_backend$nginxkit_rest$is_args$args; }\n"u8
        + "        if ($nginxkit_mode = P) { proxy_pass http://$nginxkit_backend; }\n"u8;

    /// <summary>The header a dispatch location sends as X-Forwarded-Prefix: what the route's own location would.</summary>
    public const string ForwardedPrefixVariable = "$nginxkit_forwarded_prefix";

    /// <summary>
    /// location / of a server with mapped routes: redirect, strip, or pass, as the route says, with
    /// the lines a route's own location would carry (X-Forwarded-Prefix from the map: an empty value
    /// sends no header, as a route that strips nothing sends none).
    /// </summary>
    public static void AppendDispatch(ConfBuffer w, RenderParts parts)
    {
        w.Append("\n    location / {\n"u8)
         .Append(Lookup)
         .Append("        proxy_redirect off;\n"u8)
         .Append(parts.WebSocket ? parts.WebSocketHeaders : parts.Headers);
        if (parts.SendForwardedPrefix) w.Append("        proxy_set_header X-Forwarded-Prefix $nginxkit_forwarded_prefix;\n"u8);
        w.Append("    }\n"u8);
    }
}
