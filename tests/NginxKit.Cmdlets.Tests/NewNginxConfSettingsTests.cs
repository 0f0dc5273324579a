using System.Text.RegularExpressions;

namespace NginxKit.Cmdlets.Tests;

/// <summary>New-NginxConf: a route's own settings, whatever the input form, and the server-level options beside them.</summary>
public sealed class NewNginxConfSettingsTests : ModuleTests
{
    private const string ThreeRoutes = "@(@{ Path = '/volume'; Backend = '10.96.12.40'; Port = 8080 }, @{ Path = '/api'; Backend = '10.96.30.7'; Port = 80 }, @{ Path = '/legacy'; Backend = '10.96.31.9'; Port = 8081; StripPrefix = $false })";

    [Fact]
    public void ARoutesOwnSettingsReadAlikeFromHashtablesObjectsCsvRowsAndNginxRoutes()
    {
        var texts = Texts("""
            $route = [ordered]@{ Path = '/chat'; Backend = '10.0.0.1'; Port = 80; WebSocket = $true; ClientMaxBodySize = '50m'; ProxyReadTimeout = '2m'; ProxySendTimeout = 30; ProxyRedirect = $true }
            New-NginxConf -Route $route
            [pscustomobject]$route | Export-Csv "$dir/routes.csv"
            Import-Csv "$dir/routes.csv" | New-NginxConf
            [pscustomobject]$route | New-NginxConf
            [NginxKit.NginxRoute]@{ Path = '/chat'; Backend = '10.0.0.1'; Port = 80; WebSocket = $true; ClientMaxBodySize = '50m'; ProxyReadTimeout = '2m'; ProxySendTimeout = '30'; ProxyRedirect = $true } | New-NginxConf
            """, ("dir", Temp.Path));
        Assert.Equal(4, texts.Length);
        Assert.All(texts.Skip(1), t => Assert.Equal(texts[0], t));
        foreach (var line in new[] { "proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $nginxkit_connection_upgrade;", "client_max_body_size 50m;",
            "proxy_read_timeout 120s;", "proxy_send_timeout 30s;", "proxy_redirect / /chat/;" })
            Assert.Contains("        " + line, texts[0]);
    }

    [Fact]
    public void EmptyCsvCellsAreNotGiven()
    {
        var texts = Texts("""
            "Path,Backend,Port,WebSocket,ClientMaxBodySize,ProxyReadTimeout,ProxySendTimeout,ProxyRedirect`n/a,10.0.0.1,80,,,,,`n" | ConvertFrom-Csv | New-NginxConf
            New-NginxConf -Route @{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 }
            """);
        Assert.Equal(2, texts.Length);
        Assert.Equal(texts[1], texts[0]);
    }

    [Fact]
    public void BodySizeAndTimeoutsGoOnTheServerWhereARoutesOwnOverrideThem()
    {
        var conf = Assert.Single(Texts("@{ Path = '/big'; Backend = '10.0.0.1'; Port = 80; ClientMaxBodySize = '1g' }, @{ Path = '/plain'; Backend = '10.0.0.2'; Port = 80 } | New-NginxConf -ClientMaxBodySize 10M -ProxyReadTimeoutSec 45"));
        Assert.Matches("(?m)^    client_max_body_size 10m;$", conf);
        Assert.Matches("(?m)^    proxy_read_timeout 45s;$", conf);
        Assert.Matches("(?m)^        client_max_body_size 1g;$", conf);
        Assert.Equal(2, Regex.Matches(conf, "client_max_body_size").Count);
    }

    [Fact]
    public void WebSocketAndProxyRedirectApplyToEveryRouteThatDoesNotSayOtherwise()
    {
        var conf = Assert.Single(Texts("@{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 }, @{ Path = '/b'; Backend = '10.0.0.2'; Port = 80; WebSocket = 'false'; ProxyRedirect = 'false' } | New-NginxConf -WebSocket -ProxyRedirect"));
        Assert.Single(Regex.Matches(conf, "proxy_set_header Upgrade"));
        Assert.Single(Regex.Matches(conf, "proxy_redirect / /a/;"));
        Assert.Matches(@"location /b/ \{\n        proxy_pass http://10\.0\.0\.2:80/;\n        proxy_redirect off;", conf);
    }

    [Fact]
    public void TheServerIsDefaultServerUnlessNotDefaultServer()
    {
        var texts = Texts($"{ThreeRoutes} | New-NginxConf -Listen 8080; {ThreeRoutes} | New-NginxConf -Listen 8080 -NotDefaultServer");
        Assert.Matches("(?m)^    listen 8080 default_server;$", texts[0]);
        Assert.DoesNotContain("default_server", texts[1]);
    }

    [Fact]
    public void TlsPathsAreGivenToNginxAbsoluteResolvedFromTheCurrentLocation()
    {
        var texts = Texts($"Set-Location $dir; {ThreeRoutes} | New-NginxConf -TlsCertificate ./tls.crt -TlsKey ./tls.key -ErrorAction Stop; " +
            $"{ThreeRoutes} | New-NginxConf -TlsCertificate ./tls.crt -TlsKey ./tls.key -NginxVersion 1.27.3", ("dir", Temp.Path));
        Assert.Contains($"    ssl_certificate {Temp.Path}/tls.crt;", texts[0]);
        Assert.Contains($"    ssl_certificate_key {Temp.Path}/tls.key;", texts[0]);
        Assert.Matches("(?m)^    listen 443 ssl http2 default_server;$", texts[0]);
        Assert.Matches("(?m)^    http2 on;$", texts[1]);
    }

    [Theory]
    [InlineData("-TlsCertificate /etc/ssl/tls.crt")]
    [InlineData("-RedirectHttp")]
    [InlineData("-TlsCertificate /c.pem -TlsKey /k.pem -TlsListen 80")]
    public void AnIncompleteOrClashingTlsSettingIsInvalidTlsSetting(string options)
    {
        var result = Session.Run($"{ThreeRoutes} | New-NginxConf {options} -ErrorAction Stop");
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("InvalidTlsSetting,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Empty(result.Output);
    }
}
