using System.Collections;
using System.Management.Automation;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;
using NginxKit.Infrastructure;
using NginxKit.Engine.Docker;

namespace NginxKit.Commands.Docker;

/// <summary>
/// Sets dockerd's options and proxy in /etc/default/docker and makes sure docker.service reads
/// it, through a drop-in built from the installed unit. Then daemon-reload; restart with -Restart.
/// </summary>
[Cmdlet(VerbsCommon.Set, "DockerEnvironmentFile", SupportsShouldProcess = true)]
[OutputType(typeof(DockerEnvironmentResult))]
public sealed class SetDockerEnvironmentFileCommand : DockerSettingsCommandBase
{

    /// <summary>The whole DOCKER_OPTS string; -Dns and the others then apply on top of it.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? DockerOpts { get; set; }

    /// <summary>Other variables; a $null value removes one.</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    /// <summary>Restart docker.service after a change, so dockerd picks it up.</summary>
    [Parameter]
    public SwitchParameter Restart { get; set; }

    /// <summary>File name of the drop-in in /etc/systemd/system/docker.service.d.</summary>
    [Parameter]
    [ValidatePattern(@"^[A-Za-z0-9_.-]+\.conf$")]
    public string DropInName { get; set; } = DockerUnitDropIn.DefaultName;

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var root = GetUnresolvedProviderPathFromPSPath(Root);
        var live = System.IO.Path.GetFullPath(root) == "/";
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in HashtableEntries.AsText(Environment))
            environment[key] = value;

        var plan = DockerEnvironment.Plan(root, new DockerEnvironmentRequest
        {
            Dns = Dns,
            RegistryMirror = RegistryMirror,
            InsecureRegistry = InsecureRegistry,
            DockerOpts = DockerOpts,
            HttpProxy = HttpProxy,
            HttpsProxy = HttpsProxy,
            NoProxy = NoProxyText,
            Environment = environment,
        }, DropInName);
        foreach (var key in plan.FixedExportKeys)
            WriteWarning($"{plan.EnvironmentFile}: 'export {key}=...' was ignored by systemd; it is rewritten as {key}=..., so dockerd now receives {key}.");

        var systemctl = new Systemctl(ProcessRunner.Instance);
        if (!plan.Changed)
        {
            WriteVerbose("Both files already say this; nothing written, no daemon-reload.");
            WriteObject(new DockerEnvironmentResult(false, [], false, false, false, plan.FixedExportKeys, null));
            return;
        }
        var target = string.Join(", ", new[] { plan.EnvironmentChanged ? plan.EnvironmentFile : null, plan.DropInChanged ? plan.DropInFile : null }.Where(p => p is not null));
        if (!ShouldProcessWithDetail(target, "Write Docker environment", plan.Diff))
        {
            if (IsWhatIf) WriteObject(new DockerEnvironmentResult(true, [], false, false, false, plan.FixedExportKeys, plan.Diff));
            return;
        }

        var touched = DockerEnvironment.Write(plan);
        bool reloaded = false, restarted = false, pending = false;
        if (live)
        {
            // A new drop-in directory is not always flagged by NeedDaemonReload: reload every time.
            await systemctl.DaemonReloadAsync(cancellationToken);
            reloaded = true;
            var unit = await systemctl.ShowAsync(DockerEnvironment.Unit, cancellationToken);
            if (Restart && ShouldProcess(DockerEnvironment.Unit, "Restart"))
            {
                await systemctl.ActAsync("restart", DockerEnvironment.Unit, cancellationToken);
                restarted = true;
            }
            else
            {
                pending = unit.IsActive;
                if (pending) WriteWarning($"{DockerEnvironment.Unit} is running with the old settings; restart it (Restart-DockerService, or -Restart) to apply them.");
            }
        }
        WriteObject(new DockerEnvironmentResult(true, touched, reloaded, restarted, pending, plan.FixedExportKeys, plan.Diff));
    }
}
