using System.Management.Automation;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Kubernetes;

/// <summary>
/// Turns Services, from the cluster or from manifest files, into routes that New-NginxConf takes:
/// those that opt in (or every Service with -ExposeAll), with each path held by its oldest claim.
/// </summary>
[Cmdlet(VerbsCommon.Get, "NginxRoute", DefaultParameterSetName = FromCluster)]
[OutputType(typeof(NginxRoute))]
public sealed class GetNginxRouteCommand : RouteDiscoveryCmdlet
{
    /// <summary>Manifest files or directories: kubectl get svc -o yaml output, or a GitOps tree. Works offline.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = FromFiles, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var found = await DiscoverAsync(ParameterSetName == FromFiles ? Path : null, cancellationToken);
        if (found is null) return;
        foreach (var route in Routes(found, cancellationToken))
            WriteObject(NginxRoute.From(route));
    }
}
