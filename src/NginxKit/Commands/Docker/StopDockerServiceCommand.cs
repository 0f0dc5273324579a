using System.Management.Automation;
using NginxKit.Engine.Systemd;

namespace NginxKit.Commands.Docker;

[Cmdlet(VerbsLifecycle.Stop, "DockerService", SupportsShouldProcess = true)]
[OutputType(typeof(UnitChangeResult), typeof(SystemdUnit))]
public sealed class StopDockerServiceCommand : DockerServiceCommandBase
{
    protected override UnitAction Action => UnitAction.Stop;
}
