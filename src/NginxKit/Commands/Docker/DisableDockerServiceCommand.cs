using System.Management.Automation;
using NginxKit.Engine.Systemd;

namespace NginxKit.Commands.Docker;

[Cmdlet(VerbsLifecycle.Disable, "DockerService", SupportsShouldProcess = true)]
[OutputType(typeof(UnitChangeResult), typeof(SystemdUnit))]
public sealed class DisableDockerServiceCommand : DockerServiceCommandBase
{
    protected override UnitAction Action => UnitAction.Disable;
}
