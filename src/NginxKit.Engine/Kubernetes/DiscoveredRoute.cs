using k8s.Models;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;

namespace NginxKit.Engine.Kubernetes;

/// <summary>One finding of route discovery: a validated route, a skipped Service (warning), or a problem.</summary>
public sealed record DiscoveredRoute(Route? Route, string? Warning, Problem? Problem);
