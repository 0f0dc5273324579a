using NginxKit.Engine.Nginx;
using Xunit;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Tests.Nginx;

public class NginxConfOptionsTests
{
    [Theory]
    [InlineData("80")]
    [InlineData("127.0.0.1:8080")]
    [InlineData("[::]:80")]
    [InlineData("[::1]:8443")]
    [InlineData("*:80")]
    [InlineData("80 default_server")]
    [InlineData("0.0.0.0:80 default_server reuseport")]
    public void AcceptsNginxListenForms(string listen) => Assert.Null(NginxConfOptions.CheckListen(listen));

    [Theory]
    [InlineData("", "ListenRequired")]
    [InlineData("0", "ListenPort")]
    [InlineData("65536", "ListenPort")]
    [InlineData("80; include /etc/passwd", "ListenFlag")]
    [InlineData("80 ssl", "ListenFlag")]
    [InlineData("80 default_server default_server", "ListenFlag")]
    [InlineData("[::1]", "ListenPortRequired")]
    [InlineData("[::1;]:80", "ListenAddress")]
    [InlineData("1.2.3.4.5:80", "ListenAddress")]
    [InlineData("host{:80", "ListenAddress")]
    [InlineData("localhost:8x", "ListenPort")]
    public void RefusesOtherListenValues(string listen, string rule) => Assert.Equal(rule, NginxConfOptions.CheckListen(listen));

    [Fact]
    public void HeaderValuesCannotBreakOutOfTheirQuotes()
    {
        var options = new NginxConfOptions
        {
            ProxyHeaders = new Dictionary<string, string> { ["X-Ok"] = "$scheme", ["X-Bad"] = "a\"; return 200; \"", ["Bad Name"] = "x", ["X-Slash"] = "a\\" },
        };
        var problems = options.Validate();
        Assert.Equal(3, problems.Count);
        Assert.All(problems, p => Assert.Equal(ErrorCatalog.InvalidProxyHeader.Id, p.ErrorId));
    }

    [Theory]
    [InlineData("$scheme", null)]
    [InlineData("${host}:$server_port", null)]
    [InlineData("$http_x_request_id", null)]
    [InlineData("$arg_token and 100%", null)]
    [InlineData("price: $", "HeaderVariable")]
    [InlineData("a$", "HeaderVariable")]
    [InlineData("${", "HeaderVariable")]
    [InlineData("${host", "HeaderVariable")]
    [InlineData("$no_such_variable", "HeaderVariable")]
    [InlineData("$http_", "HeaderVariable")]
    [InlineData("$1", "HeaderVariable")]
    public void HeaderVariablesMustBeOnesNginxDefines(string value, string? rule)
    {
        var problems = new NginxConfOptions { ProxyHeaders = new Dictionary<string, string> { ["X-A"] = value } }.Validate();
        Assert.Equal(rule, problems.SingleOrDefault()?.Rule);
    }

    [Fact]
    public void TimeoutsAreBounded()
    {
        var problems = new NginxConfOptions { ProxyReadTimeoutSec = 0, ProxyConnectTimeoutSec = 90000, ProxySendTimeoutSec = 30 }.Validate();
        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Equal(ErrorCatalog.InvalidTimeout.Id, p.ErrorId));
    }

    [Fact]
    public void DefaultsAreValid() => Assert.Empty(new NginxConfOptions().Validate());
}
