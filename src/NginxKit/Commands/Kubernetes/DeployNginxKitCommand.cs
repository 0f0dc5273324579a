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
        foreach (var item in Path)
        {
            IEnumerable<string> files;
            try
            {
                files = GetResolvedProviderPathFromPSPath(item, out _);
            }
            catch (ItemNotFoundException ex)
            {
                WriteProblem(ErrorCatalog.ManifestNotFound.Problem($"Cannot find '{item}'.", item), ex);
                continue;
            }
            foreach (var file in files)
            {
                var objects = EntryManifest.ReadFile(file, out var problem);
                if (problem is not null) WriteProblem(problem);
                items.AddRange(objects);
            }
        }
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var applier = new ManifestApplier(Connection);
        var whatIf = IsWhatIf;
        var deployments = new List<(string Namespace, string Name)>();
        var namespacesToCreate = new HashSet<string>(StringComparer.Ordinal);
        // In order: the Namespace before what lives in it, RBAC before the Deployment that uses it.
        foreach (var item in items.OrderBy(i => Rank(i)))
        {
            var target = ManifestApplier.Describe(item);
            ApplyResult result;
            try
            {
                if (whatIf)
                {
                    result = await applier.ApplyAsync(item, dryRun: true, namespacesToCreate, cancellationToken);
                    if (result is { Kind: "Namespace", Created: true }) namespacesToCreate.Add(result.Name);
                    ShouldProcessWithDetail(target, "Apply", result.Changed ? result.Diff : "no change");
                }
                else if (ShouldProcess(target, "Apply"))
                {
                    result = await applier.ApplyAsync(item, dryRun: false, namespacesToCreate, cancellationToken);
                }
                else
                {
                    continue;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (ex is Engine.Diagnostics.NginxKitException nk) WriteProblem(nk.Problem, nk);
                else WriteApiFailure(ex, $"Applying {target}", target, ErrorCatalog.ManifestTargetNotFound);
                continue;
            }
            WriteObject(result);
            if (!whatIf && ManifestApplier.DeploymentOf(item) is { } deployment) deployments.Add(deployment);
        }

        if (!Wait || whatIf) return;
        foreach (var (ns, name) in deployments)
        {
            var progress = new ProgressRecord(1, $"Rolling out {ns}/{name}", "waiting");
            // Progress<T> posts to the context it was made on: the pipeline thread, where WriteProgress is legal.
            var report = new Progress<RolloutStatus>(s =>
            {
                progress.StatusDescription = s.Message;
                progress.PercentComplete = s.Desired == 0 ? 100 : Math.Min(100, 100 * s.Available / s.Desired);
                WriteProgress(progress);
            });
            var status = await applier.WaitForRolloutAsync(name, ns, TimeSpan.FromSeconds(TimeoutSec), report, cancellationToken);
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            WriteVerbose(status.Message);
        }
    }

    private static int Rank(object item) => ManifestApplier.ApplyOrder(ManifestApplier.Describe(item).Split('/')[0]);
}
