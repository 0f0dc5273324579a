using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;
using Xunit;

namespace NginxKit.Engine.Tests.Nginx;

/// <summary>The allow-lists for a route's own settings and the server-wide ones: sizes, timeouts, TLS files.</summary>
public class RouteSettingsRulesTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("1024", "1024")]
    [InlineData("512k", "512k")]
    [InlineData("50M", "50m")]
    [InlineData("050m", "50m")]
    [InlineData("2G", "2g")]
    [InlineData("999999999g", "999999999g")]
    public void SizesAreDigitsAndAnOptionalUnit(string size, string nginx)
    {
        Assert.Null(RouteRules.CheckSize(size, out var normalized));
        Assert.Equal(nginx, normalized);
    }

    [Theory]
    [InlineData("", "SizeRequired")]
    [InlineData("m", "SizeFormat")]
    [InlineData("50mb", "SizeFormat")]
    [InlineData("50m;", "SizeFormat")]
    [InlineData("50m; return 200", "SizeFormat")]
    [InlineData("1m }", "SizeFormat")]
    [InlineData(" 50m", "SizeFormat")]
    [InlineData("-1", "SizeFormat")]
    [InlineData("1.5m", "SizeFormat")]
    [InlineData("$size", "SizeFormat")]
    [InlineData("1234567890", "SizeFormat")]
    [InlineData("\u0661\u0662m", "SizeFormat")] // Arabic-Indic digits are digits to char.IsDigit, not to nginx
    [InlineData("50\nm", "SizeFormat")]
    public void OtherSizesAreRefused(string size, string rule) => Assert.Equal(rule, RouteRules.CheckSize(size, out _));

    [Theory]
    [InlineData("1", 1)]
    [InlineData("120s", 120)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    [InlineData("24h", 86400)]
    [InlineData("86400", 86400)]
    public void TimeoutsAreSecondsOrDigitsWithAUnit(string text, int seconds)
    {
        Assert.Null(RouteRules.CheckDuration(text, out var parsed));
        Assert.Equal(seconds, parsed);
    }

    [Theory]
    [InlineData("", "TimeoutRequired")]
    [InlineData("0", "TimeoutOutOfRange")]
    [InlineData("0s", "TimeoutOutOfRange")]
    [InlineData("25h", "TimeoutOutOfRange")]
    [InlineData("86401", "TimeoutOutOfRange")]
    [InlineData("s", "TimeoutFormat")]
    [InlineData("1m30s", "TimeoutFormat")]
    [InlineData("120ms", "TimeoutFormat")]
    [InlineData("120s;", "TimeoutFormat")]
    [InlineData("120s; return 200", "TimeoutFormat")]
    [InlineData("1d", "TimeoutFormat")]
    [InlineData("-5", "TimeoutFormat")]
    [InlineData("$t", "TimeoutFormat")]
    [InlineData("999999", "TimeoutFormat")]
    public void OtherTimeoutsAreRefused(string text, string rule) => Assert.Equal(rule, RouteRules.CheckDuration(text, out _));

    [Theory]
    [InlineData("1m }\nlocation /evil/ {", null, null, "ClientMaxBodySizeFormat")]
    [InlineData(null, "120s;proxy_pass http://evil", null, "ProxyReadTimeoutFormat")]
    [InlineData(null, null, "0", "ProxySendTimeoutOutOfRange")]
    [InlineData("", null, null, "ClientMaxBodySizeRequired")]
    public void ARouteWithABadSettingIsInvalidRouteSettingNamingTheSetting(string? size, string? read, string? send, string rule)
    {
        var route = new Route("/x", "10.0.0.1", 80) { Settings = new RouteSettings { ClientMaxBodySize = size, ProxyReadTimeout = read, ProxySendTimeout = send } };
        Assert.Null(RouteRules.Accept(route, "_", out var problem));
        Assert.Equal(ErrorCatalog.InvalidRouteSetting.Id, problem!.ErrorId);
        Assert.Equal(ProblemCategory.InvalidData, problem.Category);
        Assert.Equal(rule, problem.Rule);
        Assert.DoesNotContain('\n', problem.Message);
        Assert.Same(route, problem.Target);
    }

    [Fact]
    public void TheServerWideSizeIsInvalidBodySize()
    {
        var problem = Assert.Single(new NginxConfOptions { ClientMaxBodySize = "10m; include /etc/passwd" }.Validate());
        Assert.Equal(ErrorCatalog.InvalidBodySize.Id, problem.ErrorId);
        Assert.Equal(ProblemCategory.InvalidArgument, problem.Category);
        Assert.Equal("SizeFormat", problem.Rule);
        Assert.Empty(new NginxConfOptions { ClientMaxBodySize = "10M" }.Validate());
    }

    [Theory]
    [InlineData("/etc/ssl/tls.crt", null, false, "TlsKeyRequired")]
    [InlineData(null, "/etc/ssl/tls.key", false, "TlsCertificateRequired")]
    [InlineData("/etc/ssl/tls.crt;", "/etc/ssl/tls.key", false, "TlsCertificatePathCharacter")]
    [InlineData("/etc/ssl/tls.crt", "relative.key", false, "TlsKeyPathMustStartWithSlash")]
    [InlineData("/etc/ssl/../shadow", "/etc/ssl/tls.key", false, "TlsCertificatePathDotSegment")]
    [InlineData("/etc/ssl/a b.crt", "/etc/ssl/tls.key", false, "TlsCertificatePathCharacter")]
    [InlineData(null, null, true, "RedirectHttpNeedsTls")]
    [InlineData("/etc/ssl/tls.crt", "/etc/ssl/tls.key", true, "RedirectPortPortOutOfRange", 0)]
    [InlineData("/etc/ssl/tls.crt", "/etc/ssl/tls.key", true, "RedirectPortPortOutOfRange", 65536)]
    public void TlsSettingsAreInvalidTlsSettingNamingTheRule(string? certificate, string? key, bool redirect, string rule, int? redirectPort = null)
    {
        var problem = Assert.Single(new NginxConfOptions { TlsCertificate = certificate, TlsKey = key, RedirectHttp = redirect, RedirectPort = redirectPort }.Validate());
        Assert.Equal(ErrorCatalog.InvalidTlsSetting.Id, problem.ErrorId);
        Assert.Equal(rule, problem.Rule);
    }

    [Theory]
    [InlineData("443", null)]
    [InlineData("127.0.0.1:8443 reuseport", null)]
    [InlineData("443 ssl", "ListenFlag")]
    [InlineData("443; include /etc/passwd", "ListenFlag")]
    [InlineData("80", "TlsListenSameAsListen")]
    [InlineData("0.0.0.0:80", "TlsListenSameAsListen")]
    public void TlsListenTakesListensFormsOnAPortOfItsOwn(string listen, string? rule)
    {
        var problems = new NginxConfOptions { Listen = ["*:80"], TlsCertificate = "/c.pem", TlsKey = "/k.pem", TlsListen = [listen] }.Validate();
        Assert.Equal(rule, problems.SingleOrDefault()?.Rule);
    }

    [Theory]
    [InlineData("html")]
    [InlineData("/usr/share/nginx/html; return 200")]
    [InlineData("/usr/share/../html")]
    public void TheErrorPageRootIsAnAbsolutePathOfAllowedCharacters(string root)
    {
        var problem = Assert.Single(new NginxConfOptions { ErrorPageRoot = root }.Validate());
        Assert.Equal(ErrorCatalog.InvalidErrorPageRoot.Id, problem.ErrorId);
        Assert.Equal(ProblemCategory.InvalidArgument, problem.Category);
    }
}
