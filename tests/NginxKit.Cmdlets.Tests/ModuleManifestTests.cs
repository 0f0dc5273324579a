using System.Collections;
using System.Text.RegularExpressions;

namespace NginxKit.Cmdlets.Tests;

/// <summary>NginxKit.psd1 as the built module carries it, read by Import-PowerShellDataFile, and the module's folder.</summary>
public sealed class ModuleManifestTests : IDisposable
{
    private static readonly string ModuleDirectory = Path.GetDirectoryName(ModuleSession.ModuleManifest)!;
    private readonly ModuleSession session = new();
    private readonly Hashtable manifest;

    public ModuleManifestTests()
    {
        var result = session.Run("Import-PowerShellDataFile -LiteralPath $manifest", ("manifest", ModuleSession.ModuleManifest));
        Assert.Null(result.Terminating);
        manifest = (Hashtable)Assert.Single(result.Output).BaseObject;
    }

    public void Dispose() => session.Dispose();

    [Fact]
    public void ExportsAnExplicitListOfCmdletsWithNoWildcards()
    {
        var cmdlets = Strings(manifest["CmdletsToExport"]);
        Assert.NotEmpty(cmdlets);
        Assert.DoesNotContain(cmdlets, c => c.Contains('*'));
        Assert.Empty(Strings(manifest["FunctionsToExport"]));
        Assert.Empty(Strings(manifest["AliasesToExport"]));
    }

    [Fact]
    public void IsForPowerShell76CoreWithAFormatFileAndNoTypesFile()
    {
        Assert.Equal(["Core"], Strings(manifest["CompatiblePSEditions"]));
        Assert.Equal("7.6", manifest["PowerShellVersion"]);
        Assert.Equal(["NginxKit.format.ps1xml"], Strings(manifest["FormatsToProcess"]));
        // Members are C# properties: a types file would cost every import about 7 ms.
        Assert.Empty(Strings(manifest["TypesToProcess"]));
    }

    [Fact]
    public void CarriesTagsAProjectUriAndReleaseNotes()
    {
        var data = (Hashtable)((Hashtable)manifest["PrivateData"]!)["PSData"]!;
        Assert.Contains("nginx", Strings(data["Tags"]));
        Assert.False(string.IsNullOrEmpty(data["ProjectUri"] as string));
        Assert.Matches(new Regex((string)manifest["ModuleVersion"]!, RegexOptions.IgnoreCase), (string)data["ReleaseNotes"]!);
    }

    [Fact]
    public void KeepsTheEngineAndItsPackagesInDependenciesNeverBesideNginxKitDll()
    {
        Assert.Equal(["NginxKit.dll"], Directory.EnumerateFiles(ModuleDirectory, "*.dll").Select(Path.GetFileName));
        foreach (var dll in new[] { "NginxKit.Engine.dll", "KubernetesClient.dll", "YamlDotNet.dll" })
            Assert.True(File.Exists(Path.Combine(ModuleDirectory, "Dependencies", dll)), $"Dependencies/{dll} is missing");
    }

    /// <summary>A manifest value as strings: none for a missing key or an empty list, one for a scalar.</summary>
    private static string[] Strings(object? value) => value switch
    {
        null => [],
        string s => [s],
        IEnumerable items => [.. items.Cast<object>().Select(i => i.ToString()!)],
        _ => [value.ToString()!],
    };
}
