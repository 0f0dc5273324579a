namespace NginxKit.Cmdlets.Tests;

/// <summary>How New-NginxConf takes routes: hashtables, objects and NginxRoutes by property name, aliases, parameters.</summary>
public sealed class NewNginxConfBindingTests : IDisposable
{
    private readonly ModuleSession session = new();

    public void Dispose() => session.Dispose();

    // The lines of the rendered config that say where a route goes.
    private static string[] RouteLines(RunResult result) =>
        [.. ((string)Assert.Single(result.Output).BaseObject).Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith("# ", StringComparison.Ordinal) && !l.StartsWith("# nginxkit-hash", StringComparison.Ordinal) && !l.StartsWith("# Generated", StringComparison.Ordinal)
                || l.StartsWith("location /", StringComparison.Ordinal) || l.StartsWith("proxy_pass ", StringComparison.Ordinal))];

    [Fact]
    public void AHashtableGivenToRouteIsOneRoute()
    {
        var result = session.Run("New-NginxConf -Route @{ Path = '/api'; Backend = '10.0.0.5'; Port = 8080; Service = 'api'; Namespace = 'shop' }");
        Assert.Empty(result.Errors);
        Assert.Equal(["# shop/api", "location /api/ {", "proxy_pass http://10.0.0.5:8080/;"], RouteLines(result));
    }

    [Fact]
    public void PipedObjectsAreReadByTheParametersAliases()
    {
        // ClusterIP and ServiceName are what kubectl's output calls Backend and Service; CSV text for Port and StripPrefix.
        var result = session.Run("[pscustomobject]@{ Path = '/s'; ClusterIP = '10.0.0.9'; Port = '8080'; ServiceName = 'svc'; Namespace = 'ns'; StripPrefix = 'false' } | New-NginxConf");
        Assert.Empty(result.Errors);
        Assert.Equal(["# ns/svc", "location /s/ {", "proxy_pass http://10.0.0.9:8080;"], RouteLines(result));
    }

    [Fact]
    public void BackendWinsOverClusterIPWhenAnObjectHasBoth()
    {
        var result = session.Run("@{ Path = '/both'; ClusterIP = '10.0.0.1'; Backend = '10.0.0.2'; Port = 80 } | New-NginxConf");
        Assert.Empty(result.Errors);
        Assert.Equal(["location /both/ {", "proxy_pass http://10.0.0.2:80/;"], RouteLines(result));
    }

    [Fact]
    public void ImportCsvRowsBindByPropertyName()
    {
        var result = session.Run("'Path,Host,Port,Service,Namespace', '/csv,10.0.1.1,9000,web,front', '/csv2,10.0.1.2,9001,,' | ConvertFrom-Csv | New-NginxConf");
        Assert.Empty(result.Errors);
        Assert.Equal(["# front/web", "location /csv/ {", "proxy_pass http://10.0.1.1:9000/;", "location /csv2/ {", "proxy_pass http://10.0.1.2:9001/;"], RouteLines(result));
    }

    [Fact]
    public void AnArrayGivenToRouteIsEveryRouteInIt()
    {
        var result = session.Run("New-NginxConf -Route @(@{ Path = '/one'; Backend = '10.0.0.1'; Port = 81 }, @{ Path = '/two'; Backend = '10.0.0.2'; Port = 82 })");
        Assert.Empty(result.Errors);
        Assert.Equal(["location /one/ {", "proxy_pass http://10.0.0.1:81/;", "location /two/ {", "proxy_pass http://10.0.0.2:82/;"], RouteLines(result));
    }

    [Fact]
    public void PathBackendAndPortBindAsParametersWithTheHostAlias()
    {
        var result = session.Run("New-NginxConf -Path /param -Host 10.0.2.2 -Port 7000 -ServiceName pay -Namespace money -StripPrefix:$false");
        Assert.Empty(result.Errors);
        Assert.Equal(["# money/pay", "location /param/ {", "proxy_pass http://10.0.2.2:7000;"], RouteLines(result));
    }

    [Fact]
    public void ExplicitParametersMakePipedObjectsBindPropertyByProperty()
    {
        // -Port given: the ByProperty set, so each piped object's Path and Backend bind to the parameters.
        var result = session.Run("[pscustomobject]@{ Path = '/p1'; Backend = '10.0.3.1' }, [pscustomobject]@{ Path = '/p2'; Backend = '10.0.3.2' } | New-NginxConf -Port 8443");
        Assert.Empty(result.Errors);
        Assert.Equal(["location /p1/ {", "proxy_pass http://10.0.3.1:8443/;", "location /p2/ {", "proxy_pass http://10.0.3.2:8443/;"], RouteLines(result));
    }

    [Fact]
    public void AFractionalPortParameterIsRefusedByBinding()
    {
        var result = session.Run("New-NginxConf -Path /x -Backend 10.0.0.1 -Port 80.5");
        Assert.NotNull(result.Terminating);
        // -Port's WholeNumber transformation refuses 80.5 rather than rounding it to another service's port.
        Assert.Equal("ParameterArgumentTransformationError,NginxKit.Commands.Nginx.NewNginxConfCommand", result.Terminating!.FullyQualifiedErrorId);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void RoutesFromGetNginxRouteRenderWhole()
    {
        var result = session.Run("Get-NginxRoute -Path $services | New-NginxConf", ("services", Path.Combine(ModuleSession.Examples, "services.yaml")));
        Assert.Empty(result.Errors);
        Assert.Equal(
            // Ordered by path, whatever order the Services came in.
            ["# platform/api", "location /api/ {", "proxy_pass http://10.96.30.7:80/;",
             "# platform/api-v2", "location /api/v2/ {", "proxy_pass https://10.96.30.8:443/;",
             "# platform/dashboard", "location /dashboard/ {", "proxy_pass http://10.96.31.2:3000/;",
             "# platform/legacy", "location /legacy/ {", "proxy_pass http://10.96.31.9:8081;",
             "# storage/volume", "location /volume/ {", "proxy_pass http://10.96.12.40:8080/;"],
            RouteLines(result));
    }

    [Fact]
    public void ServerNameGivesRoutesWithoutOneTheirServer()
    {
        var result = session.Run("(New-NginxConf -Route @{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 } -ServerName shop.example.com) -split \"`n\" | Where-Object { $_ -match 'server_name' } | ForEach-Object Trim");
        Assert.Null(result.Terminating);
        Assert.Equal(["server_name shop.example.com;"], result.Output.Select(o => (string)o.BaseObject));
    }

    [Fact]
    public void ARenderingOptionCheckedBeforeAnyRouteStopsTheCommand()
    {
        var result = session.Run("@{ Path = '/a'; Backend = '10.0.0.1'; Port = 80 } | New-NginxConf -ErrorPageRoot relative/dir");
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("InvalidErrorPageRoot,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal("InvalidArgument", result.Terminating.CategoryInfo.Category.ToString());
        Assert.Empty(result.Output);
    }
}
