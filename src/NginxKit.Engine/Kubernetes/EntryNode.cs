using System.Text.Json;
using k8s;
using k8s.Models;
using NginxKit.Engine.Diagnostics;

namespace NginxKit.Engine.Kubernetes;

/// <summary>A node as Get-EntryNode shows it, like a row of <c>kubectl get nodes --show-labels</c>.</summary>
public sealed record EntryNode(string Name, bool Ready, IReadOnlyList<string> Roles, IReadOnlyDictionary<string, string> Labels,
    DateTimeOffset? Created, string? InternalIP, string? KubeletVersion, string? ResourceVersion)
{
    public TimeSpan? Age => Created is { } c ? DateTimeOffset.UtcNow - c : null;

    /// <summary>The labels as kubectl prints them: key=value, sorted, comma-separated.</summary>
    public string LabelText => string.Join(',', Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    internal static EntryNode From(V1Node node)
    {
        var labels = node.Metadata?.Labels ?? new Dictionary<string, string>();
        var ready = node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false;
        // kubectl's ROLES column: node-role.kubernetes.io/<role> and kubernetes.io/role.
        var roles = labels.Keys.Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..]).Where(r => r.Length > 0)
            .Concat(labels.TryGetValue("kubernetes.io/role", out var r) ? [r] : [])
            .Order(StringComparer.Ordinal).ToList();
        return new EntryNode(node.Metadata?.Name ?? string.Empty, ready, roles, new Dictionary<string, string>(labels, StringComparer.Ordinal),
            node.Metadata?.CreationTimestamp is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null,
            node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address, node.Status?.NodeInfo?.KubeletVersion,
            node.Metadata?.ResourceVersion);
    }
}
