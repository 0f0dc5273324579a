using System.Management.Automation;

namespace NginxKit.Cmdlets.Tests;

/// <summary>Get-NginxRoute -Path on the README's example Services: offline, no cluster.</summary>
public sealed class GetNginxRouteTests : IDisposable
{
    private static readonly string Services = Path.Combine(ModuleSession.Examples, "services.yaml");
    private readonly ModuleSession session = new();

    public void Dispose() => session.Dispose();

    private static string Describe(PSObject route) => string.Join(" ",
        new[] { "Path", "Backend", "Port", "Service", "Namespace", "StripPrefix", "BackendProtocol" }.Select(p => route.Properties[p].Value?.ToString() ?? "-"));

    [Fact]
    public void OnlyServicesThatOptInBecomeRoutes()
    {
        var result = session.Run("Get-NginxRoute -Path $services", ("services", Services));
        Assert.Empty(result.Errors);
        Assert.All(result.Output, o => Assert.Equal("NginxKit.NginxRoute", o.BaseObject.GetType().FullName));
        Assert.Equal(
            ["/volume 10.96.12.40 8080 volume storage True -",
             "/api 10.96.30.7 80 api platform True -",
             "/api/v2 10.96.30.8 443 api-v2 platform True https",
             "/dashboard 10.96.31.2 3000 dashboard platform True -",
             "/legacy 10.96.31.9 8081 legacy platform False -"],
            result.Output.Select(Describe));
        Assert.Equal(new DateTime(2023, 3, 10, 12, 0, 0), result.Output[0].Properties["Created"].Value);
    }

    [Fact]
    public void ExposeAllAddsServicesWithoutAnAnnotationButNeverTheSystemOnes()
    {
        var result = session.Run("(Get-NginxRoute -Path $services -ExposeAll).Path", ("services", Services));
        Assert.Empty(result.Errors);
        Assert.Equal(["/volume", "/api", "/api/v2", "/dashboard", "/legacy", "/grafana"], result.Output.Select(o => (string)o.BaseObject));
    }

    [Fact]
    public void NamespaceNarrowsTheServices()
    {
        var result = session.Run("(Get-NginxRoute -Path $services -Namespace storage).Path", ("services", Services));
        Assert.Equal(["/volume"], result.Output.Select(o => (string)o.BaseObject));
    }

    [Fact]
    public void EverySkippedServiceIsSaidWhy()
    {
        var result = session.Run("Get-NginxRoute -Path $services -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message", ("services", Services));
        Assert.Equal(
            ["Skipped Service default/kubernetes: it is the API server's own Service and does not opt in with an annotation.",
             "Skipped Service kube-system/metrics-server: it is in the system namespace kube-system and does not opt in with an annotation.",
             "Skipped Service nginx-entry/nginx-entry: it is the entry's own Service (app.kubernetes.io/managed-by: nginxkit) and does not opt in with an annotation.",
             "Skipped Service monitoring/grafana: it does not opt in: give it nginxkit.io/path, or nginxkit.io/expose: \"true\".",
             "Skipped Service storage/postgres: it does not opt in: give it nginxkit.io/path, or nginxkit.io/expose: \"true\"."],
            result.Output.Select(o => (string)o.BaseObject));
    }

    [Fact]
    public void AMissingFileIsOneErrorAndTheOtherPathsStillCount()
    {
        var result = session.Run("Get-NginxRoute -Path /nonexistent/services.yaml, $services", ("services", Services));
        var error = Assert.Single(result.Errors);
        Assert.Equal("ManifestNotFound,NginxKit.Commands.Kubernetes.GetNginxRouteCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("/nonexistent/services.yaml", error.TargetObject);
        Assert.Equal("Cannot find '/nonexistent/services.yaml'.", error.ErrorDetails.Message);
        Assert.Equal(5, result.Output.Count);
    }

    [Fact]
    public void FilesPipedFromGetItemBindByFullName()
    {
        var result = session.Run("(Get-Item $services | Get-NginxRoute).Count", ("services", Services));
        Assert.Empty(result.Errors);
        Assert.Equal(5, Assert.Single(result.Output).BaseObject);
    }

    [Fact]
    public void AClusterParameterBesidePathIsRefused()
    {
        var result = session.Run("Get-NginxRoute -Path $services -Context kind-dev", ("services", Services));
        Assert.NotNull(result.Terminating);
        Assert.Equal("KubeParameterWithPath,NginxKit.Commands.Kubernetes.GetNginxRouteCommand", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, result.Terminating.CategoryInfo.Category);
        Assert.Empty(result.Output);
    }
}
