using System.Text.Json;
using System.Text.RegularExpressions;

namespace NginxKit.Cmdlets.Tests;

/// <summary>Set-DockerDaemonConfig on docker-ce's packaged units (-Root on a UnitTree): daemon.json alone, no systemctl.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // file modes, as the module's
public sealed class DockerDaemonConfigOfflineTests : ModuleTests
{
    private readonly string root;
    private readonly string daemonJson;

    public DockerDaemonConfigOfflineTests()
    {
        root = UnitTree.Create(Temp.File("root"));
        daemonJson = Path.Combine(root, "etc/docker/daemon.json");
    }

    [Fact]
    public void RefusesHostsInDaemonJsonAgainstTheUnitsFdSocketAndLeavesDaemonJsonUntouched()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(daemonJson)!);
        File.WriteAllText(daemonJson, "{\"hosts\":[\"unix:///var/run/docker.sock\"]}\n");
        var before = FileState.Of(daemonJson);

        // Twice: a refusal leaves nothing behind that changes the next one.
        var first = Session.Run("Set-DockerDaemonConfig -Root $root -Dns 9.9.9.9 -ErrorAction Stop", ("root", root));
        Assert.StartsWith("ConflictingDockerSetting,", first.Terminating?.FullyQualifiedErrorId);
        var result = Session.Run("Set-DockerDaemonConfig -Root $root -Dns 9.9.9.9 -ErrorAction Stop", ("root", root));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("ConflictingDockerSetting,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal("hosts", result.Terminating.TargetObject);
        Assert.Contains("'-H'", result.Terminating.ErrorDetails?.Message ?? "");
        Assert.Equal(before, FileState.Of(daemonJson));
        // No backup, no temp file.
        Assert.Equal(["daemon.json"], Directory.EnumerateFiles(Path.GetDirectoryName(daemonJson)!).Select(Path.GetFileName));
    }

    [Fact]
    public void TakesPowerShellsOwnValuesAPSCustomObjectAsAnObjectAndEveryIntegerTypeAsANumber()
    {
        var changed = Session.Run(
            "$setting = @{ 'log-opts' = '{\"max-size\":\"10m\",\"max-file\":\"3\"}' | ConvertFrom-Json; 'max-concurrent-downloads' = [uint64]3; " +
            "'max-concurrent-uploads' = [byte]2; 'shutdown-timeout' = [bigint]15; 'features' = [ordered]@{ buildkit = $true } }; " +
            "(Set-DockerDaemonConfig -Root $root -Setting $setting).Changed",
            ("root", root));
        Assert.Empty(changed.Errors);
        Assert.Null(changed.Terminating);
        Assert.Equal(true, Assert.Single(changed.Output).BaseObject);

        var text = File.ReadAllText(daemonJson);
        Assert.Matches(@"""max-concurrent-downloads"":\s*3\s*[,}]", text); // a [uint64] is a JSON number, not a string
        Assert.Matches(@"""max-concurrent-uploads"":\s*2\s*[,}]", text);
        Assert.Matches(@"""shutdown-timeout"":\s*15\s*[,}]", text); // a [bigint] is a JSON number too
        Assert.Matches(@"""buildkit"":\s*true", text);
        // An object is written as an object, not as its ToString().
        Assert.DoesNotMatch(new Regex("PSCustomObject|@\\{", RegexOptions.IgnoreCase), text);
        using var written = JsonDocument.Parse(text);
        var logOpts = written.RootElement.GetProperty("log-opts");
        Assert.Equal(JsonValueKind.Object, logOpts.ValueKind);
        Assert.Equal(["10m", "3"], new[] { logOpts.GetProperty("max-size").GetString()!, logOpts.GetProperty("max-file").GetString()! });
    }

    [Fact]
    public void CreatesDaemonJsonForRootAloneWhenItHoldsAProxyPasswordAndReadableOtherwise()
    {
        var secret = Session.Run("(Set-DockerDaemonConfig -Root $root -HttpsProxy 'http://ops:s3cret@proxy.example:3128').Changed", ("root", root));
        Assert.Empty(secret.Errors);
        Assert.Equal(true, Assert.Single(secret.Output).BaseObject);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(daemonJson));

        var plain = UnitTree.Create(Temp.File("plain"));
        var readable = Session.Run("(Set-DockerDaemonConfig -Root $root -Dns 9.9.9.9).Changed", ("root", plain));
        Assert.Empty(readable.Errors);
        Assert.Equal(true, Assert.Single(readable.Output).BaseObject);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(plain, "etc/docker/daemon.json")));
    }
}
