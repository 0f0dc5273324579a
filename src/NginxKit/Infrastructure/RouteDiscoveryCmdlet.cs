using System.Management.Automation;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Kubernetes;

namespace NginxKit.Infrastructure;

/// <summary>
/// Base for cmdlets that find routes in Services, from the cluster or from manifest files:
/// -Namespace, -Selector and -ExposeAll, declared once, and the discovery itself, with each
/// Service that gives no route reported as Get-NginxRoute reports it.
/// </summary>
public abstract class RouteDiscoveryCmdlet : KubeCmdlet
{
    protected const string FromCluster = "FromCluster";
    protected const string FromFiles = "FromFiles";

    /// <summary>Only these namespaces; by default every namespace.</summary>
    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KubeNamespaceCompleter))]
    public string[]? Namespace { get; set; }

    /// <summary>A label selector, as kubectl takes it: app=web,tier!=cache.</summary>
    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    [Alias("l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    /// <summary>Every Service becomes a route, /&lt;service-name&gt; without an annotation; by default only those that opt in.</summary>
    [Parameter(ParameterSetName = FromCluster)]
    [Parameter(ParameterSetName = FromFiles)]
    public SwitchParameter ExposeAll { get; set; }

    private DiscoveryOptions options = new();

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName is FromCluster or FromFiles)
            options = new DiscoveryOptions { Namespaces = NamespaceScope.Parse(Namespace), Selector = Selector, ExposeAll = ExposeAll };
        return Task.CompletedTask;
    }

    /// <summary>
    /// The Services' findings: from the files <paramref name="paths"/> name, or, when null, from the
    /// cluster. Null when the cluster could not be read (the error is written).
    /// </summary>
    protected async Task<IReadOnlyList<DiscoveredRoute>?> DiscoverAsync(string[]? paths, CancellationToken cancellationToken)
    {
        if (paths is not null)
        {
            RefuseClusterWith("-Path the Services come from files");
            return RouteDiscovery.FromManifests(ResolveManifestPaths(paths), options);
        }
        try
        {
            return await ClusterRoutes.DiscoverAsync(Connection, options, cancellationToken);
        }
        catch (Exception ex) when (ex is not NginxKitException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            var target = options.Namespaces.Count == 1 ? options.Namespaces[0] : null;
            WriteApiFailure(ex, $"Listing Services in {NamespaceScope.Describe(options.Namespaces)}", target, ErrorCatalog.NamespaceNotFound);
            return null;
        }
    }

    /// <summary>The routes found, in order; each Service without one is a verbose line, a warning or an error, as it comes.</summary>
    protected IEnumerable<Engine.Nginx.Route> Routes(IEnumerable<DiscoveredRoute> found, CancellationToken cancellationToken)
    {
        foreach (var item in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (item.Route is not null) yield return item.Route;
            else if (item.Skipped is not null) WriteVerbose(item.Skipped);
            else if (item.Warning is not null) WriteWarning(item.Warning);
            else WriteProblem(item.Problem!);
        }
    }
}
