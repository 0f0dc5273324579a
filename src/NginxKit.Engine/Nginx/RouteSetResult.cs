using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Nginx;

/// <summary>The routes that will be rendered, in render order, and a problem for each one refused.</summary>
public sealed record RouteSetResult(IReadOnlyList<AcceptedRoute> Accepted, IReadOnlyList<Problem> Problems)
{
    /// <summary>The refusals that were lost claims, each with the route that holds the location.</summary>
    public IReadOnlyList<RouteConflict> Conflicts { get; init; } = [];
}
