using System.Management.Automation;
using NginxKit.Engine.Systemd;

namespace NginxKit.Commands.Docker;

[Cmdlet(VerbsLifecycle.Enable, "DockerService", SupportsShouldProcess = true)]
[OutputType(typeof(UnitChangeResult), typeof(SystemdUnit))]
public sealed class EnableDockerServiceCommand : DockerServiceCommandBase
{
    protected override UnitAction Action => UnitAction.Enable;
}
