using System.Management.Automation;
using NginxKit.Engine.Kubernetes;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Kubernetes;

/// <summary>Sets the cluster every NginxKit cmdlet in this session uses when given no -KubeConfig or -Context.</summary>
[Cmdlet(VerbsCommunications.Connect, "NginxKitCluster")]
[OutputType(typeof(KubeConnectionInfo))]
public sealed class ConnectNginxKitClusterCommand : AsyncCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? KubeConfig { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    public string? Context { get; set; }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var target = new KubeTarget(KubeConfig is null ? null : GetUnresolvedProviderPathFromPSPath(KubeConfig), Context);
        using var connection = KubeConnection.Open(target); // fails here, not at the first cmdlet, when the kubeconfig is wrong
        KubeSessionDefaults.Set(target);
        WriteObject(connection.Info);
        return Task.CompletedTask;
    }
}
