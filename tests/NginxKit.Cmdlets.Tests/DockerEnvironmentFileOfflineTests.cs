using System.Text.Json;

namespace NginxKit.Cmdlets.Tests;

/// <summary>Set-/Get-DockerEnvironmentFile on docker-ce's packaged units (-Root on a UnitTree): files only, no systemctl.</summary>
public sealed class DockerEnvironmentFileOfflineTests : ModuleTests
{
    private readonly string root;
    private readonly string environmentFile;

    public DockerEnvironmentFileOfflineTests()
    {
        root = UnitTree.Create(Temp.File("root"));
        environmentFile = Path.Combine(root, "etc/default/docker");
    }

    [Fact]
    public void RefusesDnsWhenDaemonJsonSetsDnsAndWritesNothing()
    {
        var daemonJson = Path.Combine(root, "etc/docker/daemon.json");
        Directory.CreateDirectory(Path.GetDirectoryName(daemonJson)!);
        File.WriteAllText(daemonJson, "{\"dns\":[\"1.1.1.1\"]}\n");
        var before = FileState.Of(daemonJson);

        var result = Session.Run("Set-DockerEnvironmentFile -Root $root -Dns 9.9.9.9 -ErrorAction Stop", ("root", root));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("ConflictingDockerSetting,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal(before, FileState.Of(daemonJson));
        Assert.False(File.Exists(environmentFile));
        Assert.False(Directory.Exists(Path.Combine(root, "etc/systemd/system/docker.service.d")));

        // The control: with no flag for it, the same daemon.json key is Set-DockerDaemonConfig's to change.
        var control = Session.Run("(Set-DockerDaemonConfig -Root $root -Dns 9.9.9.9).Changed", ("root", root));
        Assert.Empty(control.Errors);
        Assert.Equal(true, Assert.Single(control.Output).BaseObject);
        using var written = JsonDocument.Parse(File.ReadAllText(daemonJson));
        Assert.Equal(["9.9.9.9"], written.RootElement.GetProperty("dns").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void BindsNoProxyGivenAsAListAsWrittenInTheRequirements()
    {
        var result = Session.Run("Set-DockerEnvironmentFile -Root $root -NoProxy localhost, 10.0.0.0/8 -ErrorAction Stop", ("root", root));
        Assert.Empty(result.Errors);
        Assert.Null(result.Terminating);
        Assert.Contains("no_proxy=\"localhost,10.0.0.0/8\"", File.ReadAllLines(environmentFile));
    }

    [Fact]
    public void GetDockerEnvironmentFileShowsNoProxyPasswordInItsDefaultView()
    {
        File.WriteAllText(environmentFile, "http_proxy=\"http://user:secret@proxy.example:3128\"\nexport https_proxy=http://user:secret@proxy.example:3129\n");
        var printed = string.Join("\n", Texts("Get-DockerEnvironmentFile -Root $root 3>&1 | Out-String -Width 4096", ("root", root)));
        Assert.Contains("http://user:***@proxy.example:3128", printed); // Variables is masked
        Assert.DoesNotContain("secret", printed, StringComparison.OrdinalIgnoreCase);
    }
}
