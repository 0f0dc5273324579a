using NginxKit.Engine.Text;
using System.Text;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Nginx;

/// <summary>
/// A user's own config layout. The template text is the user's; the values it can place are only
/// the validated ones, so a template can rearrange routes but never let a raw cluster value in.
///
/// Placeholders: <c>{{ locations }}</c> (every route's default location block), <c>{{ listen }}</c>
/// (the first listen value), <c>{{ server_name }}</c>, <c>{{ route_count }}</c>, and a section
/// <c>{{#routes}} … {{/routes}}</c> repeated per route, inside which <c>{{ location }}</c>,
/// <c>{{ path }}</c>, <c>{{ proxy_pass }}</c>, <c>{{ backend }}</c>, <c>{{ port }}</c>,
/// <c>{{ service }}</c>, <c>{{ namespace }}</c> and <c>{{ server_name }}</c> apply.
/// </summary>
public sealed class NginxTemplate
{

    private static readonly HashSet<string> TopNames = ["locations", "listen", "server_name", "route_count"];
    private static readonly HashSet<string> RouteNames = ["location", "path", "proxy_pass", "backend", "port", "service", "namespace", "server_name"];

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
        var headers = NginxConfRenderer.HeaderLines(options);
        var sb = new ConfBuffer();
        sb.Pad(NginxConfRenderer.HeaderLength);
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode t: sb.Append(t.Text); break;
                case ValueNode { Name: "locations" }:
                    foreach (var r in routes) NginxConfRenderer.AppendLocation(sb, r, headers);
                    break;
                case ValueNode { Name: "listen" }: sb.Append(options.Listen[0]); break;
                case ValueNode { Name: "server_name" }: sb.Append(options.ServerName); break;
                case ValueNode { Name: "route_count" }: sb.Append(routes.Count); break;
                case RoutesNode section:
                    foreach (var r in routes)
                        foreach (var part in section.Body)
                            sb.Append(part is TextNode pt ? pt.Text : RouteValue(((ValueNode)part).Name, r));
                    break;
            }
        }
        var servers = routes.Select(r => r.ServerName).Distinct().Count();
        return NginxConfRenderer.Seal(sb, routes.Count, Math.Max(servers, 1));
    }

    private static string RouteValue(string name, AcceptedRoute r) => name switch
    {
        "location" => r.Location,
        "path" => r.Route.Path!,
        "proxy_pass" => r.ProxyPass,
        "backend" => r.BackendAddress,
        "port" => r.Route.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "service" => r.Route.Service ?? string.Empty,
        "namespace" => r.Route.Namespace ?? string.Empty,
        "server_name" => r.ServerName,
        _ => throw new InvalidOperationException(name),
    };

    private static NginxKitException Fail(string source, string text, int offset, string what)
    {
        int line = 1;
        for (int i = 0; i < offset && i < text.Length; i++) if (text[i] == '\n') line++;
        return ErrorCatalog.InvalidTemplate.Exception($"{source}, line {line}: {what}.", source, "TemplateSyntax");
    }
}
