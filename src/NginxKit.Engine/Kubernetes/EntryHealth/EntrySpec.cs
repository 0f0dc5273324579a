using k8s.Models;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// What a deployed entry says about itself: the role its pods ask for, the ServiceAccount they run
/// as, the pods' labels, and the sidecar's discovery settings (--namespace, --expose-all,
/// --server-name) read from the sync container's arguments. Values come from the cluster, so
/// names pass the DNS-label rule or are dropped. Pure.
/// </summary>
public sealed record EntrySpec(string Role, string ServiceAccount, IReadOnlyDictionary<string, string> PodLabels,
    IReadOnlyList<string> WatchNamespaces, bool ExposeAll, string? ServerName)
{
    public const string SyncContainer = "sync";

    /// <summary>The spec New-NginxKitManifest gives an entry of this name, when its Deployment cannot be read.</summary>
    public static EntrySpec Default(string name) =>
        new(NodeLabeler.DefaultRole, name, new Dictionary<string, string> { ["app.kubernetes.io/name"] = name }, [], false, null);

    public static EntrySpec From(V1Deployment deployment, string name)
    {
        var pod = deployment.Spec?.Template?.Spec;
        var role = pod?.NodeSelector?.TryGetValue(NodeLabeler.RoleLabel, out var r) == true && LabelRules.CheckValue(r) is null ? r : NodeLabeler.DefaultRole;
        var account = pod?.ServiceAccountName is { } sa && Nginx.RouteRules.CheckDnsLabel(sa) is null ? sa : "default";
        var labels = deployment.Spec?.Selector?.MatchLabels is { Count: > 0 } m ? new Dictionary<string, string>(m) : Default(name).PodLabels;
        var args = pod?.Containers?.FirstOrDefault(c => c.Name == SyncContainer)?.Args ?? [];
        var namespaces = new List<string>();
        var exposeAll = false;
        string? serverName = null;
        for (var i = 0; i < args.Count; i++)
        {
            var (flag, inline) = args[i].IndexOf('=') is > 0 and var eq ? (args[i][..eq], args[i][(eq + 1)..]) : (args[i], null);
            string? Value() => inline ?? (i + 1 < args.Count ? args[++i] : null);
            switch (flag)
            {
                case "--namespace":
                    namespaces.AddRange((Value() ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                        .Where(n => Nginx.RouteRules.CheckDnsLabel(n) is null));
                    break;
                case "--expose-all": exposeAll = true; break;
                case "--server-name": serverName = Value(); break;
            }
        }
        return new EntrySpec(role, account, labels, namespaces.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), exposeAll, serverName);
    }

    /// <summary>The label selector of the entry's pods, as kubectl takes it.</summary>
    public string PodSelector => string.Join(',', PodLabels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>What the sidecar must be allowed: list and watch Services and create Events where it watches, and create Events on its own pods.</summary>
    public IReadOnlyList<RbacPermission> NeededPermissions(string entryNamespace)
    {
        var scopes = WatchNamespaces.Count == 0 ? [null] : WatchNamespaces.Select(n => (string?)n).ToList();
        var needed = scopes.SelectMany(s => new[] { new RbacPermission("list", "services", s), new RbacPermission("watch", "services", s), new RbacPermission("create", "events", s) }).ToList();
        if (WatchNamespaces.Count > 0) needed.Add(new RbacPermission("create", "events", entryNamespace));
        return needed.Distinct().ToList();
    }
}
