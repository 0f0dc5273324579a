using NginxKit.Engine.Docker;
using Xunit;

namespace NginxKit.Engine.Tests.Docker;

public class CredentialsTests
{
    [Theory]
    [InlineData("ops:S3cret@proxy:3128", "ops:***@proxy:3128")]          // no scheme: Go prepends http://
    [InlineData("http://ops:p@ss@proxy:3128", "http://ops:***@proxy:3128")] // '@' in the password: the last '@' ends it
    [InlineData("http://ops:pa/ss@proxy:3128", "http://ops:***@proxy:3128")] // '/' in the password
    [InlineData("http://TOKEN123@proxy:3128", "http://***@proxy:3128")]     // a token alone
    [InlineData("socks5://u:p@h:1080", "socks5://u:***@h:1080")]
    [InlineData("http://proxy:3128", "http://proxy:3128")]
    [InlineData("", "")]
    public void ProxyValuesAreMaskedAsGoReadsThem(string value, string masked) => Assert.Equal(masked, Credentials.MaskProxy(value));

    [Theory]
    [InlineData("ops:S3cret@proxy:3128", true, "ops", "S3cret", "proxy:3128")]
    [InlineData("http://ops:p%40ss@proxy:3128", true, "ops", "p@ss", "proxy:3128")]
    [InlineData("http://ops:p@ss@proxy:3128", true, "ops", "p@ss", "proxy:3128")]
    [InlineData("http://TOKEN@proxy:3128", true, "TOKEN", null, "proxy:3128")]
    [InlineData("proxy:3128", true, null, null, "proxy:3128")]
    [InlineData("http://proxy:port", true, null, null, "http:")] // Go's fallback to "http://" + value parses this, as host "http:"
    [InlineData("pro xy:3128", false, null, null, null)]
    public void ProxyUrlsParseAsGoParsesThem(string value, bool valid, string? user, string? password, string? host)
    {
        var p = ProxyUrl.Parse(value);
        Assert.Equal(valid, p.Valid);
        if (!valid) return;
        Assert.Equal((user, password, host), (p.User, p.Password, p.Host));
    }

    [Fact]
    public void LinesOfFilesAndDiffsAreMasked()
    {
        var text = "+http_proxy=\"ops:S3cret@proxy:3128\"\n-export HTTPS_PROXY=http://u:p@ss@h\n DOCKER_OPTS=\"--registry-mirror https://m:pw@mirror\"\nEnvironment=\"HTTP_PROXY=tok@h:1\"";
        var masked = Credentials.MaskText(text);
        foreach (var secret in new[] { "S3cret", "p@ss", ":pw@", "tok@" }) Assert.DoesNotContain(secret, masked);
        Assert.Contains("ops:***@proxy:3128", masked);
    }

    [Fact]
    public void AProxyValueIsMaskedInDaemonJsonAndAfterDockerdsProxyFlags()
    {
        var json = "+    \"http-proxy\": \"ops:S3cret@proxy:3128\",\n+    \"https-proxy\" : \"tok@proxy:3129\"";
        Assert.Equal("+    \"http-proxy\": \"ops:***@proxy:3128\",\n+    \"https-proxy\" : \"***@proxy:3129\"", Credentials.MaskText(json));
        Assert.Equal("--http-proxy ops:***@p:1 --https-proxy=u:***@p:2", Credentials.MaskText("--http-proxy ops:S3cret@p:1 --https-proxy=u:pw@p:2"));
        Assert.Equal(["--http-proxy", "ops:***@p:1", "--https-proxy=u:***@p:2", "--registry-mirror", "https://m:***@m"],
            Credentials.MaskWords(["--http-proxy", "ops:S3cret@p:1", "--https-proxy=u:pw@p:2", "--registry-mirror", "https://m:pw2@m"]));
    }

    [Theory]
    [InlineData("http://ops:***@proxy:3128", true)]
    [InlineData("ops:***@proxy:3128", true)]
    [InlineData("http://***@proxy:3128", true)]
    [InlineData("http://ops:real@proxy:3128", false)]
    [InlineData("--registry-mirror https://u:***@m", true)]
    public void AValueStillCarryingTheMaskIsRecognised(string value, bool carries) => Assert.Equal(carries, Credentials.CarriesMask(value));
}
