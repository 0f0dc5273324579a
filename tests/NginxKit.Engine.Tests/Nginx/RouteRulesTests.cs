using NginxKit.Engine.Nginx;
using Xunit;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Tests.Nginx;

public class RouteRulesTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/volume")]
    [InlineData("/volume/")]
    [InlineData("/api/v2")]
    [InlineData("/a-b_c.d~e/F9")]
    [InlineData("/.well-known/acme")]
    public void AcceptsPlainPathPrefixes(string path) => Assert.Null(RouteRules.CheckPath(path));

    [Theory]
    [InlineData(null, "PathRequired")]
    [InlineData("", "PathRequired")]
    [InlineData("volume", "PathMustStartWithSlash")]
    [InlineData("/vol ume", "PathCharacter")]
    [InlineData("/vol\tume", "PathCharacter")]
    [InlineData("/vol\nume", "PathCharacter")]
    [InlineData("/vol\0ume", "PathCharacter")]
    [InlineData("/vol;ume", "PathCharacter")]
    [InlineData("/vol{ume", "PathCharacter")]
    [InlineData("/vol}ume", "PathCharacter")]
    [InlineData("/vol\"ume", "PathCharacter")]
    [InlineData("/vol'ume", "PathCharacter")]
    [InlineData("/vol$ume", "PathCharacter")]
    [InlineData("/vol#ume", "PathCharacter")]
    [InlineData("/vol\\ume", "PathCharacter")]
    [InlineData("/vol%2Fume", "PathCharacter")]
    [InlineData("/vol\u0443me", "PathCharacter")] // Cyrillic у
    [InlineData("/volume\uFF0Fx", "PathCharacter")] // fullwidth solidus
    [InlineData("//volume", "PathDoubleSlash")]
    [InlineData("/a//b", "PathDoubleSlash")]
    [InlineData("/a/../b", "PathDotSegment")]
    [InlineData("/a/./b", "PathDotSegment")]
    [InlineData("/..", "PathDotSegment")]
    [InlineData("/volume/ { return 200; } } server { listen 127.0.0.1:18099; location /evil/ {", "PathCharacter")]
    public void RefusesPathsOutsideTheAllowList(string? path, string rule) => Assert.Equal(rule, RouteRules.CheckPath(path));

    [Fact]
    public void RefusesVeryLongPaths() => Assert.Equal("PathTooLong", RouteRules.CheckPath("/" + new string('a', 600)));

    [Theory]
    [InlineData("/volume", "/volume/")]
    [InlineData("/volume/", "/volume/")]
    [InlineData("/", "/")]
    public void LocationAlwaysEndsInSlash(string path, string location) => Assert.Equal(location, RouteRules.LocationFor(path));

    [Theory]
    [InlineData("10.96.0.1", "10.96.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("::1", "[::1]")]
    [InlineData("[fd00::10]", "[fd00::10]")]
    [InlineData("2001:db8::1", "[2001:db8::1]")]
    [InlineData("volume.storage.svc.cluster.local", "volume.storage.svc.cluster.local")]
    [InlineData("api", "api")]
    [InlineData("x1-y2.example", "x1-y2.example")]
    public void AcceptsAddressesAndDnsNames(string host, string address)
    {
        Assert.Null(RouteRules.CheckHost(host, out var placed));
        Assert.Equal(address, placed);
    }

    [Theory]
    [InlineData(null, "HostRequired")]
    [InlineData("", "HostRequired")]
    [InlineData("10.0.0.1; evil", "HostCharacter")]
    [InlineData("evil.com}", "HostCharacter")]
    [InlineData("\"x\"", "HostCharacter")]
    [InlineData("1.2.3.4.5", "HostInvalidIPv4")]
    [InlineData("256.1.1.1", "HostInvalidIPv4")]
    [InlineData("01.2.3.4", "HostInvalidIPv4")]
    [InlineData("10.1.2", "HostInvalidIPv4")]
    [InlineData("0x7f.1", "HostInvalidIPv4")]
    [InlineData("::1]", "HostCharacter")]
    [InlineData("[::1%eth0]", "HostCharacter")]
    [InlineData("[::1", "HostCharacter")]
    [InlineData("fe80::1%eth0", "HostCharacter")]
    [InlineData(":::", "HostInvalidIPv6")]
    [InlineData("-bad.example", "HostLabelHyphenAtEnd")]
    [InlineData("bad-.example", "HostLabelHyphenAtEnd")]
    [InlineData("a..b", "HostEmptyLabel")]
    [InlineData("example.com.", "HostEmptyLabel")]
    [InlineData("ex\u0430mple.com", "HostCharacter")] // Cyrillic а
    [InlineData("under_score", "HostCharacter")]
    public void RefusesHostsOutsideTheAllowList(string? host, string rule) => Assert.Equal(rule, RouteRules.CheckHost(host, out _));

    [Fact]
    public void RefusesOverlongHostsAndLabels()
    {
        Assert.Equal("HostTooLong", RouteRules.CheckHost(string.Join('.', Enumerable.Repeat(new string('a', 60), 5)), out _));
        Assert.Equal("HostLabelTooLong", RouteRules.CheckHost(new string('a', 64) + ".example", out _));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(80, true)]
    [InlineData(65535, true)]
    [InlineData(0, false)]
    [InlineData(-1, false)]
    [InlineData(65536, false)]
    [InlineData(99999, false)]
    public void PortsAreOneTo65535(int port, bool ok) => Assert.Equal(ok, RouteRules.CheckPort(port) is null);

    [Theory]
    [InlineData("_", true)]
    [InlineData("example.com", true)]
    [InlineData("*.example.com", true)]
    [InlineData("example.*", false)]
    [InlineData("a b", false)]
    [InlineData("x;y", false)]
    [InlineData("", false)]
    public void ServerNames(string name, bool ok) => Assert.Equal(ok, RouteRules.CheckServerName(name) is null);

    [Theory]
    [InlineData("volume", true)]
    [InlineData("api-v2", true)]
    [InlineData("Volume", false)]
    [InlineData("-x", false)]
    [InlineData("a\nb", false)]
    [InlineData("a.b", false)]
    public void ServiceAndNamespaceNamesAreDnsLabels(string name, bool ok) => Assert.Equal(ok, RouteRules.CheckDnsLabel(name) is null);

    [Fact]
    public void ProblemNamesTheRouteAndRuleWithoutEchoingControlCharacters()
    {
        var route = new Route("/a\n}", "10.0.0.1", 80) { Service = "svc", Namespace = "ns" };
        Assert.Null(RouteRules.Accept(route, "_", out var problem));
        Assert.Equal(ErrorCatalog.InvalidRoutePath.Id, problem!.ErrorId);
        Assert.Equal("PathCharacter", problem.Rule);
        Assert.Same(route, problem.Target);
        Assert.Contains("ns/svc", problem.Message);
        Assert.Contains("\\u000A", problem.Message);
        Assert.DoesNotContain("\n", problem.Message);
    }

    [Theory]
    [InlineData("/ok", "bad host!", 80, null, null, nameof(ErrorCatalog.InvalidRouteBackend))]
    [InlineData("/ok", "10.0.0.1", 0, null, null, nameof(ErrorCatalog.InvalidRoutePort))]
    [InlineData("/ok", "10.0.0.1", 80, "x\ny", null, nameof(ErrorCatalog.InvalidRouteService))]
    [InlineData("/ok", "10.0.0.1", 80, "svc", "NS", nameof(ErrorCatalog.InvalidRouteNamespace))]
    public void EachFieldHasItsOwnErrorId(string path, string host, int port, string? service, string? ns, string errorId)
    {
        Assert.Null(RouteRules.Accept(new Route(path, host, port) { Service = service, Namespace = ns }, "_", out var problem));
        Assert.Equal(errorId, problem!.ErrorId);
    }

    [Theory]
    [InlineData(null, "http://10.0.0.1:443/")]
    [InlineData("http", "http://10.0.0.1:443/")]
    [InlineData("https", "https://10.0.0.1:443/")]
    [InlineData("HTTPS", "https://10.0.0.1:443/")]
    public void TheBackendProtocolIsHttpOrHttpsInAnyCase(string? protocol, string proxyPass)
    {
        var accepted = RouteRules.Accept(new Route("/a", "10.0.0.1", 443) { BackendProtocol = protocol }, "_", out var problem);
        Assert.Null(problem);
        Assert.Equal(proxyPass, accepted!.ProxyPass);
        Assert.Equal(proxyPass.StartsWith("https", StringComparison.Ordinal) ? "https" : protocol, accepted.Route.BackendProtocol);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("https://")]
    [InlineData("")]
    public void AnyOtherBackendProtocolIsRefused(string protocol)
    {
        var route = new Route("/a", "10.0.0.1", 443) { BackendProtocol = protocol };
        Assert.Null(RouteRules.Accept(route, "_", out var problem));
        Assert.Equal(ErrorCatalog.InvalidBackendProtocol.Id, problem!.ErrorId);
        Assert.Same(route, problem.Target);
    }
}
