using System.Management.Automation;
using NginxKit.Engine.Kubernetes;
using NginxKit.Infrastructure;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Commands.Kubernetes;

/// <summary>Lists the nodes that may run the nginx entry (label role=entry), or every node with -All.</summary>
[Cmdlet(VerbsCommon.Get, "EntryNode", DefaultParameterSetName = ByRole)]
[OutputType(typeof(EntryNode))]
public sealed class GetEntryNodeCommand : KubeCmdlet
{
    private const string ByRole = "ByRole";
    private const string Every = "All";

    /// <summary>Only these nodes (wildcards allowed).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(KubeNodeCompleter))]
    public string[]? Name { get; set; }

    /// <summary>The value of the role label that marks entry nodes.</summary>
    [Parameter(ParameterSetName = ByRole)]
    [ValidateNotNullOrEmpty]
    public string Role { get; set; } = NodeLabeler.DefaultRole;

    /// <summary>Every node, with its labels, like kubectl get nodes --show-labels.</summary>
    [Parameter(Mandatory = true, ParameterSetName = Every)]
    public SwitchParameter All { get; set; }

    private readonly List<string> names = [];

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (Name is not null) names.AddRange(Name);
        return Task.CompletedTask;
    }

    // One LIST for the whole pipeline, however many names arrive.
    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == ByRole && NodeLabeler.Validate(new Dictionary<string, string?> { [NodeLabeler.RoleLabel] = Role }) is [var bad, ..])
            ThrowProblem(bad);

        IReadOnlyList<EntryNode> nodes;
        try
        {
            nodes = await new NodeLabeler(Connection).ListAsync(All ? null : $"{NodeLabeler.RoleLabel}={Role}", cancellationToken);
        }
        catch (Exception ex) when (ex is not Engine.Diagnostics.NginxKitException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            WriteApiFailure(ex, "Listing nodes", null, ErrorCatalog.NodeNotFound);
            return;
        }

        var patterns = names.Count == 0 ? null : names.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var node in nodes)
            if (patterns is null || patterns.Any(p => p.IsMatch(node.Name)))
                WriteObject(node);

        foreach (var name in names)
            if (!WildcardPattern.ContainsWildcardCharacters(name) && !nodes.Any(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase)))
                WriteProblem(ErrorCatalog.NodeNotFound.Problem(All ? $"Node '{name}' was not found." : $"Node '{name}' was not found among the nodes labelled {NodeLabeler.RoleLabel}={Role}. Use -All to see every node.", name));
    }
}
