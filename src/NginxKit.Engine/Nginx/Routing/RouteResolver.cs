using System.Globalization;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Nginx.Routing;

/// <summary>
/// Says where nginx sends a request, by nginx's own rules, without running nginx:
/// the server by port and Host (exact server_name, then *.name, then the port's default_server,
/// then its first server); then the location: an exact match (=) first, then a location named as
/// the URI, then nginx's trailing-slash redirect (a URI that is a proxying location's name
/// without its final /), then the longest prefix. What the chosen location does follows:
/// proxy_pass (with the matched location replaced by its URI part, when it has one), return, or
/// 404 for an internal location or none.
/// </summary>
public static class RouteResolver
{
    /// <summary>Renders routes as New-NginxConf would with <paramref name="options"/>, and reads the result: the answer follows the renderer's layout.</summary>
    public static (ServedConf Conf, IReadOnlyList<Problem> Problems) FromRoutes(IEnumerable<Route> routes, NginxConfOptions options)
    {
        var set = RouteSet.Build(routes, options.ServerName);
        var rendered = NginxConfRenderer.Render(set.Accepted, options);
        return (ServedConf.Parse(rendered.Text), set.Problems);
    }

    /// <summary>Resolves one URL; null and the problem when the URL cannot be a request.</summary>
    public static RouteResolution? Resolve(ServedConf conf, string? url, out Problem? problem)
    {
        var request = RequestUrl.Parse(url, out problem);
        return request is null ? null : Resolve(conf, request);
    }

    public static RouteResolution Resolve(ServedConf conf, RequestUrl request)
    {
        var answer = new RouteResolution { Url = request.Url, Host = request.Host, Port = request.EffectivePort, Status = "", Reason = "" };
        var notes = new List<string>();

        var (server, port, serverWhy) = ChooseServer(conf, request);
        if (server is null) return answer with { Status = "Refused", Reason = serverWhy };
        answer = answer with { Port = port, Server = server.Name };
        var listen = server.Listens.First(l => l.Port == port);
        if (listen.Ssl && request.Scheme == "http")
            return answer with { Status = "400", StatusCode = 400, Reason = $"port {port} speaks TLS, and nginx answers a plain HTTP request there with 400" };
        if (!listen.Ssl && request.Scheme == "https")
            return answer with { Status = "Refused", Reason = $"port {port} does not speak TLS: the TLS handshake fails" };
        if (serverWhy.Length > 0) notes.Add(serverWhy);

        var uri = NginxUri.Normalize(request.Path, out _);
        if (uri is null)
            return answer with
            {
                Status = "400", StatusCode = 400,
                Reason = Join($"nginx answers 400 Bad Request: the path {request.Path} has a bad %-escape or %00, or its .. climbs above /", notes),
            };
        answer = answer with { Uri = uri };
        if (uri != request.Path) notes.Insert(0, $"nginx normalised {request.Path} to {uri} before matching");
        var args = string.IsNullOrEmpty(request.Query) ? string.Empty : "?" + request.Query;

        var reachable = server.Locations.Where(l => !l.Path.StartsWith('@')).ToList();
        var chosen = reachable.FirstOrDefault(l => l.Exact && l.Path == uri);
        string how;
        if (chosen is not null)
        {
            how = $"exact match = {uri}";
        }
        else
        {
            var prefixes = reachable.Where(l => !l.Exact && uri.StartsWith(l.Path, StringComparison.Ordinal)).OrderByDescending(l => l.Path.Length).ToList();
            if (!prefixes.Any(l => l.Path == uri)
                && reachable.Where(l => l.Path == uri + "/").OrderBy(l => l.Exact ? 0 : 1).FirstOrDefault(l => reachable.Any(r => r.Path == l.Path && r.AutoRedirect)) is { } slashed)
            {
                var to = Absolute(server, request, port, slashed.Path + args);
                return answer with
                {
                    Status = "301", StatusCode = 301, Location = to, Route = slashed.ToString(), Service = slashed.Service, Namespace = slashed.Namespace,
                    Reason = Join($"{uri} is location {slashed.Path} without its trailing slash: nginx redirects it (301) to {to}", notes),
                };
            }
            if (prefixes.Count == 0)
                return answer with
                {
                    Status = "404", StatusCode = 404,
                    Reason = Join($"no location of server {Shown(server)} matches {uri}: nginx looks for a static file and answers 404", notes),
                };
            chosen = prefixes[0];
            how = prefixes.Count == 1 ? $"prefix {chosen.Path} matched"
                : $"longest prefix {chosen.Path} beat {string.Join(", ", prefixes.Skip(1).Select(p => p.Path))}";
        }

        answer = answer with { Route = chosen.ToString(), Service = chosen.Service, Namespace = chosen.Namespace };
        if (chosen.Internal)
            return answer with { Status = "404", StatusCode = 404, Reason = Join($"{how}, an internal location only nginx's own error handling reaches: a client gets 404", notes) };
        if (chosen.ReturnCode is { } code)
        {
            var text = Expand(chosen.ReturnText, request, server, uri, port);
            if (code is 301 or 302 or 303 or 307 or 308)
            {
                var to = text is not null && text.StartsWith('/') ? Absolute(server, request, port, text) : text;
                var tls = request.Scheme == "http" && to is not null && to.StartsWith("https://", StringComparison.Ordinal) ? ", plain HTTP goes to https" : string.Empty;
                return answer with { Status = Code(code), StatusCode = code, Location = to, Reason = Join($"{how}: nginx redirects ({code}) to {to}{tls}", notes) };
            }
            var body = text is null ? string.Empty : $" \"{text.TrimEnd('\n')}\"";
            return answer with { Status = Code(code), StatusCode = code, Reason = Join($"{how}: nginx answers {code}{body} itself, no backend", notes) };
        }
        if (chosen.Proxy is not { } proxy)
            return answer with { Status = "404", StatusCode = 404, Reason = Join($"{how}, which proxies nowhere: nginx looks for a static file and answers 404", notes) };

        string backendUri, what;
        if (proxy.Uri is null)
        {
            // Without a URI part, nginx sends the request line's URI as the client sent it, undecoded.
            backendUri = request.Target;
            what = $"proxy_pass has no URI part, so {proxy.Backend} receives the request's URI as sent: {backendUri}";
        }
        else
        {
            backendUri = proxy.Uri + NginxUri.EscapeForUpstream(uri[chosen.Path.Length..]) + args;
            what = proxy.Uri == "/" && chosen.Path == "/" ? $"{proxy.Backend} receives {backendUri}"
                : $"{chosen.Path} is replaced with {proxy.Uri}: {proxy.Backend} receives {backendUri}";
        }
        return answer with
        {
            Status = "Proxied", Backend = proxy.Backend, Upstream = proxy.Written, BackendUri = backendUri, ForwardedPrefix = chosen.ForwardedPrefix,
            Reason = Join($"{how}; {what}", notes),
        };
    }

    private static (ServedServer? Server, int Port, string Why) ChooseServer(ServedConf conf, RequestUrl request)
    {
        int port = request.EffectivePort;
        var why = string.Empty;
        var onPort = conf.Servers.Where(s => s.Listens.Any(l => l.Port == port)).ToList();
        if (onPort.Count == 0)
        {
            // A NodePort or another port mapping in front: the URL names the outside port.
            bool tls = request.Scheme == "https";
            var listen = conf.Servers.SelectMany(s => s.Listens).FirstOrDefault(l => l.Ssl == tls);
            if (listen is null)
                return (null, port, conf.Servers.Count == 0 ? "the config has no server block: nothing listens, the connection is refused"
                    : $"no server listens on port {port}, nor on any {(tls ? "TLS" : "plain HTTP")} port: the connection is refused");
            why = $"no server listens on port {port}; taken as {(tls ? "TLS" : "plain HTTP")} port {listen.Port} behind a port mapping";
            port = listen.Port;
            onPort = conf.Servers.Where(s => s.Listens.Any(l => l.Port == port)).ToList();
        }

        var name = request.HostName;
        ServedServer? server = null;
        string? matched = null;
        if (name is not null)
        {
            server = onPort.FirstOrDefault(s => s.Names.Contains(name));
            matched = server is null ? null : name;
            if (server is null)
            {
                // *.example.com: the longest wildcard wins.
                var best = onPort.SelectMany(s => s.Names.Where(n => n.StartsWith("*.", StringComparison.Ordinal) && name.EndsWith(n[1..], StringComparison.Ordinal)).Select(n => (s, n)))
                    .OrderByDescending(x => x.n.Length).FirstOrDefault();
                (server, matched) = (best.s, best.n);
            }
        }
        if (server is not null)
        {
            if (onPort.Count > 1) why = Join2(why, $"Host {name} matched server_name {matched}");
            return (server, port, why);
        }
        var fallback = onPort.FirstOrDefault(s => s.Listens.Any(l => l.Port == port && l.DefaultServer));
        var kind = fallback is null ? "the first server on the port" : "the default_server";
        fallback ??= onPort[0];
        if (onPort.Count > 1 || (name is not null && fallback.Names.Count > 0 && fallback.Names.Any(n => n != "_")))
            why = Join2(why, name is null ? $"without a Host, {kind} ({Shown(fallback)}) answers" : $"Host {name} matches no server_name on port {port}, so {kind} ({Shown(fallback)}) answers");
        return (fallback, port, why);
    }

    // A redirect to a path, as nginx writes it: relative under absolute_redirect off, else scheme://host[:port]/path.
    private static string Absolute(ServedServer server, RequestUrl request, int port, string path)
    {
        if (!server.AbsoluteRedirect) return path;
        var host = request.HostName ?? server.Name;
        bool standard = (request.Scheme == "http" && port == 80) || (request.Scheme == "https" && port == 443);
        return $"{request.Scheme}://{host}{(server.PortInRedirect && !standard ? ":" + port.ToString(CultureInfo.InvariantCulture) : "")}{path}";
    }

    // The variables a return of a rendered config uses.
    private static string? Expand(string? text, RequestUrl request, ServedServer server, string uri, int port) => text?
        .Replace("$request_uri", request.Target, StringComparison.Ordinal)
        .Replace("$host", request.HostName ?? server.Name, StringComparison.Ordinal)
        .Replace("$scheme", request.Scheme, StringComparison.Ordinal)
        .Replace("$server_port", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("$is_args", request.Query is null ? "" : "?", StringComparison.Ordinal)
        .Replace("$args", request.Query ?? "", StringComparison.Ordinal)
        .Replace("$uri", uri, StringComparison.Ordinal);

    private static string Code(int code) => code.ToString(CultureInfo.InvariantCulture);

    private static string Shown(ServedServer server) => server.Name.Length == 0 ? "without server_name" : server.Name;

    private static string Join(string first, List<string> notes) => notes.Count == 0 ? first : first + "; " + string.Join("; ", notes);

    private static string Join2(string a, string b) => a.Length == 0 ? b : a + "; " + b;
}
