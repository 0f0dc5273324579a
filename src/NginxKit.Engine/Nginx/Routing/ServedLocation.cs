namespace NginxKit.Engine.Nginx.Routing;

/// <summary>
/// One location of a served config, with what it does: proxy, return, or nothing reachable
/// (an internal location). Service and Namespace come from the comment the renderer writes above it.
/// </summary>
public sealed record ServedLocation(string Path, bool Exact)
{
    public ServedProxy? Proxy { get; init; }

    /// <summary>The code of a return directive; null when there is none.</summary>
    public int? ReturnCode { get; init; }

    /// <summary>The return's URL (for a redirect) or text, as written, $variables unexpanded.</summary>
    public string? ReturnText { get; init; }

    /// <summary>Only internal redirects reach it: a client's request for it gets 404.</summary>
    public bool Internal { get; init; }

    public string? Service { get; init; }

    public string? Namespace { get; init; }

    /// <summary>The X-Forwarded-Prefix the location sends, as written; null when it sends none.</summary>
    public string? ForwardedPrefix { get; init; }

    /// <summary>nginx's trailing-slash redirect: a location ending in / that proxies answers its path without the slash with a 301.</summary>
    public bool AutoRedirect => Proxy is not null && Path.EndsWith('/');

    public override string ToString() => Exact ? "= " + Path : Path;
}
