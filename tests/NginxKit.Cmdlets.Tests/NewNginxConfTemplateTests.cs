using System.Management.Automation;

namespace NginxKit.Cmdlets.Tests;

/// <summary>New-NginxConf -Template: the user's layout with only validated values in it, and the templates it refuses.</summary>
public sealed class NewNginxConfTemplateTests : ModuleTests
{
    private const string Routes = "@(@{ Path = '/volume'; Backend = '10.96.12.40'; Port = 8080 }, @{ Path = '/api'; Backend = '10.96.30.7'; Port = 80 })";
    [Fact]
    public void OnlyValidatedValuesArePlacedIntoTheLayout()
    {
        var template = Temp.File("t.conf");
        File.WriteAllText(template, "server {\n    listen {{ listen }};\n{{#routes}}    location {{ location }} { proxy_pass {{ proxy_pass }}; }\n{{/routes}}}\n");
        var result = Session.Run(
            $"$conf = @({Routes} | ForEach-Object {{ [pscustomobject]$_ }}) + [pscustomobject]@{{ Path = '/evil/ {{ return 200; }} #'; Backend = '10.0.0.1'; Port = 80 }} | " +
            "New-NginxConf -Template $template -Listen 8080 -ErrorVariable errs -ErrorAction SilentlyContinue; $errs.Count; $conf", ("template", template));
        Assert.Equal(2, result.Output.Count);
        Assert.Equal(1, result.Output[0].BaseObject);
        var conf = (string)result.Output[1].BaseObject;
        Assert.Contains("    location /api/ { proxy_pass http://10.96.30.7:80/; }", conf);
        Assert.Contains("listen 8080 default_server;", conf);
        Assert.DoesNotContain("evil", conf);
    }

    [Theory]
    [InlineData("missing.tmpl")]
    [InlineData(".")]
    public void ATemplateThatCannotBeReadIsTemplateNotReadable(string name)
    {
        var result = Session.Run($"New-NginxConf -Route {Routes} -Template $template -ErrorAction Stop", ("template", Temp.File(name)));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("TemplateNotReadable,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void TheEntrysSettingsGoWhereTheTemplateSays()
    {
        var template = Temp.File("entry.tmpl");
        File.WriteAllText(template, """
            {{ websocket_map }}
            server {
            {{ listen_directives }}    server_name {{ server_name }};
            {{ server_settings }}{{ healthz }}
            {{#routes}}    location {{ location }} {
                    proxy_pass {{ proxy_pass }};
            {{ directives }}    }
            {{/routes}}}

            """);
        var result = Session.Run(
            "New-NginxConf -Route @{ Path = '/chat'; Backend = '10.0.0.1'; Port = 80; WebSocket = $true; ProxyReadTimeout = '1h' } -Template $template -ClientMaxBodySize 8m -Listen 8080",
            ("template", template));
        Assert.Empty(result.Errors);
        var conf = (string)Assert.Single(result.Output).BaseObject;
        Assert.Matches(@"map \$http_upgrade \$nginxkit_connection_upgrade", conf);
        Assert.Matches(@"(?m)^    listen 8080 default_server;$", conf);
        Assert.Matches(@"(?m)^    client_max_body_size 8m;$", conf);
        Assert.Contains("location = /healthz", conf);
        Assert.Matches(@"(?m)^        proxy_set_header Upgrade \$http_upgrade;$", conf);
        Assert.Matches(@"(?m)^        proxy_read_timeout 3600s;$", conf);
    }

    [Fact]
    public void AnUnknownPlaceholderIsInvalidTemplate()
    {
        var template = Temp.File("bad.conf");
        File.WriteAllText(template, "server { {{ raw_annotation }} }\n");
        var result = Session.Run($"New-NginxConf -Route {Routes} -Template $template -ErrorAction Stop", ("template", template));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("InvalidTemplate,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Empty(result.Output);
    }
}
