using NginxKit.Engine.Diagnostics;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NginxKit.Engine.Kubernetes;

namespace NginxKit.Infrastructure;

/// <summary>
/// Base for cmdlets that talk to a cluster: -KubeConfig and -Context, falling back to the
/// session default that Connect-NginxKitCluster sets, then to kubectl's own defaults.
/// </summary>
public abstract class KubeCmdlet : AsyncCmdlet, IDynamicParameters
{
    private readonly KubeConnector cluster;
    private readonly ClusterParameters clusterParameters = new();

    protected KubeCmdlet() => cluster = new KubeConnector(this);

    /// <summary>-KubeConfig and -Context, from their one declaration.</summary>
    public object GetDynamicParameters() => clusterParameters;

    /// <summary>Stops with KubeParameterWithPath when -KubeConfig or -Context is given where the input is not a cluster.</summary>
    protected void RefuseClusterWith(string instead)
    {
        if (clusterParameters.Given)
            ThrowProblem(ErrorCatalog.KubeParameterWithPath.Problem($"-KubeConfig and -Context choose a cluster; with {instead}. Give one or the other.", null));
    }

    /// <summary>The connection for this invocation, opened on first use.</summary>
    protected KubeConnection Connection => cluster.Get(clusterParameters.KubeConfig, clusterParameters.Context);

    protected override void Dispose(bool disposing)
    {
        if (disposing) cluster.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>
    /// Reports an API failure for one item and goes on, unless no other item could succeed either
    /// (no server, bad credentials): then the whole command stops.
    /// </summary>
    protected void WriteApiFailure(Exception exception, string what, object? target, ErrorKind notFound)
    {
        var problem = KubeErrors.ToProblem(exception, what, target, notFound);
        if (KubeErrors.IsFatal(exception))
            ThrowProblem(problem, exception);
        WriteProblem(problem, exception);
    }

    /// <summary>The files the -Path items name (wildcards expanded); one ManifestNotFound error for each that names nothing.</summary>
    protected List<string> ResolveManifestPaths(IEnumerable<string> items)
    {
        var paths = new List<string>();
        foreach (var item in items)
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
}
