using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Docker;
using Xunit;

namespace NginxKit.Engine.Tests.Docker;

/// <summary>The plan on trees laid out as a host is: Docker's documented drop-ins, links, restarts.</summary>
public sealed class DockerEnvironmentPlanTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("nginxkit-plan-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private void Write(string path, string text)
    {
        var full = DockerEnvironment.UnderRoot(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private void DockerCe() => Write("/lib/systemd/system/docker.service", "[Service]\nType=notify\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n");

    [Fact]
    public void DockersDocumentedOverrideIsExtendedBecauseOurDropInSortsAfterIt()
    {
        DockerCe();
        Write("/etc/systemd/system/docker.service.d/override.conf", "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// -H tcp://127.0.0.1:2375\n");
        var plan = DockerEnvironment.Plan(root, new DockerEnvironmentRequest { Dns = ["8.8.8.8"] });
        Assert.EndsWith("zz-nginxkit-environment.conf", plan.DropInFile);
        Assert.Contains("ExecStart=/usr/bin/dockerd -H fd:// -H tcp://127.0.0.1:2375 $DOCKER_OPTS\n", plan.NewDropInText);
        var dns = Assert.Single(plan.Delivery);
        Assert.True(dns.Received, dns.Detail);
    }

    [Fact]
    public void ALaterExecStartResetIsRefusedNamingTheFile()
    {
        DockerCe();
        Write("/etc/systemd/system/docker.service.d/zzz-local.conf", "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --debug\n");
        var ex = Assert.Throws<NginxKitException>(() => DockerEnvironment.Plan(root, new DockerEnvironmentRequest { Dns = ["8.8.8.8"] }));
        Assert.Equal((ErrorCatalog.DropInOverridden.Id, "LaterExecStart", "/etc/systemd/system/docker.service.d/zzz-local.conf"), (ex.Problem.ErrorId, ex.Problem.Rule, ex.Problem.Target));
    }

    [Fact]
    public void AnUpperCaseProxyInADropInIsRefusedOrOverriddenUnderTheSwitch()
    {
        DockerCe();
        Write("/etc/systemd/system/docker.service.d/http-proxy.conf", "[Service]\nEnvironment=\"HTTP_PROXY=http://old:3128\"\n");
        var ex = Assert.Throws<NginxKitException>(() => DockerEnvironment.Plan(root, new DockerEnvironmentRequest { HttpProxy = "http://new:3128" }));
        Assert.Equal((ErrorCatalog.DropInOverridden.Id, "UpperCaseProxy", "/etc/systemd/system/docker.service.d/http-proxy.conf"), (ex.Problem.ErrorId, ex.Problem.Rule, ex.Problem.Target));
        var plan = DockerEnvironment.Plan(root, new DockerEnvironmentRequest { HttpProxy = "http://new:3128", OverrideDropIn = true });
        var text = System.Text.Encoding.UTF8.GetString(plan.NewEnvironmentBytes);
        Assert.Contains("HTTP_PROXY=\"http://new:3128\"", text);
        Assert.True(Assert.Single(plan.Delivery).Received);
    }

    [Fact]
    public void AnOlderNginxKitDropInUnderAnotherNameIsRemoved()
    {
        DockerCe();
        Write("/etc/systemd/system/docker.service.d/nginxkit-environment.conf", DockerUnitDropIn.Header + "/etc/default/docker and receives $DOCKER_OPTS.\n[Service]\nEnvironmentFile=-/etc/default/docker\n");
        var plan = DockerEnvironment.Plan(root, new DockerEnvironmentRequest { Dns = ["1.1.1.1"] });
        Assert.EndsWith("nginxkit-environment.conf", Assert.Single(plan.StaleDropIns));
    }

    [Fact]
    public void NoUnitIsDockerUnitNotFound() =>
        Assert.Equal(ErrorCatalog.DockerUnitNotFound.Id, Assert.Throws<NginxKitException>(() => DockerEnvironment.Plan(root, new DockerEnvironmentRequest { Dns = ["1.1.1.1"] })).Problem.ErrorId);

    [Fact]
    public void ACredentialMakesTheFile0600AndAMaskedValueIsRefused()
    {
        DockerCe();
        var plan = DockerEnvironment.Plan(root, new DockerEnvironmentRequest { HttpsProxy = "ops:S3cret@proxy:3128" });
        Assert.True(plan.Credential);
        Assert.DoesNotContain("S3cret", plan.Diff);
        DockerEnvironment.Write(plan);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DockerEnvironment.UnderRoot(root, "/etc/default/docker")));
        Assert.Equal(ErrorCatalog.MaskedValue.Id, Assert.Throws<NginxKitException>(() => DockerEnvironment.Plan(root, new DockerEnvironmentRequest { HttpsProxy = "ops:***@proxy:3128" })).Problem.ErrorId);
    }

    [Fact]
    public void ASymlinkedFileIsWrittenThroughAndADanglingOneIsRefused()
    {
        DockerCe();
        Write("/srv/docker.env", "# mine\nA=1\n");
        Directory.CreateDirectory(DockerEnvironment.UnderRoot(root, "/etc/default"));
        var link = DockerEnvironment.UnderRoot(root, "/etc/default/docker");
        File.CreateSymbolicLink(link, "/srv/docker.env"); // absolute: read under the root
        DockerEnvironment.Write(DockerEnvironment.Plan(root, new DockerEnvironmentRequest { Dns = ["1.1.1.1"] }));
        Assert.Equal("/srv/docker.env", new FileInfo(link).LinkTarget);
        Assert.Equal("# mine\nA=1\nDOCKER_OPTS=\"--dns 1.1.1.1\"\n", File.ReadAllText(DockerEnvironment.UnderRoot(root, "/srv/docker.env")));
        File.Delete(DockerEnvironment.UnderRoot(root, "/srv/docker.env"));
        Assert.Equal(ErrorCatalog.DanglingSymlink.Id, Assert.Throws<NginxKitException>(() => DockerEnvironment.Plan(root, new DockerEnvironmentRequest { Dns = ["1.1.1.1"] })).Problem.ErrorId);
    }

    [Theory]
    [InlineData(true, false, false, null, null, DockerRestart.Changed)]
    [InlineData(false, true, true, null, null, DockerRestart.NeedDaemonReload)]
    [InlineData(false, false, true, 100, 200, DockerRestart.FilesNewerThanDaemon)]
    [InlineData(false, false, true, 200, 100, null)]
    [InlineData(false, false, false, 100, 200, null)]
    public void RestartHasAReason(bool changed, bool needReload, bool active, int? started, int? modified, string? reason) =>
        Assert.Equal(reason, DockerRestart.Reason(changed, needReload, active,
            started is null ? null : DateTime.UnixEpoch.AddSeconds(started.Value), modified is null ? null : DateTime.UnixEpoch.AddSeconds(modified.Value)));
}
