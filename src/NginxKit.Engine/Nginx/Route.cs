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

    /// <summary>A short, printable description used in messages: never the raw value of a hostile field.</summary>
    public override string ToString()
    {
        var owner = Service is null ? string.Empty : Namespace is null ? $" ({Printable.Escape(Service)})" : $" ({Printable.Escape(Namespace)}/{Printable.Escape(Service)})";
        return $"route '{Printable.Escape(Path)}' -> {Printable.Escape(Backend)}:{Port}{owner}";
    }
}

/// <summary>A route that passed every rule, with the values the renderer places in the config.</summary>
public sealed record AcceptedRoute(Route Route, string Location, string BackendAddress, string ServerName)
{
    /// <summary>The proxy_pass URL. A trailing slash makes nginx replace the matched prefix with "/".</summary>
    public string ProxyPass => Route.StripPrefix
        ? $"http://{BackendAddress}:{Route.Port}/"
        : $"http://{BackendAddress}:{Route.Port}";
}

/// <summary>Escapes text for messages so that control characters and look-alikes are visible, never acted on.</summary>
public static class Printable
{
    public const int MaxLength = 80;

    public static string Escape(string? value)
    {
        if (value is null) return "<null>";
        var sb = new System.Text.StringBuilder(Math.Min(value.Length, MaxLength) + 8);
        foreach (var c in value)
        {
            if (sb.Length >= MaxLength) { sb.Append("…"); break; }
            if (c is >= ' ' and <= '~') sb.Append(c);
            else sb.Append($"\\u{(int)c:X4}");
        }
        return sb.ToString();
    }
}
