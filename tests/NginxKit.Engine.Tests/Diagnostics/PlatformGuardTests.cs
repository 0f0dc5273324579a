using NginxKit.Engine.Diagnostics;
using Xunit;

namespace NginxKit.Engine.Tests.Diagnostics;

public sealed class PlatformGuardTests
{
    [Theory]
    [InlineData("Windows")]
    [InlineData("macOS")]
    [InlineData("FreeBSD")]
    public void ALinuxCommandIsRefusedElsewhereNamingThePlatform(string platform)
    {
        var problem = PlatformGuard.RequireLinux("Get-DockerService", "systemd", platform);
        Assert.NotNull(problem);
        Assert.Equal(ErrorCatalog.PlatformNotSupported, problem.Kind);
        Assert.Equal(ProblemCategory.NotImplemented, problem.Category);
        Assert.Equal(platform, problem.Target);
        Assert.Contains(platform, problem.Message);
        Assert.Contains("Get-DockerService needs systemd", problem.Message);
        Assert.NotNull(problem.Hint);
    }

    [Fact]
    public void OnLinuxTheCommandRuns()
    {
        Assert.Null(PlatformGuard.RequireLinux("Get-DockerJournal", "journald", PlatformGuard.Linux));
    }

    [Fact]
    public void TheCurrentPlatformIsTheOneThisProcessRunsOn()
    {
        Assert.Equal(OperatingSystem.IsLinux(), PlatformGuard.Current == PlatformGuard.Linux);
        Assert.Equal(OperatingSystem.IsLinux(), PlatformGuard.RequireLinux("Get-DockerService", "systemd") is null);
    }
}
