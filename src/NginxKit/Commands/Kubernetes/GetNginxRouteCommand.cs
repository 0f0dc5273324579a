using System.Management.Automation;
using NginxKit.Engine.Kubernetes;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Kubernetes;

/// <summary>Turns Services into routes that New-NginxConf takes.</summary>
[Cmdlet(VerbsCommon.Get, "NginxRoute", DefaultParameterSetName = FromFiles)]
[OutputType(typeof(NginxRoute))]
public sealed class GetNginxRouteCommand : AsyncCmdlet
{
    private const string FromFiles = "FromFiles";

    /// <summary>Manifest files or directories: kubectl get svc -o yaml output, or a GitOps tree.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = FromFiles, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    public string[] Path { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>A label selector, as kubectl takes it: app=web,tier!=cache.</summary>
    [Parameter]
    [Alias("l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
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
                WriteError(ErrorRecords.Create("ManifestNotFound", ErrorCategory.ObjectNotFound, $"Cannot find '{item}'.", item, ex));
            }
        }
        foreach (var found in RouteDiscovery.FromManifests(paths, Namespace, Selector))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (found.Route is not null) WriteObject(NginxRoute.From(found.Route));
            else if (found.Warning is not null) WriteWarning(found.Warning);
            else WriteProblem(found.Problem!);
        }
        return Task.CompletedTask;
    }
}
