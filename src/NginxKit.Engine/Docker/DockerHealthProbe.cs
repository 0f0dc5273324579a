using System.Net.Sockets;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;

namespace NginxKit.Engine.Docker;

/// <summary>
/// Checks a Docker host the way an operator would by hand (which docker; systemctl is-enabled,
/// is-active; docker info; ps -ef | grep containerd), and says how to fix each failure.
/// </summary>
public sealed class DockerHealthProbe(IProcessRunner runner)
{
    public const string DefaultSocket = "/var/run/docker.sock";

    public async Task<DockerHealth> CheckAsync(string socketPath, CancellationToken cancellationToken)
    {
        var checks = new List<DockerHealthCheck>();

        var dockerd = NativeCommand.Find("dockerd");
        var docker = NativeCommand.Find("docker");
        checks.Add(dockerd is not null && docker is not null
            ? new DockerHealthCheck("Binary", true, $"dockerd at {dockerd}, docker at {docker}.", null)
            : new DockerHealthCheck("Binary", false, $"{(dockerd is null ? "dockerd" : "docker")} is not on the path.", "Install the engine: Install-DockerEngine."));

        SystemdUnit? unit = null;
        // Without systemd there is no unit to start and no unit log to read: the fixes must not send the reader there.
        var systemd = true;
        try
        {
            unit = await new Systemctl(runner).ShowAsync(DockerEnvironment.Unit, cancellationToken).ConfigureAwait(false);
        }
        catch (Diagnostics.NginxKitException ex)
        {
            systemd = ex.Problem.Kind != Diagnostics.ErrorCatalog.SystemdNotRunning && ex.Problem.Kind != Diagnostics.ErrorCatalog.SystemctlNotFound;
            var fix = systemd ? "Run on a host managed by systemd." : "Run on a host managed by systemd; here, whatever started dockerd (a container's entrypoint, an init script) manages it.";
            checks.Add(new DockerHealthCheck("UnitEnabled", false, ex.Problem.Message, fix));
            checks.Add(new DockerHealthCheck("UnitActive", false, ex.Problem.Message, fix));
        }
        if (unit is not null)
        {
            if (!unit.Exists)
            {
                checks.Add(new DockerHealthCheck("UnitEnabled", false, "systemd has no docker.service unit.", "Install the engine: Install-DockerEngine."));
                checks.Add(new DockerHealthCheck("UnitActive", false, "systemd has no docker.service unit.", "Install the engine: Install-DockerEngine."));
            }
            else
            {
                checks.Add(unit.IsEnabled
                    ? new DockerHealthCheck("UnitEnabled", true, $"docker.service is {unit.UnitFileState}.", null)
                    : new DockerHealthCheck("UnitEnabled", false, $"docker.service is {unit.UnitFileState}: it will not start at boot.", "Enable-DockerService"));
                checks.Add(unit.IsActive
                    ? new DockerHealthCheck("UnitActive", true, $"docker.service is {unit.ActiveState} ({unit.SubState}), PID {unit.MainPID}.", null)
                    : new DockerHealthCheck("UnitActive", false, $"docker.service is {unit.ActiveState} ({unit.SubState}).", "Start-DockerService; if it fails, read Get-DockerJournal -Priority err -Last 20."));
            }
        }

        checks.Add(await PingAsync(socketPath, systemd, cancellationToken).ConfigureAwait(false));
        checks.Add(ContainerdRunning(systemd));
        checks.Add(ConfigConsistent());
        return new DockerHealth(checks.All(c => c.Passed), checks);
    }

    // GET /_ping on the daemon's socket: the daemon itself answering, not just its process existing.
    private static async Task<DockerHealthCheck> PingAsync(string socketPath, bool systemd, CancellationToken cancellationToken)
    {
        var fix = systemd
            ? "Start-DockerService; if it fails, read Get-DockerJournal -Priority err -Last 20."
            : "Start dockerd the way this host runs it: systemd is not running here, so there is no docker.service to start and no unit log to read; dockerd's own output says why it stopped.";
        if (!File.Exists(socketPath))
            return new DockerHealthCheck("DaemonAnswers", false, $"There is no socket at {socketPath}.", fix);
        try
        {
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            var body = await http.GetStringAsync("http://docker/_ping", cancellationToken).ConfigureAwait(false);
            return body.Trim() == "OK"
                ? new DockerHealthCheck("DaemonAnswers", true, $"The daemon answers on {socketPath}.", null)
                : new DockerHealthCheck("DaemonAnswers", false, $"The daemon answered '{body.Trim()}' on {socketPath}.", fix);
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or TaskCanceledException or UnauthorizedAccessException)
        {
            return new DockerHealthCheck("DaemonAnswers", false, $"Nothing answers on {socketPath}: {ex.Message}", fix);
        }
    }

    private static DockerHealthCheck ContainerdRunning(bool systemd)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid) && File.ReadAllText(Path.Combine(dir, "comm")).Trim() == "containerd")
                    return new DockerHealthCheck("ContainerdRunning", true, $"containerd runs as PID {pid}.", null);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        return new DockerHealthCheck("ContainerdRunning", false, "No containerd process is running.",
            systemd ? "Start-DockerService -Name containerd" : "Start containerd the way this host runs it: systemd is not running here, so there is no containerd.service to start.");
    }

    private static DockerHealthCheck ConfigConsistent()
    {
        try
        {
            var (flags, unitFound) = DockerDaemonConfig.FlagWords("/");
            if (!unitFound)
                return new DockerHealthCheck("ConfigConsistent", false, $"systemd has no {DockerEnvironment.Unit} unit file.", "Install Docker first (Install-DockerEngine).");
            if (!File.Exists(DockerDaemonConfig.DefaultPath))
                return new DockerHealthCheck("ConfigConsistent", true, "No daemon.json; the flags alone configure dockerd.", null);
            var conflicts = DockerDaemonConfig.Conflicts(flags, DockerDaemonConfig.Parse(File.ReadAllText(DockerDaemonConfig.DefaultPath), DockerDaemonConfig.DefaultPath), DockerDaemonConfig.DefaultPath);
            return conflicts.Count == 0
                ? new DockerHealthCheck("ConfigConsistent", true, "daemon.json and the dockerd flags set different options.", null)
                : new DockerHealthCheck("ConfigConsistent", false, string.Join(" ", conflicts.Select(c => c.Message)),
                    "Remove the option from daemon.json (Set-DockerDaemonConfig -Setting @{ key = $null }) or from DOCKER_OPTS (Set-DockerEnvironmentFile).");
        }
        catch (Diagnostics.NginxKitException ex)
        {
            return new DockerHealthCheck("ConfigConsistent", false, ex.Problem.Message, "Fix /etc/docker/daemon.json or install the docker unit.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // /etc/default/docker is root's alone when it holds a proxy password: one failed check, not a failed command.
            return new DockerHealthCheck("ConfigConsistent", false, $"The configuration could not be read: {ex.Message}", "Run Test-DockerEngine as root.");
        }
    }
}
