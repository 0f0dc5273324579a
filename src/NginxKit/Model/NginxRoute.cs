using System.Runtime.CompilerServices;
using NginxKit.Engine.Nginx;

namespace NginxKit;

/// <summary>
/// A route: a URL path prefix proxied to a backend host and port, normally a Service's ClusterIP.
/// Scripts can build one from a hashtable: <c>[NginxKit.NginxRoute]@{ Path = '/volume'; Backend = '10.0.0.5'; Port = 8080 }</c>.
/// </summary>
public sealed class NginxRoute
{
    public string? Path { get; set; }

    public string? Backend { get; set; }

    public int Port { get; set; }

    public string? Service { get; set; }

    public string? Namespace { get; set; }

    public bool StripPrefix { get; set; } = true;

    public string? ServerName { get; set; }

    /// <summary>http (the default, also when empty) or https: how nginx talks to the backend.</summary>
    public string? BackendProtocol { get; set; }

    /// <summary>
    /// When the Service was created, in UTC: when two routes claim one path, the older keeps it. A
    /// DateTime rather than a DateTimeOffset, so that it survives remoting and Export-Clixml as a date.
    /// </summary>
    public DateTime? Created { get; set; }

    /// <summary>Proxy websocket upgrades; null: as New-NginxConf -WebSocket says.</summary>
    public bool? WebSocket { get; set; }

    /// <summary>The largest request body, such as 50m; null: as -ClientMaxBodySize says.</summary>
    public string? ClientMaxBodySize { get; set; }

    /// <summary>How long nginx waits for the backend to send, such as 120s or 5m; null: as -ProxyReadTimeoutSec says.</summary>
    public string? ProxyReadTimeout { get; set; }

    public string? ProxySendTimeout { get; set; }

    /// <summary>Rewrite the backend's own redirects under the stripped prefix; null: as -ProxyRedirect says.</summary>
    public bool? ProxyRedirect { get; set; }

    public override string ToString() => ToEngine().ToString();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Route ToEngine() => ToEngine(Path, Backend, Port, Service, Namespace, StripPrefix, ServerName, BackendProtocol, Utc(Created),
        Settings(WebSocket, ClientMaxBodySize, ProxyReadTimeout, ProxySendTimeout, ProxyRedirect));

    // A time without a zone is taken as UTC, the zone of every Kubernetes timestamp.
    internal static DateTimeOffset? Utc(DateTime? time) => time switch
    {
        null => null,
        { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero),
        var other => new DateTimeOffset(DateTime.SpecifyKind(other.Value, DateTimeKind.Utc), TimeSpan.Zero),
    };

    // A CSV cell cannot be null: an empty optional field means "not given".
    internal static Route ToEngine(string? path, string? backend, int port, string? service, string? ns, bool stripPrefix, string? serverName,
        string? backendProtocol = null, DateTimeOffset? created = null, RouteSettings? settings = null) =>
        new(path, backend, port)
        {
            Service = NullIfEmpty(service),
            Namespace = NullIfEmpty(ns),
            StripPrefix = stripPrefix,
            ServerName = NullIfEmpty(serverName),
            BackendProtocol = NullIfEmpty(backendProtocol),
            Created = created,
            Settings = settings,
        };

    /// <summary>A route's own settings, or null when it gives none (the usual route, which then costs nothing more).</summary>
    internal static RouteSettings? Settings(bool? webSocket, string? clientMaxBodySize, string? proxyReadTimeout, string? proxySendTimeout, bool? proxyRedirect)
    {
        clientMaxBodySize = NullIfEmpty(clientMaxBodySize);
        proxyReadTimeout = NullIfEmpty(proxyReadTimeout);
        proxySendTimeout = NullIfEmpty(proxySendTimeout);
        if (webSocket is null && clientMaxBodySize is null && proxyReadTimeout is null && proxySendTimeout is null && proxyRedirect is null) return null;
        return new RouteSettings
        {
            WebSocket = webSocket,
            ClientMaxBodySize = clientMaxBodySize,
            ProxyReadTimeout = proxyReadTimeout,
            ProxySendTimeout = proxySendTimeout,
            ProxyRedirect = proxyRedirect,
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    internal static NginxRoute From(Route route) => new()
    {
        Path = route.Path,
        Backend = route.Backend,
        Port = route.Port,
        Service = route.Service,
        Namespace = route.Namespace,
        StripPrefix = route.StripPrefix,
        ServerName = route.ServerName,
        BackendProtocol = route.BackendProtocol,
        Created = route.Created?.UtcDateTime,
        WebSocket = route.Settings?.WebSocket,
        ClientMaxBodySize = route.Settings?.ClientMaxBodySize,
        ProxyReadTimeout = route.Settings?.ProxyReadTimeout,
        ProxySendTimeout = route.Settings?.ProxySendTimeout,
        ProxyRedirect = route.Settings?.ProxyRedirect,
    };
}
