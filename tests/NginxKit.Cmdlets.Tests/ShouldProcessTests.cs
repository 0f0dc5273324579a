namespace NginxKit.Cmdlets.Tests;

/// <summary>-WhatIf writes nothing and gives the planned result; -Confirm:$false writes.</summary>
public sealed class ShouldProcessTests : IDisposable
{
    private const string Route = "@{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 }";
    private readonly ModuleSession session = new();
    private readonly TempDirectory temp = new();

    public void Dispose()
    {
        session.Dispose();
        temp.Dispose();
    }

    [Fact]
    public void NewNginxConfWhatIfWritesNothingAndReturnsThePlan()
    {
        var file = temp.File("default.conf");
        var result = session.Run($"New-NginxConf -Route {Route} -OutFile $file -WhatIf", ("file", file));
        Assert.Empty(result.Errors);
        Assert.Empty(temp.Files());
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
        var file = temp.File("default.conf");
        var result = session.Run($"$text = New-NginxConf -Route {Route}; New-NginxConf -Route {Route} -OutFile $file -Confirm:$false; $text", ("file", file));
        Assert.Empty(result.Errors);
        Assert.Equal(["default.conf"], temp.Files());
        var written = result.Output[0];
        Assert.Equal(true, written.Properties["Changed"].Value);
        Assert.Null(written.Properties["BackupPath"].Value);
        var text = (string)result.Output[1].BaseObject;
        Assert.Equal(text, File.ReadAllText(file));
        Assert.StartsWith($"# nginxkit-hash: {written.Properties["Hash"].Value}\n", text);
    }

    [Fact]
    public void NewNginxConfLeavesTheSameConfigUntouched()
    {
        var file = temp.File("default.conf");
        var result = session.Run($"New-NginxConf -Route {Route} -OutFile $file -Confirm:$false; (Get-Item $file).LastWriteTimeUtc = [datetime]'2020-01-01'; New-NginxConf -Route {Route} -OutFile $file -Confirm:$false", ("file", file));
        Assert.Empty(result.Errors);
        Assert.Equal(false, result.Output[1].Properties["Changed"].Value);
        Assert.Equal(new DateTime(2020, 1, 1), File.GetLastWriteTimeUtc(file));
        Assert.Equal(["default.conf"], temp.Files());
    }

    [Fact]
    public void NewNginxConfKeepsABackupOfTheConfigItReplaces()
    {
        var file = temp.File("default.conf");
        var result = session.Run(
            $"New-NginxConf -Route {Route} -OutFile $file -Confirm:$false; $first = Get-Content -Raw $file; " +
            "New-NginxConf -Route @{ Path = '/b'; Backend = '10.0.0.1'; Port = 80 } -OutFile $file -Confirm:$false; $first", ("file", file));
        Assert.Empty(result.Errors);
        Assert.Equal(["default.conf", "default.conf.bak"], temp.Files());
        Assert.Equal(file + ".bak", result.Output[1].Properties["BackupPath"].Value);
        Assert.Equal((string)result.Output[2].BaseObject, File.ReadAllText(file + ".bak"));
        Assert.Contains("location /b/ {", File.ReadAllText(file));
    }

    [Fact]
    public void NewNginxConfWithNoValidRouteWritesNothing()
    {
        var file = temp.File("default.conf");
        var result = session.Run("@{ Path = '/b'; Backend = '10.0.0.2'; Port = 'x' } | New-NginxConf -OutFile $file -Confirm:$false", ("file", file));
        Assert.Equal("InvalidRoutePort", Assert.Single(result.Errors).FullyQualifiedErrorId.Split(',')[0]);
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("NoValidRoutes,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal(file, result.Terminating.TargetObject);
        Assert.Empty(temp.Files());
    }

    [Fact]
    public void NewNginxConfAllowEmptyWritesAConfigWithoutRoutes()
    {
        var file = temp.File("default.conf");
        var result = session.Run("@{ Path = '/b'; Backend = '10.0.0.2'; Port = 'x' } | New-NginxConf -OutFile $file -AllowEmpty -Confirm:$false -ErrorAction SilentlyContinue", ("file", file));
        Assert.Null(result.Terminating);
        Assert.Equal(0, Assert.Single(result.Output).Properties["RouteCount"].Value);
        Assert.DoesNotContain("proxy_pass", File.ReadAllText(file));
    }
}
