using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Nginx.Routing;
using Xunit;

namespace NginxKit.Engine.Tests.Nginx.Routing;

/// <summary>Reading a config into the servers and locations the resolver works on; refusing what it cannot model.</summary>
public class ServedConfReaderTests
{
    [Fact]
    public void ARenderedConfigReadsBackAsItsServersLocationsAndOwners()
    {
        var set = RouteSet.Build([
            new Route("/volume", "10.0.0.1", 8080) { Service = "volume", Namespace = "storage" },
            new Route("/shop", "10.0.0.5", 80) { ServerName = "shop.example", StripPrefix = false },
        ]);
        var text = NginxConf.Render(set.Accepted, new NginxConfOptions { Listen = ["127.0.0.1:8080"] }).Text;
        var conf = ServedConf.Parse(text);

        Assert.Equal(2, conf.Servers.Count);
        var first = conf.Servers[0];
        Assert.Equal(["_"], first.Names);
        Assert.Equal(new ServedListen("127.0.0.1", 8080, true, false), first.Listens.Single());
        Assert.False(first.AbsoluteRedirect);
        var volume = first.Locations.Single(l => l.Path == "/volume/");
        Assert.Equal(("volume", "storage"), (volume.Service, volume.Namespace));
        Assert.Equal(new ServedProxy("http://10.0.0.1:8080/", "http", "10.0.0.1:8080", "/"), volume.Proxy);
        Assert.Equal("/volume", volume.ForwardedPrefix);
        Assert.True(volume.AutoRedirect);
        Assert.Contains(first.Locations, l => l is { Path: "/healthz", Exact: true, ReturnCode: 200 });
        Assert.Contains(first.Locations, l => l is { Path: "/50x.html", Exact: true, Internal: true });
        Assert.False(conf.Servers[1].Listens.Single().DefaultServer);
        Assert.Null(conf.Servers[1].Locations.Single(l => l.Path == "/shop/").Proxy!.Uri);
    }

    [Theory]
    [InlineData("server { location ~ ^/api { proxy_pass http://a:1; } }", "RegexLocation")]
    [InlineData("server { location ~* \\.php$ { } }", "RegexLocation")]
    [InlineData("server { location / { rewrite ^ /x; proxy_pass http://a:1; } }", "UnknownDirective")]
    [InlineData("server { if ($host = x) { return 404; } }", "UnknownDirective")]
    [InlineData("server { location / { alias /srv/; } }", "UnknownDirective")]
    [InlineData("server { location /a/ { location /a/b/ { } } }", "NestedLocation")]
    [InlineData("server { location / { proxy_pass http://$host:1; } }", "ProxyPassVariable")]
    [InlineData("server { location / { return 301 https://$hostname$request_uri; } }", "ReturnVariable")]
    [InlineData("server { location / { root /srv; } }", "StaticFiles")]
    [InlineData("server { server_name ~^(www)\\.example$; }", "ServerNameForm")]
    [InlineData("server { listen unix:/run/nginx.sock; }", "ListenForm")]
    [InlineData("server { error_page 404 /x; }", "UnknownDirective")]
    [InlineData("server { location / { proxy_pass http://a:1; }", "Syntax")]
    [InlineData("server { location / { return 200 \"ok; } }", "Syntax")]
    [InlineData("include /etc/nginx/other.conf;", "UnknownDirective")]
    public void WhatCouldSendARequestElsewhereIsRefused(string text, string rule)
    {
        var ex = Assert.Throws<NginxKitException>(() => ServedConf.Parse(text, "custom.conf"));
        Assert.Same(ErrorCatalog.UnsupportedConfConstruct, ex.Problem.Kind);
        Assert.Equal(rule, ex.Problem.Rule);
        Assert.Contains("custom.conf", ex.Problem.Message);
    }

    [Fact]
    public void AnAbsoluteRedirectNamesSchemeHostAndPort()
    {
        var conf = ServedConf.Parse("server {\n    listen 8080;\n    location /a/ { proxy_pass http://10.0.0.1:80/; }\n}\n");
        var answer = RouteResolver.Resolve(conf, "http://Host.example:8080/a?x=1", out _)!;
        Assert.Equal("http://host.example:8080/a/?x=1", answer.Location);
    }

    [Fact]
    public void ServerNamesMatchExactlyThenByTheLongestWildcard()
    {
        var conf = ServedConf.Parse("""
            server { listen 80; server_name _; location / { return 404; } }
            server { listen 80; server_name *.example.com; location / { proxy_pass http://10.0.0.1:80; } }
            server { listen 80; server_name *.api.example.com; location / { proxy_pass http://10.0.0.2:80; } }
            server { listen 80; server_name www.api.example.com; location / { proxy_pass http://10.0.0.3:80; } }
            """);
        Assert.Equal("10.0.0.3:80", RouteResolver.Resolve(conf, "http://www.api.example.com/", out _)!.Backend);
        Assert.Equal("10.0.0.2:80", RouteResolver.Resolve(conf, "http://v1.api.example.com/", out _)!.Backend);
        Assert.Equal("10.0.0.1:80", RouteResolver.Resolve(conf, "http://a.b.example.com/", out _)!.Backend);
        Assert.Equal("404", RouteResolver.Resolve(conf, "http://example.com/", out _)!.Status); // the first server: none is default_server
    }
}
