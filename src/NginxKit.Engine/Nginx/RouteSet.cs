using System.Runtime.CompilerServices;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// Validates a set of routes and settles conflicts. Two routes claim the same place when they are
/// on the same server and their locations are equal without regard to case (/Web and /web, /web
/// and /web/): nginx matches case-sensitively, but a backend or a client may not, and a claim that
/// differs only in case must not take a path away from its owner. The oldest claim keeps the
/// place: the earlier Created (a Service's creationTimestamp; a route without one comes after
/// every route with one), then namespace and service name in ordinal order, as Gateway API and
/// ingress-nginx settle it. Each other claim is reported as DuplicateRoutePath naming the holder,
/// and exact repeats of one route are merged. The result does not depend on input order: routes
/// render by server, then location, and the rest of the order only decides between equal claims.
/// </summary>
public static class RouteSet
{
    public const string DefaultServerName = "_";

    // From this many routes on, the second half is checked on another thread.
    internal const int ParallelThreshold = 2048;

    public static RouteSetResult Build(IEnumerable<Route> routes, string? defaultServerName = null)
    {
        // nginx compares server names without regard to case, and so does the grouping into server blocks.
        defaultServerName = (defaultServerName ?? DefaultServerName).ToLowerInvariant();
        var list = routes as IReadOnlyList<Route> ?? routes.ToList();
        var accepted = new AcceptedRoute?[list.Count];
        var refused = new Problem?[list.Count];
        if (list.Count >= ParallelThreshold && Environment.ProcessorCount > 1)
        {
            int half = list.Count / 2;
            Parallel.Invoke(
                () => Check(list, 0, half, defaultServerName, accepted, refused),
                () => Check(list, half, list.Count, defaultServerName, accepted, refused));
        }
        else
        {
            Check(list, 0, list.Count, defaultServerName, accepted, refused);
        }

        // In input order, whichever thread checked them, so problems are reported in the order routes came.
        var problems = new List<Problem>();
        var ok = new List<AcceptedRoute>(list.Count);
        for (int i = 0; i < accepted.Length; i++)
        {
            if (accepted[i] is { } route) ok.Add(route);
            else problems.Add(refused[i]!);
        }
        return Settle(ok, problems, defaultServerName);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Check(IReadOnlyList<Route> routes, int from, int to, string defaultServerName, AcceptedRoute?[] accepted, Problem?[] refused)
    {
        for (int i = from; i < to; i++)
            accepted[i] = RouteRules.Accept(routes[i], defaultServerName, out refused[i]);
    }

    /// <summary>Orders already-accepted routes and settles duplicates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RouteSetResult Settle(List<AcceptedRoute> accepted, List<Problem> problems, string defaultServerName)
    {
        var kept = new List<AcceptedRoute>(accepted.Count);
        List<RouteConflict>? conflicts = null;
        AcceptedRoute? holder = null;
        ulong holderKey = 0;
        var (sorted, keys) = SortOrder(accepted, defaultServerName);
        for (int i = 0; i < sorted.Length; i++)
        {
            var route = sorted[i];
            // The first of a run of claims on one place is the oldest: it holds the place. Different
            // sort keys mean different places, which settles most routes without comparing strings.
            if (holder is not null && keys[i] == holderKey && holder.ServerName == route.ServerName && SameLocation(holder.Location, route.Location))
            {
                if (!SameTarget(holder, route) || holder.Location != route.Location)
                {
                    var problem = ErrorCatalog.DuplicateRoutePath.Problem(
                        $"Skipped {route.Route}: location {route.Location} on server {route.ServerName} is held by {holder.Route}, {Why(holder, route)}. "
                        + "The oldest claim keeps a path; give this one another path.",
                        route.Route, "PathHeldByOlderClaim");
                    problems.Add(problem);
                    (conflicts ??= []).Add(new RouteConflict(route, holder, problem));
                }
                continue;
            }
            kept.Add(route);
            holder = route;
            holderKey = keys[i];
        }
        return new RouteSetResult(kept, problems) { Conflicts = conflicts ?? [] };
    }

    /// <summary>
    /// What changed between two settled sets, each in <see cref="Settle"/>'s order: the places (server
    /// name and location) that are new or now proxy elsewhere, and those gone, each in ordinal order.
    /// Both are sorted, so they are walked side by side, with no index of either built.
    /// </summary>
    internal static (List<string> Added, List<string> Removed) Changes(IReadOnlyList<AcceptedRoute> before, IReadOnlyList<AcceptedRoute> after, string defaultServerName)
    {
        var added = new List<string>();
        var removed = new List<string>();
        int i = 0, j = 0;
        while (i < before.Count || j < after.Count)
        {
            int c = i == before.Count ? 1 : j == after.Count ? -1 : CompareSettled(before[i], after[j], defaultServerName);
            if (c < 0) removed.Add(Place(before[i++]));
            else if (c > 0) added.Add(Place(after[j++]));
            else
            {
                var (was, now) = (before[i++], after[j++]);
                // One place in case-blind terms, but nginx matches case-sensitively: another location.
                if (was.Location != now.Location)
                {
                    removed.Add(Place(was));
                    added.Add(Place(now));
                }
                else if (was.Https != now.Https || was.BackendAddress != now.BackendAddress || was.Route.Port != now.Route.Port || was.Route.StripPrefix != now.Route.StripPrefix)
                {
                    added.Add(Place(now));
                }
            }
        }
        added.Sort(StringComparer.Ordinal);
        removed.Sort(StringComparer.Ordinal);
        return (added, removed);
    }

    private static string Place(AcceptedRoute route) => route.ServerName + route.Location;

    // Settle's order between kept routes: by server, then location without regard to case.
    private static int CompareSettled(AcceptedRoute a, AcceptedRoute b, string defaultServerName)
    {
        int c = CompareServer(a.ServerName, b.ServerName, defaultServerName);
        return c != 0 ? c : CompareLocations(a.Location, b.Location);
    }

    /// <summary>Why the holder keeps the place: the older creation time, or the name order when that cannot tell.</summary>
    internal static string Why(AcceptedRoute holder, AcceptedRoute loser) =>
        holder.Route.Created is { } held && (loser.Route.Created is null || held < loser.Route.Created)
            ? $"created {Timestamp(held)}, before {(loser.Route.Created is { } late ? Timestamp(late) : "this route, which has no creation time")}"
            : holder.Route.Created is null ? "which comes first by namespace, name and backend (neither has a creation time)"
            : "created at the same time, and first by namespace and name";

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static bool SameTarget(AcceptedRoute a, AcceptedRoute b) =>
        a.BackendAddress == b.BackendAddress && a.Route.Port == b.Route.Port && a.Route.StripPrefix == b.Route.StripPrefix
        && a.Route.Service == b.Route.Service && a.Route.Namespace == b.Route.Namespace && a.Https == b.Https && Equals(a.Settings, b.Settings);

    // Locations are ASCII (RouteRules allows nothing else), so folding A-Z is all a case-blind compare needs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static char Fold(char c) => (uint)(c - 'A') <= 'Z' - 'A' ? (char)(c | 0x20) : c;

    // For ASCII, OrdinalIgnoreCase folds exactly A-Z, as Fold does, and compares vectorized.
    private static bool SameLocation(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Orders locations as their lowercase forms order by ordinal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int CompareLocations(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            char x = a[i], y = b[i];
            if (x != y && (x = Fold(x)) != (y = Fold(y))) return x - y;
        }
        return a.Length - b.Length;
    }

    // Sorting is most of settling 10,000 routes. Each route gets a number that orders it as the full
    // comparison does wherever two numbers differ, so the sort mostly compares numbers; only routes
    // with equal numbers are then compared in full.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (AcceptedRoute[] Routes, ulong[] Keys) SortOrder(List<AcceptedRoute> accepted, string defaultServerName)
    {
        var routes = accepted.ToArray();
        var ranks = ServerRanks(routes, defaultServerName);
        var keys = new ulong[routes.Length];
        for (int i = 0; i < routes.Length; i++)
            keys[i] = SortKey(ranks, routes[i]);
        RadixSort(ref keys, ref routes);

        // Equal keys mean the same server, so the rest of the order decides.
        var full = Comparer<AcceptedRoute>.Create(CompareRoutes);
        for (int start = 0, end; start < routes.Length; start = end)
        {
            for (end = start + 1; end < routes.Length && keys[end] == keys[start]; end++) { }
            if (end - start > 1) Array.Sort(routes, start, end - start, full);
        }
        return (routes, keys);
    }

    // Least significant byte first, skipping bytes every key shares (most, as paths share their
    // first characters): stable, and our own code, so it runs optimized from the first call.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RadixSort(ref ulong[] keys, ref AcceptedRoute[] items)
    {
        int n = keys.Length;
        if (n < 2) return;
        var spareKeys = new ulong[n];
        var spareItems = new AcceptedRoute[n];
        Span<int> starts = stackalloc int[256];
        for (int shift = 0; shift < 64; shift += 8)
        {
            starts.Clear();
            foreach (var key in keys) starts[(int)(key >> shift) & 0xFF]++;
            if (starts[(int)(keys[0] >> shift) & 0xFF] == n) continue;
            for (int b = 0, sum = 0; b < 256; b++) (starts[b], sum) = (sum, sum + starts[b]);
            for (int i = 0; i < n; i++)
            {
                int at = starts[(int)(keys[i] >> shift) & 0xFF]++;
                spareKeys[at] = keys[i];
                spareItems[at] = items[i];
            }
            (keys, spareKeys) = (spareKeys, keys);
            (items, spareItems) = (spareItems, items);
        }
    }

    // Null when every route is on one server, as is usual; otherwise each server's place in render order.
    private static Dictionary<string, int>? ServerRanks(AcceptedRoute[] routes, string defaultServerName)
    {
        if (Array.TrueForAll(routes, r => r.ServerName == routes[0].ServerName)) return null;
        var names = routes.Select(r => r.ServerName).Distinct(StringComparer.Ordinal).ToList();
        names.Sort((a, b) => CompareServer(a, b, defaultServerName));
        var ranks = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++) ranks[names[i]] = i;
        return ranks;
    }

    // The location's first characters, folded to lowercase, big-endian and zero-padded, order as
    // CompareLocations orders the locations (they are ASCII and hold no NUL). On one server that is 8 characters; with up to 256
    // servers, the top byte holds the server's rank and 7 characters follow; beyond that, the rank alone.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong SortKey(Dictionary<string, int>? ranks, AcceptedRoute route)
    {
        if (ranks is { Count: > 256 }) return (ulong)ranks[route.ServerName];
        ulong key = ranks is null ? 0 : (ulong)ranks[route.ServerName];
        int take = ranks is null ? 8 : 7;
        var location = route.Location;
        for (int i = 0; i < take; i++)
            key = (key << 8) | (i < location.Length ? (byte)Fold(location[i]) : 0u);
        return key;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CompareRoutes(AcceptedRoute a, AcceptedRoute b)
    {
        int c = CompareLocations(a.Location, b.Location);
        if (c != 0) return c;
        // Equal claims: the oldest first, so that it holds the place; no creation time comes last.
        c = (a.Route.Created, b.Route.Created) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            var (x, y) => x.Value.UtcTicks.CompareTo(y.Value.UtcTicks),
        };
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Route.Namespace, b.Route.Namespace);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Route.Service, b.Route.Service);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.BackendAddress, b.BackendAddress);
        if (c != 0) return c;
        c = a.Route.Port.CompareTo(b.Route.Port);
        if (c != 0) return c;
        c = a.Route.StripPrefix.CompareTo(b.Route.StripPrefix);
        if (c != 0) return c;
        c = a.Https.CompareTo(b.Https);
        if (c != 0) return c;
        // The same route written two ways (/a and /a/, /A and /a, ::1 and [::1]): the raw values decide
        // which is kept, so that a template's {{ path }} never depends on input order.
        c = string.CompareOrdinal(a.Location, b.Location);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Route.Path, b.Route.Path);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Route.Backend, b.Route.Backend);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Route.ServerName, b.Route.ServerName);
        // Routes that differ in their settings alone: rare, and ordered by what the settings say.
        return c != 0 || ReferenceEquals(a.Settings, b.Settings) ? c : string.CompareOrdinal(a.Settings?.ToString(), b.Settings?.ToString());
    }

    // The default server renders first, so it stays nginx's default for unknown Host headers.
    private static int CompareServer(string a, string b, string defaultServerName) =>
        a == b ? 0 : a == defaultServerName ? -1 : b == defaultServerName ? 1 : string.CompareOrdinal(a, b);
}
