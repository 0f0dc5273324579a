using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;
using Xunit;

namespace NginxKit.Engine.Tests.Nginx;

/// <summary>What an entry needs from nginx: websockets, body sizes, timeouts, redirects, TLS, a default server, a health check.</summary>
public class EntrySettingsRenderTests
{
    private static string Render(IEnumerable<Route> routes, NginxConfOptions? options = null)
    {
        options ??= new NginxConfOptions();
        Assert.Empty(options.Validate());
        var set = RouteSet.Build(routes, options.ServerName);
        Assert.Empty(set.Problems);
        return NginxConf.Render(set.Accepted, options).Text;
    }

    // The block of the location for <paramref name="location"/>, from "location" to its closing brace.
    private static string Block(string conf, string location)
    {
        var start = conf.IndexOf($"    location {location} {{\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no location {location} in:\n{conf}");
        return conf[start..(conf.IndexOf("\n    }\n", start, StringComparison.Ordinal) + 7)];
    }

    private static int Count(string text, string what)
    {
        int count = 0, at = 0;
        while ((at = text.IndexOf(what, at, StringComparison.Ordinal)) >= 0) { count++; at += what.Length; }
        return count;
    }

    [Fact]
    public void AWebSocketRouteGetsUpgradeAndConnectionFromOneMap()
    {
        var conf = Render(
        [
            new Route("/chat", "10.0.0.1", 80) { Settings = new RouteSettings { WebSocket = true } },
            new Route("/feed", "10.0.0.2", 80) { Settings = new RouteSettings { WebSocket = true } },
            new Route("/plain", "10.0.0.3", 80),
        ]);
        Assert.Equal(1, Count(conf, "map $http_upgrade $nginxkit_connection_upgrade {\n    default upgrade;\n    '' close;\n}\n"));
        Assert.True(conf.IndexOf("map $http_upgrade", StringComparison.Ordinal) < conf.IndexOf("server {", StringComparison.Ordinal), "the map belongs to the http context, before any server");
        foreach (var location in new[] { "/chat/", "/feed/" })
            Assert.Contains("        proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection $nginxkit_connection_upgrade;\n", Block(conf, location));
        Assert.DoesNotContain("Upgrade", Block(conf, "/plain/"));
        Assert.Contains("    proxy_http_version 1.1;\n", conf);
    }

    [Fact]
    public void WithoutAWebSocketRouteThereIsNoMap()
    {
        var conf = Render([new Route("/plain", "10.0.0.3", 80)]);
        Assert.DoesNotContain("map ", conf);
        Assert.DoesNotContain("Upgrade", conf);
    }

    [Fact]
    public void TheGlobalWebSocketSwitchAppliesToEveryRouteThatDoesNotSayOtherwise()
    {
        var conf = Render(
        [
            new Route("/a", "10.0.0.1", 80),
            new Route("/b", "10.0.0.2", 80) { Settings = new RouteSettings { WebSocket = false } },
        ], new NginxConfOptions { WebSocket = true });
        Assert.Contains("proxy_set_header Upgrade $http_upgrade;", Block(conf, "/a/"));
        Assert.DoesNotContain("Upgrade", Block(conf, "/b/"));
        Assert.Equal(1, Count(conf, "map $http_upgrade"));
    }

    [Fact]
    public void ARouteOwnSizeAndTimeoutsOverrideTheServersInItsLocationOnly()
    {
        var conf = Render(
        [
            new Route("/upload", "10.0.0.1", 80) { Settings = new RouteSettings { ClientMaxBodySize = "50M", ProxyReadTimeout = "2m", ProxySendTimeout = "120" } },
            new Route("/plain", "10.0.0.2", 80),
        ], new NginxConfOptions { ClientMaxBodySize = "10m", ProxyReadTimeoutSec = 30 });
        var server = conf[conf.IndexOf("server {", StringComparison.Ordinal)..conf.IndexOf("    location", StringComparison.Ordinal)];
        Assert.Contains("    client_max_body_size 10m;\n", server);
        Assert.Contains("    proxy_read_timeout 30s;\n", server);
        var upload = Block(conf, "/upload/");
        Assert.Contains("        client_max_body_size 50m;\n        proxy_read_timeout 120s;\n        proxy_send_timeout 120s;\n    }\n", upload);
        var plain = Block(conf, "/plain/");
        Assert.DoesNotContain("client_max_body_size", plain);
        Assert.DoesNotContain("timeout", plain);
    }

    [Fact]
    public void StrippedRoutesTellTheBackendTheirPrefix()
    {
        var conf = Render(
        [
            new Route("/files/v1", "10.0.0.1", 80),
            new Route("/legacy", "10.0.0.2", 80) { StripPrefix = false },
            new Route("/", "10.0.0.3", 80),
        ]);
        Assert.Contains("        proxy_set_header X-Forwarded-Prefix /files/v1;\n", Block(conf, "/files/v1/"));
        Assert.DoesNotContain("X-Forwarded-Prefix", Block(conf, "/legacy/"));
        Assert.DoesNotContain("X-Forwarded-Prefix", Block(conf, "/"));
    }

    [Fact]
    public void AUserXForwardedPrefixReplacesTheRoutesOwn()
    {
        var conf = Render([new Route("/files", "10.0.0.1", 80)],
            new NginxConfOptions { ProxyHeaders = new Dictionary<string, string> { ["X-Forwarded-Prefix"] = "/entry" } });
        Assert.Equal(1, Count(conf, "X-Forwarded-Prefix"));
        Assert.Contains("proxy_set_header X-Forwarded-Prefix \"/entry\";", conf);
    }

    [Fact]
    public void ProxyRedirectRewritesTheBackendsRedirectsUnderThePrefix()
    {
        var conf = Render(
        [
            new Route("/files", "10.0.0.1", 80) { Settings = new RouteSettings { ProxyRedirect = true } },
            new Route("/other", "10.0.0.2", 80),
            new Route("/kept", "10.0.0.3", 80) { StripPrefix = false, Settings = new RouteSettings { ProxyRedirect = true } },
        ]);
        Assert.Contains("        proxy_redirect http://$host/ /files/;\n        proxy_redirect / /files/;\n", Block(conf, "/files/"));
        Assert.Contains("        proxy_redirect off;\n", Block(conf, "/other/"));
        // Nothing is stripped, so the backend's redirects are right as they are.
        Assert.Contains("        proxy_redirect off;\n", Block(conf, "/kept/"));

        var global = Render([new Route("/files", "10.0.0.1", 80), new Route("/no", "10.0.0.2", 80) { Settings = new RouteSettings { ProxyRedirect = false } }],
            new NginxConfOptions { ProxyRedirect = true });
        Assert.Contains("proxy_redirect / /files/;", Block(global, "/files/"));
        Assert.Contains("proxy_redirect off;", Block(global, "/no/"));
    }

    [Fact]
    public void TheFirstServerIsTheDefaultUnlessToldOtherwise()
    {
        var routes = new[] { new Route("/a", "10.0.0.1", 80), new Route("/b", "10.0.0.2", 80) { ServerName = "b.example" } };
        var conf = Render(routes, new NginxConfOptions { Listen = ["127.0.0.1:8080", "[::1]:8080 reuseport"] });
        Assert.Contains("    listen 127.0.0.1:8080 default_server;\n    listen [::1]:8080 default_server reuseport;\n    server_name _;\n", conf);
        Assert.Contains("    listen 127.0.0.1:8080;\n    listen [::1]:8080;\n    server_name b.example;\n", conf);
        Assert.Equal(2, Count(conf, "default_server"));

        var given = Render(routes, new NginxConfOptions { Listen = ["80 default_server"] });
        Assert.Equal(1, Count(given, "default_server"));

        var notDefault = Render(routes, new NginxConfOptions { DefaultServer = false });
        Assert.DoesNotContain("default_server", notDefault);
    }

    [Fact]
    public void EveryServerAnswersHealthzItself()
    {
        var conf = Render([new Route("/a", "10.0.0.1", 80), new Route("/b", "10.0.0.2", 80) { ServerName = "b.example" }]);
        Assert.Equal(2, Count(conf, "    location = /healthz {\n        access_log off;\n        default_type text/plain;\n        return 200 \"ok\\n\";\n    }\n"));
        Assert.Contains("location = /healthz", Render([]));
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/healthz/")]
    [InlineData("/healthz/deep")]
    public void NoRouteMayClaimTheHealthCheck(string path)
    {
        var set = RouteSet.Build([new Route(path, "10.0.0.1", 80) { Service = "sneaky" }, new Route("/healthzx", "10.0.0.2", 80)]);
        var problem = Assert.Single(set.Problems);
        Assert.Equal(ErrorCatalog.InvalidRoutePath.Id, problem.ErrorId);
        Assert.Equal("PathReserved", problem.Rule);
        Assert.Equal("/healthzx/", Assert.Single(set.Accepted).Location);
    }

    private static NginxConfOptions Tls(bool redirect = false, Version? nginx = null) => new()
    {
        Listen = ["127.0.0.1:18080"],
        TlsCertificate = "/etc/nginxkit/tls/tls.crt",
        TlsKey = "/etc/nginxkit/tls/tls.key",
        TlsListen = ["127.0.0.1:18443"],
        RedirectHttp = redirect,
        NginxVersion = nginx,
    };

    [Fact]
    public void TlsServesHttp2WithMozillasIntermediateProfile()
    {
        var conf = Render([new Route("/a", "10.0.0.1", 80), new Route("/b", "10.0.0.2", 80) { ServerName = "b.example" }], Tls());
        Assert.Contains("    listen 127.0.0.1:18080 default_server;\n    listen 127.0.0.1:18443 ssl http2 default_server;\n    server_name _;\n", conf);
        Assert.Contains("    listen 127.0.0.1:18080;\n    listen 127.0.0.1:18443 ssl http2;\n    server_name b.example;\n", conf);
        Assert.Equal(2, Count(conf, "    ssl_certificate /etc/nginxkit/tls/tls.crt;\n    ssl_certificate_key /etc/nginxkit/tls/tls.key;\n    ssl_protocols TLSv1.2 TLSv1.3;\n"));
        Assert.Contains("    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;\n", conf);
        Assert.Contains("    ssl_prefer_server_ciphers off;\n    ssl_session_timeout 1d;\n    ssl_session_cache shared:NginxKitTLS:10m;\n    ssl_session_tickets off;\n", conf);
        Assert.DoesNotContain("return 301", conf);
    }

    [Fact]
    public void FromNginx1251Http2IsADirective()
    {
        var conf = Render([new Route("/a", "10.0.0.1", 80)], Tls(nginx: new Version(1, 27, 0)));
        Assert.Contains("    listen 127.0.0.1:18443 ssl default_server;\n", conf);
        Assert.Contains("    http2 on;\n", conf);
        Assert.DoesNotContain("ssl http2", conf);
        Assert.Contains("ssl http2", Render([new Route("/a", "10.0.0.1", 80)], Tls(nginx: new Version(1, 22, 1))));
    }

    [Fact]
    public void RedirectHttpMovesPlainHttpToItsOwnServerThatKeepsTheHealthCheck()
    {
        var conf = Render([new Route("/a", "10.0.0.1", 80)], Tls(redirect: true));
        var redirect = conf[conf.IndexOf("server {", StringComparison.Ordinal)..conf.IndexOf("}\n\nserver {", StringComparison.Ordinal)];
        Assert.Contains("    listen 127.0.0.1:18080 default_server;\n    server_name _;\n", redirect);
        Assert.Contains("location = /healthz", redirect);
        Assert.Contains("    location / {\n        return 301 https://$host:18443$request_uri;\n    }\n", redirect);
        var main = conf[conf.IndexOf("}\n\nserver {", StringComparison.Ordinal)..];
        Assert.Contains("    listen 127.0.0.1:18443 ssl http2 default_server;\n    server_name _;\n", main);
        Assert.DoesNotContain("18080", main);

        var standardPort = Render([new Route("/a", "10.0.0.1", 80)], Tls(redirect: true) with { TlsListen = ["443"], Listen = ["80"] });
        Assert.Contains("return 301 https://$host$request_uri;", standardPort);
    }

    [Fact]
    public void TheRedirectNamesTheHttpsPortClientsReachWhenItIsNotTheOneNginxListensOn()
    {
        // A pod listens on 8443 behind a Service's 443: the redirect names 443, not 8443.
        var behindService = Render([new Route("/a", "10.0.0.1", 80)], Tls(redirect: true) with { TlsListen = ["8443"], Listen = ["8080"], RedirectPort = 443 });
        Assert.Contains("return 301 https://$host$request_uri;", behindService);
        Assert.Contains("listen 8443 ssl", behindService);
        var nodePort = Render([new Route("/a", "10.0.0.1", 80)], Tls(redirect: true) with { RedirectPort = 30443 });
        Assert.Contains("return 301 https://$host:30443$request_uri;", nodePort);
    }

    [Fact]
    public void ServerNamesThatDifferOnlyInCaseAreOneServer()
    {
        var set = RouteSet.Build(
        [
            new Route("/a", "10.0.0.1", 80) { ServerName = "A.EXAMPLE.COM" },
            new Route("/b", "10.0.0.2", 80) { ServerName = "a.example.com" },
            new Route("/b", "10.0.0.3", 80) { ServerName = "A.Example.Com" },
        ], "WWW.EXAMPLE.COM");
        var conflict = Assert.Single(set.Problems);
        Assert.Equal(ErrorCatalog.DuplicateRoutePath.Id, conflict.ErrorId);
        Assert.All(set.Accepted, r => Assert.Equal("a.example.com", r.ServerName));
        var conf = NginxConf.Render(set.Accepted, new NginxConfOptions { ServerName = "WWW.EXAMPLE.COM" });
        Assert.Equal(1, Count(conf.Text, "server_name a.example.com;"));
        Assert.Equal(1, Count(conf.Text, "server {"));

        var defaultOnly = NginxConf.Render(RouteSet.Build([new Route("/a", "10.0.0.1", 80)], "WWW.EXAMPLE.COM").Accepted, new NginxConfOptions { ServerName = "WWW.EXAMPLE.COM" });
        Assert.Contains("server_name www.example.com;", defaultOnly.Text);
    }

    [Fact]
    public void PlainRoutesCarryNoSettingsAndSettingsStayDataOnTheRoute()
    {
        var set = RouteSet.Build(
        [
            new Route("/plain", "10.0.0.1", 80) { Settings = new RouteSettings() },
            new Route("/chat", "10.0.0.2", 80) { Settings = new RouteSettings { WebSocket = true, ProxyReadTimeout = "1h" } },
        ]);
        Assert.Null(set.Accepted.Single(r => r.Location == "/plain/").Settings);
        var chat = set.Accepted.Single(r => r.Location == "/chat/").Settings!;
        Assert.True(chat.WebSocket);
        Assert.Equal("3600s", chat.ProxyReadTimeout);
    }

    [Fact]
    public void TwoRoutesThatDifferInTheirSettingsClaimOneLocationAndTheResultDoesNotDependOnOrder()
    {
        var a = new Route("/x", "10.0.0.1", 80) { Settings = new RouteSettings { ClientMaxBodySize = "1m" } };
        var b = new Route("/x", "10.0.0.1", 80) { Settings = new RouteSettings { ClientMaxBodySize = "2m" } };
        var one = RouteSet.Build([a, b]);
        var two = RouteSet.Build([b, a]);
        Assert.Single(one.Problems);
        Assert.Equal(ErrorCatalog.DuplicateRoutePath.Id, one.Problems[0].ErrorId);
        Assert.Equal(one.Accepted.Single().Settings, two.Accepted.Single().Settings);
        Assert.Empty(RouteSet.Build([a, a with { }]).Problems);
    }

    [Fact]
    public void TemplatesPlaceEveryNewSetting()
    {
        var template = NginxTemplate.Parse("""
            {{ websocket_map }}
            {{ redirect_server }}
            server {
            {{ listen_directives }}    server_name {{ server_name }};
            {{ server_settings }}{{ healthz }}
                # tls: {{ tls_certificate }} {{ tls_key }} body: {{ client_max_body_size }}
            {{#routes}}
                location {{ location }} {
                    proxy_pass {{ proxy_pass }};
            {{ directives }}        # ws={{ websocket }} size={{ client_max_body_size }} read={{ proxy_read_timeout }} send={{ proxy_send_timeout }} redirect={{ proxy_redirect }} prefix={{ forwarded_prefix }}
                }
            {{/routes}}
            }
            """);
        var options = Tls(redirect: true) with { ClientMaxBodySize = "8m", ProxySendTimeoutSec = 9 };
        var set = RouteSet.Build(
        [
            new Route("/chat", "10.0.0.1", 80) { Settings = new RouteSettings { WebSocket = true, ProxyReadTimeout = "90s", ProxyRedirect = true } },
            new Route("/up", "10.0.0.2", 80) { StripPrefix = false, Settings = new RouteSettings { ClientMaxBodySize = "1g" } },
        ]);
        var conf = template.Render(set.Accepted, options).Text;
        var standard = NginxConf.Render(set.Accepted, options).Text;

        Assert.Contains("map $http_upgrade $nginxkit_connection_upgrade {", conf);
        Assert.Contains("return 301 https://$host:18443$request_uri;", conf);
        Assert.Contains("    listen 127.0.0.1:18443 ssl http2 default_server;\n    server_name _;\n", conf);
        Assert.Contains("    ssl_protocols TLSv1.2 TLSv1.3;\n", conf);
        Assert.Contains("location = /healthz", conf);
        Assert.Contains("# tls: /etc/nginxkit/tls/tls.crt /etc/nginxkit/tls/tls.key body: 8m", conf);
        Assert.Contains("# ws=true size=8m read=90s send=9s redirect=true prefix=/chat", conf);
        Assert.Contains("# ws=false size=1g read= send=9s redirect=false prefix=", conf);
        // {{ directives }} are the lines of the default location after proxy_pass.
        var chat = Block(standard, "/chat/");
        var body = chat[(chat.IndexOf(";\n", StringComparison.Ordinal) + 2)..chat.LastIndexOf("    }\n", StringComparison.Ordinal)];
        Assert.Contains("proxy_set_header Upgrade", body);
        Assert.Contains(body, conf);
    }
}
