using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Kubernetes;

/// <summary>What one Service turned into: a route, a problem, or the reason it was skipped.</summary>
/// <param name="Route">The route, when the Service yields one (still to pass <see cref="RouteRules"/>).</param>
/// <param name="Skipped">Why the Service yields no route.</param>
public sealed record ServiceRouteResult(string Namespace, string Name, Route? Route, Problem? Problem, string? Skipped)
{
    /// <summary>The Service asked for a route by annotation: skipping it is worth a warning, not only a verbose line.</summary>
    public bool OptedIn { get; init; }
}
