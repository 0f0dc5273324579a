using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Nginx;

/// <summary>The routes that will be rendered, in render order, and a problem for each one refused.</summary>
public sealed record RouteSetResult(IReadOnlyList<AcceptedRoute> Accepted, IReadOnlyList<Problem> Problems);

/// <summary>
/// Validates a set of routes and settles conflicts. The result does not depend on input order:
/// routes sort by server name, then location, then namespace, service, backend and port.
/// When two different routes claim the same location on the same server, the first in that order
/// is kept and each other one is reported as DuplicateRoutePath. Exact repeats of one route are merged.
/// </summary>
public static class RouteSet
{
    public const string DefaultServerName = "_";

    public static RouteSetResult Build(IEnumerable<Route> routes, string? defaultServerName = null)
    {
        defaultServerName ??= DefaultServerName;
        var problems = new List<Problem>();
        var accepted = new List<AcceptedRoute>(routes is ICollection<Route> c ? c.Count : 64);
        foreach (var route in routes)
        {
            var ok = RouteRules.Accept(route, defaultServerName, out var problem);
            if (ok is null) problems.Add(problem!);
            else accepted.Add(ok);
        }
        return Settle(accepted, problems, defaultServerName);
    }

    /// <summary>Orders already-accepted routes and settles duplicates.</summary>
    public static RouteSetResult Settle(List<AcceptedRoute> accepted, List<Problem> problems, string defaultServerName)
    {
        accepted.Sort((a, b) => Compare(a, b, defaultServerName));
        var kept = new List<AcceptedRoute>(accepted.Count);
        foreach (var route in accepted)
        {
            if (kept.Count > 0)
            {
                var previous = kept[^1];
                if (previous.ServerName == route.ServerName && previous.Location == route.Location)
                {
                    if (!SameTarget(previous, route))
                        problems.Add(new Problem(RouteRules.DuplicateRoutePath, ProblemCategory.ResourceExists,
                            $"Skipped {route.Route}: {previous.Route} already claims location {route.Location}. Give one of them another path.",
                            route.Route, "PathClaimedTwice"));
                    continue;
                }
            }
            kept.Add(route);
        }
        return new RouteSetResult(kept, problems);
    }

    private static bool SameTarget(AcceptedRoute a, AcceptedRoute b) =>
        a.BackendAddress == b.BackendAddress && a.Route.Port == b.Route.Port && a.Route.StripPrefix == b.Route.StripPrefix
        && a.Route.Service == b.Route.Service && a.Route.Namespace == b.Route.Namespace;

    private static int Compare(AcceptedRoute a, AcceptedRoute b, string defaultServerName)
    {
        int c = CompareServer(a.ServerName, b.ServerName, defaultServerName);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Location, b.Location);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Route.Namespace, b.Route.Namespace);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Route.Service, b.Route.Service);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.BackendAddress, b.BackendAddress);
        if (c != 0) return c;
        c = a.Route.Port.CompareTo(b.Route.Port);
        return c != 0 ? c : a.Route.StripPrefix.CompareTo(b.Route.StripPrefix);
    }

    // The default server renders first, so it stays nginx's default for unknown Host headers.
    private static int CompareServer(string a, string b, string defaultServerName) =>
        a == b ? 0 : a == defaultServerName ? -1 : b == defaultServerName ? 1 : string.CompareOrdinal(a, b);
}
