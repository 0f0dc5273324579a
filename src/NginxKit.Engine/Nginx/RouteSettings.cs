namespace NginxKit.Engine.Nginx;

/// <summary>
/// What one route asks of nginx beyond its path and backend: each null means "as the server
/// says". On a <see cref="Route"/> the values are as they arrived, untrusted; on an
/// <see cref="AcceptedRoute"/> they passed <see cref="RouteRules.CheckSettings"/> and are in the
/// form nginx is given (a size as "50m", a time as "120s"). A route without any of them has no
/// settings at all (null), which keeps the common route small and lets a layout tell plain routes
/// from those that need a location of their own.
/// </summary>
public sealed record RouteSettings
{
    /// <summary>Proxy websocket upgrades: Upgrade and Connection from the client's Upgrade header.</summary>
    public bool? WebSocket { get; init; }

    /// <summary>The largest request body, in nginx's size syntax: digits with an optional k, m or g.</summary>
    public string? ClientMaxBodySize { get; init; }

    /// <summary>How long nginx waits between two reads from the backend: seconds, or digits with s, m or h.</summary>
    public string? ProxyReadTimeout { get; init; }

    /// <summary>How long nginx waits between two writes to the backend.</summary>
    public string? ProxySendTimeout { get; init; }

    /// <summary>Rewrite the backend's own redirects (Location, Refresh) to lie under the stripped prefix.</summary>
    public bool? ProxyRedirect { get; init; }

    /// <summary>True when no setting is given, so the route needs nothing of its own.</summary>
    public bool IsEmpty => WebSocket is null && ClientMaxBodySize is null && ProxyReadTimeout is null && ProxySendTimeout is null && ProxyRedirect is null;
}
