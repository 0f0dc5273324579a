namespace NginxKit.Cmdlets.Tests;

/// <summary>The Docker cmdlets' errors where their tool or system is missing: no docker client, no daemon, systemd not PID 1, no environment file.</summary>
public sealed class DockerMissingToolTests : ModuleTests
{
    [Fact]
    public void GetDockerVersionWithNoDockerClientIsDockerNotFound()
    {
        var result = Session.Run("Get-DockerVersion -DockerPath $docker -ErrorAction Stop", ("docker", Temp.File("no-such-docker")));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("DockerNotFound,", result.Terminating!.FullyQualifiedErrorId);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void GetDockerVersionWithAClientThatPrintsNoVersionIsDockerVersionFailed()
    {
        var fake = Temp.File("silent-docker");
        File.WriteAllText(fake, "#!/bin/sh\necho 'no daemon here' >&2\nexit 1\n");
        File.SetUnixFileMode(fake, (UnixFileMode)0b111_101_101);
        var result = Session.Run("Get-DockerVersion -DockerPath $docker -ErrorAction Stop", ("docker", fake));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("DockerVersionFailed,", result.Terminating!.FullyQualifiedErrorId);
    }

    [Fact]
    public void AUnitCmdletWhereSystemdIsNotPid1IsSystemdNotRunningNamingTheUnitWithNoSystemctlCommandLine()
    {
        var result = Session.Run("Get-DockerService");
        Assert.Null(result.Terminating);
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("SystemdNotRunning,", error.FullyQualifiedErrorId);
        Assert.Equal("docker.service", error.TargetObject);
        Assert.Matches("systemd is not running", error.ErrorDetails.Message);
        Assert.DoesNotMatch("systemctl show|-p |Get-DockerJournal", error.ErrorDetails.Message);
        Assert.Equal("ResourceUnavailable", error.CategoryInfo.Category.ToString());
    }

    [Fact]
    public void TestDockerEngineWhereSystemdIsNotPid1SendsNoOneToAUnitCmdletOrTheUnitsLog()
    {
        var result = Session.Run(
            "$health = Test-DockerEngine -Socket $socket; $checks = @{}; foreach ($check in $health.Checks) { $checks[$check.Name] = $check }; " +
            "[pscustomobject]@{ UnitPassed = $checks.UnitActive.Passed; UnitMessage = $checks.UnitActive.Message; DaemonPassed = $checks.DaemonAnswers.Passed; DaemonFix = $checks.DaemonAnswers.Fix; " +
            "Pointers = @(@($health.Checks | Where-Object Fix | ForEach-Object Fix) -match 'Get-DockerJournal|Start-DockerService') }",
            ("socket", Temp.File("no-daemon.sock")));
        Assert.Null(result.Terminating);
        Assert.Equal(false, result.Single("UnitPassed"));
        Assert.Matches("systemd is not running", (string)result.Single("UnitMessage")!);
        Assert.Equal(false, result.Single("DaemonPassed"));
        Assert.Matches("systemd is not running here", (string)result.Single("DaemonFix")!);
        Assert.Empty((System.Collections.IEnumerable)result.Single("Pointers")!);
    }

    [Fact]
    public void GetDockerEnvironmentFileOnATreeWithoutTheFileIsEnvironmentFileNotFound()
    {
        var result = Session.Run("Get-DockerEnvironmentFile -Root $root", ("root", Temp.Path));
        Assert.Null(result.Terminating);
        Assert.Empty(result.Output);
        Assert.StartsWith("EnvironmentFileNotFound,", result.Errors[0].FullyQualifiedErrorId);
    }

    [Fact]
    public void RestartWithRootIsRefusedBeforeAnythingIsReadOrWritten()
    {
        var result = Session.Run("Set-DockerEnvironmentFile -Root $root -Dns 1.1.1.1 -Restart -ErrorAction Stop", ("root", Temp.Path));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("RestartWithRoot,", result.Terminating!.FullyQualifiedErrorId);
        Assert.False(Directory.Exists(Temp.File("etc")));
    }
}
