using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Docker;
using NginxKit.Engine.IO;
using Xunit;

namespace NginxKit.Engine.Tests.Docker;

public class DockerInstallerTests
{
    [RealFact("apt-get")]
    public async Task AnAptStepThatFailsIsAptFailedWithAptsOwnText()
    {
        // A real apt-get, simulating (no lock, no network) the install of a package no archive has.
        var apt = NativeCommand.Find("apt-get")!;
        var plan = new DockerInstallPlan(DockerSource.Distribution, "debian", "bookworm", "amd64",
        [
            new InstallStep("Command", "apt-get install nginxkit-no-such-package", true, "a package that does not exist")
            {
                Command = [apt, "install", "--simulate", "-q", "nginxkit-no-such-package"],
            },
        ]);
        var ex = await Assert.ThrowsAsync<NginxKitException>(() => new DockerInstaller(ProcessRunner.Instance).ExecuteAsync(plan, CancellationToken.None));
        Assert.Equal(ErrorCatalog.AptFailed.Id, ex.Problem.ErrorId);
        Assert.Contains("Unable to locate package nginxkit-no-such-package", ex.Problem.Message);
    }
}
