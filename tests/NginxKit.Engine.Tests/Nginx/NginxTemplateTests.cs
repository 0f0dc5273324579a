using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Nginx;
using Xunit;

namespace NginxKit.Engine.Tests.Nginx;

public class NginxTemplateTests
{
    private static readonly IReadOnlyList<AcceptedRoute> Accepted = RouteSet.Build(
    [
        new Route("/volume", "10.0.0.1", 8080) { Service = "volume", Namespace = "storage" },
        new Route("/api", "10.0.0.2", 80) { StripPrefix = false },
    ]).Accepted;

    [Fact]
    public void RouteSectionsRepeatWithValidatedValues()
    {
        var template = NginxTemplate.Parse("""
            server {
                listen {{ listen }};
                server_name {{server_name}};
            {{#routes}}
                location {{ location }} { proxy_pass {{ proxy_pass }}; } # {{ namespace }}/{{ service }} {{ backend }}:{{ port }} {{ path }}
            {{/routes}}
            }
            """);
        var conf = template.Render(Accepted, new NginxConfOptions { Listen = ["8080"], ServerName = "x.example" });
        Assert.Contains("    listen 8080 default_server;\n    server_name x.example;\n", conf.Text);
        Assert.Contains("    location /api/ { proxy_pass http://10.0.0.2:80; } # / 10.0.0.2:80 /api\n", conf.Text);
        Assert.Contains("    location /volume/ { proxy_pass http://10.0.0.1:8080/; } # storage/volume 10.0.0.1:8080 /volume\n", conf.Text);
        Assert.True(NginxConfRenderer.HasIntactHash(conf.Text));
        Assert.Equal(2, conf.RouteCount);
    }

    [Fact]
    public void LocationsPlaceholderRendersTheDefaultBlocks()
    {
        var conf = NginxTemplate.Parse("server {\n    listen 80;\n{{ locations }}}\n").Render(Accepted, new NginxConfOptions());
        var standard = NginxConf.Render(Accepted, new NginxConfOptions()).Text;
        var block = standard[standard.IndexOf("\n    # storage/volume", StringComparison.Ordinal)..standard.IndexOf("\n    error_page", StringComparison.Ordinal)];
        Assert.Contains(block, conf.Text);
    }

    [Theory]
    [InlineData("{{ raw_path }}", "line 1: unknown placeholder 'raw_path'")]
    [InlineData("a\n{{#routes}}{{ locations }}{{/routes}}", "line 2: unknown placeholder 'locations'")]
    [InlineData("{{ location }}", "unknown placeholder 'location'")]
    [InlineData("{{#routes}}", "never closed")]
    [InlineData("{{/routes}}", "closes no section")]
    [InlineData("{{#routes}}{{#routes}}{{/routes}}{{/routes}}", "cannot nest")]
    [InlineData("{{ listen", "no closing }}")]
    public void TemplateMistakesAreInvalidTemplateErrors(string text, string message)
    {
        var ex = Assert.Throws<NginxKitException>(() => NginxTemplate.Parse(text, "t.conf"));
        Assert.Equal(ErrorCatalog.InvalidTemplate.Id, ex.Problem.ErrorId);
        Assert.Contains(message, ex.Problem.Message);
    }
}
