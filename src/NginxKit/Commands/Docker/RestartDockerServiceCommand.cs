using System.Management.Automation;
using NginxKit.Engine.Systemd;

namespace NginxKit.Commands.Docker;

[Cmdlet(VerbsLifecycle.Restart, "DockerService", SupportsShouldProcess = true)]
[OutputType(typeof(UnitChangeResult), typeof(SystemdUnit))]
public sealed class RestartDockerServiceCommand : DockerServiceCommandBase
{
    protected override UnitAction Action => UnitAction.Restart;
}
