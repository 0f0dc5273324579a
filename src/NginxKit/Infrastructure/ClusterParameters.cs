using System.Management.Automation;

namespace NginxKit.Infrastructure;

/// <summary>
/// -KubeConfig and -Context, declared once. The cmdlets that talk to a cluster offer them as dynamic
/// parameters: KubeCmdlet for most, and Sync-NginxConf, whose one base class carries the rendering
/// parameters. Connect-NginxKitCluster takes its own positional -KubeConfig: it sets the default these fall back to.
/// </summary>
public sealed class ClusterParameters
{
    /// <summary>A kubeconfig file; by default $env:KUBECONFIG, then ~/.kube/config, then the in-cluster service account.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KubeConfig { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    public string? Context { get; set; }

    /// <summary>True when either names a cluster: a mistake with the cmdlets' offline parameter sets.</summary>
    public bool Given => KubeConfig is not null || Context is not null;
}
