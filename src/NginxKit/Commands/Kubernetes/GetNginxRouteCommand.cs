using NginxKit.Engine.Diagnostics;
using System.Management.Automation;
using NginxKit.Engine.Kubernetes;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Kubernetes;

/// <summary>
/// Turns Services, from the cluster or from manifest files, into routes that New-NginxConf takes:
/// those that opt in (or every Service with -ExposeAll), with each path held by its oldest claim.
/// </summary>
[Cmdlet(VerbsCommon.Get, "NginxRoute", DefaultParameterSetName = FromCluster)]
[OutputType(typeof(NginxRoute))]
public sealed class GetNginxRouteCommand : KubeCmdlet
{
    private const string FromCluster = "FromCluster";
    private const string FromFiles = "FromFiles";

    /// <summary>Manifest files or directories: kubectl get svc -o yaml output, or a GitOps tree. Works offline.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = FromFiles, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>Only these namespaces; by default every namespace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KubeNamespaceCompleter))]
    public string[]? Namespace { get; set; }

    /// <summary>A label selector, as kubectl takes it: app=web,tier!=cache.</summary>
    [Parameter]
    [Alias("l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    /// <summary>Every Service becomes a route, /&lt;service-name&gt; without an annotation; by default only those that opt in.</summary>
    [Parameter]
    public SwitchParameter ExposeAll { get; set; }

    private DiscoveryOptions options = new();

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        options = new DiscoveryOptions { Namespaces = NamespaceScope.Parse(Namespace), Selector = Selector, ExposeAll = ExposeAll };
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == FromFiles)
        {
            if (KubeConfig is not null || Context is not null)
                ThrowProblem(ErrorCatalog.KubeParameterWithPath.Problem("-KubeConfig and -Context choose a cluster; with -Path the Services come from files. Give one or the other.", null));
            Emit(RouteDiscovery.FromManifests(ResolvePaths(), options), cancellationToken);
            return;
        }

        IReadOnlyList<DiscoveredRoute> found;
        try
        {
            found = await ClusterRoutes.DiscoverAsync(Connection, options, cancellationToken);
        }
        catch (Exception ex) when (ex is not Engine.Diagnostics.NginxKitException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            var target = options.Namespaces.Count == 1 ? options.Namespaces[0] : null;
            WriteApiFailure(ex, $"Listing Services in {NamespaceScope.Describe(options.Namespaces)}", target, ErrorCatalog.NamespaceNotFound);
            return;
        }
        Emit(found, cancellationToken);
    }

    private List<string> ResolvePaths()
    {
        var paths = new List<string>();
        foreach (var item in Path)
        {
            try
            {
                paths.AddRange(GetResolvedProviderPathFromPSPath(item, out _));
            }
            catch (ItemNotFoundException ex)
            {
                WriteProblem(ErrorCatalog.ManifestNotFound.Problem($"Cannot find '{item}'.", item), ex);
            }
        }
        return paths;
    }

    private void Emit(IEnumerable<DiscoveredRoute> found, CancellationToken cancellationToken)
    {
        foreach (var item in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (item.Route is not null) WriteObject(NginxRoute.From(item.Route));
            else if (item.Skipped is not null) WriteVerbose(item.Skipped);
            else if (item.Warning is not null) WriteWarning(item.Warning);
            else WriteProblem(item.Problem!);
        }
    }
}
