using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Nginx;

/// <summary>Two routes claimed one location on one server: the holder keeps it, the loser is skipped with the problem.</summary>
public sealed record RouteConflict(AcceptedRoute Loser, AcceptedRoute Holder, Problem Problem);
