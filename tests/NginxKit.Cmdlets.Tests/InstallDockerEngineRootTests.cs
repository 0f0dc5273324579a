namespace NginxKit.Cmdlets.Tests;

/// <summary>Install-DockerEngine -Source Docker on another tree (-Root): the apt key and source planned and written, no apt-get run.</summary>
public sealed class InstallDockerEngineRootTests : ModuleTests
{
    private const string DockerList = "etc/apt/sources.list.d/docker.list";
    private readonly string key;

    public InstallDockerEngineRootTests()
    {
        Directory.CreateDirectory(Temp.File("etc"));
        File.WriteAllText(Temp.File("etc/os-release"), "PRETTY_NAME=\"Ubuntu 24.04 LTS\"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\nUBUNTU_CODENAME=noble\n");
        key = Temp.File("docker.asc");
        File.WriteAllText(key, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBFit2ioBEADhWpZ8/wvZ6hUTiXOwQHXMAlaFHcPH9hAtr4F1y2+OYdbtMuth\n-----END PGP PUBLIC KEY BLOCK-----\n");
    }

    [Fact]
    public void WhatIfPlansASignedByKeyringAndSourceForTheDetectedSuiteAndWritesNothing()
    {
        var result = Session.Run(
            "$r = Install-DockerEngine -Source Docker -KeyPath $key -Root $root -Architecture arm64 -WhatIf; " +
            "$files = @($r.Plan.Steps | Where-Object Kind -eq File); " +
            "[pscustomobject]@{ Targets = @($files.Target); Needed = @($files.Needed); Source = $files[1].Content; " +
            "Commands = @(($r.Plan.Steps | Where-Object Kind -eq Command).Target); AptKey = @(($r.Plan.Steps.Target + $r.Plan.Steps.Description) -match 'apt-key') }",
            ("key", key), ("root", Temp.Path));
        Assert.Empty(result.Errors);
        Assert.Null(result.Terminating);
        Assert.Equal([$"{Temp.Path}/etc/apt/keyrings/docker.asc", $"{Temp.Path}/{DockerList}"], Values(result.Single("Targets")));
        Assert.Equal([true, true], Values(result.Single("Needed")));
        Assert.Equal("deb [arch=arm64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu noble stable\n", result.Single("Source"));
        Assert.Equal(["apt-get update", "apt-get install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin"], Values(result.Single("Commands")));
        Assert.Empty(Values(result.Single("AptKey")));
        Assert.False(Directory.Exists(Temp.File("etc/apt")));
    }

    [Fact]
    public void WritesTheKeyAndTheSourceAndASecondRunChangesNothing()
    {
        var first = Session.Run("Install-DockerEngine -Source Docker -KeyPath $key -Root $root -Architecture amd64 -Confirm:$false", ("key", key), ("root", Temp.Path));
        Assert.Empty(first.Errors);
        Assert.Null(first.Terminating);
        Assert.Equal(true, first.Single("Changed"));
        Assert.Equal(File.ReadAllBytes(key), File.ReadAllBytes(Temp.File("etc/apt/keyrings/docker.asc")));
        Assert.Equal("deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu noble stable\n", File.ReadAllText(Temp.File(DockerList)));
        var before = File.GetLastWriteTimeUtc(Temp.File(DockerList));

        var again = Session.Run(
            "$again = @(Install-DockerEngine -Source Docker -KeyPath $key -Root $root -Architecture amd64 -Confirm:$false); " +
            "[pscustomobject]@{ Count = $again.Count; Changed = $again[0].Changed; Needed = @($again.Plan.Steps | Where-Object Needed).Count }",
            ("key", key), ("root", Temp.Path));
        Assert.Empty(again.Errors);
        Assert.Null(again.Terminating);
        Assert.Equal(1, again.Single("Count"));
        Assert.Equal(false, again.Single("Changed"));
        Assert.Equal(0, again.Single("Needed"));
        Assert.Equal(before, File.GetLastWriteTimeUtc(Temp.File(DockerList)));
    }

    [Fact]
    public void RefusesAKeyFileThatIsNotAnOpenPgpKey()
    {
        File.WriteAllText(key, "not a key\n");
        var result = Session.Run("Install-DockerEngine -Source Docker -KeyPath $key -Root $root -WhatIf -ErrorAction Stop", ("key", key), ("root", Temp.Path));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("KeyNotUsable,", result.Terminating!.FullyQualifiedErrorId);
    }

    [Fact]
    public void RefusesAHostThatIsNotDebianOrUbuntu()
    {
        File.WriteAllText(Temp.File("etc/os-release"), "ID=fedora\nVERSION_ID=40\n");
        var result = Session.Run("Install-DockerEngine -Source Docker -Root $root -WhatIf -ErrorAction Stop", ("root", Temp.Path));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("UnsupportedDistribution,", result.Terminating!.FullyQualifiedErrorId);
    }

    private static object[] Values(object? value) => [.. ((System.Collections.IEnumerable)value!).Cast<object>().Select(v => v is System.Management.Automation.PSObject p ? p.BaseObject : v)];
}
