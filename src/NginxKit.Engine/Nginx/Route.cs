using NginxKit.Engine.Text;
namespace NginxKit.Engine.Nginx;

/// <summary>
/// One route as it arrives: a URL path prefix mapped to a backend host and port. Nothing in it is
/// trusted until <see cref="RouteRules"/> accepts it.
/// </summary>
public sealed record Route(string? Path, string? Backend, int Port)
{
    public string? Service { get; init; }

    public string? Namespace { get; init; }

    /// <summary>Strip the path prefix before proxying (the default), or pass the path on unchanged.</summary>
    public bool StripPrefix { get; init; } = true;

    /// <summary>The server_name this route belongs to; null means the default server.</summary>
    public string? ServerName { get; init; }

    /// <summary>"http" (null means the same) or "https": how nginx talks to the backend.</summary>
    public string? BackendProtocol { get; init; }

    /// <summary>When the route's owner was created (a Service's creationTimestamp): the older claim keeps a location.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>What the route asks of nginx beyond path and backend (websocket, body size, timeouts, redirects); null when nothing.</summary>
    public RouteSettings? Settings { get; init; }

    /// <summary>A short, printable description used in messages: never the raw value of a hostile field.</summary>
    public override string ToString()
    {
        var owner = Service is null ? string.Empty : Namespace is null ? $" ({Printable.Escape(Service)})" : $" ({Printable.Escape(Namespace)}/{Printable.Escape(Service)})";
        return $"route '{Printable.Escape(Path)}' -> {Printable.Escape(Backend)}:{Port}{owner}";
    }
}
