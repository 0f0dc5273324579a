using System.Globalization;
using NginxKit.Engine.Text;
using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// A user's own config layout. The template text is the user's; the values it can place are only
/// the validated ones, so a template can rearrange routes but never let a raw cluster value in.
///
/// Placeholders outside a section: <c>{{ locations }}</c> (every route's default location block),
/// <c>{{ listen }}</c> (the first listen value, default_server unless -NotDefaultServer),
/// <c>{{ listen_directives }}</c> (every listen line of the default server, TLS included),
/// <c>{{ server_name }}</c>, <c>{{ route_count }}</c>, <c>{{ server_settings }}</c> (the directives
/// the default server carries after server_name: proxy_http_version, body size, timeouts, TLS),
/// <c>{{ tls }}</c> (the ssl_* lines alone), <c>{{ tls_certificate }}</c>, <c>{{ tls_key }}</c>,
/// <c>{{ client_max_body_size }}</c>, <c>{{ healthz }}</c> (the location = /healthz block),
/// <c>{{ websocket_map }}</c> (the map websocket routes need, in the http context; empty when none does)
/// and <c>{{ redirect_server }}</c> (the port-80 server that redirects to https; empty without -RedirectHttp).
/// A section <c>{{#routes}} … {{/routes}}</c> is repeated per route, inside which <c>{{ location }}</c>,
/// <c>{{ path }}</c>, <c>{{ proxy_pass }}</c>, <c>{{ backend }}</c>, <c>{{ port }}</c>,
/// <c>{{ service }}</c>, <c>{{ namespace }}</c>, <c>{{ server_name }}</c>, <c>{{ directives }}</c>
/// (every line of the default location after proxy_pass), <c>{{ websocket }}</c>,
/// <c>{{ client_max_body_size }}</c>, <c>{{ proxy_read_timeout }}</c>, <c>{{ proxy_send_timeout }}</c>,
/// <c>{{ proxy_redirect }}</c> and <c>{{ forwarded_prefix }}</c> apply.
/// </summary>
public sealed class NginxTemplate
{

    private static readonly HashSet<string> TopNames =
    [
        "locations", "listen", "listen_directives", "server_name", "route_count", "server_settings", "tls", "tls_certificate", "tls_key",
        "client_max_body_size", "healthz", "websocket_map", "redirect_server",
    ];

    private static readonly HashSet<string> RouteNames =
    [
        "location", "path", "proxy_pass", "backend", "port", "service", "namespace", "server_name", "directives", "websocket",
        "client_max_body_size", "proxy_read_timeout", "proxy_send_timeout", "proxy_redirect", "forwarded_prefix",
    ];

    private readonly List<Node> nodes;

    private NginxTemplate(List<Node> nodes) => this.nodes = nodes;

    private abstract record Node;
    private sealed record TextNode(string Text) : Node;
    private sealed record ValueNode(string Name) : Node;
    private sealed record RoutesNode(List<Node> Body) : Node;

    /// <summary>Parses a template; an unknown placeholder or unbalanced section is an ErrorCatalog.InvalidTemplate problem.</summary>
    public static NginxTemplate Parse(string text, string source = "template")
    {
        var root = new List<Node>();
        List<Node>? section = null;
        int pos = 0;
        while (pos < text.Length)
        {
            int open = text.IndexOf("{{", pos, StringComparison.Ordinal);
            if (open < 0) { (section ?? root).Add(new TextNode(text[pos..])); break; }
            if (open > pos) (section ?? root).Add(new TextNode(text[pos..open]));
            int close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0) throw Fail(source, text, open, "an opening {{ has no closing }}");
            var tag = text[(open + 2)..close].Trim();
            pos = close + 2;

            if (tag == "#routes")
            {
                if (section is not null) throw Fail(source, text, open, "{{#routes}} sections cannot nest");
                section = [];
            }
            else if (tag == "/routes")
            {
                if (section is null) throw Fail(source, text, open, "{{/routes}} closes no section");
                root.Add(new RoutesNode(section));
                section = null;
            }
            else if ((section is null ? TopNames : RouteNames).Contains(tag))
            {
                (section ?? root).Add(new ValueNode(tag));
            }
            else
            {
                var allowed = string.Join(", ", (section is null ? TopNames : RouteNames).Order());
                throw Fail(source, text, open, $"unknown placeholder '{Printable.Escape(tag)}' here (use one of: {allowed})");
            }
        }
        if (section is not null) throw Fail(source, text, text.Length, "{{#routes}} is never closed by {{/routes}}");
        return new NginxTemplate(root);
    }

    public RenderedConf Render(IReadOnlyList<AcceptedRoute> routes, NginxConfOptions options)
    {
        var parts = RenderParts.From(options);
        var sb = new ConfBuffer();
        sb.Pad(NginxConfRenderer.HeaderLength);
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode t: sb.Append(t.Text); break;
                case ValueNode { Name: "locations" }:
                    foreach (var r in routes) NginxConfRenderer.AppendLocation(sb, r, parts);
                    break;
                case ValueNode { Name: "healthz" }: sb.Append(RenderParts.Healthz); break;
                case ValueNode { Name: "websocket_map" }:
                    if (parts.NeedsWebSocketMap(routes)) sb.Append(RenderParts.WebSocketMap);
                    break;
                case ValueNode { Name: "route_count" }: sb.Append(routes.Count); break;
                case ValueNode value: sb.Append(TopValue(value.Name, parts)); break;
                case RoutesNode section:
                    foreach (var r in routes)
                        foreach (var part in section.Body)
                            sb.Append(part is TextNode pt ? pt.Text : RouteValue(((ValueNode)part).Name, r, parts));
                    break;
            }
        }
        var servers = routes.Select(r => r.ServerName).Distinct().Count();
        return NginxConfRenderer.Seal(sb, routes.Count, Math.Max(servers, 1));
    }

    private static string TopValue(string name, RenderParts parts)
    {
        var options = parts.Options;
        return name switch
        {
            "listen" => NginxConfRenderer.ListenValue(options, options.RedirectHttp && options.Tls ? options.TlsListen[0] : options.Listen[0], first: true, tls: options.RedirectHttp && options.Tls),
            "listen_directives" => NginxConfRenderer.ListenLines(options, first: true),
            "server_name" => options.ServerName.ToLowerInvariant(),
            "server_settings" => System.Text.Encoding.ASCII.GetString(parts.ServerSettings),
            "tls" => options.Tls ? RenderParts.TlsLines(options) : string.Empty,
            "tls_certificate" => options.TlsCertificate ?? string.Empty,
            "tls_key" => options.TlsKey ?? string.Empty,
            "client_max_body_size" => options.BodySize ?? string.Empty,
            "redirect_server" => options.RedirectHttp ? NginxConfRenderer.RedirectServer(options) : string.Empty,
            _ => throw new InvalidOperationException(name),
        };
    }

    private static string RouteValue(string name, AcceptedRoute r, RenderParts parts)
    {
        var options = parts.Options;
        var settings = r.Settings;
        return name switch
        {
            "location" => r.Location,
            "path" => r.Route.Path!,
            "proxy_pass" => r.ProxyPass,
            "backend" => r.BackendAddress,
            "port" => r.Route.Port.ToString(CultureInfo.InvariantCulture),
            "service" => r.Route.Service ?? string.Empty,
            "namespace" => r.Route.Namespace ?? string.Empty,
            "server_name" => r.ServerName,
            "directives" => NginxConfRenderer.Body(r, parts),
            "websocket" => (settings?.WebSocket ?? options.WebSocket) ? "true" : "false",
            "proxy_redirect" => (settings?.ProxyRedirect ?? options.ProxyRedirect) && r.ForwardedPrefix is not null ? "true" : "false",
            "client_max_body_size" => settings?.ClientMaxBodySize ?? options.BodySize ?? string.Empty,
            "proxy_read_timeout" => settings?.ProxyReadTimeout ?? Seconds(options.ProxyReadTimeoutSec),
            "proxy_send_timeout" => settings?.ProxySendTimeout ?? Seconds(options.ProxySendTimeoutSec),
            "forwarded_prefix" => r.ForwardedPrefix ?? string.Empty,
            _ => throw new InvalidOperationException(name),
        };
    }

    private static string Seconds(int? seconds) => seconds is { } s ? s.ToString(CultureInfo.InvariantCulture) + "s" : string.Empty;

    private static NginxKitException Fail(string source, string text, int offset, string what)
    {
        int line = 1;
        for (int i = 0; i < offset && i < text.Length; i++) if (text[i] == '\n') line++;
        return ErrorCatalog.InvalidTemplate.Exception($"{source}, line {line}: {what}.", source, "TemplateSyntax");
    }
}
