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
public abstract class KubeCmdlet : AsyncCmdlet
{
    private readonly KubeConnector cluster;

    protected KubeCmdlet() => cluster = new KubeConnector(this);

    /// <summary>A kubeconfig file; by default $env:KUBECONFIG, then ~/.kube/config, then the in-cluster service account.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KubeConfig { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    public string? Context { get; set; }

    /// <summary>The connection for this invocation, opened on first use.</summary>
    protected KubeConnection Connection => cluster.Get(KubeConfig, Context);

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
