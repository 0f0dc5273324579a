using System.Management.Automation;

namespace NginxKit.Cmdlets.Tests;

public sealed class ModuleLoadingTests : IDisposable
{
    private readonly ModuleSession session = new();

    public void Dispose() => session.Dispose();

    [Fact]
    public void TheManifestImportsEveryExportedCmdlet()
    {
        var result = session.Run("(Get-Module NginxKit).ExportedCmdlets.Count; (Get-Module NginxKit).Version.ToString()");
        Assert.Null(result.Terminating);
        Assert.Equal(25, (int)result.Output[0].BaseObject);
        Assert.Equal("0.1.0", result.Output[1].BaseObject);
    }

    [Fact]
    public void TheEngineAndItsPackagesLoadInTheModulesOwnContext()
    {
        // YamlDotNet is first used by reading a manifest; then it must sit in NginxKit's context, not the default one.
        var result = session.Run(
            "$null = Get-NginxRoute -Path $services; " +
            "[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in 'NginxKit', 'NginxKit.Engine', 'YamlDotNet' } | " +
            "ForEach-Object { '{0}={1}' -f $_.GetName().Name, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name } | Sort-Object",
            ("services", Path.Combine(ModuleSession.Examples, "services.yaml")));
        Assert.Null(result.Terminating);
        Assert.Equal(["NginxKit.Engine=NginxKit", "NginxKit=Default", "YamlDotNet=NginxKit"], result.Output.Select(o => (string)o.BaseObject));
    }
}
