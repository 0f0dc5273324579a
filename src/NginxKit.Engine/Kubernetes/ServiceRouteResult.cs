using System.Globalization;
using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Kubernetes;

/// <summary>What one Service turned into: a route, or the reason it was skipped.</summary>
/// <param name="Route">The route, when the Service yields one (still to pass <see cref="RouteRules"/>).</param>
/// <param name="Skipped">Why the Service yields no route; a warning, not an error, for headless and opted-out Services.</param>
public sealed record ServiceRouteResult(string Namespace, string Name, Route? Route, Problem? Problem, string? Skipped);
