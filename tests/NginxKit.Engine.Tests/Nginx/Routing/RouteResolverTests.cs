using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Nginx.Routing;
using Xunit;

namespace NginxKit.Engine.Tests.Nginx.Routing;

/// <summary>The resolver on rendered configs: nginx's location and server rules, without nginx (the Pester suite holds it to a real one).</summary>
public class RouteResolverTests
{
    private static readonly Route[] Routes =
    [
        new("/legacy", "10.0.0.9", 81) { StripPrefix = false },
        new("/volume", "10.0.0.1", 8080) { Service = "volume", Namespace = "storage" },
        new("/api/", "10.0.0.2", 80),
        new("/api/v2", "10.0.0.3", 80),
        new("/", "10.0.0.4", 80),
        new("/shop", "10.0.0.5", 80) { ServerName = "shop.example" },
    ];

    private static ServedConf Conf(NginxConfOptions? options = null)
    {
        var (conf, problems) = RouteResolver.FromRoutes(Routes, options ?? new NginxConfOptions());
        Assert.Empty(problems);
        return conf;
    }

    private static RouteResolution Resolve(string url, ServedConf? conf = null)
    {
        var answer = RouteResolver.Resolve(conf ?? Conf(), url, out var problem);
        Assert.Null(problem);
        return answer!;
    }

    [Theory]
    [InlineData("/volume/api/v1/pools", "/volume/", "10.0.0.1:8080", "/api/v1/pools")]
    [InlineData("/volume/a?b=1&c=%2F", "/volume/", "10.0.0.1:8080", "/a?b=1&c=%2F")]
    [InlineData("/volumeX/a", "/", "10.0.0.4:80", "/volumeX/a")]
    [InlineData("/api/v2/y", "/api/v2/", "10.0.0.3:80", "/y")]
    [InlineData("/api/v2x", "/api/", "10.0.0.2:80", "/v2x")]
    [InlineData("/legacy/a%2Fb", "/legacy/", "10.0.0.9:81", "/legacy/a%2Fb")]
    [InlineData("/volume//a/./b/../c", "/volume/", "10.0.0.1:8080", "/a/c")]
    [InlineData("/volume/../api/x", "/api/", "10.0.0.2:80", "/x")]
    [InlineData("/%76olume/a%20b", "/volume/", "10.0.0.1:8080", "/a%20b")]
    [InlineData("/volume/a%2Fb", "/volume/", "10.0.0.1:8080", "/a/b")]
    [InlineData("/Volume/a", "/", "10.0.0.4:80", "/Volume/a")]
    public void AProxiedUrlReachesTheLongestPrefixsBackendWithThePrefixStripped(string url, string route, string backend, string uri)
    {
        var answer = Resolve(url);
        Assert.Equal("Proxied", answer.Status);
        Assert.Null(answer.StatusCode);
        Assert.Equal(route, answer.Route);
        Assert.Equal(backend, answer.Backend);
        Assert.Equal(uri, answer.BackendUri);
    }

    [Fact]
    public void TheReasonNamesTheLocationsALongerPrefixBeat()
    {
        var answer = Resolve("/api/v2/y");
        Assert.StartsWith("longest prefix /api/v2/ beat /api/, /", answer.Reason);
        Assert.Equal("/api/v2", answer.ForwardedPrefix);
    }

    [Theory]
    [InlineData("/volume", "/volume/")]
    [InlineData("/volume?b=1", "/volume/?b=1")]
    [InlineData("/api/v2", "/api/v2/")]
    [InlineData("/legacy", "/legacy/")]
    public void APathWithoutItsTrailingSlashIsRedirected(string url, string location)
    {
        var answer = Resolve(url);
        Assert.Equal("301", answer.Status);
        Assert.Equal(location, answer.Location);
        Assert.Contains("without its trailing slash", answer.Reason);
    }

    [Fact]
    public void HealthzIsAnsweredByNginxAndTheErrorPageIsInternal()
    {
        var health = Resolve("/healthz");
        Assert.Equal(200, health.StatusCode);
        Assert.Equal("= /healthz", health.Route);
        Assert.Null(health.Backend);
        Assert.Equal(404, Resolve("/50x.html").StatusCode);
        Assert.Equal("/", Resolve("/healthz/").Route); // the exact match only
    }

    [Theory]
    [InlineData("/%zz")]
    [InlineData("/a%00")]
    [InlineData("/..")]
    [InlineData("/a/../../b")]
    [InlineData("/%2e%2e/x")]
    public void AUriNginxCannotNormaliseIsA400(string url) => Assert.Equal(400, Resolve(url).StatusCode);

    [Theory]
    [InlineData("http://shop.example/shop/x", "shop.example", "/shop/")]
    [InlineData("http://SHOP.Example./shop/x", "shop.example", "/shop/")]
    [InlineData("http://other.example/shop/x", "_", "/")]
    [InlineData("/shop/x", "_", "/")]
    public void TheServerIsChosenByHostThenTheDefaultServer(string url, string server, string route)
    {
        var answer = Resolve(url);
        Assert.Equal(server, answer.Server);
        Assert.Equal(route, answer.Route);
    }

    [Fact]
    public void ANamedServerWithoutAMatchingLocationAnswers404()
    {
        var answer = Resolve("http://shop.example/x");
        Assert.Equal(404, answer.StatusCode);
        Assert.Contains("no location of server shop.example matches /x", answer.Reason);
    }

    [Fact]
    public void APortNoServerListensOnIsTakenAsTheListenPortBehindAMapping()
    {
        var answer = Resolve("http://node1.example:31234/volume");
        Assert.Equal(80, answer.Port);
        Assert.Equal("/volume/", answer.Location);
    }

    [Fact]
    public void WithTlsAndRedirectHttpPlainHttpGoesToHttpsExceptTheHealthCheck()
    {
        var conf = Conf(new NginxConfOptions { TlsCertificate = "/tls/crt", TlsKey = "/tls/key", RedirectHttp = true });
        var plain = Resolve("http://Entry.example/volume/a?b=1", conf);
        Assert.Equal(301, plain.StatusCode);
        Assert.Equal("https://entry.example/volume/a?b=1", plain.Location);
        Assert.Equal(200, Resolve("http://entry.example/healthz", conf).StatusCode);
        var tls = Resolve("https://entry.example/volume/a", conf);
        Assert.Equal("Proxied", tls.Status);
        Assert.Equal("/a", tls.BackendUri);
    }

    [Fact]
    public void AHeaderSetForEveryRouteReplacesTheForwardedPrefix()
    {
        var conf = Conf(new NginxConfOptions { ProxyHeaders = new Dictionary<string, string> { ["X-Forwarded-Prefix"] = "/entry" } });
        Assert.Equal("/entry", Resolve("/volume/a", conf).ForwardedPrefix);
        Assert.Equal("/volume", Resolve("/volume/a").ForwardedPrefix);
    }

    [Theory]
    [InlineData("ftp://x/", "UrlScheme")]
    [InlineData("", "UrlEmpty")]
    [InlineData("http://x y/", "UrlCharacter")]
    [InlineData("http://x:0/", "UrlPort")]
    [InlineData("http://u@x/", "UrlUserInfo")]
    [InlineData("http://a..b/", "UrlHost")]
    [InlineData("volume/a", "UrlScheme")]
    public void ABadUrlIsOneInvalidRequestUrlProblem(string url, string rule)
    {
        Assert.Null(RouteResolver.Resolve(Conf(), url, out var problem));
        Assert.NotNull(problem);
        Assert.Same(ErrorCatalog.InvalidRequestUrl, problem.Kind);
        Assert.Equal(rule, problem.Rule);
    }
}
