using System.Management.Automation;
using NginxKit.Engine.Systemd;

namespace NginxKit.Commands.Docker;

[Cmdlet(VerbsLifecycle.Start, "DockerService", SupportsShouldProcess = true)]
[OutputType(typeof(UnitChangeResult), typeof(SystemdUnit))]
public sealed class StartDockerServiceCommand : DockerServiceCommandBase
{
    protected override UnitAction Action => UnitAction.Start;
}
