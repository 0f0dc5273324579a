using System.Collections;
using System.Management.Automation;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Docker;
using NginxKit.Engine.IO;
using NginxKit.Engine.Systemd;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Docker;

/// <summary>
/// Sets dockerd's options and proxy in /etc/default/docker and makes sure docker.service reads
/// it, through a drop-in built from the installed unit. Then daemon-reload, a read-back of what
/// dockerd will get, and with -Restart a restart when dockerd runs with older files.
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

    /// <summary>Restart docker.service when dockerd does not run with the files as they now are.</summary>
    [Parameter]
    public SwitchParameter Restart { get; set; }

    /// <summary>Where a drop-in's Environment= sets HTTP_PROXY (or HTTPS_PROXY, NO_PROXY), set it in the file too instead of refusing.</summary>
    [Parameter]
    public SwitchParameter OverrideDropIn { get; set; }

    /// <summary>File name of the drop-in in /etc/systemd/system/docker.service.d.</summary>
    [Parameter]
    [ValidatePattern(@"^[A-Za-z0-9_.-]+\.conf$")]
    public string DropInName { get; set; } = DockerUnitDropIn.DefaultName;

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var root = GetUnresolvedProviderPathFromPSPath(Root);
        var live = System.IO.Path.GetFullPath(root) == "/";
        if (Restart && !live)
            ThrowProblem(ErrorCatalog.RestartWithRoot.Problem(
                $"-Restart restarts docker.service on this host, but -Root {root} changes the files of another tree, which this host's dockerd never reads. Leave out -Restart, and restart Docker where that tree runs.",
                "Restart"));
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
            OverrideDropIn = OverrideDropIn,
            Environment = environment,
        }, DropInName);
        foreach (var key in plan.FixedExportKeys)
            WriteWarning($"{plan.EnvironmentFile}: 'export {key}=...' was ignored by systemd; it is rewritten as {key}=..., so dockerd now receives {key}.");

        var systemctl = new Systemctl(ProcessRunner.Instance);
        SystemdUnit? before = null;
        DateTime? started = null;
        if (live && (plan.Changed || Restart))
        {
            before = await systemctl.ShowAsync(DockerEnvironment.Unit, cancellationToken);
            if (before.IsActive) started = await systemctl.MainStartTimeAsync(DockerEnvironment.Unit, cancellationToken);
        }

        IReadOnlyList<string> touched = [];
        if (plan.Changed)
        {
            var target = string.Join(", ", new[] { plan.EnvironmentChanged ? plan.EnvironmentFile : null, plan.DropInChanged ? plan.DropInFile : null }.Concat(plan.StaleDropIns).Where(p => p is not null));
            if (!ShouldProcessWithDetail(target, "Write Docker environment", plan.Diff))
            {
                if (IsWhatIf) WriteObject(new DockerEnvironmentResult(true, [], false, false, false, plan.FixedExportKeys, plan.Diff) { Delivery = plan.Delivery });
                return;
            }
            touched = DockerEnvironment.Write(plan);
        }
        else
        {
            WriteVerbose("Both files already say this; nothing written.");
        }

        var result = new DockerEnvironmentResult(plan.Changed, touched, false, false, false, plan.FixedExportKeys, plan.Changed ? plan.Diff : null) { Delivery = plan.Delivery };
        if (live && before is not null)
        {
            var step = "daemon-reload";
            try
            {
                // A new drop-in directory is not always flagged by NeedDaemonReload: reload after every write.
                if (plan.Changed || before.NeedDaemonReload)
                {
                    await systemctl.DaemonReloadAsync(cancellationToken);
                    result = result with { DaemonReloaded = true };
                }
                step = "read-back";
                var after = await systemctl.ShowAsync(DockerEnvironment.Unit, cancellationToken);
                var filesChanged = DockerRestart.LastChange(plan.UnitFiles.Append(plan.EnvironmentFile).Append(plan.DropInFile));
                var reason = DockerRestart.Reason(plan.Changed, before.NeedDaemonReload, before.IsActive, started, filesChanged);
                result = result with { Delivery = DockerDeliveryCheck.FromUnit(plan.Request, after), RestartReason = reason };
                if (reason is not null && Restart && ShouldProcess(DockerEnvironment.Unit, $"Restart ({reason})"))
                {
                    step = "restart";
                    await systemctl.ActAsync("restart", DockerEnvironment.Unit, cancellationToken);
                    result = result with { Restarted = true };
                }
                else if (reason is not null && after.IsActive)
                {
                    result = result with { RestartPending = true };
                    WriteWarning($"{DockerEnvironment.Unit} is running with older settings ({reason}); restart it (Restart-DockerService, or -Restart) to apply them.");
                }
            }
            catch (NginxKitException ex)
            {
                var written = touched.Count == 0 ? "nothing was written" : $"{string.Join(", ", touched)} {(touched.Count == 1 ? "was" : "were")} written";
                WriteObject(result with { Failed = $"{step}: {ex.Problem.Message}", FinishCommand = DockerRestart.FinishByHand });
                WriteProblem(ex.Problem.Kind.Problem($"{written}, but the {step} failed: {ex.Problem.Message} Finish by hand: {DockerRestart.FinishByHand}",
                    ex.Problem.Target, ex.Problem.Rule, ex.Problem.Hint), ex);
                return;
            }
        }
        foreach (var missed in result.Delivery.Where(d => !d.Received))
            WriteWarning($"dockerd will not receive {missed.Setting} {missed.Value}: {missed.Detail}.");
        WriteObject(result);
    }
}
