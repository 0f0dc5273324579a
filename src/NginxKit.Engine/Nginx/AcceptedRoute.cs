namespace NginxKit.Engine.Nginx;

/// <summary>A route that passed every rule, with the values the renderer places in the config.</summary>
public sealed record AcceptedRoute(Route Route, string Location, string BackendAddress, string ServerName)
{
    /// <summary>The backend speaks TLS: proxy_pass https:// with the backend's name sent by SNI.</summary>
    public bool Https { get; } = Route.BackendProtocol is not null && Route.BackendProtocol == RouteRules.Https;

    /// <summary>The route's own settings, checked and in nginx's form; null when it has none.</summary>
    public RouteSettings? Settings { get; init; }

    /// <summary>The prefix nginx strips, sent to the backend as X-Forwarded-Prefix; null when nothing is stripped.</summary>
    public string? ForwardedPrefix => Route.StripPrefix && Location.Length > 1 ? Location[..^1] : null;

    /// <summary>The proxy_pass URL. A trailing slash makes nginx replace the matched prefix with "/".</summary>
    public string ProxyPass => $"{(Https ? "https" : "http")}://{BackendAddress}:{Route.Port}{(Route.StripPrefix ? "/" : "")}";
}
