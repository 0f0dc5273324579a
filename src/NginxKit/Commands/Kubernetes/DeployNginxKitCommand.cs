using NginxKit.Engine.Diagnostics;
using System.Management.Automation;
using NginxKit.Engine.Kubernetes;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Kubernetes;

/// <summary>Applies the entry's manifests with server-side apply; re-applying is the normal path.</summary>
[Cmdlet(VerbsLifecycle.Deploy, "NginxKit", SupportsShouldProcess = true, DefaultParameterSetName = FromObjects)]
[OutputType(typeof(ApplyResult))]
public sealed class DeployNginxKitCommand : KubeCmdlet
{
    private const string FromObjects = "FromObjects";
    private const string FromFiles = "FromFiles";

    private readonly List<object> items = [];

    /// <summary>Manifest objects, as New-NginxKitManifest writes them.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromObjects, ValueFromPipeline = true)]
    public PSObject[] InputObject { get; set; } = [];

    /// <summary>YAML manifest files, such as New-NginxKitManifest -AsYaml wrote.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = FromFiles, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    public string[] Path { get; set; } = [];

    /// <summary>Wait until the Deployment has rolled out.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>How long -Wait waits, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 300;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == FromObjects)
        {
            items.AddRange(InputObject.Select(o => o.BaseObject));
            return Task.CompletedTask;
        }
        foreach (var file in ResolveManifestPaths(Path))
        {
            var objects = EntryManifest.ReadFile(file, out var problem);
            if (problem is not null) WriteProblem(problem);
            items.AddRange(objects);
        }
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var applier = new ManifestApplier(Connection);
        if (IsWhatIf)
        {
            await PreviewAsync(applier, cancellationToken);
            return;
        }
        // One question per object (-Confirm); then the engine checks every approved object with a dry run before it applies any.
        var approved = items.OrderBy(ManifestApplier.ApplyOrderOf).Where(i => ShouldProcess(ManifestApplier.Describe(i), "Apply")).ToList();
        if (approved.Count == 0) return;
        DeployOutcome outcome;
        try
        {
            outcome = await applier.DeployAsync(approved, cancellationToken);
        }
        catch (Exception ex) when (Engine.Kubernetes.KubeErrors.IsApiFailure(ex))
        {
            WriteApiFailure(ex, "Deploying the entry", null, ErrorCatalog.ManifestTargetNotFound);
            return;
        }
        foreach (var ns in outcome.RolledBackNamespaces)
            WriteVerbose($"Deleted Namespace {ns} again: it was created only so that the server could check what lives in it.");
        foreach (var problem in outcome.Refused) WriteProblem(problem);
        WriteObject(outcome.Applied, enumerateCollection: true);
        if (!Wait || outcome.Refused.Count > 0) return;

        var watcher = new RolloutWatcher(Connection);
        foreach (var (ns, name) in approved.Select(ManifestApplier.DeploymentOf).OfType<(string Namespace, string Name)>())
        {
            var activity = $"Rolling out {ns}/{name}";
            // Progress<T> posts to the context it was made on: the pipeline thread, where WriteProgress is legal.
            // A new record each time: a host may keep the records it was given.
            var report = new Progress<RolloutStatus>(s => WriteProgress(new ProgressRecord(1, activity, s.Message)
            {
                PercentComplete = s.Desired == 0 ? 100 : Math.Min(100, 100 * s.Ready / s.Desired),
            }));
            try
            {
                var status = await watcher.WaitAsync(name, ns, TimeSpan.FromSeconds(TimeoutSec), report, cancellationToken);
                WriteVerbose(status.Message);
            }
            finally
            {
                WriteProgress(new ProgressRecord(1, activity, "done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }

    // -WhatIf: each object's server-side dry run and its diff; what lives in a namespace this run creates is shown as a create.
    private async Task PreviewAsync(ManifestApplier applier, CancellationToken cancellationToken)
    {
        var namespacesToCreate = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items.OrderBy(ManifestApplier.ApplyOrderOf))
        {
            var target = ManifestApplier.Describe(item);
            ApplyResult result;
            try
            {
                result = await applier.ApplyAsync(item, dryRun: true, namespacesToCreate, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (ex is Engine.Diagnostics.NginxKitException nk) WriteProblem(nk.Problem, nk);
                else WriteApiFailure(ex, $"Applying {target}", target, ErrorCatalog.ManifestTargetNotFound);
                continue;
            }
            if (result is { Kind: "Namespace", Created: true }) namespacesToCreate.Add(result.Name);
            ShouldProcessWithDetail(target, "Apply", result.Changed ? result.Diff : "no change");
            WriteObject(result);
        }
    }
}
