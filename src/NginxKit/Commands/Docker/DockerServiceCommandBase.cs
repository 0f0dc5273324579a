using System.Management.Automation;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;
using NginxKit.Infrastructure;
using NginxKit.Engine.Docker;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Commands.Docker;

/// <summary>Shared by Enable-, Disable-, Start-, Stop- and Restart-DockerService.</summary>
[RequiresLinux("systemd")]
public abstract class DockerServiceCommandBase : AsyncCmdlet
{
    protected abstract UnitAction Action { get; }

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Unit")]
    [ArgumentCompleter(typeof(UnitNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [DockerEnvironment.Unit];

    /// <summary>Output the unit's state afterwards instead of what changed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    internal static string UnitName(string name) => name.Contains('.') ? name : name + ".service";

    internal static Engine.Diagnostics.Problem UnitNotFound(string name) =>
        Engine.Diagnostics.ErrorCatalog.UnitNotFound.Problem(
            $"systemd has no unit {name}. Install Docker first (Install-DockerEngine), or check the name (Get-DockerService -Name <Tab> lists the units).", name);

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var manager = new UnitManager(new Systemctl(ProcessRunner.Instance));
        foreach (var raw in Name)
        {
            var name = UnitName(raw);
            try
            {
                var before = await manager.ShowAsync(name, cancellationToken);
                if (!before.Exists)
                {
                    WriteProblem(UnitNotFound(name));
                    continue;
                }
                var verb = UnitManager.Verb(Action);
                var wouldChange = UnitManager.WouldChange(Action, before);
                if (!wouldChange)
                {
                    WriteVerbose($"{name}: nothing to {verb} ({before.ActiveState}, {before.UnitFileState}).");
                    WriteObject(PassThru ? before : new UnitChangeResult(name, verb, false, before));
                    continue;
                }
                var reload = UnitManager.ReloadsFirst(Action, before);
                if (!ShouldProcess(name, reload ? $"daemon-reload (its files changed on disk), then {Action}" : Action.ToString())) continue;
                var result = await manager.ApplyAsync(name, Action, before, cancellationToken);
                if (result.DaemonReloaded) WriteVerbose($"{name}: its files had changed on disk (NeedDaemonReload), so systemctl daemon-reload ran before the {verb}.");
                WriteObject(PassThru ? result.State : result);
            }
            catch (Engine.Diagnostics.NginxKitException ex) when (ex.Problem.Kind == ErrorCatalog.SystemctlFailed || ex.Problem.Kind == ErrorCatalog.SystemdNotRunning)
            {
                WriteProblem(ex.Problem, ex);
            }
        }
    }
}
