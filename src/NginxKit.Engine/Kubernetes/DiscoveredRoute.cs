using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// One finding of route discovery: a validated route, a problem, or a skipped Service. Skipping is
/// the normal case (a Service that does not opt in), a verbose line; a Service that opted in and
/// still yields no route (headless, ExternalName) is a warning.
/// </summary>
public sealed record DiscoveredRoute(Route? Route, string? Warning, Problem? Problem)
{
    /// <summary>Why a Service that did not ask for a route has none: for the verbose stream.</summary>
    public string? Skipped { get; init; }

    /// <summary>The route as RouteRules accepted it, for settling conflicts.</summary>
    internal AcceptedRoute? Accepted { get; init; }
}
