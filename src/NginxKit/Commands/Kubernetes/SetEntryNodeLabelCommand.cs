using System.Collections;
using System.Management.Automation;
using NginxKit.Engine.Kubernetes;
using NginxKit.Infrastructure;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Commands.Kubernetes;

/// <summary>Labels nodes as entry nodes (role=entry), or with any labels; -Remove takes them off.</summary>
[Cmdlet(VerbsCommon.Set, "EntryNodeLabel", SupportsShouldProcess = true)]
[OutputType(typeof(NodeLabelResult))]
[OutputType(typeof(EntryNode))]
public sealed class SetEntryNodeLabelCommand : KubeCmdlet
{
    private readonly List<string> nodes = [];
    private readonly HashSet<string> seen = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, string?> labels = new Dictionary<string, string?>();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeNodeCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>The value of the role label; used when -Label is not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Role { get; set; } = NodeLabeler.DefaultRole;

    /// <summary>Any labels, instead of role=&lt;Role&gt;.</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>Remove the labels (only their keys matter) instead of setting them.</summary>
    [Parameter]
    public SwitchParameter Remove { get; set; }

    /// <summary>How many nodes are patched at once.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 16;

    /// <summary>Output the node as it is afterwards, instead of what changed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (Label is null)
        {
            wanted[NodeLabeler.RoleLabel] = Remove ? null : Role;
        }
        else
        {
            foreach (var (key, value) in HashtableEntries.AsText(Label))
                wanted[key] = Remove ? null : value ?? string.Empty;
        }
        // Checked before any request: a bad key must not leave half the nodes labelled.
        if (NodeLabeler.Validate(wanted) is [var bad, ..])
            ThrowProblem(bad);
        labels = wanted;
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        foreach (var name in Name)
            if (seen.Add(name)) nodes.Add(name);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var action = Remove ? $"Remove labels {string.Join(", ", labels.Keys)}" : $"Set labels {string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"))}";
        var labeler = new NodeLabeler(Connection);
        List<string> apply;
        IReadOnlyList<Task<NodeLabelResult>> results;
        var whatIf = IsWhatIf;
        try
        {
            if (whatIf)
            {
                // The server's dry run first, so each "What if:" line says what would happen: a node
                // that already has the labels is said to need nothing. Nothing is changed.
                apply = nodes;
                results = await labeler.SetManyAsync(apply, labels, dryRun: true, ThrottleLimit, cancellationToken);
                for (int i = 0; i < apply.Count; i++)
                {
                    var unchanged = results[i].IsCompletedSuccessfully && !results[i].Result.Changed;
                    var said = unchanged
                        ? $"Node \"{apply[i]}\" is already labelled ({(Remove ? "without " + string.Join(", ", labels.Keys) : string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}")))}): nothing to change."
                        : $"{action} on node \"{apply[i]}\".";
                    ShouldProcess(said, said, action);
                }
            }
            else
            {
                // Ask for each node here, on the pipeline thread; the requests then run in parallel.
                apply = [.. nodes.Where(node => ShouldProcess($"{action} on node \"{node}\".", $"{action} on node \"{node}\"?", action))];
                if (apply.Count == 0) return;
                results = await labeler.SetManyAsync(apply, labels, dryRun: false, ThrottleLimit, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not Engine.Diagnostics.NginxKitException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            WriteApiFailure(ex, "Listing nodes", null, ErrorCatalog.NodeNotFound);
            return;
        }
        // Every node's request has run: report them all, and only then stop for a failure no node escapes.
        (Exception Error, string Node)? fatal = null;
        for (int i = 0; i < apply.Count; i++)
        {
            var task = results[i];
            if (task.IsCompletedSuccessfully)
                WriteObject(PassThru ? task.Result.Node : task.Result);
            else if (task.Exception?.InnerException is { } ex)
            {
                if (Engine.Kubernetes.KubeErrors.IsFatal(ex)) fatal ??= (ex, apply[i]);
                else WriteApiFailure(ex, $"Node '{apply[i]}'", apply[i], ErrorCatalog.NodeNotFound);
            }
        }
        if (fatal is var (error, failed))
            WriteApiFailure(error, $"Node '{failed}'", failed, ErrorCatalog.NodeNotFound);
    }
}
