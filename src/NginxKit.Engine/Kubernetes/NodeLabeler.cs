using NginxKit.Engine.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Labels nodes the way <c>kubectl label node</c> should: read first, and patch only the labels
/// that differ, so a re-run sends no PATCH. The patch carries the resourceVersion it was computed
/// from; if the node changed in between, the server answers 409 and the node is read again.
/// </summary>
public sealed class NodeLabeler(KubeConnection connection)
{
    public const string RoleLabel = "role";
    public const string DefaultRole = "entry";
    public const string FieldManager = "nginxkit";
    public const int MaxAttempts = 5;

    /// <summary>Checks label keys and values against Kubernetes' syntax; null values mean removal.</summary>
    public static IReadOnlyList<Problem> Validate(IReadOnlyDictionary<string, string?> labels)
    {
        var problems = new List<Problem>();
        foreach (var (key, value) in labels)
        {
            var rule = LabelRules.CheckKey(key) ?? (value is null ? null : LabelRules.CheckValue(value));
            if (rule is not null)
                problems.Add(ErrorCatalog.InvalidLabel.Problem($"Label {Printable.Escape(key)}={Printable.Escape(value)} is not valid ({rule}). Keys are [prefix/]name, names and values up to 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric.",
                    key, rule));
        }
        return problems;
    }

    public async Task<IReadOnlyList<EntryNode>> ListAsync(string? labelSelector, CancellationToken cancellationToken)
    {
        var list = await connection.Client.CoreV1.ListNodeAsync(labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Items.Select(EntryNode.From).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Labels many nodes, at most <paramref name="concurrency"/> requests at a time. One LIST
    /// replaces a GET per node; a node the list lacks is read alone, so it gets its own 404.
    /// Each task ends with its node's result or its node's exception; tasks are in input order.
    /// </summary>
    public async Task<IReadOnlyList<Task<NodeLabelResult>>> SetManyAsync(IReadOnlyList<string> names, IReadOnlyDictionary<string, string?> labels,
        bool dryRun, int concurrency, CancellationToken cancellationToken)
    {
        Dictionary<string, V1Node>? listed = null;
        if (names.Count > 1)
        {
            var list = await connection.Client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            listed = list.Items.ToDictionary(n => n.Metadata.Name, StringComparer.Ordinal);
        }
        var gate = new SemaphoreSlim(Math.Max(1, concurrency)); // not disposed: a cancelled task may still release it
        var tasks = names.Select(async name =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await SetAsync(name, labels, dryRun, cancellationToken, listed?.GetValueOrDefault(name)).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Each node's failure is in its own task; the caller reports them one by one.
        }
        return tasks;
    }

    /// <summary>Brings one node's labels to <paramref name="labels"/> (a null value removes the key).</summary>
    public async Task<NodeLabelResult> SetAsync(string name, IReadOnlyDictionary<string, string?> labels, bool dryRun, CancellationToken cancellationToken, V1Node? known = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            var node = known ?? await connection.Client.CoreV1.ReadNodeAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            known = null;
            var current = node.Metadata?.Labels ?? new Dictionary<string, string>();
            var changes = labels.Where(l => l.Value is null ? current.ContainsKey(l.Key) : !current.TryGetValue(l.Key, out var v) || v != l.Value)
                .ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
            if (changes.Count == 0)
                return new NodeLabelResult(name, false, dryRun, changes, EntryNode.From(node), attempt);

            var body = JsonSerializer.Serialize(new { metadata = new { resourceVersion = node.Metadata?.ResourceVersion, labels = changes } });
            try
            {
                var patched = await connection.Client.CoreV1.PatchNodeAsync(new V1Patch(body, V1Patch.PatchType.MergePatch), name,
                    dryRun: dryRun ? "All" : null, fieldManager: FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
                return new NodeLabelResult(name, true, dryRun, changes, EntryNode.From(patched), attempt);
            }
            catch (Exception ex) when (KubeErrors.StatusOf(ex) == 409 && attempt < MaxAttempts)
            {
                // Someone changed the node between our read and our patch: read it again.
            }
        }
    }
}
