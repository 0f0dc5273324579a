using System.Globalization;
using NginxKit.Engine.Nginx;
using NginxKit.Engine.Nginx.Routing;
using NginxKit.Engine.Text;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// Test-NginxKitEntry's checks, evaluated from what was read (<see cref="EntrySnapshot"/>), in the
/// order a request meets them: entry nodes, the rollout, the NodePort, the sidecar's RBAC, the
/// config the pods serve against the Services now, and the last sync. Pure: no I/O, no clock.
/// Lists in details are cut to a few names and a count, so a large cluster gives short lines.
/// </summary>
public static class EntryChecks
{
    public const string Nodes = "EntryNodes";
    public const string Rollout = "Rollout";
    public const string NodePort = "NodePort";
    public const string Rbac = "Rbac";
    public const string Config = "Config";
    public const string LastSync = "LastSync";
    public const string ConfigFile = "ConfigFile";

    /// <summary>The default -SyncAge: three of the sidecar's heartbeats.</summary>
    public static readonly TimeSpan DefaultSyncAge = TimeSpan.FromMinutes(15);

    private const int MaxListed = 5;

    public static IReadOnlyList<EntryCheckResult> Evaluate(EntrySnapshot s, TimeSpan syncAge)
    {
        var spec = s.Spec;
        var records = LastRecords(s);
        return
        [
            CheckNodes(s, spec),
            CheckRollout(s, spec),
            CheckNodePort(s),
            CheckRbac(s, spec),
            CheckConfig(s, spec, records),
            CheckLastSync(s, records, syncAge),
        ];
    }

    private static string Entry(EntrySnapshot s) => $"{s.Namespace}/{s.Name}";

    private static string DeployHint(EntrySnapshot s) =>
        $"Apply the entry again: New-NginxKitManifest -Namespace {s.Namespace} -Name {s.Name} (with the options it was made with) | Deploy-NginxKit.";

    /// <summary>Names, cut to a few and a count.</summary>
    public static string Listed(IEnumerable<string> names)
    {
        var all = names.ToList();
        return all.Count <= MaxListed ? string.Join(", ", all) : $"{string.Join(", ", all.Take(MaxListed))} and {all.Count - MaxListed} more";
    }

    public static EntryCheckResult CheckNodes(EntrySnapshot s, EntrySpec spec)
    {
        var label = $"{NodeLabeler.RoleLabel}={spec.Role}";
        if (s.NodesError is not null) return EntryCheckResult.Warn(Nodes, $"The nodes could not be read: {s.NodesError}.", "Test-NginxKitEntry needs list on nodes.");
        if (s.Nodes.Count == 0)
            return EntryCheckResult.Fail(Nodes, $"No node carries the label {label}, so no entry pod can be scheduled.", PodFailureHints.NoEntryNode(spec.Role));
        var ready = s.Nodes.Where(n => n.Ready).Select(n => n.Name).ToList();
        var notReady = s.Nodes.Where(n => !n.Ready).Select(n => n.Name).ToList();
        if (ready.Count == 0)
            return EntryCheckResult.Fail(Nodes, $"{s.Nodes.Count} node(s) carry {label}, none is Ready: {Listed(notReady)}.",
                "kubectl describe node <node> shows why; or label a Ready node with Set-EntryNodeLabel.");
        if (notReady.Count > 0)
            return EntryCheckResult.Warn(Nodes, $"{ready.Count} of {s.Nodes.Count} nodes labelled {label} are Ready; not Ready: {Listed(notReady)}.",
                "kubectl describe node <node> shows why a node is not Ready.");
        return EntryCheckResult.Pass(Nodes, $"{ready.Count} node(s) labelled {label}, all Ready: {Listed(ready)}.");
    }

    public static EntryCheckResult CheckRollout(EntrySnapshot s, EntrySpec spec)
    {
        if (s.Deployment is null)
            return s.DeploymentError is not null
                ? EntryCheckResult.Warn(Rollout, $"Deployment {Entry(s)} could not be read: {s.DeploymentError}.", "Test-NginxKitEntry needs get on deployments in the entry's namespace.")
                : EntryCheckResult.Fail(Rollout, $"Deployment {Entry(s)} was not found.", DeployHint(s));
        var d = s.Deployment;
        var desired = d.Spec?.Replicas ?? 1;
        var ready = d.Status?.ReadyReplicas ?? 0;
        var updated = d.Status?.UpdatedReplicas ?? 0;
        var counts = $"{ready}/{desired} replicas ready ({updated} updated)";
        if (PodDiagnosis.Diagnose(s.Pods) is { } f)
        {
            var container = f.Container is null ? "" : $" {(f.InitContainer ? "init container" : "container")} '{f.Container}'";
            var what = f.Kind switch
            {
                PodFailureKind.ImagePull => $"cannot pull image '{Printable.Escape(f.Image)}' with pull policy {f.PullPolicy ?? "(default)"}",
                PodFailureKind.CrashLoop => $"keeps exiting ({f.Restarts} restarts)",
                PodFailureKind.NoMatchingNode => "cannot be scheduled: no node matches its node selector",
                _ => "cannot be created",
            };
            var said = f.Message is { Length: > 0 } m ? $": {Printable.Escape(m.Length > 200 ? m[..200] : m)}" : "";
            return EntryCheckResult.Fail(Rollout, $"{counts}. Pod {f.Namespace}/{f.Pod}{container} {what} ({f.Reason}{said}).", PodFailureHints.For(f, spec.Role));
        }
        if (desired == 0) return EntryCheckResult.Warn(Rollout, $"Deployment {Entry(s)} is scaled to 0 replicas: nothing serves.", "Deploy-NginxKit with -Replicas 2 (or more).");
        if (ready == 0)
            return EntryCheckResult.Fail(Rollout, $"{counts}: no pod serves.", $"kubectl describe pods -n {s.Namespace} -l {spec.PodSelector} shows why.");
        if (ready < desired || updated < desired)
            return EntryCheckResult.Warn(Rollout, $"{counts}: the rollout is not complete.", $"Deploy-NginxKit -Wait follows it; kubectl get pods -n {s.Namespace} -l {spec.PodSelector} shows the pods.");
        return EntryCheckResult.Pass(Rollout, $"{counts}.");
    }

    public static EntryCheckResult CheckNodePort(EntrySnapshot s)
    {
        if (s.EntryService is null)
            return s.EntryServiceError is not null
                ? EntryCheckResult.Warn(NodePort, $"Service {Entry(s)} could not be read: {s.EntryServiceError}.", null)
                : EntryCheckResult.Fail(NodePort, $"Service {Entry(s)} was not found: nothing exposes the entry on the nodes.", DeployHint(s));
        var ports = (s.EntryService.Spec?.Ports ?? []).Where(p => p.NodePort is not null).Select(p => $"{p.Name ?? p.Port.ToString(CultureInfo.InvariantCulture)} {p.NodePort}").ToList();
        if (s.EntryService.Spec?.Type is not ("NodePort" or "LoadBalancer") || ports.Count == 0)
            return EntryCheckResult.Fail(NodePort, $"Service {Entry(s)} is of type {s.EntryService.Spec?.Type ?? "ClusterIP"}, with no NodePort.", DeployHint(s));
        var exposed = $"Service {Entry(s)} has NodePort {string.Join(", ", ports)}";
        if (s.Probes is null) return EntryCheckResult.Pass(NodePort, $"{exposed} (not probed: -Probe sends a request to each entry node).");
        if (s.Probes.Count == 0)
            return EntryCheckResult.Fail(NodePort, $"{exposed}, and no Ready entry node to probe.", PodFailureHints.NoEntryNode(s.Spec.Role));
        var failed = s.Probes.Where(p => !p.Answered).ToList();
        if (failed.Count == 0) return EntryCheckResult.Pass(NodePort, $"{exposed}; {EntryManifest.HealthPath} answered 200 on {Listed(s.Probes.Select(p => $"{p.Node} ({p.Address}:{p.Port})"))}.");
        var detail = $"{exposed}; {EntryManifest.HealthPath} did not answer 200 on {failed.Count} of {s.Probes.Count} nodes: {Listed(failed.Select(p => p.ToString()))}.";
        return EntryCheckResult.Fail(NodePort, detail,
            "A refused or timed-out request: a firewall between here and the node, or kube-proxy not forwarding the port. Another status: something else answers on the port. Probe from a host that reaches the nodes' InternalIP.");
    }

    public static EntryCheckResult CheckRbac(EntrySnapshot s, EntrySpec spec)
    {
        var account = $"{s.Namespace}/{spec.ServiceAccount}";
        if (s.RbacError is not null) return EntryCheckResult.Warn(Rbac, $"The RBAC objects could not be read: {s.RbacError}.", "Test-NginxKitEntry needs list on ServiceAccounts, Roles, RoleBindings, ClusterRoles and ClusterRoleBindings.");
        if (!s.ServiceAccountFound) return EntryCheckResult.Fail(Rbac, $"ServiceAccount {account}, which the sidecar runs as, was not found.", DeployHint(s));
        var needed = spec.NeededPermissions(s.Namespace);
        var missing = s.Rbac!.Missing(s.Namespace, spec.ServiceAccount, needed);
        if (missing.Count > 0)
            return EntryCheckResult.Fail(Rbac, $"ServiceAccount {account} may not {Listed(missing.Select(m => m.ToString()))}.",
                $"The sidecar cannot follow the Services or report without these. {DeployHint(s)}");
        var grants = needed.Select(p => s.Rbac.Granting(s.Namespace, spec.ServiceAccount, p)!).Distinct().ToList();
        return EntryCheckResult.Pass(Rbac, $"ServiceAccount {account} may list and watch Services and create Events ({Listed(grants)}).");
    }

    /// <summary>Each running entry pod's last Synced record, by pod name (null: none).</summary>
    public static IReadOnlyDictionary<string, SyncRecord?> LastRecords(EntrySnapshot s)
    {
        var records = s.SyncedEvents.Select(SyncedEvent.Read).OfType<SyncRecord>().ToList();
        var result = new SortedDictionary<string, SyncRecord?>(StringComparer.Ordinal);
        foreach (var pod in s.Pods.Where(p => p.Metadata?.DeletionTimestamp is null && p.Status?.Phase == "Running"))
        {
            var name = pod.Metadata.Name;
            result[name] = records.Where(r => r.Pod == name).MaxBy(r => r.Time);
        }
        return result;
    }

    public static EntryCheckResult CheckConfig(EntrySnapshot s, EntrySpec spec, IReadOnlyDictionary<string, SyncRecord?> records)
    {
        if (s.ServicesError is not null) return EntryCheckResult.Warn(Config, $"The Services could not be listed: {s.ServicesError}.", "Test-NginxKitEntry needs list on Services where the sidecar watches.");
        if (s.EventsError is not null) return EntryCheckResult.Warn(Config, $"The entry's events could not be listed: {s.EventsError}.", $"Test-NginxKitEntry needs list on events in {s.Namespace}.");
        var known = records.Where(r => r.Value is not null).ToDictionary(r => r.Key, r => r.Value!);
        if (known.Count == 0)
            return EntryCheckResult.Warn(Config, records.Count == 0 ? "No entry pod is running: nothing serves a config." : "No entry pod has said what it serves (no Synced event).",
                "See the LastSync check.");
        var wanted = ServedRouteTable.FromServices(s.Services, spec.WatchNamespaces, spec.ExposeAll, spec.ServerName);
        var differing = new List<string>();
        foreach (var (pod, r) in known)
        {
            var diff = ServedRouteTable.Compare(r.Routes, r.RoutesHash, r.RouteCount, wanted);
            if (!diff.InSync) differing.Add($"pod {pod}: {diff.Describe()}");
        }
        if (differing.Count > 0)
            return EntryCheckResult.Fail(Config, $"The config served differs from the {wanted.Count} routes the Services give now. {string.Join(". ", differing.Take(MaxListed))}"
                    + (differing.Count > MaxListed ? $". And {differing.Count - MaxListed} more pods." : "."),
                $"A sidecar that stopped following the Services: kubectl logs -n {s.Namespace} <pod> -c sync shows why; deleting the pod makes a fresh one. Resolve-NginxRoute -Url <url> shows where a URL goes now.");
        return EntryCheckResult.Pass(Config, $"{Listed(known.Keys)} serve{(known.Count == 1 ? "s" : "")} the {wanted.Count} routes the Services give now (route table {wanted.Hash}).");
    }

    public static EntryCheckResult CheckLastSync(EntrySnapshot s, IReadOnlyDictionary<string, SyncRecord?> records, TimeSpan syncAge)
    {
        if (s.EventsError is not null) return EntryCheckResult.Warn(LastSync, $"The entry's events could not be listed: {s.EventsError}.", $"Test-NginxKitEntry needs list on events in {s.Namespace}.");
        if (records.Count == 0) return EntryCheckResult.Fail(LastSync, $"No entry pod is running, so none syncs.", "See the Rollout check.");
        var none = records.Where(r => r.Value is null).Select(r => r.Key).ToList();
        if (none.Count > 0)
            return EntryCheckResult.Fail(LastSync, $"No Synced event from {Listed(none)}: the sidecar has not synced, or cannot create Events.",
                $"kubectl logs -n {s.Namespace} {none[0]} -c sync shows the sidecar's syncs and errors; see the Rbac check.");
        var oldest = records.MinBy(r => r.Value!.Time);
        var age = s.Now - oldest.Value!.Time;
        var ages = $"last sync {Age(age)} ago ({oldest.Key}, the oldest of {records.Count})";
        if (age > syncAge)
            return EntryCheckResult.Fail(LastSync, $"Stale: {ages}, more than {Age(syncAge)}; the sidecar records one at least every {Age(Sync.SyncSettings.DefaultSyncedInterval)}.",
                $"The sidecar may be stuck or gone: kubectl logs -n {s.Namespace} {oldest.Key} -c sync; deleting the pod makes a fresh one.");
        return EntryCheckResult.Pass(LastSync, $"{char.ToUpperInvariant(ages[0])}{ages[1..]}.");
    }

    private static string Age(TimeSpan t) => t.TotalSeconds < 120 ? $"{Math.Max(0, (int)t.TotalSeconds)} s" : t.TotalMinutes < 120 ? $"{(int)t.TotalMinutes} min" : $"{(int)t.TotalHours} h";

    /// <summary>
    /// The offline checks: a config file NginxKit wrote against the routes manifest files give.
    /// <paramref name="conf"/> is <paramref name="configText"/> read; <paramref name="wanted"/> is built with its default server name.
    /// </summary>
    public static IReadOnlyList<EntryCheckResult> EvaluateOffline(string configPath, string configText, ServedConf conf, ServedRouteTable wanted)
    {
        var served = ServedRouteTable.FromConfig(conf);
        var file = NginxConfRenderer.HasIntactHash(configText)
            ? EntryCheckResult.Pass(ConfigFile, $"{configPath} is as NginxKit rendered it ({NginxConfRenderer.ReadHash(configText)}), {served.Count} routes.")
            : EntryCheckResult.Warn(ConfigFile, $"{configPath} was edited after NginxKit rendered it: its header hash does not match its content.",
                "The next sync overwrites hand edits; make the change in the Services' annotations instead.");
        var diff = ServedRouteTable.Compare(served, served.Hash, served.Count, wanted);
        var config = diff.InSync
            ? EntryCheckResult.Pass(Config, $"{configPath} serves the {wanted.Count} routes the manifests give.")
            : EntryCheckResult.Fail(Config, $"{configPath} differs from the {wanted.Count} routes the manifests give: {diff.Describe()}.",
                "Render it again: Get-NginxRoute -Path <manifests> | New-NginxConf -OutFile <file>, or let nginxkit-sync write it; Resolve-NginxRoute shows where a URL goes.");
        return [file, config];
    }
}
