using System.Management.Automation;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;
using NginxKit.Infrastructure;
using NginxKit.Engine.Docker;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Commands.Docker;

/// <summary>The docker unit's state from systemctl show: FragmentPath, enabled, active, drop-ins, ExecStart.</summary>
[RequiresLinux("systemd")]
[Cmdlet(VerbsCommon.Get, "DockerService")]
[OutputType(typeof(SystemdUnit))]
public sealed class GetDockerServiceCommand : AsyncCmdlet
{
    /// <summary>The unit; docker.service by default (containerd.service and docker.socket work too).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Unit")]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [DockerEnvironment.Unit];

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var systemctl = new Systemctl(ProcessRunner.Instance);
        foreach (var name in Name)
        {
            try
            {
                var unit = await systemctl.ShowAsync(DockerServiceCommandBase.UnitName(name), cancellationToken);
                if (unit.Exists) WriteObject(unit);
                else WriteProblem(DockerServiceCommandBase.UnitNotFound(unit.Name));
            }
            catch (Engine.Diagnostics.NginxKitException ex) when (ex.Problem.Kind == ErrorCatalog.SystemctlFailed || ex.Problem.Kind == ErrorCatalog.SystemdNotRunning)
            {
                WriteProblem(ex.Problem, ex); // this unit only; the others are still shown
            }
        }
    }
}
