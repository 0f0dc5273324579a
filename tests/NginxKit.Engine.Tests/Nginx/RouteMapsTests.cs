using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Kubernetes;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Nginx.Routing;
using Xunit;

namespace NginxKit.Engine.Tests.Nginx;

public class RouteMapsTests
{
    private static RenderedConf Render(IEnumerable<Route> routes, NginxConfLayout layout, NginxConfOptions? options = null)
    {
        options = (options ?? new NginxConfOptions()) with { Layout = layout };
        var set = RouteSet.Build(routes, options.ServerName);
        Assert.Empty(set.Problems);
        return NginxConf.Render(set.Accepted, options);
    }

    private static int Count(string text, string what) => text.Split(what).Length - 1;

    private static IEnumerable<Route> Services(int count) =>
        Enumerable.Range(0, count).Select(i => new Route($"/ns{i % 50}/svc{i}", $"10.96.{i / 250}.{i % 250 + 1}", 8080) { Service = $"svc{i}", Namespace = $"ns{i % 50}" });

    [Fact]
    public void AutoKeepsLocationsBelow250MappableRoutesAndMapsFromThere()
    {
        var few = Render(Services(NginxConfRenderer.MapsFrom - 1), NginxConfLayout.Auto).Text;
        Assert.Equal(NginxConfRenderer.MapsFrom - 1, Count(few, "\n    location /ns"));
        Assert.DoesNotContain("map_hash_bucket_size", few, StringComparison.Ordinal);

        var many = Render(Services(NginxConfRenderer.MapsFrom), NginxConfLayout.Auto).Text;
        Assert.Equal(0, Count(many, "\n    location /ns"));
        Assert.Equal(1, Count(many, "\n    location / {"));
        Assert.Contains("    \"_/ns7/svc7/\" \"_/ns7/svc7/=s10.96.0.8:8080\"; # ns7/svc7\n", many, StringComparison.Ordinal);
    }

    [Fact]
    public void ADnsBackendAndEveryRouteBelowItKeepALocationOfTheirOwn()
    {
        var text = Render(
        [
            new Route("/shop", "shop.example", 80),
            new Route("/shop/cart", "10.0.0.2", 80),
            new Route("/shopping", "10.0.0.3", 80),
            new Route("/api", "10.0.0.4", 80) { BackendProtocol = "https" },
            new Route("/big", "10.0.0.5", 80) { Settings = new RouteSettings { ClientMaxBodySize = "50m" } },
            new Route("/", "10.0.0.6", 80),
        ], NginxConfLayout.Maps).Text;
        foreach (var own in new[] { "/shop/", "/shop/cart/", "/api/", "/big/" })
            Assert.Contains($"    location {own} {{\n", text, StringComparison.Ordinal);
        Assert.Contains("\"_/shopping/\" \"_/shopping/=s10.0.0.3:80\";", text, StringComparison.Ordinal);
        Assert.Contains("\"_/\" \"P_/=s10.0.0.6:80\";", text, StringComparison.Ordinal);
        Assert.DoesNotContain("_/shop/cart/", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMapHashSizesComeBeforeEveryMapTheWebSocketOneIncluded()
    {
        var text = Render(Services(10), NginxConfLayout.Maps, new NginxConfOptions { WebSocket = true }).Text;
        var sizes = text.IndexOf("map_hash_bucket_size", StringComparison.Ordinal);
        Assert.True(sizes > 0);
        Assert.True(sizes < text.IndexOf("\nmap ", StringComparison.Ordinal));
        Assert.Contains(RenderParts.ConnectionVariable, text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMapsLayoutReadsBackAsTheLocationsItStandsFor()
    {
        Route[] routes =
        [
            new Route("/volume", "10.0.0.1", 80) { Service = "volume", Namespace = "storage" },
            new Route("/legacy", "10.0.0.2", 81) { StripPrefix = false },
            new Route("/api/", "10.0.0.3", 82),
            new Route("/api/v2", "10.0.0.4", 83),
            new Route("/", "10.0.0.5", 84),
            new Route("/Mixed/Case", "[fd00::1]", 85) { ServerName = "one.example" },
            new Route("/dns", "dns.example", 86) { ServerName = "one.example" },
        ];
        static string Shape(ServedConf conf) => string.Join("\n", conf.Servers.SelectMany(s => s.Locations
            .Where(l => !l.Internal && l.Proxy is not null)
            .Select(l => $"{s.Name} {l} {l.Proxy!.Written} {l.Service}/{l.Namespace} {l.ForwardedPrefix}"))
            .Order(StringComparer.Ordinal));
        var locations = ServedConf.Parse(Render(routes, NginxConfLayout.Locations).Text);
        var maps = ServedConf.Parse(Render(routes, NginxConfLayout.Maps).Text);
        Assert.Equal(Shape(locations), Shape(maps));
        Assert.Contains("one.example /Mixed/Case/ http://[fd00::1]:85/ / /Mixed/Case", Shape(maps), StringComparison.Ordinal);
    }

    [Fact]
    public void TheEntryCheckReadsTheSameRouteTableFromEitherLayout()
    {
        var routes = Services(1000).Append(new Route("/dns", "dns.example", 80) { Service = "dns", Namespace = "ns1" }).ToList();
        var set = RouteSet.Build(routes, RouteSet.DefaultServerName);
        var wanted = ServedRouteTable.From(set.Accepted);
        var maps = ServedRouteTable.FromConfig(ServedConf.Parse(Render(routes, NginxConfLayout.Maps).Text));
        var locations = ServedRouteTable.FromConfig(ServedConf.Parse(Render(routes, NginxConfLayout.Locations).Text));
        Assert.Equal(1001, maps.Count);
        Assert.Equal(wanted.Hash, maps.Hash);
        Assert.Equal(wanted.Hash, locations.Hash);
    }

    private static readonly string Mapped = Render([new Route("/a", "10.0.0.1", 80), new Route("/a/b", "10.0.0.2", 80)], NginxConfLayout.Maps).Text;

    [Theory]
    [InlineData("\"~^((?:/[^/]+){1})(?:/|\\z)\" $1/;", "\"~^(/.*)\" $1/;", "MapForm")]
    [InlineData("\"_/a/\" \"_/a/=s10.0.0.1:80\";", "\"_/a/\" \"_/z/=s10.0.0.1:80\";", "MapEntry")]
    [InlineData("\"_/a/\" \"_/a/=s10.0.0.1:80\";", "\"_/a/\" \"_/a/=s$host:80\";", "MapEntry")]
    [InlineData("\"_/a/\" \"_/a/=s10.0.0.1:80\";", "\"_/a/\" \"_/a/=s10.0.0.1:80\";\n    \"_/A/\" \"_/A/=s10.0.0.9:80\";", "MapEntry")]
    [InlineData("        proxy_redirect off;\n", "        proxy_redirect off;\n        if ($http_x = y) { return 403; }\n", "DispatchForm")]
    [InlineData("        proxy_redirect off;\n", "        proxy_redirect off;\n        rewrite ^ /x;\n", "DispatchForm")]
    [InlineData("    location / {\n", "    location /a/ {\n        proxy_pass http://10.0.0.7:80/;\n    }\n\n    location / {\n", "MappedRouteHidden")]
    [InlineData("map $nginxkit_route2 $nginxkit_backend {", "map $nginxkit_route1 $nginxkit_backend {", "MapForm")]
    public void AnythingButTheRenderedLookupIsRefused(string from, string to, string rule)
    {
        Assert.Contains(from, Mapped, StringComparison.Ordinal);
        var edited = Mapped.Replace(from, to, StringComparison.Ordinal);
        var ex = Assert.Throws<NginxKitException>(() => ServedConf.Parse(edited, "edited.conf"));
        Assert.Same(ErrorCatalog.UnsupportedConfConstruct, ex.Problem.Kind);
        Assert.Equal(rule, ex.Problem.Rule);
        // The rendered text itself reads.
        Assert.NotEmpty(ServedConf.Parse(Mapped).Servers[0].Locations);
    }
}
