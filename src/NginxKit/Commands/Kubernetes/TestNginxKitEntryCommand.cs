using System.Management.Automation;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Kubernetes;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Kubernetes;

/// <summary>
/// Checks a deployed entry step by step, from the node label to the routes it serves, and writes
/// one result per check. Reads only: it never changes the cluster. Offline, it checks a config
/// NginxKit wrote against Service manifests.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "NginxKitEntry", DefaultParameterSetName = FromCluster)]
[OutputType(typeof(EntryCheckResult))]
public sealed class TestNginxKitEntryCommand : KubeCmdlet
{
    private const string FromCluster = "FromCluster";
    private const string FromFiles = "FromFiles";

    /// <summary>The entry's namespace, as New-NginxKitManifest -Namespace.</summary>
    [Parameter(ParameterSetName = FromCluster)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KubeNamespaceCompleter))]
    public string Namespace { get; set; } = new EntryManifestOptions().Namespace;

    /// <summary>The entry's name, as New-NginxKitManifest -Name: its Deployment, Service and ServiceAccount.</summary>
    [Parameter(ParameterSetName = FromCluster)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = new EntryManifestOptions().Name;

    /// <summary>Also send GET /healthz to the NodePort of each Ready entry node (its InternalIP).</summary>
    [Parameter(ParameterSetName = FromCluster)]
    public SwitchParameter Probe { get; set; }

    /// <summary>A last sync older than this is a warning.</summary>
    [Parameter(ParameterSetName = FromCluster)]
    public TimeSpan SyncAge { get; set; } = EntryChecks.DefaultSyncAge;

    /// <summary>Service manifests (files or directories), as Get-NginxRoute -Path reads them. Works offline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromFiles, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>The nginx config NginxKit wrote, to check against the manifests' routes.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromFiles)]
    [ValidateNotNullOrEmpty]
    public string ConfigFile { get; set; } = "";

    /// <summary>Every Service becomes a route, as with New-NginxKitManifest -ExposeAll.</summary>
    [Parameter(ParameterSetName = FromFiles)]
    public SwitchParameter ExposeAll { get; set; }

    private readonly List<string> paths = [];

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName != FromFiles) return Task.CompletedTask;
        RefuseClusterWith("-Path the Services come from files");
        paths.AddRange(ResolveManifestPaths(Path));
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<EntryCheckResult> results;
        if (ParameterSetName == FromFiles)
        {
            var found = RouteDiscovery.FromManifests(paths, new DiscoveryOptions { ExposeAll = ExposeAll });
            var report = OfflineEntryCheck.Run(GetUnresolvedProviderPathFromPSPath(ConfigFile), found);
            foreach (var problem in report.UnreadableManifests) WriteProblem(problem);
            results = report.Checks;
        }
        else
        {
            EntrySnapshot snapshot;
            try
            {
                snapshot = await new EntryInspector(Connection).ReadAsync(Namespace, Name, Probe, cancellationToken);
            }
            catch (Exception ex) when (ex is not NginxKitException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
            {
                WriteApiFailure(ex, $"Checking entry {Namespace}/{Name}", Name, ErrorCatalog.NamespaceNotFound);
                return;
            }
            results = EntryChecks.Evaluate(snapshot, SyncAge);
        }
        foreach (var result in results) WriteObject(result);
    }
}
