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

    public override string ToString() => ToEngine().ToString();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Route ToEngine() => ToEngine(Path, Backend, Port, Service, Namespace, StripPrefix, ServerName, BackendProtocol, Utc(Created));

    // A time without a zone is taken as UTC, the zone of every Kubernetes timestamp.
    internal static DateTimeOffset? Utc(DateTime? time) => time switch
    {
        null => null,
        { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero),
        var other => new DateTimeOffset(DateTime.SpecifyKind(other.Value, DateTimeKind.Utc), TimeSpan.Zero),
    };

    // A CSV cell cannot be null: an empty optional field means "not given".
    internal static Route ToEngine(string? path, string? backend, int port, string? service, string? ns, bool stripPrefix, string? serverName,
        string? backendProtocol = null, DateTimeOffset? created = null) =>
        new(path, backend, port)
        {
            Service = NullIfEmpty(service),
            Namespace = NullIfEmpty(ns),
            StripPrefix = stripPrefix,
            ServerName = NullIfEmpty(serverName),
            BackendProtocol = NullIfEmpty(backendProtocol),
            Created = created,
        };

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
    };
}
