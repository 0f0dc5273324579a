namespace NginxKit.Engine.Nginx.Routing;

/// <summary>One server block: where it listens, the names it answers to, its locations in order.</summary>
public sealed record ServedServer(IReadOnlyList<ServedListen> Listens, IReadOnlyList<string> Names, IReadOnlyList<ServedLocation> Locations)
{
    /// <summary>absolute_redirect: on (nginx's default) makes the trailing-slash redirect an absolute URL.</summary>
    public bool AbsoluteRedirect { get; init; } = true;

    /// <summary>port_in_redirect: an absolute redirect names the port, unless it is the scheme's own.</summary>
    public bool PortInRedirect { get; init; } = true;

    /// <summary>The first server_name, or "" when the block has none: how the server is named in answers.</summary>
    public string Name => Names.Count > 0 ? Names[0] : string.Empty;
}
