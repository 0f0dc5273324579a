namespace NginxKit.Engine.Nginx.Routing;

/// <summary>
/// Where one request goes: the server and location nginx chooses, and what answers. Status is
/// Proxied (the backend answers), or the code nginx answers itself: 301 with its Location, 404,
/// 400, or the return of a location such as /healthz.
/// </summary>
public sealed record RouteResolution
{
    public required string Url { get; init; }

    /// <summary>The Host header the request carries; null for a bare path.</summary>
    public string? Host { get; init; }

    /// <summary>The port the request arrives on, as the server's listen names it.</summary>
    public int Port { get; init; }

    /// <summary>The server_name of the server block that answers ("_" for a catch-all).</summary>
    public string? Server { get; init; }

    /// <summary>The URI nginx matches: decoded, // merged, dot segments resolved.</summary>
    public string? Uri { get; init; }

    /// <summary>Proxied, or the code nginx answers itself: 301, 404, 400, 200 for /healthz.</summary>
    public required string Status { get; init; }

    /// <summary>The code nginx answers itself; null when the backend answers.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The redirect's Location header.</summary>
    public string? Location { get; init; }

    /// <summary>The location chosen, such as /volume/ or = /healthz; null when none matched.</summary>
    public string? Route { get; init; }

    public string? Service { get; init; }

    public string? Namespace { get; init; }

    /// <summary>host:port the request is proxied to (a ClusterIP and port), or the upstream's name, as written.</summary>
    public string? Backend { get; init; }

    /// <summary>proxy_pass as written.</summary>
    public string? Upstream { get; init; }

    /// <summary>The request target the backend receives: path and query.</summary>
    public string? BackendUri { get; init; }

    /// <summary>The X-Forwarded-Prefix header sent with it, when the prefix is stripped.</summary>
    public string? ForwardedPrefix { get; init; }

    /// <summary>Why, in plain words: which location won over which, and what happened to the URI.</summary>
    public required string Reason { get; init; }
}
