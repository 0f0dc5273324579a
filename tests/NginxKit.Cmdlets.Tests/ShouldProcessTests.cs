namespace NginxKit.Cmdlets.Tests;

/// <summary>-WhatIf writes nothing and gives the planned result; -Confirm:$false writes.</summary>
public sealed class ShouldProcessTests : ModuleTests
{
    private const string Route = "@{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 }";
    private const string ThreeRoutes = "@(@{ Path = '/volume'; Backend = '10.96.12.40'; Port = 8080 }, @{ Path = '/api'; Backend = '10.96.30.7'; Port = 80 }, @{ Path = '/legacy'; Backend = '10.96.31.9'; Port = 8081; StripPrefix = $false })";
    [Fact]
    public void NewNginxConfWhatIfWritesNothingAndReturnsThePlan()
    {
        var file = Temp.File("default.conf");
        var result = Session.Run($"New-NginxConf -Route {Route} -OutFile $file -WhatIf", ("file", file));
        Assert.Empty(result.Errors);
        Assert.Empty(Temp.Files());
        var plan = Assert.Single(result.Output);
        Assert.Equal("NginxKit.Engine.Nginx.NginxConfWriteResult", plan.BaseObject.GetType().FullName);
        Assert.Equal(file, plan.Properties["Path"].Value);
        Assert.Equal(true, plan.Properties["Changed"].Value);
        Assert.Equal(1, plan.Properties["RouteCount"].Value);
        Assert.Null(plan.Properties["BackupPath"].Value);
        var diff = (string)plan.Properties["Diff"].Value;
        Assert.StartsWith($"--- /dev/null\n+++ {file}\n@@ -0,0 +1,35 @@\n", diff);
        Assert.Contains("\n+        proxy_pass http://10.0.0.1:80/;\n", diff);
    }

    [Fact]
    public void NewNginxConfWritesWhatItRendersAndHashesIt()
    {
        // In a folder that does not exist yet, as conf.d/ on a fresh host.
        var file = Temp.File("conf.d/default.conf");
        var result = Session.Run($"$text = New-NginxConf -Route {ThreeRoutes}; New-NginxConf -Route {ThreeRoutes} -OutFile $file -Confirm:$false; $text", ("file", file));
        Assert.Empty(result.Errors);
        Assert.Equal(["conf.d/default.conf"], Temp.Files());
        var written = result.Output[0];
        Assert.Equal(true, written.Properties["Changed"].Value);
        Assert.Equal(file, written.Properties["Path"].Value);
        Assert.Equal(3, written.Properties["RouteCount"].Value);
        Assert.Matches("^xxh128:[0-9a-f]{32}$", (string)written.Properties["Hash"].Value);
        Assert.Null(written.Properties["BackupPath"].Value);
        var text = (string)result.Output[1].BaseObject;
        Assert.Equal(text, File.ReadAllText(file));
        Assert.StartsWith($"# nginxkit-hash: {written.Properties["Hash"].Value}\n", text);
    }

    [Fact]
    public void NewNginxConfLeavesTheSameConfigUntouched()
    {
        var file = Temp.File("default.conf");
        var result = Session.Run($"New-NginxConf -Route {Route} -OutFile $file -Confirm:$false; (Get-Item $file).LastWriteTimeUtc = [datetime]'2020-01-01'; New-NginxConf -Route {Route} -OutFile $file -Confirm:$false", ("file", file));
        Assert.Empty(result.Errors);
        Assert.Equal(false, result.Output[1].Properties["Changed"].Value);
        Assert.Equal(new DateTime(2020, 1, 1), File.GetLastWriteTimeUtc(file));
        Assert.Equal(["default.conf"], Temp.Files());
    }

    [Fact]
    public void NewNginxConfKeepsABackupOfTheConfigItReplaces()
    {
        var file = Temp.File("default.conf");
        var result = Session.Run(
            $"New-NginxConf -Route {Route} -OutFile $file -Confirm:$false; $first = Get-Content -Raw $file; " +
            "New-NginxConf -Route @{ Path = '/b'; Backend = '10.0.0.1'; Port = 80 } -OutFile $file -Confirm:$false; $first", ("file", file));
        Assert.Empty(result.Errors);
        Assert.Equal(["default.conf", "default.conf.bak"], Temp.Files());
        Assert.Equal(true, result.Output[1].Properties["Changed"].Value);
        Assert.Equal(file + ".bak", result.Output[1].Properties["BackupPath"].Value);
        Assert.Equal((string)result.Output[2].BaseObject, File.ReadAllText(file + ".bak"));
        Assert.Contains("location /b/ {", File.ReadAllText(file));
    }

    [Fact]
    public void NewNginxConfWithNoValidRouteWritesNothing()
    {
        var file = Temp.File("default.conf");
        var result = Session.Run("@{ Path = '/b'; Backend = '10.0.0.2'; Port = 'x' } | New-NginxConf -OutFile $file -Confirm:$false", ("file", file));
        Assert.Equal("InvalidRoutePort", Assert.Single(result.Errors).FullyQualifiedErrorId.Split(',')[0]);
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("NoValidRoutes,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal(file, result.Terminating.TargetObject);
        Assert.Empty(Temp.Files());
    }

    [Fact]
    public void NewNginxConfWithNoRouteLeavesAnExistingConfigAsItWas()
    {
        var file = Temp.File("default.conf");
        var fresh = Temp.File("new.conf");
        var result = Session.Run(
            $"New-NginxConf -Route {ThreeRoutes} -OutFile $file -Confirm:$false | Out-Null; $before = Get-Content -Raw $file; " +
            "try { @{ Path = '/x;y'; Backend = '10.0.0.1'; Port = 80 } | New-NginxConf -OutFile $file -ErrorAction SilentlyContinue } catch { $_.FullyQualifiedErrorId }; " +
            "try { New-NginxConf -Route @() -OutFile $fresh } catch { $_.FullyQualifiedErrorId }; $before",
            ("file", file), ("fresh", fresh));
        Assert.Null(result.Terminating);
        Assert.StartsWith("NoValidRoutes,", (string)result.Output[0].BaseObject);
        Assert.StartsWith("NoValidRoutes,", (string)result.Output[1].BaseObject);
        Assert.Equal((string)result.Output[2].BaseObject, File.ReadAllText(file));
        Assert.Equal(["default.conf"], Temp.Files());
    }

    [Fact]
    public void NewNginxConfAllowEmptyWritesAConfigWithoutRoutes()
    {
        var file = Temp.File("default.conf");
        var result = Session.Run($"New-NginxConf -Route {Route} -OutFile $file -Confirm:$false | Out-Null; " +
            "@{ Path = '/b'; Backend = '10.0.0.2'; Port = 'x' } | New-NginxConf -OutFile $file -AllowEmpty -Confirm:$false -ErrorAction SilentlyContinue", ("file", file));
        Assert.Null(result.Terminating);
        var written = Assert.Single(result.Output);
        Assert.Equal(true, written.Properties["Changed"].Value);
        Assert.Equal(0, written.Properties["RouteCount"].Value);
        var text = File.ReadAllText(file);
        Assert.Contains("location = /healthz", text);
        Assert.DoesNotContain("proxy_pass", text);
    }

    [Fact]
    public void NewNginxConfWhatIfShowsTheDiffAgainstTheCurrentFile()
    {
        var file = Temp.File("default.conf");
        var result = Session.Run(
            $"New-NginxConf -Route {ThreeRoutes} -OutFile $file -Confirm:$false | Out-Null; $before = Get-Content -Raw $file; " +
            $"New-NginxConf -Route {ThreeRoutes}[0], {ThreeRoutes}[1] -OutFile $file -WhatIf; $before", ("file", file));
        Assert.Empty(result.Errors);
        Assert.Equal((string)result.Output[1].BaseObject, File.ReadAllText(file));
        Assert.Equal(true, result.Output[0].Properties["Changed"].Value);
        Assert.Matches(@"(?m)^-    location /legacy/ \{$", (string)result.Output[0].Properties["Diff"].Value);
    }
}
