using System.Management.Automation;
using NginxKit.Engine.Docker;
using NginxKit.Engine.IO;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Docker;

/// <summary>Checks the engine's health: binaries, unit enabled and active, daemon answering, containerd, config conflicts.</summary>
[RequiresLinux("systemd and the Docker engine")]
[Cmdlet(VerbsDiagnostic.Test, "DockerEngine")]
[OutputType(typeof(DockerHealth))]
[OutputType(typeof(bool))]
public sealed class TestDockerEngineCommand : AsyncCmdlet
{
    /// <summary>Only $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>The daemon's socket.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Socket { get; set; } = DockerHealthProbe.DefaultSocket;

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var health = await new DockerHealthProbe(ProcessRunner.Instance).CheckAsync(Socket, cancellationToken);
        if (Quiet)
        {
            WriteObject(health.Healthy);
            return;
        }
        foreach (var failed in health.Failed)
            WriteVerbose($"{failed.Name}: {failed.Message} Fix: {failed.Fix}");
        WriteObject(health);
    }
}
