namespace NginxKit.Engine.Nginx;

/// <summary>A route that passed every rule, with the values the renderer places in the config.</summary>
public sealed record AcceptedRoute(Route Route, string Location, string BackendAddress, string ServerName)
{
    /// <summary>The proxy_pass URL. A trailing slash makes nginx replace the matched prefix with "/".</summary>
    public string ProxyPass => Route.StripPrefix
        ? $"http://{BackendAddress}:{Route.Port}/"
        : $"http://{BackendAddress}:{Route.Port}";
}
