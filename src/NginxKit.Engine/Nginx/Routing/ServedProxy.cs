namespace NginxKit.Engine.Nginx.Routing;

/// <summary>
/// A proxy_pass target as written: scheme, host:port (or an upstream's name) and the URI part.
/// A URI part, even "/", makes nginx replace the matched location with it; without one the
/// request's own URI goes upstream unchanged.
/// </summary>
public sealed record ServedProxy(string Written, string Scheme, string Backend, string? Uri);
