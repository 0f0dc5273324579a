using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Systemd;
using Xunit;
using NginxKit.Engine.Docker;

namespace NginxKit.Engine.Tests.Systemd;

public class DropInTests
{
    private const string DockerCe = """
        [Unit]
        Description=Docker Application Container Engine
        [Service]
        Type=notify
        ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock
        ExecReload=/bin/kill -s HUP $MAINPID
        """;

    private const string DebianDockerIo = """
        [Service]
        Type=notify
        EnvironmentFile=-/etc/default/docker
        ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS
        """;

    [Fact]
    public void DockerCeGetsTheEnvironmentFileAndItsOwnExecStartPlusDockerOpts()
    {
        var text = DockerUnitDropIn.Plan(UnitFile.Parse(DockerCe, "docker.service"), "/etc/default/docker");
        Assert.NotNull(text);
        Assert.Contains("[Service]\nEnvironmentFile=-/etc/default/docker\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n", text);
    }

    [Fact]
    public void DebianDockerIoNeedsNoDropIn() =>
        Assert.Null(DockerUnitDropIn.Plan(UnitFile.Parse(DebianDockerIo, "docker.service"), "/etc/default/docker"));

    [Fact]
    public void AnotherDropInThatResetsExecStartIsRespected()
    {
        var directives = UnitFile.Parse(DebianDockerIo, "docker.service")
            .Concat(UnitFile.Parse("[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --debug\n", "debug.conf")).ToList();
        var text = DockerUnitDropIn.Plan(directives, "/etc/default/docker");
        Assert.Contains("ExecStart=/usr/sbin/dockerd --debug $DOCKER_OPTS\n", text);
        Assert.DoesNotContain("EnvironmentFile", text);
    }

    [Fact]
    public void AUnitWithoutExecStartIsAnError() =>
        Assert.Equal(ErrorCatalog.UnsupportedExecStart.Id, Assert.Throws<NginxKitException>(() =>
            DockerUnitDropIn.Plan(UnitFile.Parse("[Service]\nType=notify\n", "x"), "/etc/default/docker")).Problem.ErrorId);

    [Fact]
    public void ContinuationLinesAndResetsFollowSystemd()
    {
        var d = UnitFile.Parse("[Service]\nExecStart=/a \\\n  --flag\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n", "u");
        Assert.Equal(["/a  --flag"], UnitFile.Effective(d, "Service", "ExecStart"));
        Assert.Equal(["B=2"], UnitFile.Effective(d, "Service", "Environment"));
    }

    [Fact]
    public void SystemctlShowIsParsedIntoTheUnitsState()
    {
        var unit = SystemdUnit.Parse("docker.service", """
            Id=docker.service
            LoadState=loaded
            FragmentPath=/lib/systemd/system/docker.service
            UnitFileState=enabled
            ActiveState=active
            SubState=running
            MainPID=4242
            DropInPaths=/etc/systemd/system/docker.service.d/a.conf /etc/systemd/system/docker.service.d/b.conf
            EnvironmentFiles=/etc/default/docker (ignore_errors=yes)
            EnvironmentFiles=/etc/docker/env (ignore_errors=no)
            ExecStart={ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd -H fd:// $DOCKER_OPTS ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }
            NeedDaemonReload=no
            """);
        Assert.Equal("/lib/systemd/system/docker.service", unit.FragmentPath);
        Assert.True(unit.IsEnabled && unit.IsActive && unit.Exists);
        Assert.Equal(4242, unit.MainPID);
        Assert.Equal(2, unit.DropInPaths.Count);
        Assert.Equal(["-/etc/default/docker", "/etc/docker/env"], unit.EnvironmentFiles);
        Assert.Equal("/usr/bin/dockerd -H fd:// $DOCKER_OPTS", unit.ExecStart);
        Assert.False(unit.NeedDaemonReload);
    }

    [Fact]
    public void FlagsAndDaemonJsonMustNotSetTheSameOption()
    {
        var config = DockerDaemonConfig.Parse("""{ "hosts": ["unix:///var/run/docker.sock"], "dns": ["1.1.1.1"], "log-level": "warn" }""", "daemon.json");
        var problems = DockerDaemonConfig.Conflicts(["-H", "fd://", "--containerd=/run/x.sock", "--dns", "8.8.8.8"], config, "daemon.json");
        Assert.Equal(["hosts", "dns"], problems.Select(p => p.Target));
        Assert.All(problems, p => Assert.Equal(ErrorCatalog.ConflictingDockerSetting.Id, p.ErrorId));
    }

    [Fact]
    public void DaemonJsonEditKeepsOtherKeys()
    {
        var text = System.Text.Encoding.UTF8.GetString(DockerDaemonConfig.Edit("""{ "log-level": "warn", "dns": ["1.1.1.1"] }"""u8.ToArray(), new Dictionary<string, System.Text.Json.Nodes.JsonNode?>
        {
            ["dns"] = new System.Text.Json.Nodes.JsonArray("9.9.9.9"),
            ["log-level"] = null,
            ["registry-mirrors"] = new System.Text.Json.Nodes.JsonArray("https://mirror.example"),
        }, "daemon.json"));
        Assert.Equal("""{ "dns": ["9.9.9.9"], "registry-mirrors": ["https://mirror.example"] }""", text);
        Assert.Equal(ErrorCatalog.InvalidDaemonJson.Id, Assert.Throws<NginxKitException>(() => DockerDaemonConfig.Parse("{ nope", "d")).Problem.ErrorId);
    }
}
