using System.Management.Automation;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Kubernetes;
using NginxKit.Infrastructure;

namespace NginxKit.Commands.Kubernetes;

/// <summary>
/// Deletes what Deploy-NginxKit created: the Service, the Deployment, the RBAC (cluster-scoped
/// included), the ServiceAccount and the Namespace, each only when NginxKit's managed-by label says
/// it made it. One result per object; -WhatIf sends server-side dry runs.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "NginxKit", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByName)]
[OutputType(typeof(RemoveResult))]
public sealed class RemoveNginxKitCommand : KubeCmdlet
{
    private const string ByName = "ByName";
    private const string FromObjects = "FromObjects";
    private static readonly EntryManifestOptions Defaults = new();
    private readonly List<object> items = [];

    /// <summary>The namespace Deploy-NginxKit deployed into (New-NginxKitManifest -Namespace).</summary>
    [Parameter(ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KubeNamespaceCompleter))]
    public string Namespace { get; set; } = Defaults.Namespace;

    /// <summary>The entry's name (New-NginxKitManifest -Name).</summary>
    [Parameter(ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = Defaults.Name;

    /// <summary>Manifest objects, as New-NginxKitManifest writes them: the objects they name are removed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromObjects, ValueFromPipeline = true)]
    public PSObject[] InputObject { get; set; } = [];

    /// <summary>Leave the Namespace (and anything else in it).</summary>
    [Parameter]
    public SwitchParameter KeepNamespace { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == FromObjects) items.AddRange(InputObject.Select(o => o.BaseObject));
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == ByName)
        {
            var options = Defaults with { Namespace = Namespace, Name = Name };
            if (EntryManifest.Validate(options) is [var bad, ..]) ThrowProblem(bad);
            items.AddRange(EntryManifest.Build(options));
        }
        var remover = new EntryRemover(Connection);
        var whatIf = IsWhatIf;
        foreach (var (kind, ns, name) in EntryRemover.Targets(items, KeepNamespace))
        {
            var target = $"{kind}/{(ns is null ? "" : ns + "/")}{name}";
            if (!whatIf && !ShouldProcess(target, "Remove")) continue;
            RemoveResult result;
            try
            {
                result = await remover.RemoveAsync(kind, ns, name, whatIf, cancellationToken);
            }
            catch (NginxKitException ex)
            {
                WriteProblem(ex.Problem, ex);
                continue;
            }
            catch (Exception ex) when (KubeErrors.IsApiFailure(ex))
            {
                WriteApiFailure(ex, $"Removing {target}", target, ErrorCatalog.ManifestTargetNotFound);
                continue;
            }
            if (whatIf) ShouldProcessWithDetail(target, "Remove", result.Found ? "delete" : "not found: nothing to delete");
            WriteObject(result);
        }
    }
}
