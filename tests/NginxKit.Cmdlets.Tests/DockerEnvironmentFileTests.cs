namespace NginxKit.Cmdlets.Tests;

/// <summary>Set-DockerEnvironmentFile on another tree (-Root): no systemctl, only files.</summary>
public sealed class DockerEnvironmentFileTests : IDisposable
{
    private const string Settings = "-Root $root -Dns 10.0.0.53 -HttpProxy http://proxy:3128";
    private const string DropIn = "etc/systemd/system/docker.service.d/zz-nginxkit-environment.conf";
    private readonly ModuleSession session = new();
    private readonly TempDirectory root = new();

    public DockerEnvironmentFileTests()
    {
        // Docker's packaged unit, where the package installs it.
        Directory.CreateDirectory(root.File("lib/systemd/system"));
        File.Copy(Path.Combine(ModuleSession.Examples, "docker.service"), root.File("lib/systemd/system/docker.service"));
    }

    public void Dispose()
    {
        session.Dispose();
        root.Dispose();
    }

    [Fact]
    public void WhatIfWritesNothingAndReturnsThePlannedChange()
    {
        var result = session.Run($"Set-DockerEnvironmentFile {Settings} -WhatIf", ("root", root.Path));
        Assert.Empty(result.Errors);
        Assert.Equal(["lib/systemd/system/docker.service"], root.Files());
        var plan = Assert.Single(result.Output);
        Assert.Equal(true, plan.Properties["Changed"].Value);
        Assert.Empty((IEnumerable<string>)plan.Properties["FilesTouched"].Value);
        Assert.Equal(false, plan.Properties["DaemonReloaded"].Value);
        var diff = (string)plan.Properties["Diff"].Value;
        Assert.StartsWith($"--- /dev/null\n+++ {root.File("etc/default/docker")}\n@@ -0,0 +1,2 @@\n+DOCKER_OPTS=\"--dns 10.0.0.53\"\n+http_proxy=\"http://proxy:3128\"\n", diff);
    }

    [Fact]
    public void ConfirmFalseWritesTheEnvironmentFileAndTheDropIn()
    {
        var result = session.Run($"Set-DockerEnvironmentFile {Settings} -Confirm:$false", ("root", root.Path));
        Assert.Empty(result.Errors);
        Assert.Equal(["etc/default/docker", DropIn, "lib/systemd/system/docker.service"], root.Files());
        var written = Assert.Single(result.Output);
        Assert.Equal([root.File("etc/default/docker"), root.File(DropIn)], (IEnumerable<string>)written.Properties["FilesTouched"].Value);
        Assert.Equal("DOCKER_OPTS=\"--dns 10.0.0.53\"\nhttp_proxy=\"http://proxy:3128\"\n", File.ReadAllText(root.File("etc/default/docker")));
        // The drop-in repeats the packaged ExecStart with $DOCKER_OPTS, so dockerd receives the file's options.
        Assert.Equal(
            ["[Service]", "EnvironmentFile=-/etc/default/docker", "ExecStart=", "ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS"],
            File.ReadAllLines(root.File(DropIn)).Where(l => !l.StartsWith('#')));
    }

    [Fact]
    public void TheSameSettingsAgainChangeNothing()
    {
        var result = session.Run($"Set-DockerEnvironmentFile {Settings} -Confirm:$false; Set-DockerEnvironmentFile {Settings} -Confirm:$false", ("root", root.Path));
        Assert.Empty(result.Errors);
        Assert.Equal(false, result.Output[1].Properties["Changed"].Value);
        Assert.Empty((IEnumerable<string>)result.Output[1].Properties["FilesTouched"].Value);
    }

    [Fact]
    public void RestartWithAnotherRootIsRefusedBeforeAnythingIsWritten()
    {
        var result = session.Run($"Set-DockerEnvironmentFile {Settings} -Restart -Confirm:$false", ("root", root.Path));
        Assert.NotNull(result.Terminating);
        Assert.Equal("RestartWithRoot,NginxKit.Commands.Docker.SetDockerEnvironmentFileCommand", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal("InvalidArgument", result.Terminating.CategoryInfo.Category.ToString());
        Assert.Equal("Restart", result.Terminating.TargetObject);
        Assert.Equal(["lib/systemd/system/docker.service"], root.Files());
    }

    [Fact]
    public void AMaskedPasswordIsRefusedWithTheCatalogsAdvice()
    {
        var result = session.Run("Set-DockerEnvironmentFile -Root $root -HttpProxy 'http://u:***@proxy:3128' -Confirm:$false", ("root", root.Path));
        Assert.NotNull(result.Terminating);
        Assert.Equal("MaskedValue,NginxKit.Commands.Docker.SetDockerEnvironmentFileCommand", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal("InvalidArgument", result.Terminating.CategoryInfo.Category.ToString());
        Assert.Equal("-HttpProxy", result.Terminating.TargetObject);
        Assert.Equal("-HttpProxy holds '***' where a password or token belongs (http://u:***@proxy:3128): that is the mask NginxKit shows, not the secret. Writing it would replace the real password.",
            result.Terminating.ErrorDetails.Message);
        Assert.Equal("Give the real value, or leave the parameter out to keep what the file has.", result.Terminating.ErrorDetails.RecommendedAction);
        Assert.Equal(["lib/systemd/system/docker.service"], root.Files());
    }

    [Fact]
    public void ADropInNameOutsideItsPatternIsRefusedByBinding()
    {
        var result = session.Run($"Set-DockerEnvironmentFile {Settings} -DropInName '../evil.conf' -Confirm:$false", ("root", root.Path));
        Assert.NotNull(result.Terminating);
        Assert.StartsWith("ParameterArgumentValidationError,", result.Terminating!.FullyQualifiedErrorId);
        Assert.Equal(["lib/systemd/system/docker.service"], root.Files());
    }
}
