using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace NginxKit.Cmdlets.Tests;

/// <summary>The SDK these tests host the module with is theirs alone: the built module neither carries nor references it.</summary>
public sealed class ShippedModuleTests
{
    private static readonly string ModuleDirectory = Path.GetDirectoryName(ModuleSession.ModuleManifest)!;

    [Fact]
    public void TheModuleCarriesNoPowerShellAssembly()
    {
        var dlls = Directory.EnumerateFiles(ModuleDirectory, "*.dll", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Contains("NginxKit.dll", dlls);
        Assert.Contains("NginxKit.Engine.dll", dlls);
        Assert.DoesNotContain(dlls, d => d!.StartsWith("System.Management.Automation", StringComparison.Ordinal)
            || d.StartsWith("Microsoft.PowerShell.", StringComparison.Ordinal) || d.StartsWith("Microsoft.Management.Infrastructure", StringComparison.Ordinal));
    }

    [Fact]
    public void NoModuleAssemblyReferencesWhatOnlyTheSdkBrings()
    {
        // System.Management.Automation is PowerShell's own, present in any pwsh; the SDK's other assemblies are not.
        foreach (var dll in Directory.EnumerateFiles(ModuleDirectory, "*.dll", SearchOption.AllDirectories))
        {
            using var pe = new PEReader(File.OpenRead(dll));
            var metadata = pe.GetMetadataReader();
            var references = metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToArray();
            Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.PowerShell.", StringComparison.Ordinal) || r.StartsWith("Microsoft.Management.Infrastructure", StringComparison.Ordinal));
            if (Path.GetFileName(dll) == "NginxKit.dll") Assert.Contains("System.Management.Automation", references);
        }
    }
}
